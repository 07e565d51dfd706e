import { ForbiddenException, Injectable, type OnModuleInit, RequestMethod, type Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, HttpAdapterHost, MetadataScanner, Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AuthGuard } from '../auth/auth.guard';
import { IdempotencyInterceptor } from '../idempotency/idempotency.interceptor';
import type { CommandRequest } from '../http/api-request';
import { IDEMPOTENT_ROUTE, REFUSED_UP_FRONT } from '../http/idempotent-route';
import { ProblemFilter } from '../http/problem.filter';
import { MoneyRateLimitGuard } from '../http/rate-limit';

/** A route with an up-front refusal (REFUSED_UP_FRONT): its controller and handler, as Nest runs them. */
interface GatedRoute {
  controller: Type<unknown>;
  handler: (...args: never[]) => unknown;
}

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
  private readonly routes = new Map<string, GatedRoute>();
  /** Each route Fastify matched, by method and template as Fastify holds it: gated or not, worked out once. */
  private readonly byTemplate = new Map<string, GatedRoute | null>();

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
    return [...this.routes.keys()];
  }

  /** Once Nest has its routes (and before Fastify is ready: HttpServerReady). */
  onModuleInit(): void {
    this.discoverRoutes();
    const fastify = this.host.httpAdapter?.getInstance<FastifyInstance>();
    if (fastify) this.install(fastify);
  }

  private install(fastify: FastifyInstance): void {
    fastify.addHook('preHandler', (request, reply, done) => {
      const route = this.routeOf(request);
      if (!route) return done();
      this.gate(route, request as CommandRequest, reply).then(
        (answered) => answered || done(),
        (error: unknown) => done(error as Error),
      );
    });
  }

  /** True when the request was answered here. */
  private async gate(route: GatedRoute, request: CommandRequest, reply: FastifyReply): Promise<boolean> {
    const context = new ExecutionContextHost([request, reply], route.controller, route.handler);
    try {
      // Nest answers a guard that says no with a 403; these say no by throwing their own problem.
      if (!(await this.auth.canActivate(context)) || !(await this.limits.canActivate(context))) throw new ForbiddenException();
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

  private routeOf(request: FastifyRequest): GatedRoute | null {
    const template = request.routeOptions.url;
    if (template === undefined) return null; // no route: Nest's 404
    const matched = `${request.method} ${template}`;
    let route = this.byTemplate.get(matched);
    if (route === undefined) this.byTemplate.set(matched, (route = this.routes.get(routeKey(request.method, template)) ?? null));
    return route;
  }

  private discoverRoutes(): void {
    for (const { metatype, instance } of this.discovery.getControllers()) {
      if (!metatype || !instance) continue;
      const prototype = Object.getPrototypeOf(instance) as Record<string, GatedRoute['handler']>;
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const handler = prototype[name]!;
        if (!this.reflector.get(REFUSED_UP_FRONT, handler)) continue;
        // The gate checks the key as the interceptor does for a key it requires (an optional one is skipped when absent).
        if (this.reflector.get(IDEMPOTENT_ROUTE, handler) !== 'required') {
          throw new Error(`${metatype.name}.${name}: a route refused up front requires its Idempotency-Key`);
        }
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
        const path = `/${pathOf(metatype)}/${pathOf(handler)}`;
        this.routes.set(routeKey(method, path), { controller: metatype as Type<unknown>, handler });
      }
    }
  }
}

const pathOf = (target: object): string => {
  const path = Reflect.getMetadata(PATH_METADATA, target) as string | string[] | undefined;
  if (Array.isArray(path)) throw new Error('a route with an up-front refusal has one path');
  return path ?? '';
};

/** `POST /v1/orders`: slashes collapsed, none at the end, letters as Fastify matches them (caseSensitive off). */
const routeKey = (method: string, path: string): string =>
  `${method} ${path
    .replace(/\/+/g, '/')
    .replace(/(.)\/$/, '$1')
    .toLowerCase()}`;
