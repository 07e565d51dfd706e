import type { IncomingMessage } from 'node:http';
import type { FastifyRequest } from 'fastify';
import type { KeyClaim } from '@zan/event-store';
import type { RequestIds } from '@zan/platform';

/** The caller a bearer token names (AuthGuard). */
export interface Principal {
  userId: string;
  roles: string[];
  isAdmin: boolean;
}

/** An Idempotency-Key the IdempotencyInterceptor accepted for this request. */
export interface IdempotencyContext {
  key: string;
  /** A previous attempt with this key died mid-way: the command may already have taken effect. */
  recovering: boolean;
  /**
   * The key, for the append that stores the command's effect to take (Execution.claim), on a route
   * whose key no write takes before its command (`claimedByAppend`): `tried` once an append carried
   * it, `taken` once one stored it.
   */
  claim?: KeyClaim & { tried?: boolean; taken?: boolean };
}

/** An Idempotency-Key accepted for a request: its scope (the caller), the key, and the hash of the request it names. */
export interface AcceptedKey {
  scope: string;
  key: string;
  hash: string;
}

/**
 * What the api learns of a request as it goes (caller, key, command id), kept with its ids on Node's
 * request object (Fastify's `raw`), which the request's closing log line reads too.
 */
export type RequestState = RequestIds & {
  principal?: Principal;
  idempotency?: IdempotencyContext;
  /** The key as the IdempotencyInterceptor accepted it (checked, with the request's hash), once per request. */
  acceptedKey?: AcceptedKey;
  commandId?: string;
  /** The rate limits counted this request already (the refusal gate, RefusalGate): the guard does not count it twice. */
  rateCounted?: boolean;
  /**
   * The route's up-front refusal was tried and the key's record outranked it (the refusal gate): the
   * interceptor goes straight to the record.
   */
  upFrontTried?: boolean;
};

/** A request as guards, interceptors and routes get it. */
export type ApiRequest = FastifyRequest & { raw: IncomingMessage & RequestState };

/** A request as the command path sees it, once authenticated (and its Idempotency-Key accepted, if any). */
export type CommandRequest = FastifyRequest & { raw: IncomingMessage & RequestState & { principal: Principal } };

/** A header sent once, as a string (Node joins a repeated one with commas). */
export const headerOf = (request: FastifyRequest, name: string): string | undefined => {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
};
