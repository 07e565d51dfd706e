import { PgSqlClient, quoteIdent } from '@zan/event-store';
import { ManualClock, type ZanConfig } from '@zan/platform';
import { SqlIdempotencyStore } from '@zan/stores';
import { isolation, testServers } from '../../../../test/support/isolation';
import { IdempotencySweeper } from './idempotency-sweeper';

// The sweeper on the PostgreSQL store (the Redis one lets records expire on their own). Real server, no mocks.
const { databaseUrl } = testServers();
jest.setTimeout(30_000);

describe('IdempotencySweeper', () => {
  let sql: PgSqlClient;

  beforeAll(() => {
    sql = new PgSqlClient({ connectionString: databaseUrl, poolSize: 2 });
  });

  afterAll(async () => {
    await sql.close();
  });

  it('on PostgreSQL: the sweeper deletes the records past the retention (in batches), keeping the rest and keys still held', async () => {
    const { pgSchema } = isolation('idem-sweep');
    await sql.query(`CREATE SCHEMA ${quoteIdent(pgSchema)}`);
    try {
      const store = new SqlIdempotencyStore(sql, pgSchema);
      await store.migrate();
      const clock = new ManualClock(new Date('2026-01-01T00:00:00Z'));
      const sweeper = new IdempotencySweeper(store, { idempotencyTtlHours: 24 } as ZanConfig, clock, { everyMs: 3_600_000 });
      // 5,200 finished records (more than one delete batch) and one still pending, 25 h old by the sweep.
      await sql.query(
        `INSERT INTO ${quoteIdent(pgSchema)}.idempotency (scope, key, request_hash, state, response, locked_until, created_at)
         SELECT 'alice', 'old-' || i, 'h', 'done', '{}', '2026-01-01T00:00:05Z', '2026-01-01T00:00:00Z' FROM generate_series(1, 5200) AS i`,
      );
      const held = await store.begin('alice', 'held', 'h', 48 * 3600_000, clock.now());
      clock.advance(24 * 3600_000);
      const recent = await store.begin('alice', 'recent', 'h', 5_000, clock.now());
      await store.complete('alice', 'recent', { status: 201, body: {} }, (recent as { lease: number }).lease);
      expect(held.outcome).toBe('started');
      clock.advance(3600_000);

      expect(await sweeper.sweep()).toBe(5_200);
      const { rows } = await sql.query<{ key: string }>(`SELECT key FROM ${quoteIdent(pgSchema)}.idempotency ORDER BY key`);
      expect(rows.map((row) => row.key)).toEqual(['held', 'recent']);
      expect(await sweeper.sweep()).toBe(0);
    } finally {
      await sql.query(`DROP SCHEMA ${quoteIdent(pgSchema)} CASCADE`);
    }
  });
});
