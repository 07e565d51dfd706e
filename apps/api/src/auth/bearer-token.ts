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

/** The header segment last decoded, and what it decoded to: one issuer's tokens share their header, so it is decoded once (it is only read). */
let lastHeader: { segment: string; decoded: unknown } | undefined;
const decodeHeader = (segment: string): unknown => {
  if (lastHeader?.segment !== segment) lastHeader = { segment, decoded: decodeJson(segment) };
  return lastHeader.decoded;
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
export const verifyBearerToken = (token: string, key: KeyObject, rules: TokenRules, nowMs: number): TokenClaims =>
  checkTimeClaims(verifySignedClaims(token, key), rules, nowMs);

/** The token's claims once its form, algorithm and signature hold, its dates checked to be numbers. */
const verifySignedClaims = (token: string, key: KeyObject): TokenClaims & Record<string, unknown> => {
  const parts = token.split('.');
  if (parts.length !== 3) throw new TokenRejected('malformed token: expected three dot-separated parts');
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = decodeHeader(headerPart);
  const claims = decodeJson(payloadPart);
  if (!isObject(header) || !isObject(claims)) throw new TokenRejected('malformed token: header and payload must be base64url JSON objects');
  if (!SEGMENT.test(signaturePart)) throw new TokenRejected('malformed token: the signature must be base64url, without padding');
  if (header.alg !== 'HS256') throw new TokenRejected('unsupported token algorithm: only HS256 is accepted');
  // RFC 7515 4.1.11: a token naming extensions the verifier must understand is refused; Zan understands none.
  if (header.crit !== undefined) throw new TokenRejected('unsupported token header: crit names extensions Zan does not understand');
  // The signature's text, compared as text: the last of its 43 characters carries two bits that
  // decoding drops, so comparing decoded bytes took four spellings of one signature.
  const expected = Buffer.from(createHmac('sha256', key).update(`${headerPart}.${payloadPart}`).digest('base64url'));
  const given = Buffer.from(signaturePart);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new TokenRejected('bad token signature');
  const exp = numericDate(claims, 'exp');
  const iat = numericDate(claims, 'iat');
  const nbf = numericDate(claims, 'nbf');
  if (exp === undefined) throw new TokenRejected('token has no exp claim');
  return { ...claims, exp, ...(iat !== undefined && { iat }), ...(nbf !== undefined && { nbf }) };
};

/** The time claims against `nowMs`: they change with time, so they are checked on every use. */
const checkTimeClaims = (claims: TokenClaims, rules: TokenRules, nowMs: number): TokenClaims => {
  const now = nowMs / 1000;
  const skew = rules.clockSkewSeconds;
  const { exp, iat, nbf } = claims;
  if (now - skew >= exp) throw new TokenRejected('token expired');
  if (nbf !== undefined && now + skew < nbf) throw new TokenRejected('token not yet valid (nbf)');
  if (iat !== undefined && now + skew < iat) throw new TokenRejected('token not yet valid (iat in the future)');
  if (exp - (iat ?? now) > rules.maxLifetimeSeconds) {
    throw new TokenRejected(`token lifetime too long: at most ${rules.maxLifetimeSeconds} s from iat to exp`);
  }
  return claims;
};

/**
 * verifyBearerToken with the signature checked once per token: a client sends the same token with
 * every request until it expires, and parsing it and computing its HMAC was about 2% of the api's CPU
 * per tip. Only tokens whose signature held are remembered, by their full text (so an altered token
 * is a different key and verified afresh); the time claims are checked on every use, and an expired
 * token is forgotten. At most `maxEntries` tokens, the oldest forgotten first.
 */
export class BearerTokenVerifier {
  private readonly verified = new Map<string, TokenClaims>();

  constructor(
    private readonly key: KeyObject,
    private readonly rules: TokenRules,
    private readonly maxEntries = 10_000,
  ) {}

  verify(token: string, nowMs: number): TokenClaims {
    let claims = this.verified.get(token);
    if (!claims) {
      claims = verifySignedClaims(token, this.key);
      checkTimeClaims(claims, this.rules, nowMs);
      if (this.verified.size >= this.maxEntries) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(token, claims);
      return claims;
    }
    try {
      return checkTimeClaims(claims, this.rules, nowMs);
    } catch (error) {
      this.verified.delete(token);
      throw error;
    }
  }
}
