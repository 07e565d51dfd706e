import { applyDecorators, BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';
import { registerDecorator, ValidateIf, ValidationOptions } from 'class-validator';
import { freeTextProblem } from '@zan/contracts';
import { ProblemException, problem } from './problem';

/** User ids and other ids that end up in stream names: short, printable, no separators or paths. */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.@:-]{0,127}$/;
export const ID_MESSAGE = 'must be 1..128 characters of letters, digits, _ . @ : - (starting with a letter or digit)';

/** An amount of fen: a JSON number that is a safe integer >= 1. Never coerced from strings. */
export function IsFenAmount(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isFenAmount',
      target: target.constructor,
      propertyName,
      options: {
        message: `${propertyName} must be a positive integer number of fen (1 yuan = 100 fen), at most 2^53-1`,
        ...options,
      },
      validator: {
        validate: (value: unknown) => typeof value === 'number' && Number.isSafeInteger(value) && value >= 1,
      },
    });
}

/**
 * Free text (a note, a message, a greeting; every future title or name): 1..maxLength Unicode
 * scalar values, no control character (C0, DEL, C1) and no unpaired surrogate. Anything else is a
 * 400 naming the field, here at the edge, before any store sees it (CONTRACT v1.1).
 */
export function IsFreeText(maxLength: number, { optional = false }: { optional?: boolean } = {}): PropertyDecorator {
  // Optional means absent: a null is checked (and refused) like any other non-text value.
  const absentAllowed = optional ? [ValidateIf((_object: object, value: unknown) => value !== undefined)] : [];
  return applyDecorators(...absentAllowed, (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isFreeText',
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate: (value: unknown) => typeof value === 'string' && freeTextProblem(value, maxLength) === undefined,
        defaultMessage: (args) =>
          `${String(propertyName)} ${typeof args?.value === 'string' ? freeTextProblem(args.value, maxLength) : `must be a string of 1..${maxLength} characters`}`,
      },
    }),
  );
}

const flatten = (errors: ValidationError[], parent = ''): { field: string; message: string }[] =>
  errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({
      field,
      message: message.replace(/^property (\S+) should not exist$/, 'unknown field'),
    }));
    return [...own, ...flatten(error.children ?? [], field)];
  });

/** Strict validation: no coercion, unknown fields rejected, every failing field listed in `errors`. */
export const strictValidationPipe = () =>
  new ValidationPipe({
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    // One message per field: the first rule it breaks (an empty body: one line per missing field).
    stopAtFirstError: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const list = flatten(errors);
      return new ProblemException(
        problem(400, 'validation', 'Invalid request', list.map((e) => `${e.field}: ${e.message}`).join('; ') || 'invalid body', {
          errors: list,
        }),
      );
    },
  });

export const badRequest = (field: string, message: string) =>
  new ProblemException(problem(400, 'validation', 'Invalid request', `${field}: ${message}`, { errors: [{ field, message }] }));

export { BadRequestException };

/** An id from a path or a query (a user, an author): a 400 naming the field otherwise. */
export const requireId = (value: string, field: string): string => {
  if (!ID_PATTERN.test(value)) throw badRequest(field, ID_MESSAGE);
  return value;
};

/**
 * A route that takes no body (a claim: its amount is drawn, never sent) refuses fields rather than
 * ignoring them, like any unknown field; no body, or `{}`, is fine.
 */
export const requireNoBody = (body: unknown): void => {
  if (body === undefined || body === null) return;
  const fields = Array.isArray(body) ? ['body'] : Object.keys(body as object);
  if (fields.length === 0) return;
  const errors = fields.slice(0, 20).map((field) => ({ field, message: field === 'body' ? 'this route takes no body' : 'unknown field' }));
  throw new ProblemException(problem(400, 'validation', 'Invalid request', errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors }));
};
