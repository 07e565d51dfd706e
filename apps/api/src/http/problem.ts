/** RFC 9457 problem details, the only error shape Zan's HTTP api returns. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: { field: string; message: string }[];
  [extension: string]: unknown;
}

export const PROBLEM_BASE = 'https://zan.dev/problems/';
export const problemType = (code: string): string => `${PROBLEM_BASE}${code}`;

export const problem = (
  status: number,
  code: string,
  title: string,
  detail: string,
  extra: Partial<Problem> = {},
): Problem => ({ type: problemType(code), title, status, detail, ...extra });

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
