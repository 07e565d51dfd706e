import { CallHandler, ExecutionContext, HttpException, Inject, Injectable, Logger, NestInterceptor, type Type } from '@nestjs/common';
import { ModuleRef, Reflector } from '@nestjs/core';
import { createHash, createHmac } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Observable, from, lastValueFrom } from 'rxjs';
import { CLOCK, type Clock, type VaultKeys, ZAN_VAULT_KEYS, routeTemplateOf } from '@zan/platform';
import { DomainError } from '@zan/domain';
import { KeyClaimedError } from '@zan/event-store';
import { commandIdOf } from '../command-path/command-context';
import { type AcceptedKey, type CommandRequest, type IdempotencyContext, headerOf } from '../http/api-request';
import { CLAIMED_BY_APPEND, IDEMPOTENT_ROUTE, REFUSED_UP_FRONT, type UpFrontRefusal } from '../http/idempotent-route';
import { ProblemException, problem } from '../http/problem';
import { toProblem } from '../http/problem.filter';
import { CommandMetrics } from '../observability/command-metrics';
import { IDEMPOTENCY_STORE, type IdempotencyStore, type Lease } from '@zan/stores';

// Short: commands take milliseconds, and a takeover is safe because ids are deterministic.
const LEASE_MS = 5_000;
const WAIT_FOR_TWIN_MS = 10_000;
/**
 * CONTRACT: "1..255 chars". Printable ASCII, spaces inside included (the HTTP parser has already
 * dropped any around it): never a control character, which would reach logs and stored metadata.
 */
const KEY_PATTERN = /^[\x20-\x7e]{1,255}$/;

/** A request body as the key's hash reads it: object keys sorted, so the same body in another key order is the same request. */
export const canonical = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
};

/**
 * The body the hash reads: none and `{}` are one request (CONTRACT: a claim takes "no body or `{}`"),
 * hashed as no body, as it was before `{}` was read so.
 */
const bodyAsHashed = (body: unknown): unknown =>
  body === undefined || (body !== null && typeof body === 'object' && !Array.isArray(body) && Object.keys(body).length === 0) ? null : body;

/**
 * Body fields that hold personal data. The request's hash is kept with the key and seeds the ids of
 * its command and events (Kafka, exports and webhooks carry them): it reads these fields keyed, so
 * nobody without the install's key can test guesses of a name against an event, shredded or not.
 */
const PERSONAL_FIELDS = new Set(['holderName', 'realName', 'idNumber', 'companyName', 'licenseNumber']);

const withPersonalFieldsKeyed = (body: unknown, key: Buffer): unknown => {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return body;
  // Most bodies (every money route's) carry none: hashed as they are, not copied.
  if (!Object.keys(body).some((field) => PERSONAL_FIELDS.has(field))) return body;
  return Object.fromEntries(
    Object.entries(body as Record<string, unknown>).map(([field, value]) =>
      PERSONAL_FIELDS.has(field) && typeof value === 'string'
        ? [field, `hmac:${createHmac('sha256', key).update(`request:${value}`).digest('hex')}`]
        : [field, value],
    ),
  );
};

