import { Client } from 'pg';
import { startTcpProxy, type TcpProxy } from '../../../../test/support/tcp-proxy';
import { testServers } from '../../../../test/support/isolation';
import { waitFor } from '../testing/event-store.contract';
import { PgSqlClient } from './pg-sql-client';

jest.setTimeout(60_000);

/**
 * PostgreSQL behind a proxy whose connections go silent (every byte swallowed, no reset): what a
 * partition or a lost NAT entry looks like to the client. Queries answer in bounded time and the
 * silent connections are dropped; the LISTEN connection notices by its heartbeat and comes back.
 */
describe('PgSqlClient on connections gone silent', () => {
  const direct = new URL(testServers().databaseUrl);
  let proxy: TcpProxy;
  let sql: PgSqlClient;
  let notifier: Client;

  beforeEach(async () => {
    proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
    const proxied = new URL(direct.toString());
    proxied.host = proxy.address;
    sql = new PgSqlClient({ connectionString: proxied.toString(), poolSize: 3, queryTimeoutMs: 500, connectTimeoutMs: 500, listenHeartbeatMs: 300 });
    notifier = new Client({ connectionString: direct.toString() });
    await notifier.connect();
  });
  afterEach(async () => {
    await sql.close();
    await notifier.end();
    await proxy.close();
  });

  it('fails a query and a transaction with ETIMEDOUT within the deadline, then answers on new connections', async () => {
    await Promise.all([sql.query('SELECT 1'), sql.query('SELECT 2'), sql.query('SELECT 3')]); // three pooled connections
    proxy.silence();
    const started = Date.now();
    await expect(sql.query('SELECT 1')).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    await expect(sql.transaction((tx) => tx.query('SELECT 1'))).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    // Both within one deadline each (no ROLLBACK waited for on the silent connection), not minutes.
    expect(Date.now() - started).toBeLessThan(3_000);
    // No connection can be opened while the network is down: the wait for one has a deadline too.
    await Promise.allSettled([sql.query('SELECT 1'), sql.query('SELECT 1')]);
    await expect(sql.query('SELECT 1')).rejects.toThrow();

    proxy.restore();
    // The silent connections still pooled fail once each and are dropped; new ones answer.
    await waitFor(
      async () => (await sql.query<{ n: number }>('SELECT 7 AS n').catch(() => ({ rows: [] }))).rows[0]?.n === 7,
      'a query answered after the silence',
      10_000,
    );
    for (let i = 0; i < 6; i++) expect((await sql.query<{ n: number }>('SELECT $1::int AS n', [i])).rows[0]!.n).toBe(i);
  });

  it('leaves no transaction open on the server when the link dies between its statements, so no reader is held back', async () => {
    // A writer cut off after its statements and before COMMIT (an append of the leader that lost its
    // network): the server sees no close, and the transaction would stay open, holding its row locks
    // and its transaction id, under which every reader of the log by the xid8 rule (the relay, the
    // credits of every replica) stops, until TCP keep-alive gives up, hours later.
    let backend = 0;
    const written = sql.transaction(async (tx) => {
      backend = (await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid, pg_current_xact_id()')).rows[0]!.pid;
      proxy.partition();
      await tx.query('SELECT 1');
    });
    await expect(written).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    const open = async () => (await notifier.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND backend_xid IS NOT NULL', [backend])).rows.length > 0;
    await waitFor(async () => !(await open()), 'the cut-off transaction ended by the server', 10_000);
  });

  it('hears NOTIFY again once a silent LISTEN connection is replaced', async () => {
    const channel = `zan_silent_${Date.now().toString(36)}`;
    const heard: string[] = [];
    await sql.listen(channel, (payload) => heard.push(payload));
    await notifier.query(`NOTIFY ${channel}, 'before'`);
    await waitFor(() => heard.includes('before'), 'NOTIFY before the silence');

    proxy.silence();
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // a heartbeat goes unanswered
    proxy.restore();
    await waitFor(
      async () => {
        await notifier.query(`NOTIFY ${channel}, 'after'`);
        return heard.includes('after');
      },
      'NOTIFY after the silence',
      10_000,
    );
  });
});
