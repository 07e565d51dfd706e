import Redis from 'ioredis';
import type { StoredEvent } from '@zan/contracts';
import { createPostgresEventStore, type PostgresEventStore } from '@zan/event-store';
import { loadConfig } from '@zan/platform';
import { RedisReadModelStore } from '@zan/read-models';
import { audit } from '../../apps/cli/src/audit/audit';
import { eventually } from '../support/eventually';
import { prepareStormUser } from '../support/identity';
import { type AppProcess, startApp } from '../support/processes';
import { liveAndReplayed, readAllEvents } from '../support/read-model-snapshot';
import { dropIsolated, fullStackEnv } from '../support/stacks';
import { NO_SPENDING_LIMITS } from '../support/spending-limits';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';
import { apiCaller, phasedStorm } from '../support/storm';
import { TEST_JWT_SECRET, tokenFor } from '../support/tokens';

const LISTENING = /zan api: listening on (http:\/\/127\.0\.0\.1:\d+)/;
const OUTAGE_MS = 3_000;

/** Debit -> its credit, and the key that pairs them. */
const PAIRS: Record<string, { credit: string; key: (data: Record<string, unknown>) => string }> = {
  TipPraised: { credit: 'TipReceived', key: (d) => String(d.tipId) },
  FundsTransferred: { credit: 'TransferReceived', key: (d) => String(d.transferId) },
};

/**
 * Issue 23: PostgreSQL restarts during a storm of tips and transfers, as the api, the relay and the
 * projector (separate processes) see it: a proxy of the test's own, in front of the shared server,
 * drops every connection (appends, tailing reads, the leader's advisory-lock session) and refuses new
 * ones for 3 s, then lets them in again. The shared PostgreSQL is never touched. Clients retry every
 * POST with its Idempotency-Key while it answers 5xx: during the outage a 503 with Retry-After, never
 * a 500. Afterwards every debit is credited exactly once, the audit is clean, the money equation
 * holds, and the read models equal a replay of the events.
 */
