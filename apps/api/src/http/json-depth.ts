import { ProblemException, httpProblem } from './problem';

/** Arrays and objects nested deeper than this in a request body are a 400: no route needs more than a few. */
export const MAX_JSON_DEPTH = 32;

/**
 * Whether a JSON text nests arrays and objects deeper than `max`, read byte by byte (strings
 * skipped), before it is parsed: recursive code further on (hashing a body for its Idempotency-Key,
 * validation) would otherwise overflow the stack on a 64 KB body of brackets and answer 500.
 */
export const nestsDeeperThan = (raw: Buffer, max = MAX_JSON_DEPTH): boolean => {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < raw.length; i++) {
    const byte = raw[i];
    if (inString) {
      if (byte === 0x5c)
        i += 1; // backslash: skip the escaped byte
      else if (byte === 0x22) inString = false;
    } else if (byte === 0x22) {
      inString = true;
    } else if (byte === 0x5b || byte === 0x7b) {
      if (++depth > max) return true;
    } else if (byte === 0x5d || byte === 0x7d) {
      depth -= 1;
    }
  }
  return false;
};

/** A body nested too deep is a 400, before it is parsed. */
export const refuseDeepJson = (raw: Buffer): void => {
  if (nestsDeeperThan(raw))
    throw new ProblemException(httpProblem('bad-request', `the request body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`));
};
