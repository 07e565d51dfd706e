import { PROBLEM_BASE } from '@zan/platform';

/** RFC 9457 problem details, the only error shape Zan's HTTP api returns. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: { field: string; message: string }[];
  [extension: string]: unknown;
}

export const problemType = (code: string): string => `${PROBLEM_BASE}${code}`;

export const problem = (status: number, code: string, title: string, detail: string, extra: Partial<Problem> = {}): Problem => ({
  type: problemType(code),
  title,
  status,
  detail,
  ...extra,
});

/**
 * The problems the HTTP layer answers itself, by code (the last segment of the type); the domain's
 * come with its error classes. Titles are in sentence case, like the domain's: "Not found".
 */
export const HTTP_PROBLEMS: Record<string, { status: number; title: string }> = {
  validation: { status: 400, title: 'Invalid request' },
  'bad-request': { status: 400, title: 'Bad request' },
  'idempotency-key-missing': { status: 400, title: 'Idempotency-Key required' },
  'idempotency-key-invalid': { status: 400, title: 'Invalid Idempotency-Key' },
  unauthorized: { status: 401, title: 'Unauthorized' },
  forbidden: { status: 403, title: 'Forbidden' },
  'not-found': { status: 404, title: 'Not found' },
  'idempotency-key-reused': { status: 409, title: 'Idempotency-Key reused' },
  'request-in-progress': { status: 409, title: 'Request in progress' },
  'payload-too-large': { status: 413, title: 'Payload too large' },
  'unsupported-media-type': { status: 415, title: 'Unsupported media type' },
  'rate-limited': { status: 429, title: 'Too many requests' },
  internal: { status: 500, title: 'Internal server error' },
  'read-model-behind': { status: 503, title: 'Read model not caught up' },
  unavailable: { status: 503, title: 'Service unavailable' },
  'verification-provider-unavailable': { status: 503, title: 'Verification provider unavailable' },
  'webhook-endpoint-not-found': { status: 404, title: 'Webhook endpoint not found' },
};

/** A problem of the HTTP layer's own, titled from HTTP_PROBLEMS. */
export const httpProblem = (code: string, detail: string, extra: Partial<Problem> = {}): Problem => {
  const known = HTTP_PROBLEMS[code] ?? { status: 500, title: 'Internal server error' };
  return problem(known.status, code, known.title, detail, extra);
};

/** An HTTP-layer failure that already knows its problem (auth, idempotency, read waits). */
export class ProblemException extends Error {
  constructor(
    readonly problem: Problem,
    readonly headers: Record<string, string> = {},
  ) {
    super(problem.detail);
    this.name = 'ProblemException';
  }
}
