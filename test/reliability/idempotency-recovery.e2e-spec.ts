import type { INestApplication } from '@nestjs/common';
import { walletStream } from '@zan/contracts';
import type { EventStore } from '@zan/event-store';
import { ManualClock, createAdapters, loadConfig, type Adapters } from '@zan/platform';
import { createZanApp } from '../../apps/zan/src/zan.app';
import { IDEMPOTENCY_STORE, type IdempotencyStore } from '@zan/stores';
import { clientFor, fundedUser } from '../support/http-client';
import { dropIsolated, fullStackEnv } from '../support/stacks';

/**
 * The failures between an effect and its answer, over HTTP on real PostgreSQL events, with the
 * idempotency records in PostgreSQL and then in Redis (as beside EventStoreDB). A retry with the same
 * Idempotency-Key must answer the original success: never a 409 duplicate, never a 422 because the
 * first debit already happened, and never a second effect.
 */
jest.setTimeout(60_000);

/** The event store with faults injected around a real append (or, `gateOn: 'readStream'`, a real read). */
const faulty = (store: EventStore) => {
  const faults = { loseNextAnswer: false, gate: undefined as Promise<void> | undefined, gateOn: 'append' as 'append' | 'readStream' };
  const wrapped = new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'readStream') {
        return async (...args: Parameters<EventStore['readStream']>) => {
          if (faults.gateOn === 'readStream') {
            const gate = faults.gate;
            faults.gate = undefined;
            await gate;
          }
          return target.readStream(...args);
        };
      }
      if (property !== 'append') return Reflect.get(target, property, receiver);
      return async (...args: Parameters<EventStore['append']>) => {
        const gate = faults.gateOn === 'append' ? faults.gate : undefined;
        if (gate) faults.gate = undefined;
        await gate;
        const result = await target.append(...args);
        if (faults.loseNextAnswer) {
          faults.loseNextAnswer = false;
          // The append committed; the answer never reached the api (a dropped connection).
          throw new Error('Connection terminated unexpectedly');
        }
        return result;
      };
    },
  });
  return { store: wrapped, faults };
};

describe.each([
  ['PostgreSQL', 'sql'],
  ['Redis', 'redis'],
] as const)('idempotent retries after a failure past the effect (records in %s)', (_name, records) => {
  const env = fullStackEnv(`idem-recovery-${records}`);
  const clock = new ManualClock(new Date('2026-03-01T10:00:00Z'));
  let adapters: Adapters;
  let app: INestApplication;
  let faults: ReturnType<typeof faulty>['faults'];

  beforeAll(async () => {
    const config = loadConfig(env);
    adapters = await createAdapters(config, ['api']);
    const injected = faulty(adapters.eventStore!);
    faults = injected.faults;
    app = await createZanApp({
      config,
      roles: ['api'],
      clock,
      adapters: { ...adapters, eventStore: injected.store, ...(records === 'redis' && { sql: undefined }) },
      logger: ['fatal'],
    });
    await app.init();
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await Promise.allSettled([adapters?.readModels?.close(), adapters?.leaderElection?.close()]);
    await adapters?.eventStore?.close();
    await dropIsolated(env);
  });

  const withdrawals = async (userId: string) =>
    (await adapters.eventStore!.readStream(walletStream(userId), { fromRevision: 0, maxCount: 1000 })).filter((e) => e.type === 'WalletWithdrawn');

  const balanceOf = async (userId: string) => {
    const events = await adapters.eventStore!.readStream(walletStream(userId), { fromRevision: 0, maxCount: 1000 });
    return events.reduce(
      (balance, e) => balance + (e.type === 'WalletFunded' ? 1 : e.type === 'WalletWithdrawn' ? -1 : 0) * ((e.data as { amount?: number }).amount ?? 0),
      0,
    );
  };

  it('(a) the append committed but its answer was lost: the retry answers the original 201, not a 422', async () => {
    const { client } = await fundedUser(app, `lost-${records}`, 1_000);
    faults.loseNextAnswer = true;
    await client.post('/v1/wallets/me/withdrawals', { amount: 1_000, cardId: `card-lost-${records}` }, 'all-of-it').expect(503); // a lost connection is an outage: retry
    // Another of the user's requests meanwhile: the api now knows the wallet as the store holds it.
    await client.post('/v1/wallets/me/fundings', { amount: 1, cardId: `card-lost-${records}` }, 'top-up').expect(201);
    const retry = await client.post('/v1/wallets/me/withdrawals', { amount: 1_000, cardId: `card-lost-${records}` }, 'all-of-it').expect(201);
    const [stored] = await withdrawals(`lost-${records}`);
    expect(retry.body).toEqual({ withdrawalId: (stored!.data as { withdrawalId: string }).withdrawalId, balance: 0, position: stored!.position.toString() });
    expect(await balanceOf(`lost-${records}`)).toBe(1);
    const again = await client.post('/v1/wallets/me/withdrawals', { amount: 1_000, cardId: `card-lost-${records}` }, 'all-of-it').expect(201);
    expect(again.text).toBe(retry.text);
    expect(await withdrawals(`lost-${records}`)).toHaveLength(1);
  });

  it('(b) completing the idempotency record failed after the effect: the answer is still the 201, and so is the retry', async () => {
    const { client } = await fundedUser(app, `unrecorded-${records}`, 1_000);
    const store = app.get<IdempotencyStore>(IDEMPOTENCY_STORE);
    const complete = store.complete.bind(store);
    store.complete = async () => {
      store.complete = complete;
      throw new Error('Connection terminated unexpectedly');
    };
    const first = await client.post('/v1/wallets/me/withdrawals', { amount: 600, cardId: `card-unrecorded-${records}` }, 'w-1').expect(201);
    // The record kept its lease: once it ends, the retry takes it over and finds the stored outcome.
    clock.advance(6_000);
    const retry = await client.post('/v1/wallets/me/withdrawals', { amount: 600, cardId: `card-unrecorded-${records}` }, 'w-1').expect(201);
    expect(retry.text).toBe(first.text);
    expect(await withdrawals(`unrecorded-${records}`)).toHaveLength(1);
  });

  it('(c) a retry takes over the lease of a request still running: one effect, and both answer the same 201', async () => {
    const { client } = await fundedUser(app, `slow-${records}`, 1_000);
    let open!: () => void;
    faults.gate = new Promise<void>((resolve) => (open = resolve));
    const first = client.post('/v1/wallets/me/withdrawals', { amount: 1_000, cardId: `card-slow-${records}` }, 'slow').then((r) => r);
    // The first request holds its lease, stuck in its append; the lease ends and a retry takes over.
    await waitUntil(() => faults.gate === undefined);
    clock.advance(6_000);
    const retry = client.post('/v1/wallets/me/withdrawals', { amount: 1_000, cardId: `card-slow-${records}` }, 'slow').then((r) => r);
    await new Promise((resolve) => setTimeout(resolve, 200));
    open();
    const answers = await Promise.all([first, retry]);
    expect(answers.map((a) => a.status)).toEqual([201, 201]);
    expect(answers[1]!.text).toBe(answers[0]!.text);
    expect(await withdrawals(`slow-${records}`)).toHaveLength(1);
    const replay = await client.post('/v1/wallets/me/withdrawals', { amount: 1_000, cardId: `card-slow-${records}` }, 'slow').expect(201);
    expect(replay.text).toBe(answers[0]!.text);
  });
});

