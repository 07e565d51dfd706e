import { createHmac, timingSafeEqual, type KeyObject } from 'node:crypto';

/** What a bearer token must satisfy besides its signature. */
export interface TokenRules {
  /** Longest accepted exp - iat (exp - now without iat), in seconds. */
  maxLifetimeSeconds: number;
  /** Clock difference tolerated between the issuer and this server, in seconds. */
  clockSkewSeconds: number;
}

export const CLOCK_SKEW_SECONDS = 5;

export interface TokenClaims {
  sub?: unknown;
  roles?: unknown;
  exp: number;
  iat?: number;
  nbf?: number;
}

/** Why a token is refused: the 401's detail, word for word. */
export class TokenRejected extends Error {
  override readonly name = 'TokenRejected';
}

const SEGMENT = /^[A-Za-z0-9_-]*$/;

const decodeJson = (segment: string): unknown => {
  if (!SEGMENT.test(segment)) return undefined;
  try {
    return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
};

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A NumericDate claim (RFC 7519): absent, or a finite number of seconds. */
const numericDate = (claims: Record<string, unknown>, name: string): number | undefined => {
  const value = claims[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new TokenRejected(`malformed token: ${name} is not a number of seconds`);
  return value;
};

/**
 * Verifies an HS256 JWT (the algorithm is pinned: `none`, RS and ES tokens are refused) and its
 * time claims: `exp` required, `nbf` and `iat` honoured with a few seconds of clock skew, and a
 * lifetime no longer than the rules allow. Throws TokenRejected with the reason.
 */
export const verifyBearerToken = (token: string, key: KeyObject, rules: TokenRules, nowMs: number): TokenClaims => {
  const parts = token.split('.');
  if (parts.length !== 3) throw new TokenRejected('malformed token: expected three dot-separated parts');
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = decodeJson(headerPart);
  const claims = decodeJson(payloadPart);
  if (!isObject(header) || !isObject(claims) || !SEGMENT.test(signaturePart)) {
    throw new TokenRejected('malformed token: header and payload must be base64url JSON objects');
  }
  if (header.alg !== 'HS256') throw new TokenRejected('unsupported token algorithm: only HS256 is accepted');
  const expected = createHmac('sha256', key).update(`${headerPart}.${payloadPart}`).digest();
  const given = Buffer.from(signaturePart, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new TokenRejected('bad token signature');

  const now = nowMs / 1000;
  const skew = rules.clockSkewSeconds;
  const exp = numericDate(claims, 'exp');
  const iat = numericDate(claims, 'iat');
  const nbf = numericDate(claims, 'nbf');
  if (exp === undefined) throw new TokenRejected('token has no exp claim');
  if (now - skew >= exp) throw new TokenRejected('token expired');
  if (nbf !== undefined && now + skew < nbf) throw new TokenRejected('token not yet valid (nbf)');
  if (iat !== undefined && now + skew < iat) throw new TokenRejected('token not yet valid (iat in the future)');
  if (exp - (iat ?? now) > rules.maxLifetimeSeconds) {
    throw new TokenRejected(`token lifetime too long: at most ${rules.maxLifetimeSeconds} s from iat to exp`);
  }
  return { ...claims, exp, ...(iat !== undefined && { iat }), ...(nbf !== undefined && { nbf }) };
};
