import { ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail, type ThrottlerRequest } from '@nestjs/throttler';
import type { ApiRequest } from './api-request';
import { IDEMPOTENT_ROUTE } from './idempotent-route';
import { ProblemException, problem } from './problem';
import { perRoute } from './route-marks';

const RATE_LIMITED_ROUTE = 'zan:rate-limited';
/** Counts a route that moves no money against the same per-user budget as money-moving ones (linking a card). */
export const RateLimited = () => SetMetadata(RATE_LIMITED_ROUTE, true);

/**
 * Limits per user (not per IP: many users share a carrier's NAT), with two throttlers: `money` on
 * money-moving routes and those marked RateLimited, and `queries`, a separate and higher limit, on
 * authenticated GETs (the read models are Redis's to protect, and `?after=` holds a request open).
 * Probes and scrapes carry no user and are never limited.
 */
@Injectable()
export class MoneyRateLimitGuard extends ThrottlerGuard {
  // Counted once per request: the refusal gate (RefusalGate) may have counted it before Nest.
  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    return context.switchToHttp().getRequest<ApiRequest>().raw.rateCounted === true;
  }

  /**
   * A request no throttler limits (see limits: a POST under `queries`, a claim while the money
   * limit is 0, a probe) goes through without the base class's metadata lookups and awaits for
   * each throttler; the base class lets it through too (handleRequest answers true for it).
   */
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    if (await this.shouldSkip(context)) return true;
    const limited = this.throttlers.some((throttler) => !(throttler.skipIf ?? this.commonOptions.skipIf)?.(context) && this.limits(throttler.name, context));
    return limited ? super.canActivate(context) : true;
  }

  protected override async handleRequest(request: ThrottlerRequest): Promise<boolean> {
    if (!this.limits(request.throttler.name, request.context)) return true;
    return super.handleRequest(request);
  }

  /** Whether the money throttler limits a route, once per handler. */
  private readonly moneyRoute = perRoute(
    (targets) =>
      this.reflector.getAllAndOverride<boolean | undefined>(RATE_LIMITED_ROUTE, targets) === true ||
      this.reflector.getAllAndOverride<string | undefined>(IDEMPOTENT_ROUTE, targets) === 'required',
  );

  private limits(throttler: string | undefined, context: ExecutionContext): boolean {
    if (throttler === 'money') return this.moneyRoute(context);
    const request = context.switchToHttp().getRequest<ApiRequest>();
    // Fastify answers HEAD on every GET route by running the GET handler (the read, any ?after= wait):
    // it is the same query and counts against the same limit.
    return (request.method === 'GET' || request.method === 'HEAD') && request.raw.principal !== undefined;
  }

  // The auth guard ran first and left its principal on the request (absent on a public route).
  protected override async getTracker(request: ApiRequest): Promise<string> {
    return `user:${request.raw.principal?.userId ?? 'anonymous'}`;
  }

  protected override generateKey(_context: ExecutionContext, tracker: string, name: string): string {
    return `${name}:${tracker}`;
  }

  /** A 429 carries the limit it hit, as every other answer of that limit does (X-RateLimit-*-money or -queries), and when to retry. */
  protected override async throwThrottlingException(_context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const retryAfter = String(Math.max(1, detail.timeToBlockExpire || detail.timeToExpire));
    const limit = detail.key.startsWith('queries:') ? 'queries' : 'money';
    const what = limit === 'queries' ? 'queries' : 'money-moving or card-linking requests';
    throw new ProblemException(problem(429, 'rate-limited', 'Too many requests', `at most ${detail.limit} ${what} per minute; retry in ${retryAfter} s`), {
      'Retry-After': retryAfter,
      [`X-RateLimit-Limit-${limit}`]: String(detail.limit),
      [`X-RateLimit-Remaining-${limit}`]: '0',
      [`X-RateLimit-Reset-${limit}`]: retryAfter,
    });
  }
}
