import { PgSqlClient } from '@zan/event-store';
import { SqlTimerStore } from '@zan/stores';
import { testServers } from '../../../test/support/isolation';
import { SharedClock } from './clock';

// The timer store's clock read through the event store's pool, on the real PostgreSQL of this
// machine: its clock is this machine's, so a SharedClock set right by it is off by nothing.
const { databaseUrl } = testServers();
jest.setTimeout(30_000);

describe('SharedClock over the PostgreSQL timer store', () => {
  let sql: PgSqlClient;

  beforeAll(() => {
    sql = new PgSqlClient({ connectionString: databaseUrl, poolSize: 1 });
  });

  afterAll(async () => {
    await sql.close();
  });

  it('is not set 1 s ahead by a reading that waited 2 s for a pooled connection', async () => {
    const timers = new SqlTimerStore(sql, 'public');
    const clock = new SharedClock(() => timers.now());
    await clock.sync();
    expect(Math.abs(clock.now().getTime() - Date.now())).toBeLessThan(250);
    // Every connection busy (a loaded api): clock_timestamp() is read when the reading gets one, 2 s
    // after it was sent and moments before its answer, not at the middle of its round trip.
    const busy = sql.query('SELECT pg_sleep(2)');
    await new Promise((resolve) => setTimeout(resolve, 50));
    await clock.sync();
    await busy;
    expect(Math.abs(clock.now().getTime() - Date.now())).toBeLessThan(250);
  });
});
