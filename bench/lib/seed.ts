/**
 * A large, realistic event history in a PostgreSQL schema of its own, for the benchmarks that read
 * history (CLI export, replay, rebuild). Seeded through the PostgreSQL adapter with big multi-row
 * appends (many streams per transaction), so 1,000,000 events take minutes, not hours.
 *
 * The history is a mix over 30 days and 9,999 wallets: half tips, transfers, red packets of 2-8 lucky
 * shares (some expired and refunded), fundings and withdrawals, every debit with its credit. The
 * generator is seeded, so every run seeds the same shape (ids are random UUIDs).
 */
import { randomUUID } from 'node:crypto';
import { seededRandom } from '@zan/platform';
import { Client } from 'pg';
import type { NewEvent } from '@zan/contracts';
import { createPostgresEventStore, type PostgresEventStore } from '@zan/event-store';

export const SEED_USERS = 9_999;
const EVENTS_PER_TRANSACTION = 50_000;
/**
 * Transactions written at a time. Each writer has its own users (and red packets), so no two
 * concurrent transactions touch the same stream: no lock waits, no deadlocks.
 */
const WRITERS = 3;

export interface SeedOptions {
  /** Events to seed (the opening of every wallet counts; the total may pass it by a few). */
  events: number;
  /** Progress lines (default: none). */
  progress?: (line: string) => void;
}

/**
 * One transaction's worth of history, in three phases so every credit follows its debit: debits on
 * the payers' wallets, then the red-packet streams (escrow, claims, expiry), then the credits.
 * Events of one stream in a phase are appended together, in one multi-row insert.
 */
class Batch {
  readonly phases = [new Map<string, NewEvent[]>(), new Map<string, NewEvent[]>(), new Map<string, NewEvent[]>()];
  size = 0;

  constructor(private readonly clock: { now: number; step: number }) {}

  add(phase: 0 | 1 | 2, streamId: string, type: string, data: object, userId: string, causationId?: string, version?: number): string {
    const id = randomUUID();
    const events = this.phases[phase].get(streamId) ?? this.phases[phase].set(streamId, []).get(streamId)!;
    events.push({
      id,
      type,
      ...(version ? { version } : {}),
      data,
      metadata: { correlationId: causationId ?? id, causationId: causationId ?? id, userId },
      occurredAt: new Date(this.clock.now).toISOString(),
    });
    this.clock.now += this.clock.step;
    this.size++;
    return id;
  }
}

