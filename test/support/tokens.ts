import { createHmac } from 'node:crypto';

const b64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

/**
 * An HS256 JWT as a client would bring it (tests sign their own, like any API consumer), valid by
 * the api's rules: iat now, exp required (1 h by default; at most ZAN_JWT_MAX_LIFETIME_SECONDS, 24 h).
 */
export const tokenFor = (userId: string, secret: string, options: { roles?: string[]; expiresInS?: number } = {}): string => {
  const now = Math.floor(Date.now() / 1000);
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = b64url(JSON.stringify({ sub: userId, roles: options.roles ?? [], iat: now, exp: now + (options.expiresInS ?? 3600) }));
  const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
};

export const TEST_JWT_SECRET = 'zan-test-secret-0123456789abcdef';
