import type { ExecutionContext, Type } from '@nestjs/common';

/** A route's handler and its controller class, in the order Reflector.getAllAndOverride reads them. */
export type RouteTargets = [handler: ReturnType<ExecutionContext['getHandler']>, controller: Type<unknown>];

/**
 * What a route's metadata says, worked out once per handler: the metadata does not change once the
 * app runs, and the guards ask for it on every request. `read` gets the route's targets.
 */
export const perRoute = <T>(read: (targets: RouteTargets) => T): ((context: ExecutionContext) => T) => {
  const known = new WeakMap<object, T>();
  return (context) => {
    const handler = context.getHandler();
    let marks = known.get(handler);
    if (marks === undefined) known.set(handler, (marks = read([handler, context.getClass()])));
    return marks;
  };
};
