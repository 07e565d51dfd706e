import { createHmac, createSecretKey } from 'node:crypto';
import { BearerTokenVerifier, TokenRejected, verifyBearerToken } from './bearer-token';

const SECRET = 'unit-secret-0123456789abcdef';
const key = createSecretKey(Buffer.from(SECRET));
const rules = { maxLifetimeSeconds: 86_400, clockSkewSeconds: 5 };
const NOW = 1_800_000_000;

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const sign = (claims: Record<string, unknown>, { secret = SECRET, header = { alg: 'HS256', typ: 'JWT' } as unknown } = {}) => {
  const body = `${b64(header)}.${b64(claims)}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
};
const verify = (token: string, nowS = NOW) => verifyBearerToken(token, key, rules, nowS * 1000);
const reason = (token: string, nowS = NOW): string => {
  try {
    verify(token, nowS);
  } catch (error) {
    expect(error).toBeInstanceOf(TokenRejected);
    return (error as Error).message;
  }
  throw new Error('accepted');
};

describe('verifyBearerToken', () => {
  it('accepts an HS256 token with exp, iat and nbf in range, and returns its claims', () => {
    expect(verify(sign({ sub: 'alice', roles: ['admin'], iat: NOW, nbf: NOW, exp: NOW + 3600 }))).toMatchObject({
      sub: 'alice',
      roles: ['admin'],
      exp: NOW + 3600,
    });
    // exp alone is enough; its lifetime is then counted from now.
    expect(verify(sign({ sub: 'alice', exp: NOW + 60 })).sub).toBe('alice');
  });

  it('requires exp', () => {
    expect(reason(sign({ sub: 'alice', iat: NOW }))).toBe('token has no exp claim');
  });

  it('refuses an expired token, with 5 s of clock skew', () => {
    const token = sign({ sub: 'alice', iat: NOW - 100, exp: NOW });
    expect(verify(token, NOW + 4).sub).toBe('alice');
    expect(reason(token, NOW + 5)).toBe('token expired');
  });

  it('refuses a token not yet valid (nbf, or iat in the future), with 5 s of clock skew', () => {
    expect(verify(sign({ sub: 'a', nbf: NOW + 5, exp: NOW + 60 })).sub).toBe('a');
    expect(reason(sign({ sub: 'a', nbf: NOW + 6, exp: NOW + 60 }))).toBe('token not yet valid (nbf)');
    expect(reason(sign({ sub: 'a', iat: NOW + 6, exp: NOW + 60 }))).toBe('token not yet valid (iat in the future)');
  });

  it('refuses a lifetime longer than the limit (from iat, else from now)', () => {
    expect(verify(sign({ sub: 'a', iat: NOW, exp: NOW + 86_400 })).sub).toBe('a');
    expect(reason(sign({ sub: 'a', iat: NOW, exp: NOW + 86_401 }))).toBe('token lifetime too long: at most 86400 s from iat to exp');
    expect(reason(sign({ sub: 'a', exp: NOW + 86_401 }))).toBe('token lifetime too long: at most 86400 s from iat to exp');
    // A token without exp "forever" and one issued long ago with a far exp are both refused.
    expect(reason(sign({ sub: 'a', iat: NOW - 86_400 * 365, exp: NOW + 60 }))).toMatch(/^token lifetime too long/);
  });

  it('refuses a bad signature', () => {
    expect(reason(sign({ sub: 'a', exp: NOW + 60 }, { secret: 'zan-dev-secret-change-me-please' }))).toBe('bad token signature');
    const token = sign({ sub: 'a', exp: NOW + 60 });
    expect(reason(`${token.slice(0, -2)}AA`)).toBe('bad token signature');
    expect(reason(`${token.split('.').slice(0, 2).join('.')}.`)).toBe('bad token signature');
  });

  it('takes one spelling of a signature: the last character with other dropped bits is refused', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const token = sign({ sub: 'a', exp: NOW + 60 });
    const last = alphabet.indexOf(token.at(-1)!);
    for (const low of [1, 2, 3]) {
      const other = `${token.slice(0, -1)}${alphabet[last ^ low]}`;
      // The same 32 bytes once decoded: only the text tells them apart.
      expect(Buffer.from(other.split('.')[2]!, 'base64url')).toEqual(Buffer.from(token.split('.')[2]!, 'base64url'));
      expect(reason(other)).toBe('bad token signature');
    }
    expect(verify(token).sub).toBe('a');
  });

  it('refuses a header naming critical extensions (RFC 7515 4.1.11)', () => {
    expect(reason(sign({ sub: 'a', exp: NOW + 60 }, { header: { alg: 'HS256', crit: ['b64'], b64: false } }))).toBe(
      'unsupported token header: crit names extensions Zan does not understand',
    );
    expect(reason(sign({ sub: 'a', exp: NOW + 60 }, { header: { alg: 'HS256', crit: [] } }))).toMatch(/^unsupported token header/);
  });

  it('pins HS256: alg none, RS256 and a missing alg are refused', () => {
    expect(reason(sign({ sub: 'a', exp: NOW + 60 }, { header: { alg: 'none' } }))).toBe('unsupported token algorithm: only HS256 is accepted');
    expect(reason(sign({ sub: 'a', exp: NOW + 60 }, { header: { alg: 'RS256' } }))).toBe('unsupported token algorithm: only HS256 is accepted');
    expect(reason(sign({ sub: 'a', exp: NOW + 60 }, { header: { typ: 'JWT' } }))).toBe('unsupported token algorithm: only HS256 is accepted');
  });

  it('calls a token that is not a JWT malformed', () => {
    expect(reason('not-a-jwt')).toBe('malformed token: expected three dot-separated parts');
    expect(reason('a.b.c.d')).toBe('malformed token: expected three dot-separated parts');
    expect(reason(`${b64('{')}.${b64({ exp: NOW + 60 })}.x`)).toBe('malformed token: header and payload must be base64url JSON objects');
    expect(reason(`${b64({ alg: 'HS256' })}.${b64('[1]')}.x`)).toBe('malformed token: header and payload must be base64url JSON objects');
    expect(reason(`${b64({ alg: 'HS256' })}.${b64({ exp: NOW })}.x+y`)).toBe('malformed token: the signature must be base64url, without padding');
    expect(reason(`${sign({ sub: 'a', exp: NOW + 60 })}=`)).toBe('malformed token: the signature must be base64url, without padding');
    expect(reason(sign({ sub: 'a', exp: String(NOW + 60) }))).toBe('malformed token: exp is not a number of seconds');
  });
});

describe("BearerTokenVerifier (a token's signature checked once)", () => {
  const rejection = (verifier: BearerTokenVerifier, token: string, nowS = NOW): string => {
    try {
      verifier.verify(token, nowS * 1000);
    } catch (error) {
      expect(error).toBeInstanceOf(TokenRejected);
      return (error as Error).message;
    }
    throw new Error('accepted');
  };

  it('answers a remembered token with its claims, and still checks its time claims on every use', () => {
    const verifier = new BearerTokenVerifier(key, rules);
    const token = sign({ sub: 'a', iat: NOW, exp: NOW + 60 });
    expect(verifier.verify(token, NOW * 1000)).toEqual(verify(token));
    expect(verifier.verify(token, (NOW + 30) * 1000)).toEqual(verify(token));
    expect(rejection(verifier, token, NOW + 70)).toBe('token expired');
    // Forgotten once expired, and refused the same way afterwards.
    expect(rejection(verifier, token, NOW + 70)).toBe('token expired');
  });

  it('remembers only tokens that passed: a refused one stays refused, an altered one is verified afresh', () => {
    const verifier = new BearerTokenVerifier(key, rules);
    const forged = sign({ sub: 'a', exp: NOW + 60 }, { secret: 'another-secret-0123456789' });
    expect(rejection(verifier, forged)).toBe('bad token signature');
    expect(rejection(verifier, forged)).toBe('bad token signature');
    const token = sign({ sub: 'a', exp: NOW + 60 });
    verifier.verify(token, NOW * 1000);
    expect(rejection(verifier, `${token.slice(0, -2)}AA`)).toBe('bad token signature');
    const notYet = sign({ sub: 'a', nbf: NOW + 30, exp: NOW + 60 });
    expect(rejection(verifier, notYet)).toBe('token not yet valid (nbf)');
    expect(verifier.verify(notYet, (NOW + 30) * 1000).sub).toBe('a');
  });

  it('keeps at most maxEntries tokens and goes on verifying beyond them', () => {
    const verifier = new BearerTokenVerifier(key, rules, 2);
    const tokens = ['a', 'b', 'c'].map((sub) => sign({ sub, exp: NOW + 60 }));
    for (const token of [...tokens, ...tokens]) expect(verifier.verify(token, NOW * 1000)).toEqual(verify(token));
    expect((verifier as unknown as { verified: Map<string, unknown> }).verified.size).toBe(2);
  });
});