@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly logger = new Logger(IdempotencyInterceptor.name);
  private readonly upFront = new Map<Type<UpFrontRefusal>, UpFrontRefusal>();
  /**
   * The leases of this process's claims by append in flight, by key. A lease is its claim's fencing
   * token: two requests of one key must never hold the same one, or a refusal of the second (decided
   * after the first's effect) would take the first's record for its own (settle). Spread over a second
   * too, so that copies sent to two replicas within a millisecond hardly ever meet on one.
   */
  private readonly leases = new Map<string, Lease>();

  constructor(
    private readonly reflector: Reflector,
    private readonly modules: ModuleRef,
    @Inject(IDEMPOTENCY_STORE) private readonly store: IdempotencyStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly metrics: CommandMetrics,
    @Inject(ZAN_VAULT_KEYS) private readonly vaultKeys: VaultKeys,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const targets = [context.getHandler(), context.getClass()];
    const mode = this.reflector.getAllAndOverride<'required' | 'optional' | undefined>(IDEMPOTENT_ROUTE, targets);
    if (!mode) return next.handle();
    if (mode === 'optional' && context.switchToHttp().getRequest<FastifyRequest>().headers['idempotency-key'] === undefined) return next.handle();
    return from(this.run(context, next));
  }

  private async run(context: ExecutionContext, next: CallHandler): Promise<unknown> {
    const request = context.switchToHttp().getRequest<CommandRequest>();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const { scope, key, hash } = this.accept(request);
    const idempotency = request.raw.idempotency!;

    // A refusal known before the command runs (a claim on a packet that is gone, an order of a sold-out
    // product) is stored as the key's answer in one write instead of two, and the command never runs.
    // The record is still stored: the contract (docs/contract.md, "Commands over HTTP") answers the
    // same key with another request 409 idempotency-key-reused, and without the record that request
    // would run (a claim of another packet under a key already answered). The answer is the usual
    // way's (UpFrontRefusal: a final refusal, or the handler's pre-check on the same cached state),
    // and a key that has a record already (an earlier win, a twin in progress, another request) goes
    // the usual way below, which replays it, refuses it or waits for it. The refusal gate may have
    // tried this already, before Nest's pipeline (RefusalGate): then it is not tried twice.
    if (request.raw.upFrontTried !== true) {
      const refusal = this.refusalUpFront(context, request);
      if (refusal && (await this.storeRefusal({ scope, key, hash }, refusal))) throw refusal;
    }

    if (this.store.claimsWithEvents && this.reflector.get<boolean | undefined>(CLAIMED_BY_APPEND, context.getHandler())) {
      const answered = await this.runClaimedByAppend({ scope, key, hash }, request, next);
      if (answered) return answered.body;
    }

    const deadline = Date.now() + WAIT_FOR_TWIN_MS;
    for (;;) {
      const begun = await this.store.begin(scope, key, hash, LEASE_MS, this.clock.now());
      switch (begun.outcome) {
        case 'mismatch':
          throw new ProblemException(
            problem(409, 'idempotency-key-reused', 'Idempotency-Key reused', 'this Idempotency-Key was already used with a different request'),
          );
        case 'replay':
          this.metrics.idempotentReplays.inc({ route: routeTemplateOf(request) ?? pathOf(request) });
          // The stored command's id, as the causation id of this request's log line.
          commandIdOf(request);
          reply.header('Idempotent-Replayed', 'true');
          if (begun.response.status >= 400) throw new ProblemException(begun.response.body as never);
          reply.status(begun.response.status);
          return begun.response.body;
        case 'in-progress':
          if (Date.now() > deadline) {
            throw new ProblemException(
              problem(409, 'request-in-progress', 'Request in progress', 'a request with this Idempotency-Key is still being processed'),
              { 'Retry-After': '1' },
            );
          }
          await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 30));
          continue;
        case 'started': {
          idempotency.recovering = begun.takenOver;
          let body: unknown;
          try {
            body = await lastValueFrom(next.handle(), { defaultValue: undefined });
          } catch (error) {
            throw await this.settleFailure(scope, key, begun.lease, error);
          }
          // The effect is stored: this answer is right whatever becomes of the record, so it is sent
          // without waiting for it (a retry before it is written waits as for a twin in progress).
          // When it cannot be completed (the database failed, the process died, or a retry took the
          // lease over), a retry finds the stored outcome by the command's deterministic event ids and
          // answers the same. Every idempotent route is a POST answering 201 Created.
          void this.store.complete(scope, key, { status: 201, body }, begun.lease).catch((error: unknown) => this.warnUnsettled(key, error));
          return body;
        }
      }
    }
  }

  /**
   * A route whose key the command's append takes (`claimedByAppend`): no write before the command.
   * Its append writes the key's pending record in the statement that stores its events, or stores
   * nothing when the key has a record already (KeyClaimedError: a retry, a twin, another request).
   * Answers the command's answer, or undefined when the key has a record to answer from, which the
   * usual way then does (replays it, refuses it 409, or waits for it). The outcomes:
   * - stored with the record: answered, the record completed on the way out, as after a claim;
   * - refused (DomainError), or answered without its append taking the key (a no-op, an outcome found
   *   stored): the answer is stored as the key's record first (settle), unless the key has another;
   * - failed otherwise: a record its append may have written is freed for a retry at once, as after a
   *   claim (abandoned, or released for a 4xx), and nothing is written when no append carried the key.
   */
  private async runClaimedByAppend({ scope, key, hash }: AcceptedKey, request: CommandRequest, next: CallHandler): Promise<{ body: unknown } | undefined> {
    const idempotency = request.raw.idempotency!;
    const now = this.clock.now();
    const id = `${scope}\n${key}`;
    const lease = Math.max(now.getTime() + LEASE_MS + Math.floor(Math.random() * 1_000), (this.leases.get(id) ?? 0) + 1);
    this.leases.set(id, lease);
    const claim: NonNullable<IdempotencyContext['claim']> = { scope, key, requestHash: hash, lockedUntil: lease, createdAt: now };
    idempotency.claim = claim;
    try {
      let body: unknown;
      try {
        body = await lastValueFrom(next.handle(), { defaultValue: undefined });
      } catch (error) {
        if (error instanceof KeyClaimedError) return undefined;
        if (claim.taken) {
          // Stored, then failed: a retry takes the record over at once and answers from the stored events.
          await this.store.abandon(scope, key, lease).catch((storeError: unknown) => this.warnUnsettled(key, storeError));
          throw error;
        }
        if (!(error instanceof DomainError)) throw claim.tried ? await this.settleFailure(scope, key, lease, error) : error;
        const { problem } = toProblem(error);
        if (await this.store.settle!(scope, key, hash, { status: problem.status, body: problem }, lease, now)) throw error;
        return undefined;
      }
      if (claim.taken) {
        void this.store.complete(scope, key, { status: 201, body }, lease).catch((error: unknown) => this.warnUnsettled(key, error));
        return { body };
      }
      return (await this.store.settle!(scope, key, hash, { status: 201, body }, lease, now)) ? { body } : undefined;
    } finally {
      // The usual way, if it follows, runs the command as a claim before it lets it: without this one.
      delete idempotency.claim;
      if (this.leases.get(id) === lease) this.leases.delete(id);
    }
  }

  /**
   * The request's Idempotency-Key, checked (400 when missing or malformed) and accepted: the
   * request's command id derives from it from now on (commandIdOf). With the key's scope (the
   * caller) and the hash of the request it names (method, path, canonical body).
   */
  accept(request: CommandRequest): AcceptedKey {
    const state = request.raw;
    // Accepted once per request: the refusal gate (RefusalGate) may have done it before Nest.
    if (state.acceptedKey) return state.acceptedKey;
    const key = headerOf(request, 'idempotency-key');
    if (key === undefined) {
      throw new ProblemException(
        problem(
          400,
          'idempotency-key-missing',
          'Idempotency-Key required',
          'money-moving requests need an Idempotency-Key header (1..255 printable characters)',
        ),
      );
    }
    if (repeatsKey(request.raw.rawHeaders)) {
      // Node joins them ("a, b"): said as it is, not as a key with a comma and a space in it.
      throw new ProblemException(problem(400, 'idempotency-key-invalid', 'Invalid Idempotency-Key', 'send one Idempotency-Key header, not several'));
    }
    if (!KEY_PATTERN.test(key)) {
      throw new ProblemException(
        problem(400, 'idempotency-key-invalid', 'Invalid Idempotency-Key', 'the Idempotency-Key must be 1..255 printable ASCII characters (spaces included)'),
      );
    }
    state.idempotency = { key, recovering: false };
    const hash = createHash('sha256')
      .update(`${request.method}\n${routedPathOf(request)}\n${canonical(withPersonalFieldsKeyed(bodyAsHashed(request.body), this.vaultKeys.hashKey))}`)
      .digest('hex');
    return (state.acceptedKey = { scope: state.principal.userId, key, hash });
  }

  /** Stores a refusal known up front as the key's answer: false when the key has a record already (nothing written). */
  storeRefusal({ scope, key, hash }: AcceptedKey, refusal: DomainError): Promise<boolean> {
    const { problem: body } = toProblem(refusal);
    return this.store.refuse(scope, key, hash, { status: body.status, body }, this.clock.now());
  }

  /** The route's refusal known before its command runs (REFUSED_UP_FRONT), if it has one and it applies. */
  refusalUpFront(context: ExecutionContext, request: CommandRequest): DomainError | undefined {
    const type = this.reflector.get<Type<UpFrontRefusal> | undefined>(REFUSED_UP_FRONT, context.getHandler());
    if (!type) return undefined;
    let refusing = this.upFront.get(type);
    if (!refusing) {
      refusing = this.modules.get(type, { strict: false }) as UpFrontRefusal; // Nest throws when it is not provided
      this.upFront.set(type, refusing);
    }
    return refusing.refusalOf(request);
  }

  /**
   * What a failed command leaves for the next request with its key, and the error to answer.
   * A business refusal is an answer: the same key gets the same refusal. Bad input had no effect:
   * the key is freed. Anything else (our own failure, a lost database answer) may have happened
   * after the events were stored: the lease is ended, so a retry takes the key over at once and
   * looks for the stored outcome before deciding anything (never a refusal of work that succeeded).
   */
  private async settleFailure(scope: string, key: string, lease: Lease, error: unknown): Promise<unknown> {
    try {
      if (error instanceof DomainError) {
        const { problem: body } = toProblem(error);
        if (await this.store.complete(scope, key, { status: body.status, body }, lease)) return error;
        // A retry took this key over while this request ran: its answer is the one kept, and this
        // refusal may be the retry's own effect seen from here. The client asks again for it.
        return new ProblemException(
          problem(409, 'request-in-progress', 'Request in progress', 'another request with this Idempotency-Key took it over; retry to get its answer'),
          { 'Retry-After': '1' },
        );
      }
      if (isClientError(error)) await this.store.release(scope, key, lease);
      else await this.store.abandon(scope, key, lease);
    } catch (storeError) {
      // The record keeps its lease: a retry takes it over when the lease ends, as a recovery.
      this.warnUnsettled(key, storeError);
    }
    return error;
  }

  private warnUnsettled(key: string, error: unknown): void {
    this.logger.warn(`idempotency record ${JSON.stringify(key)} left pending: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** More than one Idempotency-Key header (names are the even entries of rawHeaders). */
const repeatsKey = (raw: readonly string[]): boolean => {
  let count = 0;
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.length === 15 && raw[i]!.toLowerCase() === 'idempotency-key' && ++count > 1) return true;
  return false;
};

/** The request's path without its query: the same command whatever query string a client adds. */
const pathOf = (request: FastifyRequest): string => {
  const query = request.url.indexOf('?');
  return query === -1 ? request.url : request.url.slice(0, query);
};

/**
 * The path a request's hash names: its route's template with the parameters as the router decoded
 * them. A plain spelling gives its own path back (records stored before hash the same), and
 * `/v1/transfers/`, `/V1/Transfers` or an id sent percent-encoded, which reach the same route with
 * the same id, give the plain one: a retry spelled so replays its answer instead of a 409.
 */
const routedPathOf = (request: FastifyRequest): string => {
  const template = request.routeOptions.url;
  if (template === undefined) return pathOf(request);
  const params = request.params as Record<string, string | undefined>;
  return template.replace(/:(\w+)/g, (whole, name: string) => params[name] ?? whole);
};

/** A 4xx raised before the command ran (validation, auth, a missing resource): nothing happened. */
const isClientError = (error: unknown): boolean => {
  const status = error instanceof ProblemException ? error.problem.status : error instanceof HttpException ? error.getStatus() : 500;
  return status >= 400 && status < 500;
};
