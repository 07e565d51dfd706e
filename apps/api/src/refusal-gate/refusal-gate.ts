import { ForbiddenException, Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, HttpAdapterHost, MetadataScanner, Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { AuthGuard } from '../auth/auth.guard';
import { IdempotencyInterceptor } from '../idempotency/idempotency.interceptor';
import type { CommandRequest } from '../http/api-request';
import { IDEMPOTENT_ROUTE, REFUSED_UP_FRONT } from '../http/idempotent-route';
import { ProblemFilter } from '../http/problem.filter';
import { MoneyRateLimitGuard } from '../http/rate-limit';
import { type NestRoute, RouteTable } from '../http/route-table';

/**
 * The hot packet's and the flash sale's losers (a claim on a packet that is gone, an order of a
 * product sold out moments ago) answered in a Fastify hook, before Nest's router, guards,
 * interceptor and filter run for them: the same steps, in the same order, by the same code, on a
 * shorter path (issue 22: 9,900 of a hot packet's 10,000 claimers hear this refusal, and Nest's
 * pipeline was most of its cost).
 *
 * For a route with an UpFrontRefusal, the gate runs the first steps of Nest's pipeline for it, in
 * their order: the api's AuthGuard, the MoneyRateLimitGuard, the IdempotencyInterceptor's key check,
 * the route's refusal, and the interceptor's store of that refusal as the key's answer; it answers
 * the refusal, or any error on the way (a 401, a 429, a bad key, a database that cannot be reached),
 * through the ProblemFilter, as Nest would. A request it does not answer (no refusal: the packet is
 * not known to be gone; or a key that has a record already: a replay, a twin, another request) goes
 * on to Nest with what was done marked on it: the token is not verified again, the rate limit not
 * counted again, the key not checked and hashed again, and a refusal outranked by the record not
 * tried again.
 */
@Injectable()
export class RefusalGate implements OnModuleInit {
  /** The routes with an up-front refusal (REFUSED_UP_FRONT). */
  private routes?: RouteTable<NestRoute>;

  constructor(
    private readonly host: HttpAdapterHost,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    private readonly auth: AuthGuard,
    private readonly limits: MoneyRateLimitGuard,
    private readonly idempotency: IdempotencyInterceptor,
    private readonly problems: ProblemFilter,
  ) {}

  /** The routes gated, as `METHOD /template` (the template Fastify matches). */
  gatedRoutes(): string[] {
    return this.routes?.keys() ?? [];
  }

  /** Once Nest has its routes (and before Fastify is ready: HttpServerReady). */
  onModuleInit(): void {
    this.routes = new RouteTable(this.discovery, this.scanner, (route, name) => {
      if (!this.reflector.get(REFUSED_UP_FRONT, route.handler)) return undefined;
      // The gate checks the key as the interceptor does for a key it requires (an optional one is skipped when absent).
      if (this.reflector.get(IDEMPOTENT_ROUTE, route.handler) !== 'required') throw new Error(`${name}: a route refused up front requires its Idempotency-Key`);
      return route;
    });
    const fastify = this.host.httpAdapter?.getInstance<FastifyInstance>();
    if (fastify) this.install(fastify);
  }

  private install(fastify: FastifyInstance): void {
    fastify.addHook('preHandler', (request, reply, done) => {
      const route = this.routes!.routeOf(request);
      if (!route) return done();
      this.gate(route, request as CommandRequest, reply).then(
        (answered) => answered || done(),
        (error: unknown) => done(error as Error),
      );
    });
  }

  /** True when the request was answered here. */
  private async gate(route: NestRoute, request: CommandRequest, reply: FastifyReply): Promise<boolean> {
    const context = new ExecutionContextHost([request, reply], route.controller, route.handler);
    try {
      // Nest answers a guard that says no with a 403; these say no by throwing their own problem.
      this.auth.admit(context);
      if (!(await this.limits.canActivate(context))) throw new ForbiddenException();
      request.raw.rateCounted = true;
      const accepted = this.idempotency.accept(request);
      const refusal = this.idempotency.refusalUpFront(context, request);
      if (!refusal) return false;
      if (await this.idempotency.storeRefusal(accepted, refusal)) throw refusal;
      request.raw.upFrontTried = true;
      return false;
    } catch (error) {
      this.problems.catch(error, context);
      return true;
    }
  }
}
