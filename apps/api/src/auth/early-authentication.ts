import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, HttpAdapterHost, MetadataScanner } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import type { FastifyInstance } from 'fastify';
import { ProblemFilter } from '../http/problem.filter';
import { type NestRoute, RouteTable } from '../http/route-table';
import { AuthGuard } from './auth.guard';

/**
 * The caller is authenticated before the request's body is read: without a valid token a request
 * hears 401 (on an admin route, without the role, 403) whatever its body holds, as the contract has
 * it ("No token or a bad one: 401"), and nobody unauthenticated can make the api parse a body or
 * learn its validation rules from the answers. A Fastify `preParsing` hook runs the app's own
 * AuthGuard for the route Nest will run, and answers its refusal through the app's ProblemFilter;
 * the principal it finds stays on the request, so the guard in Nest's pipeline (and the refusal
 * gate's) does not verify the token again. Public routes go on untouched; so does a request no
 * route matches (Nest's 404). What is refused before this, from the request's head alone, still
 * is: ambiguous or duplicated headers (400), a body that is not JSON by its Content-Type (415).
 */
@Injectable()
export class EarlyAuthentication implements OnModuleInit {
  private routes?: RouteTable<NestRoute>;

  constructor(
    private readonly host: HttpAdapterHost,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly auth: AuthGuard,
    private readonly problems: ProblemFilter,
  ) {}

  /** The routes it authenticates, as `METHOD /template`: every route of the app's controllers. */
  routeKeys(): string[] {
    return this.routes?.keys() ?? [];
  }

  /** Once Nest has its routes (and before Fastify is ready). */
  onModuleInit(): void {
    this.routes = new RouteTable(this.discovery, this.scanner, (route) => route);
    const fastify = this.host.httpAdapter?.getInstance<FastifyInstance>();
    fastify?.addHook('preParsing', (request, reply, payload, done) => {
      const route = this.routes!.routeOf(request);
      if (!route) return done(null, payload);
      const context = new ExecutionContextHost([request, reply], route.controller, route.handler);
      try {
        this.auth.admit(context);
      } catch (error) {
        return this.problems.catch(error, context);
      }
      done(null, payload);
    });
  }
}
