import Redis from 'ioredis';
import type { EndpointSecret, WebhookEndpoint } from '../endpoint';
import type { AttemptOutcome, DeliveryAttempt, NewDelivery, PendingDelivery, WebhookStore } from '../webhook-store.port';
import { CLAIM, DELETE_ENDPOINT, ENABLE_ENDPOINT, ENQUEUE, RECORD, SWAP_SECRETS } from './redis-webhook-scripts';

export interface RedisWebhookStoreOptions {
  /** A URL (the store opens and closes its own connection) or a connection its owner closes. */
  redis: string | Redis;
  /** Prepended to every key (`ZAN_REDIS_PREFIX`). */
  prefix: string;
  /** Newest attempts kept in each endpoint's log. */
  logLength?: number;
}

interface DeliveryRecord {
  t: string;
  s: string;
  p: string;
  b?: string;
  o: string;
  st: 'pending' | 'delivered' | 'failed';
  a: number;
  n: number;
  f: string;
}

type Scripted = Redis & {
  zanWebhooksEnqueue(key: string, ...args: (string | number)[]): Promise<number>;
  zanWebhooksClaim(key: string, ...args: (string | number)[]): Promise<string[]>;
  zanWebhooksRecord(key: string, ...args: (string | number)[]): Promise<number>;
  zanWebhooksDelete(key: string, ...args: string[]): Promise<number>;
  zanWebhooksEnable(key: string, ...args: string[]): Promise<number>;
  zanWebhooksSwapSecrets(key: string, ...args: string[]): Promise<number>;
};

const SCRIPTS = {
  zanWebhooksEnqueue: ENQUEUE,
  zanWebhooksClaim: CLAIM,
  zanWebhooksRecord: RECORD,
  zanWebhooksDelete: DELETE_ENDPOINT,
  zanWebhooksEnable: ENABLE_ENDPOINT,
  zanWebhooksSwapSecrets: SWAP_SECRETS,
};

/**
 * The webhook store in Redis, for deployments without a SQL database beside the events
 * (EventStoreDB). Every key shares one hash tag (`{webhooks}`), so on a cluster the store lives on
 * one slot and its Lua scripts, which claim, record and move queue heads atomically, may touch any
 * of them. Leases are scores in `heads`, kept in Redis: a crashed dispatcher's run out on their own.
 * A delivered or given-up delivery keeps a small record without its body (so a redelivered event is
 * not queued twice); the log keeps the newest `logLength` attempts per endpoint.
 */
export class RedisWebhookStore implements WebhookStore {
  private readonly redis: Scripted;
  private readonly owned: boolean;
  private readonly base: string;
  private readonly index: string;
  private readonly logLength: number;

  constructor(options: RedisWebhookStoreOptions) {
    this.owned = typeof options.redis === 'string';
    const redis = typeof options.redis === 'string' ? new Redis(options.redis, { socketTimeout: 10_000, maxRetriesPerRequest: 2 }) : options.redis;
    if (this.owned) redis.on('error', () => undefined);
    for (const [name, lua] of Object.entries(SCRIPTS)) if (!(name in redis)) redis.defineCommand(name, { numberOfKeys: 1, lua });
    this.redis = redis as Scripted;
    this.base = `${options.prefix}{webhooks}:`;
    this.index = `${this.base}endpoints`;
    this.logLength = options.logLength ?? 10_000;
  }

  async migrate(): Promise<void> {
    // Nothing to create: keys appear as they are written.
  }

  async createEndpoint(e: WebhookEndpoint): Promise<void> {
    const fields: Record<string, string> = {
      url: e.url,
      events: JSON.stringify(e.events),
      status: e.status,
      fromPosition: e.fromPosition.toString(),
      createdAt: e.createdAt,
      secrets: JSON.stringify(e.secrets),
      ...(e.description !== undefined && { description: e.description }),
      ...(e.disabledReason !== undefined && { disabledReason: e.disabledReason }),
      ...(e.disabledAt !== undefined && { disabledAt: e.disabledAt }),
      ...(e.failingSince !== undefined && { failingSince: e.failingSince, failingSinceMs: String(Date.parse(e.failingSince)) }),
    };
    await this.redis.multi().hset(this.key('ep', e.id), fields).zadd(this.index, Date.parse(e.createdAt), e.id).exec();
  }