const waitUntil = async (condition: () => boolean): Promise<void> => {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
};

describe('a retry on another api process takes over the lease of a request still running', () => {
  const env = fullStackEnv('idem-takeover');
  const clock = new ManualClock(new Date('2026-03-01T10:00:00Z'));
  const apps: { app: INestApplication; adapters: Adapters; faults: ReturnType<typeof faulty>['faults'] }[] = [];

  beforeAll(async () => {
    const config = loadConfig(env);
    for (let i = 0; i < 2; i++) {
      const adapters = await createAdapters(config, ['api']);
      const injected = faulty(adapters.eventStore!);
      const app = await createZanApp({ config, roles: ['api'], clock, adapters: { ...adapters, eventStore: injected.store }, logger: ['fatal'] });
      await app.init();
      apps.push({ app, adapters, faults: injected.faults });
    }
  }, 120_000);

  afterAll(async () => {
    for (const { app, adapters } of apps) {
      await app.close();
      await Promise.allSettled([adapters.readModels?.close(), adapters.leaderElection?.close()]);
      await adapters.eventStore?.close();
    }
    await dropIsolated(env);
  });

  it('(c) the first, still running, decides after the effect of the retry: one effect, and it answers 409 request-in-progress, not the 422 it would decide', async () => {
    const [one, two] = apps;
    // Funded through the other process: this one knows nothing of the wallet and must read it.
    await fundedUser(two!.app, 'twins', 1_000);
    let open!: () => void;
    one!.faults.gateOn = 'readStream';
    one!.faults.gate = new Promise<void>((resolve) => (open = resolve));
    const body = { amount: 1_000, cardId: 'card-twins' };
    const first = clientFor(one!.app, 'twins')
      .post('/v1/wallets/me/withdrawals', body, 'twin')
      .then((r) => r);
    await waitUntil(() => one!.faults.gate === undefined);
    clock.advance(6_000);
    // The retry lands on the other process, takes the key over and withdraws.
    const retry = await clientFor(two!.app, 'twins').post('/v1/wallets/me/withdrawals', body, 'twin').expect(201);
    open();
    const answer = await first;
    expect(answer.status).toBe(409);
    expect(answer.body).toMatchObject({ status: 409, type: expect.stringMatching(/request-in-progress$/) });
    expect(answer.headers['retry-after']).toBe('1');
    const events = await one!.adapters.eventStore!.readStream(walletStream('twins'), { fromRevision: 0, maxCount: 1000 });
    expect(events.filter((e) => e.type === 'WalletWithdrawn')).toHaveLength(1);
    // Asking again gets the answer the retry stored.
    const replay = await clientFor(one!.app, 'twins').post('/v1/wallets/me/withdrawals', body, 'twin').expect(201);
    expect(replay.text).toBe(retry.text);
  });
});
