import { createSecretKey } from 'node:crypto';
import { CanActivate, ExecutionContext, Inject, Injectable, SetMetadata, createParamDecorator } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { PUBLIC_ROUTE, ZAN_CONFIG, ZAN_SECRETS, type ZanConfig, type ZanSecrets } from '@zan/platform';
import { BearerTokenVerifier, CLOCK_SKEW_SECONDS, TokenRejected } from './bearer-token';
import type { ApiRequest, Principal } from '../http/api-request';
import { ProblemException, problem } from '../http/problem';
import { perRoute } from '../http/route-marks';
import { ID_PATTERN } from '../http/validation';

export type { Principal } from '../http/api-request';

// Public routes are marked with the platform's decorator, shared with /health and /metrics.
export { PUBLIC_ROUTE, Public } from '@zan/platform';
export const ADMIN_ROUTE = 'zan:admin';
export const AdminOnly = () => SetMetadata(ADMIN_ROUTE, true);

const unauthorized = (detail: string) => new ProblemException(problem(401, 'unauthorized', 'Unauthorized', detail), { 'WWW-Authenticate': 'Bearer' });

/**
 * Bearer JWT, HS256 only, with `exp` required and its lifetime bounded (see verifyBearerToken).
 * `sub` is the user id; `roles` may hold "admin".
 */
@Injectable()
export class AuthGuard implements CanActivate {
  // One key object for every token, not one built per request; each token's signature checked once.
  private readonly tokens: BearerTokenVerifier;

  constructor(
    private readonly reflector: Reflector,
    @Inject(ZAN_SECRETS) secrets: ZanSecrets,
    @Inject(ZAN_CONFIG) config: ZanConfig,
  ) {
    this.tokens = new BearerTokenVerifier(createSecretKey(Buffer.from(secrets.jwtSecret)), {
      maxLifetimeSeconds: config.jwtMaxLifetimeSeconds,
      clockSkewSeconds: CLOCK_SKEW_SECONDS,
    });
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    this.admit(context);
    return true;
  }

  /**
   * The route's caller admitted, or its 401 (no valid token) or 403 (an admin route without the
   * role) thrown; synchronous, for a Fastify hook to run before Nest (EarlyAuthentication).
   */
  admit(context: ExecutionContext): void {
    const route = this.routeOf(context);
    if (route.isPublic) return;
    const request = context.switchToHttp().getRequest<ApiRequest>();
    // Authenticated once per request: a hook before Nest (EarlyAuthentication, RefusalGate) may have done it.
    const principal = request.raw.principal ?? this.authenticate(request);
    if (route.adminOnly && !principal.isAdmin) {
      throw new ProblemException(problem(403, 'forbidden', 'Forbidden', 'this route needs the admin role'));
    }
  }

  /** Each route's marks, once per handler. */
  private readonly routeOf = perRoute((targets) => ({
    isPublic: this.reflector.getAllAndOverride<boolean | undefined>(PUBLIC_ROUTE, targets) === true,
    adminOnly: this.reflector.getAllAndOverride<boolean | undefined>(ADMIN_ROUTE, targets) === true,
  }));

  /** The caller the request's bearer token names, kept on the request (401 without a valid token). */
  private authenticate(request: ApiRequest): Principal {
    const header = request.headers.authorization;
    if (!header) throw unauthorized('missing bearer token');
    // The scheme is case-insensitive (RFC 9110 §11.1): `bearer` and `BEARER` are Bearer.
    const match = /^Bearer ([\x21-\x7e]+)$/i.exec(header);
    if (!match) throw unauthorized('malformed Authorization header: expected "Bearer <jwt>"');
    let claims: { sub?: unknown; roles?: unknown };
    try {
      // Wall-clock time, not the injected domain clock: tokens live in the issuer's real time.
      claims = this.tokens.verify(match[1]!, Date.now());
    } catch (error) {
      if (error instanceof TokenRejected) throw unauthorized(error.message);
      throw error;
    }
    if (typeof claims.sub !== 'string' || !ID_PATTERN.test(claims.sub)) throw unauthorized('token has no valid sub claim');
    const roles = Array.isArray(claims.roles) ? claims.roles.filter((r): r is string => typeof r === 'string') : [];
    return (request.raw.principal = { userId: claims.sub, roles, isAdmin: roles.includes('admin') });
  }
}

export const CurrentUser = createParamDecorator((_: unknown, context: ExecutionContext): Principal => {
  const { principal } = context.switchToHttp().getRequest<ApiRequest>().raw;
  if (!principal) throw unauthorized('missing bearer token');
  return principal;
});
