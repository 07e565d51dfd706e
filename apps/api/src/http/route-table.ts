import { RequestMethod, type Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import type { DiscoveryService, MetadataScanner } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';

/** A route as Nest runs it: its controller and handler (what an ExecutionContextHost is made of). */
export interface NestRoute {
  controller: Type<unknown>;
  handler: (...args: never[]) => unknown;
}

/**
 * Nest's routes by the method and template Fastify matched, for a Fastify hook that runs part of
 * Nest's pipeline before Nest does (the early authentication, the refusal gate). Each route is the
 * one `pick` makes of a controller's handler, or none; each template Fastify matches is looked up once.
 */
export class RouteTable<R> {
  private readonly routes = new Map<string, R>();
  /** Each route Fastify matched, by method and template as Fastify holds it: found or not, worked out once. */
  private readonly byTemplate = new Map<string, R | null>();

  constructor(discovery: DiscoveryService, scanner: MetadataScanner, pick: (route: NestRoute, name: string) => R | undefined) {
    for (const { metatype, instance } of discovery.getControllers()) {
      if (!metatype || !instance) continue;
      const prototype = Object.getPrototypeOf(instance) as Record<string, NestRoute['handler']>;
      for (const name of scanner.getAllMethodNames(prototype)) {
        const handler = prototype[name]!;
        const verb = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (verb === undefined) continue; // not a route
        const route = pick({ controller: metatype as Type<unknown>, handler }, `${metatype.name}.${name}`);
        if (route === undefined) continue;
        for (const base of pathsOf(metatype)) for (const path of pathsOf(handler)) this.routes.set(routeKey(RequestMethod[verb], `/${base}/${path}`), route);
      }
    }
  }

  /** The routes found, as `METHOD /template` (the template Fastify matches). */
  keys(): string[] {
    return [...this.routes.keys()];
  }

  /** The route of the request's match: a HEAD is its GET's (Fastify's own HEAD route runs the GET handler); null when none. */
  routeOf(request: FastifyRequest): R | null {
    const template = request.routeOptions.url;
    if (template === undefined) return null; // no route: Nest's 404
    const matched = `${request.method} ${template}`;
    let route = this.byTemplate.get(matched);
    if (route === undefined) {
      const method = request.method === 'HEAD' ? 'GET' : request.method;
      route = this.routes.get(routeKey(method, template)) ?? this.routes.get(routeKey('ALL', template)) ?? null;
      this.byTemplate.set(matched, route);
    }
    return route;
  }
}

const pathsOf = (target: object): string[] => {
  const path = Reflect.getMetadata(PATH_METADATA, target) as string | string[] | undefined;
  return Array.isArray(path) ? path : [path ?? ''];
};

/** `POST /v1/orders`: slashes collapsed, none at the end, letters as Fastify matches them (caseSensitive off). */
const routeKey = (method: string, path: string): string =>
  `${method} ${path
    .replace(/\/+/g, '/')
    .replace(/(.)\/$/, '$1')
    .toLowerCase()}`;
