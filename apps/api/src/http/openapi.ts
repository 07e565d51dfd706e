import { applyDecorators, type INestApplication } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiProperty,
  ApiPropertyOptional,
  ApiResponse,
  DocumentBuilder,
  SwaggerModule,
  getSchemaPath,
  type OpenAPIObject,
} from '@nestjs/swagger';
import * as domain from '@zan/domain';
import { HTTP_PROBLEMS, problemType } from './problem';

/** RFC 9457 problem details, as every error is answered. */
export class ProblemDoc {
  @ApiProperty({ description: 'URI naming the kind of problem', example: 'https://zan.dev/problems/insufficient-funds' })
  type!: string;
  @ApiProperty({ example: 'Insufficient funds' })
  title!: string;
  @ApiProperty({ type: 'integer', example: 422 })
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

type OperationDoc = { parameters?: { name: string; in: string; required?: boolean }[]; responses: Record<string, ResponseDoc> };
type ResponseDoc = { description: string; headers?: Record<string, object>; content?: Record<string, { schema?: object; examples?: Record<string, object> }> };

const problemResponse = (status: number, codes: string[]): ResponseDoc => ({
  description: codes.map((code) => `\`${problemType(code)}\``).join(', '),
  content: {
    'application/problem+json': {
      schema: { $ref: getSchemaPath(status === 400 ? ValidationProblemDoc : ProblemDoc) },
      examples: Object.fromEntries(
        codes.map((code) => [
          code,
          { value: { type: problemType(code), title: PROBLEM_CATALOG[code]!.title, status, detail: '(what went wrong, for a person)' } },
        ]),
      ),
    },
  },
});

/** The problems of a route, by code; grouped by status into one documented response each. */
export const ApiProblems = (...codes: string[]) => {
  const byStatus = new Map<number, string[]>();
  for (const code of new Set([...codes, 'internal', 'unavailable'])) {
    const known = PROBLEM_CATALOG[code];
    if (!known) throw new Error(`unknown problem type ${code}`);
    byStatus.set(known.status, [...(byStatus.get(known.status) ?? []), code]);
  }
  return applyDecorators(
    ApiExtraModels(ProblemDoc, ValidationProblemDoc),
    ...[...byStatus].map(([status, group]) => ApiResponse({ status, ...problemResponse(status, group) })),
  );
};

/** Problems of every route that needs a bearer token. */
export const AUTHENTICATED = ['unauthorized'];
/** Problems of every money-moving route: a required Idempotency-Key and the per-user rate limit. */
export const MONEY_MOVING = [
  ...AUTHENTICATED,
  'validation',
  'idempotency-key-missing',
  'idempotency-key-invalid',
  'idempotency-key-reused',
  'request-in-progress',
  'rate-limited',
];

const DESCRIPTION = `Zan: tips, red packets, wallets and transfers. Every amount is an integer count of fen
(1 yuan = 100 fen), CNY only. Every error is \`application/problem+json\` (RFC 9457). Every POST that
moves money needs an \`Idempotency-Key\`: the same key with the same body answers the first response
again (header \`Idempotent-Replayed: true\`), with another body a 409. Queries are eventually
consistent: pass a command's \`position\` as \`?after=\` to read your own write (up to 5 s, else 503).
Send \`X-Request-Id\` and \`X-Correlation-Id\` to follow a request through logs, events and traces:
every answer carries both. Money-moving answers carry the per-user limit (\`X-RateLimit-*-money\`), queries
theirs (\`X-RateLimit-*-queries\`);
429 and 503 say when to retry (\`Retry-After\`). A path Zan does not serve is a 404 \`not-found\` problem.`;

/** Headers Zan sends, declared once and referred to from every response that may carry them. */
const HEADERS: Record<string, { description: string; schema: object; required?: boolean }> = {
  'X-Request-Id': {
    description: "This request's id: your `X-Request-Id` when well formed, else a new uuid (in every log line of the request)",
    schema: { type: 'string' },
    required: true,
  },
  'X-Correlation-Id': {
    description: 'Your `X-Correlation-Id`, else the request id; the events of the command carry it',
    schema: { type: 'string' },
    required: true,
  },
  'Idempotent-Replayed': {
    description: '`true` when this is the stored answer to an earlier request with the same Idempotency-Key',
    schema: { type: 'string', enum: ['true'] },
  },
  'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer', minimum: 1 } },
  'X-RateLimit-Limit-money': { description: 'Money-moving requests allowed per user per minute', schema: { type: 'integer' } },
  'X-RateLimit-Remaining-money': { description: 'What is left of them in this window', schema: { type: 'integer' } },
  'X-RateLimit-Reset-money': { description: 'Seconds until the window starts again', schema: { type: 'integer' } },
  'Retry-After-money': { description: 'The same as Retry-After, named after the limit (sent by the rate limiter)', schema: { type: 'integer', minimum: 1 } },
  'X-RateLimit-Limit-queries': { description: 'Queries allowed per user per minute (a separate, higher limit)', schema: { type: 'integer' } },
  'X-RateLimit-Remaining-queries': { description: 'What is left of them in this window', schema: { type: 'integer' } },
  'X-RateLimit-Reset-queries': { description: 'Seconds until the window starts again', schema: { type: 'integer' } },
  'Retry-After-queries': { description: 'The same as Retry-After, named after the limit (sent by the rate limiter)', schema: { type: 'integer', minimum: 1 } },
  'WWW-Authenticate': { description: '`Bearer`', schema: { type: 'string' } },
};