/** Appends `options.events` events of the realistic mix to the store (which should be empty). */
export const seedHistory = async (store: PostgresEventStore, options: SeedOptions): Promise<number> => {
  const total = options.events;
  const random = seededRandom(20_260_101);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const between = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  // The events span 30 days, for stats by day.
  const clock = { now: Date.parse('2026-01-01T00:00:00Z'), step: (30 * 86_400_000) / total };
  let written = 0;
  let packets = 0;
  const started = Date.now();
  const commit = async (batch: Batch) => {
    await store.sql.transaction(async (tx) => {
      for (const phase of batch.phases) for (const [streamId, events] of phase) await store.eventStore.appendWithin(tx, streamId, events, 'any');
    });
    written += batch.size;
    options.progress?.(`seeded ${written.toLocaleString('en-US')} events (${Math.round(written / ((Date.now() - started) / 1000)).toLocaleString('en-US')}/s)`);
  };

  const writer = async (w: number): Promise<void> => {
    const budget = Math.ceil(total / WRITERS);
    let mine = 0;
    const users = Array.from({ length: SEED_USERS / WRITERS }, (_, i) => `user${i * WRITERS + w}`);
    const authors = users.slice(0, 200);
    const opening = new Batch(clock);
    for (const u of users) {
      const opened = opening.add(0, `wallet-${u}`, 'WalletOpened', { userId: u, kind: 'individual' }, u);
      opening.add(0, `wallet-${u}`, 'BankCardLinked', { userId: u, cardId: `card-${u}`, personal: true }, u, opened);
      opening.add(0, `wallet-${u}`, 'WalletFunded', { userId: u, fundingId: randomUUID(), cardId: `card-${u}`, amount: 5_000_000 }, u, undefined, 1);
    }
    await commit(opening);
    mine += opening.size;
    while (mine < budget) {
      const batch = new Batch(clock);
      const active = Array.from({ length: 300 }, () => pick(users));
      while (batch.size < Math.min(EVENTS_PER_TRANSACTION / WRITERS, budget - mine)) {
        const payer = pick(active);
        const roll = random();
        if (roll < 0.5) {
          const author = pick(authors);
          if (author === payer) continue;
          const tip = { tipId: randomUUID(), readerId: payer, authorId: author, articleId: `article-${between(1, 40)}`, amount: between(500, 5_000) };
          const debit = batch.add(0, `wallet-${payer}`, 'TipPraised', { ...tip, message: '赞' }, payer);
          batch.add(2, `wallet-${author}`, 'TipReceived', tip, payer, debit);
        } else if (roll < 0.8) {
          const payee = pick(active);
          if (payee === payer) continue;
          const transfer = { transferId: randomUUID(), fromUserId: payer, toUserId: payee, amount: between(1, 3_000) };
          const debit = batch.add(0, `wallet-${payer}`, 'FundsTransferred', transfer, payer);
          batch.add(2, `wallet-${payee}`, 'TransferReceived', transfer, payer, debit);
        } else if (roll < 0.9) {
          const redPacketId = `bench${++packets}`;
          const shares = between(2, 8);
          const amount = between(shares * 100, 5_000);
          const sent = {
            redPacketId,
            senderId: payer,
            amount,
            shares,
            mode: 'lucky',
            greeting: '恭喜发财',
            expiresAt: new Date(clock.now + 86_400_000).toISOString(),
          };
          const debit = batch.add(0, `wallet-${payer}`, 'RedPacketSent', sent, payer);
          const escrow = batch.add(1, `red-packet-${redPacketId}`, 'RedPacketEscrowed', sent, payer, debit);
          const claimers = [...new Set(Array.from({ length: between(1, shares) }, () => pick(active)))].filter((u) => u !== payer);
          let left = amount;
          claimers.forEach((userId, i) => {
            const remainingShares = shares - i - 1;
            // Double mean, as the domain draws: at most twice the mean of what is left.
            const share = remainingShares === 0 ? left : Math.max(1, Math.min(left - remainingShares, between(1, Math.floor((2 * left) / (shares - i)))));
            left -= share;
            const claim = batch.add(
              1,
              `red-packet-${redPacketId}`,
              'RedPacketClaimed',
              { redPacketId, senderId: payer, userId, amount: share, remainingAmount: left, remainingShares },
              userId,
              escrow,
            );
            batch.add(2, `wallet-${userId}`, 'RedPacketShareReceived', { redPacketId, senderId: payer, userId, amount: share }, userId, claim);
          });
          if (claimers.length < shares) {
            const expired = batch.add(
              1,
              `red-packet-${redPacketId}`,
              'RedPacketExpired',
              { redPacketId, senderId: payer, amount: left, remainingShares: shares - claimers.length },
              'system:expiry',
              escrow,
            );
            if (left > 0) batch.add(2, `wallet-${payer}`, 'RedPacketRefunded', { redPacketId, senderId: payer, amount: left }, 'system:expiry', expired);
          }
        } else if (roll < 0.95) {
          batch.add(
            0,
            `wallet-${payer}`,
            'WalletFunded',
            { userId: payer, fundingId: randomUUID(), cardId: `card-${payer}`, amount: between(1_000, 50_000) },
            payer,
            undefined,
            1,
          );
        } else {
          batch.add(
            0,
            `wallet-${payer}`,
            'WalletWithdrawn',
            { userId: payer, withdrawalId: randomUUID(), cardId: `card-${payer}`, amount: between(100, 2_000) },
            payer,
          );
        }
      }
      await commit(batch);
      mine += batch.size;
    }
  };
  // Writers take turns with the generator, but each draws in its own order: the seeded shape holds.
  await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
  return written;
};

export interface SeededSchema {
  store: PostgresEventStore;
  schema: string;
  /** Events in the schema. */
  events: number;
  /** Seconds spent seeding in this run (0 when an existing schema was reused). */
  seededSeconds: number;
  /** Closes the store and drops the schema unless it is kept. */
  release(): Promise<void>;
}

export interface SeededSchemaOptions extends SeedOptions {
  databaseUrl: string;
  /** The schema: reused when it already holds at least `events` events, seeded when empty. */
  schema: string;
  /** Keep the schema at release() (BENCH_KEEP=1, or a schema named by BENCH_SCHEMA). */
  keep: boolean;
  /** Connections of the store (default: one per seeding writer and one more). */
  poolSize?: number;
}

/**
 * Opens the schema and seeds it unless it already holds enough events. A schema holding some events
 * but fewer than asked is refused: reseeding on top of it would mix two histories.
 */
export const openSeededSchema = async (options: SeededSchemaOptions): Promise<SeededSchema> => {
  const store = await createPostgresEventStore({ connectionString: options.databaseUrl, schema: options.schema, poolSize: options.poolSize ?? WRITERS + 1 });
  const count = async () => Number((await store.sql.query<{ n: string }>(`SELECT count(*)::text AS n FROM "${options.schema}".events`)).rows[0].n);
  const release = async () => {
    await store.eventStore.close();
    if (!options.keep) await dropSchema(options.databaseUrl, options.schema);
  };
  try {
    const existing = await count();
    let seededSeconds = 0;
    if (existing < options.events) {
      if (existing > 0)
        throw new Error(`schema ${options.schema} holds ${existing} events, fewer than ${options.events}: drop it or choose another BENCH_SCHEMA`);
      const started = Date.now();
      await seedHistory(store, options);
      seededSeconds = (Date.now() - started) / 1000;
    }
    return { store, schema: options.schema, events: await count(), seededSeconds, release };
  } catch (error) {
    await release().catch(() => undefined);
    throw error;
  }
};

export const dropSchema = async (databaseUrl: string, schema: string): Promise<void> => {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema.replace(/"/g, '""')}" CASCADE`);
  } finally {
    await client.end();
  }
};
