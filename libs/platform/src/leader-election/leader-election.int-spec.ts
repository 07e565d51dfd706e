import { randomBytes } from 'node:crypto';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import Redis from 'ioredis';
import { Client as PgClient } from 'pg';
import { type Campaign, type LeaderElection } from './leader-election';
import { postgresLeaderElection, redisLeaderElection } from './index';
import { PostgresLeaderLock } from './postgres-leader-lock';
import { startTcpProxy } from '../../../../test/support/tcp-proxy';

const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const redisUrl = process.env.REDIS_URL_TEST ?? 'redis://127.0.0.1:6379';

/** A candidate that records what it was told, and whether it believes it leads. */
const candidate = () => {
  const told: ('elected' | 'deposed')[] = [];
  let leading = false;
  return {
    told,
    get leading() {
      return leading;
    },
    leadership: {
      onElected: () => {
        told.push('elected');
        leading = true;
      },
      onDeposed: () => {
        told.push('deposed');
        leading = false;
      },
    },
  };
};

const until = async (condition: () => boolean, ms: number): Promise<number> => {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return Date.now() - started;
};

/** Samples both candidates until the condition holds: never two leaders at once. */
const watchBoth = async (a: { leading: boolean }, b: { leading: boolean }, condition: () => boolean, ms: number) => {
  let overlap = 0;
  const took = await until(() => {
    if (a.leading && b.leading) overlap += 1;
    return condition();
  }, ms);
  return { took, overlap };
};

describe('PostgreSQL leader election', () => {
  const id = `zanle${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const electors: LeaderElection[] = [];
  let admin: PgClient;

  beforeAll(async () => {
    admin = new PgClient({ connectionString: databaseUrl });
    await admin.connect();
  });
  afterAll(async () => {
    await Promise.allSettled(electors.map((elector) => elector.close()));
    await admin.end();
  });

  const elector = (suffix: string) => {
    const election = postgresLeaderElection({ connectionString: databaseUrl, schema: `zt_${id}`, applicationName: `${id}_${suffix}` });
    electors.push(election);
    return election;
  };

  it('elects exactly one, and hands over within seconds when the leader loses its connection', async () => {
    const [one, two] = [candidate(), candidate()];
    const campaigns: Campaign[] = [await elector('one').campaign('relay', one.leadership), await elector('two').campaign('relay', two.leadership)];
    expect([one.leading, two.leading]).toEqual([true, false]);
    expect(campaigns.map((c) => c.leading)).toEqual([true, false]);

    // A third elector on another name is not held up by this one.
    const other = candidate();
    await elector('three').campaign('credits', other.leadership);
    expect(other.leading).toBe(true);

    const killed = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [`${id}_one`]);
    expect(killed.rowCount).toBe(1);
    const handover = await watchBoth(one, two, () => !one.leading && two.leading, 5000);
    expect(handover.overlap).toBe(0);
    expect(one.told).toEqual(['elected', 'deposed']);
    expect(two.told).toEqual(['elected']);
    expect(campaigns.map((c) => c.leading)).toEqual([false, true]);

    // The first reconnects and stands by; when the second resigns, it leads again.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(one.leading).toBe(false);
    await campaigns[1]!.resign();
    expect(two.told).toEqual(['elected', 'deposed']);
    await until(() => one.leading, 3000);
    expect(one.told).toEqual(['elected', 'deposed', 'elected']);
  }, 30_000);

  it('gives up on a connection that is never answered, and tries again on a new one', async () => {
    // A server that takes connections and never says a word: the session never starts.
    const sockets: Socket[] = [];
    const silent = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const lock = new PostgresLeaderLock({
      connectionString: `postgres://postgres@127.0.0.1:${(silent.address() as AddressInfo).port}/test`,
      schema: `zt_${id}`,
      queryTimeoutMs: 300,
    });
    try {
      const started = Date.now();
      await expect(lock.acquire('silent')).rejects.toThrow();
      await expect(lock.acquire('silent')).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(sockets.length).toBe(2);
    } finally {
      await lock.close();
      sockets.forEach((socket) => socket.destroy());
      await new Promise((resolve) => silent.close(resolve));
    }
  }, 30_000);

  it('ends the session of a try for the lock that got no answer, so that the lock it may have taken is let go', async () => {
    const url = new URL(databaseUrl);
    const proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
    const proxied = new URL(databaseUrl);
    proxied.host = proxy.address;
    const stalled = new PostgresLeaderLock({ connectionString: proxied.toString(), schema: `zt_${id}`, queryTimeoutMs: 300 });
    const rival = new PostgresLeaderLock({ connectionString: databaseUrl, schema: `zt_${id}` });
    try {
      expect(await stalled.acquire('warm-up')).toBe(true);
      proxy.pause();
      await expect(stalled.acquire('stalled')).rejects.toThrow();
      // The try reaches PostgreSQL now, and takes the lock in the session that was given up on.
      proxy.resume();
      let took = false;
      for (let i = 0; i < 50 && !took; i++) {
        took = await rival.acquire('stalled');
        if (!took) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(took).toBe(true);
    } finally {
      await Promise.allSettled([stalled.close(), rival.close()]);
      await proxy.close();
    }
  }, 30_000);

  it('hands over when the leader goes silent: PostgreSQL ends the session that holds the lock, it does not keep it for hours', async () => {
    // A network partition between the leader and PostgreSQL (or a leader frozen, SIGSTOP, a VM
    // paused): no byte either way, no reset. The leader deposes itself when its heartbeat is not
    // answered; the server must let the lock go too, else nobody leads until TCP keep-alive (2 h).
    const url = new URL(databaseUrl);
    const proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
    const proxied = new URL(databaseUrl);
    proxied.host = proxy.address;
    const [one, two] = [candidate(), candidate()];
    const first = postgresLeaderElection({ connectionString: proxied.toString(), schema: `zt_${id}`, applicationName: `${id}_silent` });
    electors.push(first);
    try {
      await first.campaign('timers', one.leadership);
      await elector('six').campaign('timers', two.leadership);
      expect([one.leading, two.leading]).toEqual([true, false]);
      proxy.partition();
      const handover = await watchBoth(one, two, () => !one.leading && two.leading, 25_000);
      expect(handover.overlap).toBe(0);
      expect(one.told).toEqual(['elected', 'deposed']);
    } finally {
      await proxy.close();
    }
  }, 40_000);

  it('sends one query at a time on its session, however many campaigns share it (pg 9 refuses a second)', async () => {
    // Queries sent on one session and not yet answered, at most (every session of the spec's electors counts).
    const query = Object.getOwnPropertyDescriptor(PgClient.prototype, 'query')!.value as (this: PgClient, ...args: unknown[]) => Promise<unknown>;
    const running = new Map<PgClient, number>();
    let most = 0;
    const spy = jest.spyOn(PgClient.prototype, 'query').mockImplementation(function (this: PgClient, ...args: unknown[]) {
      const now = (running.get(this) ?? 0) + 1;
      running.set(this, now);
      most = Math.max(most, now);
      const answer = query.apply(this, args);
      const done = () => void running.set(this, running.get(this)! - 1);
      void answer.then(done, done);
      return answer;
    } as never);
    const lock = new PostgresLeaderLock({ connectionString: databaseUrl, schema: `zt_${id}` });
    try {
      const names = ['relay', 'credits', 'expiry', 'webhooks', 'sagas'].map((name) => `${name}-shared`);
      expect(await Promise.all(names.map((name) => lock.acquire(name)))).toEqual(names.map(() => true));
      for (let round = 0; round < 3; round++) expect(await Promise.all(names.map((name) => lock.confirm(name)))).toEqual(names.map(() => true));
      await Promise.all(names.map((name) => lock.release(name)));
      expect(await Promise.all(names.map((name) => lock.confirm(name)))).toEqual(names.map(() => false));
    } finally {
      await lock.close();
      spy.mockRestore();
    }
    expect(most).toBe(1);
  });

  it('lets the lock go when the leading process closes its elector', async () => {
    const [one, two] = [candidate(), candidate()];
    const first = elector('four');
    await first.campaign('expiry', one.leadership);
    await elector('five').campaign('expiry', two.leadership);
    expect([one.leading, two.leading]).toEqual([true, false]);
    await first.close();
    expect(one.told).toEqual(['elected', 'deposed']);
    await until(() => two.leading, 3000);
  }, 30_000);
});

