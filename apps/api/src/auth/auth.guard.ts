import { CanActivate, ExecutionContext, Injectable, SetMetadata, createParamDecorator } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import type { Request } from 'express';
import { PUBLIC_ROUTE } from '@zan/platform';
import { ProblemException, problem } from '../http/problem';
import { ID_PATTERN } from '../http/validation';

export interface Principal {
  userId: string;
  roles: string[];
  isAdmin: boolean;
}

// Public routes are marked with the platform's decorator, shared with /health and /metrics.
export { PUBLIC_ROUTE, Public } from '@zan/platform';
export const ADMIN_ROUTE = 'zan:admin';
export const AdminOnly = () => SetMetadata(ADMIN_ROUTE, true);

const unauthorized = (detail: string) =>
  new ProblemException(problem(401, 'unauthorized', 'Unauthorized', detail), { 'WWW-Authenticate': 'Bearer' });

/**
 * Bearer JWT, HS256 only (the algorithm is pinned: `alg: none` and RS/ES tokens are refused).
 * `sub` is the user id; `roles` may hold "admin".
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly jwt: JwtService,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const request = context.switchToHttp().getRequest<Request & { principal?: Principal }>();
    const header = request.headers.authorization;
    if (!header) throw unauthorized('missing bearer token');
    const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)$/.exec(header);
    if (!match) throw unauthorized('malformed Authorization header: expected "Bearer <jwt>"');
    let claims: { sub?: unknown; roles?: unknown };
    try {
      claims = await this.jwt.verifyAsync(match[1]!, { algorithms: ['HS256'] });
    } catch (error) {
      const reason = (error as Error).name === 'TokenExpiredError' ? 'token expired' : 'invalid token';
      throw unauthorized(reason);
    }
    if (typeof claims.sub !== 'string' || !ID_PATTERN.test(claims.sub)) throw unauthorized('token has no valid sub claim');
    const roles = Array.isArray(claims.roles) ? claims.roles.filter((r): r is string => typeof r === 'string') : [];
    const principal: Principal = { userId: claims.sub, roles, isAdmin: roles.includes('admin') };
    request.principal = principal;
    if (this.reflector.getAllAndOverride<boolean>(ADMIN_ROUTE, targets) && !principal.isAdmin) {
      throw new ProblemException(problem(403, 'forbidden', 'Forbidden', 'this route needs the admin role'));
    }
    return true;
  }
}

export const CurrentUser = createParamDecorator((_: unknown, context: ExecutionContext): Principal => {
  const request = context.switchToHttp().getRequest<{ principal?: Principal }>();
  if (!request.principal) throw unauthorized('missing bearer token');
  return request.principal;
});