describe('full stack: a PostgreSQL restart during a storm', () => {
  const servers = fullStackEnv('pgrestart');
  let proxy: TcpProxy;
  let env: Record<string, string>;
  const apps: AppProcess[] = [];
  let base = '';
  let pg: PostgresEventStore;
  let redis: Redis;

  beforeAll(async () => {
    const url = new URL(servers.ZAN_EVENT_STORE!);
    proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
    const proxied = new URL(url.toString());
    proxied.host = proxy.address;
    env = {
      ...servers,
      ZAN_EVENT_STORE: proxied.toString(),
      ...NO_SPENDING_LIMITS,
      ZAN_RATE_LIMIT_PER_MINUTE: '10000',
      ZAN_QUERY_RATE_LIMIT_PER_MINUTE: '10000',
    };
    const api = await startApp('api', env, LISTENING);
    apps.push(api);
    base = LISTENING.exec(api.output())![1]!;
    apps.push(await startApp('relay', env, /relaying from position/));
    apps.push(await startApp('projector', env, /health and metrics on http:/));
    // The test's own reads go straight to PostgreSQL, not through the proxy.
    pg = await createPostgresEventStore({ connectionString: servers.ZAN_EVENT_STORE!, schema: env.ZAN_PG_SCHEMA });
    redis = new Redis(servers.REDIS_URL!);
  }, 180_000);

  afterAll(async () => {
    await Promise.allSettled(apps.map((app) => app.kill('SIGKILL')));
    await proxy?.close();
    await pg?.eventStore.close();
    await redis?.quit();
    await dropIsolated(servers);
  }, 60_000);

  const users = ['kay', 'lee', 'max', 'ned'];
  const tokens = new Map(users.map((u) => [u, tokenFor(u, TEST_JWT_SECRET)]));
  /** Every 5xx answered: status, problem type and Retry-After. */
  const failures: string[] = [];
  const call = apiCaller(() => base, tokens, failures);

  it('loses nothing, credits every debit once and converges', async () => {
    const FUNDING = 1_000_000;
    for (const user of users) {
      await prepareStormUser(async (userId, path, body, key) => (await call('POST', userId, path, body, key)).status, user, {
        funding: FUNDING,
        articles: 3,
        title: 'restart',
      });
    }

    const storm = phasedStorm(call, users, { maxTries: 200 });
    const { statuses, acknowledged, answered } = storm;
    await eventually('load before the restart', async () => answered() >= 30, 30_000, 50);

    storm.enter('outage');
    const opened = proxy.open();
    proxy.cut();
    const outageStart = answered();
    const outage = new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
    // A command sent while PostgreSQL is away is refused at once, whatever the storm's workers are
    // doing then (all of them may be waiting on reads ?after= that the cut relay holds up).
    const probeSent = Date.now();
    const probe = await call('POST', 'kay', '/v1/transfers', { toUserId: 'lee', amount: 1 }, 'outage-probe');
    const probeAnsweredIn = Date.now() - probeSent;
    await outage;
    proxy.restore();
    const restoredAt = Date.now();
    storm.enter('after');
    const during = answered() - outageStart;
    const recoveredFrom = answered();
    await eventually('40 commands acknowledged after the restart', async () => answered() >= recoveredFrom + 40, 30_000, 50);
    await storm.stop();
    // The refused probe, sent again with its key now that PostgreSQL is back, is carried out once.
    let probeAgain = await call('POST', 'kay', '/v1/transfers', { toUserId: 'lee', amount: 1 }, 'outage-probe');
    for (let tries = 0; tries < 100 && (probeAgain.status === 0 || probeAgain.status >= 500); tries++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      probeAgain = await call('POST', 'kay', '/v1/transfers', { toUserId: 'lee', amount: 1 }, 'outage-probe');
    }
    expect(probeAgain.status).toBe(201);
    acknowledged.push('kay/outage-probe');
    const firstAfter = storm.firstAcknowledgedSentSince(restoredAt);
    console.log(
      `postgres restart: ${opened} connections dropped, acknowledged during the ${OUTAGE_MS} ms outage ${during}, probe ${probe.status} in ${probeAnsweredIn} ms, ` +
        `first 201 ${firstAfter - restoredAt} ms after PostgreSQL was back, answers ${JSON.stringify(statuses)}, 5xx kinds ${JSON.stringify([...new Set(failures)])}`,
    );
    // The outage hit requests: a command sent while PostgreSQL was away was refused before it came back.
    expect({ status: probe.status, answeredWithinOutage: probeAnsweredIn < OUTAGE_MS }).toEqual({ status: 503, answeredWithinOutage: true });
    expect(firstAfter).toBeGreaterThan(0);
    // PostgreSQL unreachable is no internal error: a 503 that says when to retry.
    expect(failures.filter((f) => !/^(GET|POST) 503 https:\/\/zan.dev\/problems\/\S+ Retry-After \d+$/.test(f))).toEqual([]);
    // The relay's leader-election session went through the proxy too: it lost its lock and won it again.
    const relay = apps.find((app) => app.name === 'relay')!.output();
    expect(relay).toMatch(/deposed as leader of relay/);
    expect(relay.match(/elected leader of relay/g)?.length ?? 0).toBeGreaterThanOrEqual(2);
    // Every process lived through it.
    expect(apps.filter((app) => app.child.exitCode !== null || app.child.signalCode !== null).map((app) => app.name)).toEqual([]);

    // Nothing lost: every acknowledged command is stored, every debit credited exactly once, the audit clean.
    // The audit and the counts below are of the same events: the audit reads to the head it found at
    // its start, and a debit stored after that (a retry of the storm still on its way) is not in it.
    let result!: Awaited<ReturnType<typeof audit>>;
    let events: StoredEvent[] = [];
    await eventually(
      'every credit made',
      async () => {
        result = await audit(pg.eventStore, { graceMs: 0 });
        events = await readAllEvents(pg.eventStore);
        return result.ledger.conservation().inFlight === 0 && result.ledger.events === events.length;
      },
      30_000,
      300,
    );
    expect(result.ledger.findings).toEqual([]);
    const keys = new Set(events.filter((e) => e.type in PAIRS).map((e) => `${String(e.metadata.userId)}/${String(e.metadata.idempotencyKey)}`));
    expect(acknowledged.filter((id) => !keys.has(id))).toEqual([]);
    const debits = events.filter((e) => e.type in PAIRS);
    expect(debits.length).toBe(new Set(acknowledged).size);
    const creditCount = new Map<string, number>();
    for (const e of events) {
      for (const [debit, pair] of Object.entries(PAIRS)) {
        if (e.type === pair.credit)
          creditCount.set(
            `${debit}/${pair.key(e.data as Record<string, unknown>)}`,
            (creditCount.get(`${debit}/${pair.key(e.data as Record<string, unknown>)}`) ?? 0) + 1,
          );
      }
    }
    const notOnce = debits.map((e) => `${e.type}/${PAIRS[e.type]!.key(e.data as Record<string, unknown>)}`).filter((id) => creditCount.get(id) !== 1);
    expect(notOnce).toEqual([]);
    expect(creditCount.size).toBe(debits.length);
    // The money equation: balances + held + in flight (none now) = fundings - withdrawals.
    const money = result.ledger.conservation();
    expect(money.inFlight).toBe(0);
    expect(money.left).toBe(money.right);
    expect(money.holds).toBe(true);

    // The read models equal a replay of the events.
    const config = loadConfig(env);
    const store = new RedisReadModelStore({ redis, prefix: env.ZAN_REDIS_PREFIX, feedLength: config.feedLength, generationCacheMs: 0 });
    const { live, replayed } = await liveAndReplayed(pg.eventStore, store, { feedLength: config.feedLength, timeoutMs: 30_000 });
    expect(live).toEqual(replayed);
  }, 120_000);
});