describe('Redis leader election', () => {
  const prefix = `zt:zanle${Date.now().toString(36)}${randomBytes(2).toString('hex')}:`;
  const electors: LeaderElection[] = [];
  let redis: Redis;

  beforeAll(() => {
    redis = new Redis(redisUrl);
  });
  afterAll(async () => {
    await Promise.allSettled(electors.map((elector) => elector.close()));
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  const elector = () => {
    const election = redisLeaderElection({ url: redisUrl, prefix, ttlMs: 1500 });
    electors.push(election);
    return election;
  };

  it('elects exactly one, keeps it while it renews, and hands over when its lease is gone', async () => {
    const [one, two] = [candidate(), candidate()];
    const campaigns = [await elector().campaign('relay', one.leadership), await elector().campaign('relay', two.leadership)];
    expect([one.leading, two.leading]).toEqual([true, false]);

    // Renewed every 500 ms: well past the lease length, nothing changes.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect([one.leading, two.leading]).toEqual([true, false]);
    expect(await redis.pttl(`${prefix}leader:relay`)).toBeGreaterThan(0);

    // The lease vanishes (as if it had expired while the leader was stalled): the leader's next
    // renewal is refused, it is deposed, and the other takes the name.
    await redis.del(`${prefix}leader:relay`);
    await until(() => !one.leading && two.leading, 3000);
    expect(one.told).toEqual(['elected', 'deposed']);
    expect(two.told).toEqual(['elected']);

    await campaigns[1]!.resign();
    expect(await redis.exists(`${prefix}leader:relay`)).toBe(0);
    await until(() => one.leading, 3000);
  }, 30_000);

  it('deposes a leader whose lease someone else now holds, and never gives it back by renewing', async () => {
    const one = candidate();
    await elector().campaign('credits', one.leadership);
    await redis.set(`${prefix}leader:credits`, 'someone-else', 'PX', 1500);
    await until(() => !one.leading, 2000);
    expect(await redis.get(`${prefix}leader:credits`)).toBe('someone-else');
  }, 30_000);
});