/** Problems any route may answer before its handler runs: a body that is not JSON or nests deeper than
 * 32 levels (or a path that is not valid percent-encoding), a body over 64 kB, a charset or a
 * Content-Encoding Zan does not read. */
const EVERY_ROUTE = ['bad-request', 'payload-too-large', 'unsupported-media-type'];

/**
 * What decorators cannot say route by route: the problems every route may answer, and the headers of
 * every answer (ids on all; replay, rate-limit and retry headers where they are sent).
 */
const completeDocument = (document: OpenAPIObject): OpenAPIObject => {
  const ref = (name: string) => ({ $ref: `#/components/headers/${name}` });
  document.components = {
    ...document.components,
    headers: HEADERS,
    responses: {
      ...document.components?.responses,
      'not-found': { ...problemResponse(404, ['not-found']), description: 'A path or method Zan does not serve: `https://zan.dev/problems/not-found`' },
    },
  };
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item as Record<string, OperationDoc>)) {
      // Every authenticated query counts against the per-user query limit.
      const query = method === 'get' && path.startsWith('/v1/');
      const perRoute = query ? [...EVERY_ROUTE, 'rate-limited'] : EVERY_ROUTE;
      for (const code of perRoute) {
        const status = String(PROBLEM_CATALOG[code]!.status);
        const response = (operation.responses[status] ??= problemResponse(Number(status), []));
        const content = response.content?.['application/problem+json'];
        content!.examples = { ...content!.examples, ...problemResponse(Number(status), [code]).content!['application/problem+json']!.examples };
        response.description = [response.description, `\`${problemType(code)}\``].filter(Boolean).join(', ');
      }
      const idempotency = operation.parameters?.find((parameter) => parameter.in === 'header' && parameter.name === 'Idempotency-Key');
      const limited = '429' in operation.responses;
      for (const [status, response] of Object.entries(operation.responses)) {
        const code = Number(status);
        const headers: Record<string, object> = { 'X-Request-Id': ref('X-Request-Id'), 'X-Correlation-Id': ref('X-Correlation-Id') };
        // A stored answer is a success or a business refusal (403, 404, 409, 410, 422).
        if (idempotency && (code < 300 || [403, 404, 409, 410, 422].includes(code))) headers['Idempotent-Replayed'] = ref('Idempotent-Replayed');
        // A rate-limited route (one that may answer 429) counts its requests once they are authenticated.
        const limit = query ? 'queries' : 'money';
        if ((limited || query) && code !== 401) {
          for (const name of [`X-RateLimit-Limit-${limit}`, `X-RateLimit-Remaining-${limit}`, `X-RateLimit-Reset-${limit}`]) headers[name] = ref(name);
        }
        // 429 and 503 always; a 409 when the same key is still being processed.
        if (code === 429 || code === 503 || (code === 409 && idempotency)) headers['Retry-After'] = ref('Retry-After');
        if (code === 429) headers[`Retry-After-${limit}`] = ref(`Retry-After-${limit}`);
        if (code === 401) headers['WWW-Authenticate'] = ref('WWW-Authenticate');
        response.headers = { ...response.headers, ...headers };
      }
    }
  }
  return document;
};

export const buildOpenApiDocument = (app: INestApplication): OpenAPIObject =>
  completeDocument(
    SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('Zan API')
        .setDescription(DESCRIPTION)
        .setVersion('1')
        .addBearerAuth(
          { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'HS256 JWT: `sub` is the user id, `roles` may hold "admin"' },
          'bearer',
        )
        .build(),
      { operationIdFactory: (controller, method) => `${controller.replace(/Controller$/, '')}_${method}` },
    ),
  );

/** `/docs` (Swagger UI) and `/docs/openapi.json`, both public. */
export const setupApiDocs = (app: INestApplication): void => {
  let document: OpenAPIObject | undefined;
  SwaggerModule.setup('docs', app, () => (document ??= buildOpenApiDocument(app)), {
    jsonDocumentUrl: 'docs/openapi.json',
    yamlDocumentUrl: 'docs/openapi.yaml',
  });
};
