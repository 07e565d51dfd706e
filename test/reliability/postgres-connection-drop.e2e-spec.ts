import { Client as PgClient } from 'pg';
import { EVENT_STORE, type EventStore } from '@zan/event-store';
import { fundedUser, type Client } from '../support/http-client';
import { testServers } from '../support/isolation';
import { startFullStackInProcess } from '../support/stacks';

/**
 * PostgreSQL drops the api's connections again and again while fundings are in flight. Each
 * funding either happened once or not at all; the client retries with its Idempotency-Key until
 * it hears 201, and in the end every key took effect exactly once.
 */
describe('PostgreSQL connections dropped during appends', () => {
  const appName = `zanfault${Date.now().toString(36)}`;
  let zan: Awaited<ReturnType<typeof startFullStackInProcess>>;

  beforeAll(async () => {
    const url = new URL(testServers().databaseUrl);
    url.searchParams.set('application_name', appName);
    zan = await startFullStackInProcess('pgdrop', { env: { ZAN_EVENT_STORE: url.toString() } });
  }, 120_000);
  afterAll(async () => {
    await zan?.close();
  }, 60_000);

  it('makes every funding happen exactly once', async () => {
    const users: Client[] = [];
    for (const name of ['pg-a', 'pg-b', 'pg-c']) users.push((await fundedUser(zan.app, name, 0)).client);

    const killer = new PgClient({ connectionString: testServers().databaseUrl });
    await killer.connect();
    let killed = 0;
    let killing = true;
    // Bursts of drops over the first seconds of the load, then a calm in which retries succeed.
    const kills = (async () => {
      for (let burst = 0; burst < 12; burst++) {
        const result = await killer.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [appName]);
        killed += result.rowCount ?? 0;
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
      killing = false;
    })();

    const outcomes: number[] = [];
    const fund = async (user: Client, key: string, amount: number) => {
      for (let attempt = 1; attempt <= 60; attempt++) {
        const response = await user.post('/v1/wallets/me/fundings', { amount, cardId: `card-${user.userId}` }, key);
        outcomes.push(response.status);
        if (response.status === 201) return BigInt(response.body.position);
        expect([503, 409]).toContain(response.status); // a dropped connection (503), or the twin still holding the key
        await new Promise((resolve) => setTimeout(resolve, 50 * Math.min(attempt, 10)));
      }
      throw new Error(`funding ${key} never succeeded`);
    };
    // Each user funds five at a time, round after round, for as long as the drops go on (five rounds
    // at least): the load spans every burst, however fast the appends are.
    const expected = new Map(users.map((u) => [u.userId, { count: 0, amount: 0 }]));
    const positions: bigint[] = [];
    await Promise.all(
      users.map(async (user) => {
        for (let round = 0; round < 5 || (killing && round < 400); round++) {
          const batch = Array.from({ length: 5 }, (_, j) => {
            const i = round * 5 + j;
            const amount = 100 + (i % 50);
            const sum = expected.get(user.userId)!;
            sum.count += 1;
            sum.amount += amount;
            return fund(user, `${user.userId}-funding-${i}`, amount);
          });
          positions.push(...(await Promise.all(batch)));
        }
      }),
    );
    await kills;
    await killer.end();
    expect(killed).toBeGreaterThan(0);
    expect(outcomes.some((status) => status !== 201)).toBe(true); // the faults did hit requests

    const store = zan.app.get<EventStore>(EVENT_STORE);
    for (const user of users) {
      const events = await store.readStream(`wallet-${user.userId}`);
      const fundings = events.filter((e) => e.type === 'WalletFunded');
      expect(fundings).toHaveLength(expected.get(user.userId)!.count);
      expect(new Set(fundings.map((e) => (e.data as { fundingId: string }).fundingId)).size).toBe(expected.get(user.userId)!.count);
      const last = positions.reduce((a, b) => (a > b ? a : b)).toString();
      // The relay and projector were cut off too and resubscribe with backoff: allow them time.
      let wallet = await user.get(`/v1/wallets/me?after=${last}`);
      for (let i = 0; wallet.status === 503 && i < 10; i++) wallet = await user.get(`/v1/wallets/me?after=${last}`);
      expect(wallet.status).toBe(200);
      expect(wallet.body.balance).toBe(expected.get(user.userId)!.amount);
    }
  }, 240_000);
});
