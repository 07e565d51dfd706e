import Redis from 'ioredis';
import { createPostgresEventStore, type PostgresEventStore } from '@zan/event-store';
import { loadConfig } from '@zan/platform';
import { RedisReadModelStore } from '@zan/read-models';
import { eventually } from '../support/eventually';
import { auditWhenQuiet } from '../support/quiet-ledger';
import { type SetupSend, prepareStormUser } from '../support/identity';
import { startApp } from '../support/processes';
import { liveAndReplayed, readAllEvents } from '../support/read-model-snapshot';
import { dropIsolated, fullStackEnv } from '../support/stacks';
import { NO_SPENDING_LIMITS } from '../support/spending-limits';
import { type StormCall, anyPayment } from '../support/storm';
import { TEST_JWT_SECRET, tokenFor } from '../support/tokens';
import { apiReplicas } from '../support/replicas';

const DEBITS = new Set(['FundsTransferred', 'TipPraised', 'RedPacketSent', 'RedPacketClaimed', 'WalletWithdrawn']);
const REACTING = /reacting from position/;

/**
 * The full stack as separate processes (two api replicas, a relay, a projector on PostgreSQL, Kafka
 * and Redis). Mid-storm of tips, transfers, withdrawals, red packets and claims, the api replica that
 * leads the credits process manager is SIGKILLed: the standby takes over, clients retry by key on it.
 * Then the standby is SIGKILLed too, with red packets open, and nothing runs until they are past
 * their expiry; a fresh replica starts. Once quiet: every packet refunded exactly once, every debit
 * credited exactly once, the audit clean, every 201 a client saw stored (and one debit per key), and
 * the read models equal to a replay of the event store.
 */
