import Redis from 'ioredis';
import { createPostgresEventStore, type PostgresEventStore } from '@zan/event-store';
import { loadConfig } from '@zan/platform';
import { RedisReadModelStore } from '@zan/read-models';
import { eventually } from '../support/eventually';
import { auditWhenQuiet } from '../support/quiet-ledger';
import { type SetupSend, prepareStormUser } from '../support/identity';
import { type AppProcess, startApp } from '../support/processes';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';
import { liveAndReplayed, readAllEvents } from '../support/read-model-snapshot';
import { dropIsolated, fullStackEnv } from '../support/stacks';
import { NO_SPENDING_LIMITS } from '../support/spending-limits';
import { type StormCall, anyPayment } from '../support/storm';
import { TEST_JWT_SECRET, tokenFor } from '../support/tokens';
import { apiReplicas } from '../support/replicas';

const DEBITS = new Set(['FundsTransferred', 'TipPraised', 'RedPacketSent', 'RedPacketClaimed', 'WalletWithdrawn']);
const REACTING = /reacting from position/g;
const occurrences = (output: string, pattern: RegExp) => output.match(pattern)?.length ?? 0;

/** How the leader is cut off mid-storm, and how it comes back. */
interface Fault {
  name: string;
  cut(leader: AppProcess, proxy: TcpProxy): void;
  heal(leader: AppProcess, proxy: TcpProxy): void;
}
const FAULTS: Fault[] = [
  // Frozen: every connection open and silent, the kernel still answering for it.
  { name: 'frozen (SIGSTOP) and woken', cut: (leader) => leader.child.kill('SIGSTOP'), heal: (leader) => leader.child.kill('SIGCONT') },
  // Partitioned from PostgreSQL: no byte and no close crosses, whatever it had in a transaction included.
  { name: 'cut off from PostgreSQL by a partition, then let through', cut: (_, proxy) => proxy.partition(), heal: (_, proxy) => proxy.restore() },
];

/**
 * The api replica that leads the credits and the timers is cut off mid-storm, its connections to
 * PostgreSQL open and silent, for longer than a handover takes; the standby must take both over (a
 * leader cut off is as good as a dead one to the payees waiting for their credits). Then it comes
 * back with its reactions, timers and checkpoint saves in flight: it must find itself deposed, and
 * whatever it had in flight must land as nothing new. Once quiet: every debit credited once, every
 * packet refunded once, the audit clean, the read models equal to a replay.
 */
describe.each(FAULTS)('full stack: the leading api replica $name under load', (fault) => {
  const env: Record<string, string> = {
    ...fullStackEnv('paused'),
    ZAN_RATE_LIMIT_PER_MINUTE: '0',
    ZAN_QUERY_RATE_LIMIT_PER_MINUTE: '0',
    ...NO_SPENDING_LIMITS,
    ZAN_RED_PACKET_TTL_SECONDS: '3',
  };
  let pg: PostgresEventStore;
  let redis: Redis;

  const users = ['ana', 'ben', 'cai', 'dee', 'eli', 'fay'];
  const tokens = new Map(users.map((u) => [u, tokenFor(u, TEST_JWT_SECRET)]));
  const { apps, live, start: startApi, settled, send } = apiReplicas(env, tokens);
  let proxy: TcpProxy;

  beforeAll(async () => {
    // The first replica (the leader) reaches PostgreSQL through a proxy of the spec's own.
    const direct = env.ZAN_EVENT_STORE!;
    proxy = await startTcpProxy({ host: new URL(direct).hostname, port: Number(new URL(direct).port || 5432) });
    const proxied = new URL(direct);
    proxied.host = proxy.address;
    env.ZAN_EVENT_STORE = proxied.toString();
    await startApi();
    env.ZAN_EVENT_STORE = direct;
    await eventually('the first replica to lead', async () => occurrences(apps[0]!.output(), REACTING) > 0, 30_000);
    await startApi();
    apps.push(await startApp('relay', env, /relaying from position/));
    apps.push(await startApp('projector', env, /health and metrics on http:/));
    pg = await createPostgresEventStore({ connectionString: env.ZAN_EVENT_STORE!, schema: env.ZAN_PG_SCHEMA });
    redis = new Redis(env.REDIS_URL!);
  }, 180_000);

  afterAll(async () => {
    for (const app of apps) app.child.kill('SIGCONT');
    await Promise.allSettled(apps.map((app) => app.kill('SIGKILL')));
    await pg?.eventStore.close();
    await redis?.quit();
    await proxy?.close();
    await dropIsolated(env);
  }, 60_000);

  it('hands the credits and timers over, and the leader back changes nothing twice', async () => {
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
    const storm = async (stop: () => boolean) =>
      Promise.all(
        Array.from({ length: 6 }, async () => {
          while (!stop()) {
            const call = anyPayment(users, next++, packets);
            calls.push(call);
            await send(call);
            if (call.status === 201 && call.path === '/v1/red-packets') packets.push(call.answer!.redPacketId as string);
          }
        }),
      );
    const answered = () => calls.filter((c) => c.status !== 0).length;

    // 1. Mid-storm the leader is cut off; the load balancer stops sending to it.
    const [leader, standby] = [apps[0]!, apps[1]!];
    const leaderUrl = live.get(leader)!;
    await storm(() => answered() >= 40);
    live.delete(leader);
    const before = leader.output().length;
    fault.cut(leader, proxy);
    const cutAt = Date.now();

    // 2. The standby takes the credits and the timers over while the leader stays cut off, and the
    // storm (packets expiring meanwhile) goes on against it.
    await eventually('the standby to lead the credits while the leader is cut off', async () => occurrences(standby.output(), REACTING) > 0, 45_000, 200);
    await storm(() => answered() >= 120);
    await eventually('the packets sent to expire', async () => Date.now() > cutAt + 4_000, 10_000, 200);

    // 3. The leader comes back, with whatever it had in flight; it must stand down, not lead beside the standby.
    fault.heal(leader, proxy);
    await eventually(
      'the leader back to be deposed',
      async () => /deposed as leader of process-manager:credits/.test(leader.output().slice(before)),
      30_000,
      200,
    );
    live.set(leader, leaderUrl);
    await storm(() => answered() >= 180);
    for (const call of calls.filter((c) => !settled(c))) await send(call);
    expect(calls.filter((c) => !settled(c))).toEqual([]);

    // Quiet: every credit made once, every packet refunded once, everything projected.
    const withdrawn = calls
      .filter((c) => c.path === '/v1/wallets/me/withdrawals' && c.status === 201)
      .reduce((sum, c) => sum + (c.body as { amount: number }).amount, 0);
    const result = await auditWhenQuiet(pg.eventStore, { timeoutMs: 40_000 });
    expect(result.ledger.findings).toEqual([]);
    expect(result.ledger.conservation()).toEqual(
      expect.objectContaining({ inFlight: 0, held: 0, holds: true, withdrawals: withdrawn, fundings: users.length * FUNDING }),
    );

    const events = await readAllEvents(pg.eventStore);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
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

    const config = loadConfig(env);
    const store = new RedisReadModelStore({ redis, prefix: env.ZAN_REDIS_PREFIX, feedLength: config.feedLength, generationCacheMs: 0 });
    const { live: projected, replayed } = await liveAndReplayed(pg.eventStore, store, { feedLength: config.feedLength, timeoutMs: 30_000 });
    expect(projected).toEqual(replayed);
  }, 240_000);
});
