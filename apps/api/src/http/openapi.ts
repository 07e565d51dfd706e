import { applyDecorators, type INestApplication } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiPropertyOptional, ApiResponse, DocumentBuilder, SwaggerModule, getSchemaPath, type OpenAPIObject } from '@nestjs/swagger';
import * as domain from '@zan/domain';
import { HTTP_PROBLEMS, problemType } from './problem';

/** RFC 9457 problem details, as every error is answered. */
export class ProblemDoc {
  @ApiProperty({ description: 'URI naming the kind of problem', example: 'https://zan.dev/problems/insufficient-funds' })
  type!: string;
  @ApiProperty({ example: 'Insufficient funds' })
  title!: string;
  @ApiProperty({ example: 422 })
  status!: number;
  @ApiProperty({ example: 'balance 300 fen is less than 888 fen' })
  detail!: string;
}

export class FieldErrorDoc {
  @ApiProperty({ example: 'amount' })
  field!: string;
  @ApiProperty({ example: 'amount must be a positive integer number of fen (1 yuan = 100 fen), at most 2^53-1' })
  message!: string;
}

/** A 400 for bad input lists every failing field. */
export class ValidationProblemDoc extends ProblemDoc {
  @ApiPropertyOptional({ type: [FieldErrorDoc] })
  errors?: FieldErrorDoc[];
}

const DOMAIN_PROBLEMS = Object.fromEntries(
  (Object.values(domain) as unknown[])
    .filter((value): value is new (detail: string) => domain.DomainError => typeof value === 'function' && value.prototype instanceof domain.DomainError)
    .map((ErrorClass) => new ErrorClass(''))
    .map((error) => [error.code, { status: error.status, title: error.title }]),
);

/** Every problem type Zan answers, by its code (the last segment of its type URI). */
export const PROBLEM_CATALOG: Record<string, { status: number; title: string }> = { ...DOMAIN_PROBLEMS, ...HTTP_PROBLEMS };

/** The problems of a route, by code; grouped by status into one documented response each. */
export const ApiProblems = (...codes: string[]) => {
  const byStatus = new Map<number, string[]>();
  for (const code of new Set([...codes, 'internal'])) {
    const known = PROBLEM_CATALOG[code];
    if (!known) throw new Error(`unknown problem type ${code}`);
    byStatus.set(known.status, [...(byStatus.get(known.status) ?? []), code]);
  }
  return applyDecorators(
    ApiExtraModels(ProblemDoc, ValidationProblemDoc),
    ...[...byStatus].map(([status, group]) =>
      ApiResponse({
        status,
        description: group.map((code) => `\`${problemType(code)}\``).join(', '),
        content: {
          'application/problem+json': {
            schema: { $ref: getSchemaPath(status === 400 ? ValidationProblemDoc : ProblemDoc) },
            examples: Object.fromEntries(
              group.map((code) => [
                code,
                { value: { type: problemType(code), title: PROBLEM_CATALOG[code]!.title, status, detail: `(what went wrong, for a person)` } },
              ]),
            ),
          },
        },
      }),
    ),
  );
};

/** Problems of every route that needs a bearer token. */
export const AUTHENTICATED = ['unauthorized'];
/** Problems of every money-moving route: a required Idempotency-Key and the per-user rate limit. */
export const MONEY_MOVING = [...AUTHENTICATED, 'validation', 'idempotency-key-missing', 'idempotency-key-invalid', 'idempotency-key-reused', 'request-in-progress', 'rate-limited'];

const DESCRIPTION = `Zan: tips, red packets, wallets and transfers. Every amount is an integer count of fen
(1 yuan = 100 fen), CNY only. Every error is \`application/problem+json\` (RFC 9457). Every POST that
moves money needs an \`Idempotency-Key\`: the same key with the same body answers the first response
again (header \`Idempotent-Replayed: true\`), with another body a 409. Queries are eventually
consistent: pass a command's \`position\` as \`?after=\` to read your own write (up to 5 s, else 503).
Send \`X-Request-Id\` and \`X-Correlation-Id\` to follow a request through logs, events and traces.`;

export const buildOpenApiDocument = (app: INestApplication): OpenAPIObject =>
  SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Zan API')
      .setDescription(DESCRIPTION)
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'HS256 JWT: `sub` is the user id, `roles` may hold "admin"' }, 'bearer')
      .build(),
    { operationIdFactory: (controller, method) => `${controller.replace(/Controller$/, '')}_${method}` },
  );

/** `/docs` (Swagger UI) and `/docs/openapi.json`, both public. */
export const setupApiDocs = (app: INestApplication): void => {
  let document: OpenAPIObject | undefined;
  SwaggerModule.setup('docs', app, () => (document ??= buildOpenApiDocument(app)), {
    jsonDocumentUrl: 'docs/openapi.json',
    yamlDocumentUrl: 'docs/openapi.yaml',
  });
};