  async endpoints(): Promise<WebhookEndpoint[]> {
    const ids = await this.redis.zrange(this.index, 0, -1);
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.key('ep', id));
    const rows = (await pipeline.exec()) ?? [];
    return ids.flatMap((id, i) => {
      const [error, fields] = rows[i] ?? [];
      if (error) throw error;
      const endpoint = endpointOf(id, fields as Record<string, string>);
      return endpoint ? [endpoint] : [];
    });
  }

  async endpoint(id: string): Promise<WebhookEndpoint | undefined> {
    return endpointOf(id, await this.redis.hgetall(this.key('ep', id)));
  }

  async deleteEndpoint(id: string): Promise<boolean> {
    return (await this.redis.zanWebhooksDelete(this.index, this.base, id)) === 1;
  }

  async rotateSecret(id: string, secret: string, retiresAt: Date): Promise<boolean> {
    // Read, compute, swap if unchanged: a concurrent rotation makes this one read again.
    for (;;) {
      const current = await this.redis.hget(this.key('ep', id), 'secrets');
      if (current === null) return false;
      const now = Date.now();
      const kept = (JSON.parse(current) as EndpointSecret[])
        .map((s) => ({ secret: s.secret, retiresAt: s.retiresAt ?? retiresAt.toISOString() }))
        .filter((s) => Date.parse(s.retiresAt) > now);
      const swapped = await this.redis.zanWebhooksSwapSecrets(this.index, this.base, id, current, JSON.stringify([{ secret }, ...kept]));
      if (swapped !== 0) return swapped === 1;
    }
  }

  async enableEndpoint(id: string): Promise<boolean> {
    return (await this.redis.zanWebhooksEnable(this.index, this.base, id)) === 1;
  }

  enqueue(deliveries: NewDelivery[], now = new Date()): Promise<void> {
    return this.insert('enqueue', deliveries, now);
  }

  requeue(deliveries: NewDelivery[], now = new Date()): Promise<void> {
    return this.insert('requeue', deliveries, now);
  }

  private async insert(mode: 'enqueue' | 'requeue', deliveries: NewDelivery[], now: Date): Promise<void> {
    if (deliveries.length === 0) return;
    const args: (string | number)[] = [this.base, mode, now.getTime(), now.toISOString()];
    for (const d of deliveries) {
      args.push(d.endpointId, d.eventId, d.eventType, d.streamId, d.position.toString(), d.body, d.occurredAt, Date.parse(d.occurredAt));
    }
    await this.redis.zanWebhooksEnqueue(this.index, ...args);
  }

  async claim(now: Date, limit: number, leaseUntil: Date, busy: readonly string[] = []): Promise<PendingDelivery[]> {
    if (limit <= 0) return [];
    const flat = await this.redis.zanWebhooksClaim(this.index, this.base, now.getTime(), limit, leaseUntil.getTime(), ...busy);
    const claimed: PendingDelivery[] = [];
    for (let i = 0; i < flat.length; i += 3) {
      const d = JSON.parse(flat[i + 2]!) as DeliveryRecord;
      claimed.push({
        endpointId: flat[i]!,
        eventId: flat[i + 1]!,
        eventType: d.t,
        streamId: d.s,
        position: BigInt(d.p),
        body: d.b ?? '',
        occurredAt: d.o,
        attempts: d.a,
        firstQueuedAt: d.f,
      });
    }
    return claimed;
  }

  async record(o: AttemptOutcome): Promise<{ disabled: boolean }> {
    const a = o.attempt;
    const status = a.status === 'delivered' ? 'delivered' : o.retryAt ? 'pending' : 'failed';
    const entry: DeliveryAttempt = {
      eventId: a.eventId,
      type: a.type,
      attempt: a.attempt,
      status: a.status,
      at: a.at,
      responseStatus: a.responseStatus,
      ...(a.error !== undefined && { error: a.error }),
    };
    const answer = await this.redis.zanWebhooksRecord(
      this.index,
      this.base,
      o.endpointId,
      o.eventId,
      status,
      a.attempt,
      o.retryAt ? o.retryAt.getTime() : '',
      JSON.stringify(entry),
      o.succeeded ? '1' : '0',
      o.disableIfFailingSince.getTime(),
      a.at,
      Date.parse(a.at),
      this.logLength,
    );
    return { disabled: answer === 1 };
  }

  async attempts(endpointId: string, limit: number): Promise<DeliveryAttempt[]> {
    if (limit <= 0) return [];
    return (await this.redis.lrange(this.key('log', endpointId), 0, limit - 1)).map((entry) => JSON.parse(entry) as DeliveryAttempt);
  }

  async backlog(): Promise<{ pending: number; oldestOccurredAt?: string }> {
    const pendingKey = `${this.base}pending`;
    const [[, pending], [, oldest]] = (await this.redis.multi().zcard(pendingKey).zrange(pendingKey, 0, 0, 'WITHSCORES').exec()) as [
      [unknown, number],
      [unknown, string[]],
    ];
    return { pending: Number(pending), ...(oldest[1] !== undefined && { oldestOccurredAt: new Date(Number(oldest[1])).toISOString() }) };
  }

  async close(): Promise<void> {
    if (this.owned) await this.redis.quit().catch(() => undefined);
  }

  private key(kind: 'ep' | 'log', endpointId: string): string {
    return `${this.base}${kind}:${endpointId}`;
  }
}

const endpointOf = (id: string, f: Record<string, string>): WebhookEndpoint | undefined => {
  if (!f.url) return undefined;
  return {
    id,
    url: f.url,
    events: JSON.parse(f.events!) as string[],
    ...(f.description !== undefined && { description: f.description }),
    status: f.status as WebhookEndpoint['status'],
    ...(f.disabledReason !== undefined && { disabledReason: f.disabledReason }),
    ...(f.disabledAt !== undefined && { disabledAt: f.disabledAt }),
    fromPosition: BigInt(f.fromPosition!),
    ...(f.failingSince !== undefined && { failingSince: f.failingSince }),
    createdAt: f.createdAt!,
    secrets: JSON.parse(f.secrets!) as EndpointSecret[],
  };
};