describe('full stack: api replicas SIGKILLed under load', () => {
  const env: Record<string, string> = {
    ...fullStackEnv('fskill'),
    ZAN_RATE_LIMIT_PER_MINUTE: '0',
    ZAN_QUERY_RATE_LIMIT_PER_MINUTE: '0',
    ...NO_SPENDING_LIMITS,
    ZAN_RED_PACKET_TTL_SECONDS: '4',
  };
  let pg: PostgresEventStore;
  let redis: Redis;

  const users = ['ana', 'ben', 'cai', 'dee', 'eli', 'fay'];
  const tokens = new Map(users.map((u) => [u, tokenFor(u, TEST_JWT_SECRET)]));
  const { apps, live, start: startApi, kill, attempt, settled, send, lost } = apiReplicas(env, tokens);

  beforeAll(async () => {
    await startApi();
    await eventually('the first replica to lead', async () => REACTING.test(apps[0]!.output()), 30_000);
    await startApi();
    apps.push(await startApp('relay', env, /relaying from position/));
    apps.push(await startApp('projector', env, /health and metrics on http:/));
    pg = await createPostgresEventStore({
      connectionString: env.ZAN_EVENT_STORE!,
      schema: env.ZAN_PG_SCHEMA,
    });
    redis = new Redis(env.REDIS_URL!);
  }, 180_000);

  afterAll(async () => {
    await Promise.allSettled(apps.map((app) => app.kill('SIGKILL')));
    await pg?.eventStore.close();
    await redis?.quit();
    await dropIsolated(env);
  }, 60_000);

  it('keeps every fen, every debit credited once and every expiry refunded once across the kills', async () => {
    const FUNDING = 100_000;
    const sendSetup: SetupSend = async (userId, path, body, key) => {
      const call = { path, userId, key, body, status: 0 };
      await send(call);
      return call.status;
    };
    for (const user of users) await prepareStormUser(sendSetup, user, { funding: FUNDING, articles: 4 });

    const calls: StormCall[] = [];
    const packets: string[] = [];
    let next = 0;
    const nextCall = (): StormCall => anyPayment(users, next++, packets);
    /** Workers send until `stop` holds; a request that got no answer is retried by its key. */
    const storm = async (stop: () => boolean, retry = true) =>
      Promise.all(
        Array.from({ length: 10 }, async () => {
          while (!stop()) {
            const call = nextCall();
            calls.push(call);
            if (retry) await send(call);
            else await attempt(call);
            if (call.status === 201 && call.path === '/v1/red-packets') packets.push(call.answer!.redPacketId as string);
          }
        }),
      );
    const answered = () => calls.filter((c) => c.status !== 0).length;

    // 1. The leader of the credits dies mid-storm; the standby takes its reactions over.
    const [leader, standby] = [apps[0]!, apps[1]!];
    let killed = false;
    await storm(() => {
      if (!killed && answered() >= 60) {
        killed = true;
        void kill(leader);
      }
      return answered() >= 160;
    });
    await eventually('the standby to lead the credits', async () => REACTING.test(standby.output()), 30_000);

    // 2. The standby dies too, with packets just sent; nothing runs until they are past their expiry.
    let lastPacketAt = Date.now();
    await storm(() => {
      if (answered() >= 200 && live.size > 0) void kill(standby);
      return live.size === 0;
    }, false);
    lastPacketAt = Date.now();
    await eventually('every packet past its expiry while no api runs', async () => Date.now() > lastPacketAt + 5_000, 10_000, 200);
    const restarted = await startApi();
    for (const call of calls.filter((c) => !settled(c))) await send(call);
    expect(calls.filter((c) => !settled(c))).toEqual([]);
    expect(REACTING.test(restarted.output())).toBe(true);

    // Quiet: every packet refunded, every credit made, everything projected.
    const withdrawn = calls
      .filter((c) => c.path === '/v1/wallets/me/withdrawals' && c.status === 201)
      .reduce((sum, c) => sum + (c.body as { amount: number }).amount, 0);
    const result = await auditWhenQuiet(pg.eventStore, { timeoutMs: 40_000 });
    expect(result.ledger.findings).toEqual([]);
    expect(result.ledger.conservation()).toEqual(
      expect.objectContaining({
        inFlight: 0,
        held: 0,
        holds: true,
        withdrawals: withdrawn,
        fundings: users.length * FUNDING,
      }),
    );

    const events = await readAllEvents(pg.eventStore);
    const debitsPerKey = new Map<string, number>();
    for (const event of events) {
      const key = event.metadata.idempotencyKey;
      if (key && DEBITS.has(event.type)) debitsPerKey.set(`${event.metadata.userId}/${key}`, (debitsPerKey.get(`${event.metadata.userId}/${key}`) ?? 0) + 1);
    }
    expect([...debitsPerKey].filter(([, count]) => count > 1)).toEqual([]);
    const acknowledged = calls.filter((c) => c.status === 201 && c.path !== '/v1/wallets/me/cards').map((c) => `${c.userId}/${c.key}`);
    expect(acknowledged.filter((id) => !debitsPerKey.has(id))).toEqual([]);
    const expiries = events.filter((e) => e.type === 'RedPacketExpired').map((e) => (e.data as { redPacketId: string }).redPacketId);
    expect(expiries.length).toBeGreaterThan(0);
    expect(new Set(expiries).size).toBe(expiries.length);

    // The read models (projected by a projector that never stopped) equal a replay.
    const config = loadConfig(env);
    const store = new RedisReadModelStore({
      redis,
      prefix: env.ZAN_REDIS_PREFIX,
      feedLength: config.feedLength,
      generationCacheMs: 0,
    });
    const { live: projected, replayed } = await liveAndReplayed(pg.eventStore, store, { feedLength: config.feedLength, timeoutMs: 30_000 });
    expect(projected).toEqual(replayed);
    console.log(
      `full-stack kill: ${calls.length} calls, ${lost()} attempts cut by a kill, ${acknowledged.length} acknowledged, ${events.length} events, ${expiries.length} packets expired, ${withdrawn} fen withdrawn`,
    );
  }, 300_000);
});
