import { join } from 'node:path';
import { createPostgresEventStore, type PostgresEventStore } from '@zan/event-store';
import { audit } from '../../apps/cli/src/audit/audit';
import { eventually } from '../support/eventually';
import { type SetupSend, prepareStormUser, verificationBodyOf } from '../support/identity';
import { type AppProcess, startApp } from '../support/processes';
import { readAllEvents } from '../support/read-model-snapshot';
import { dropIsolated, fullStackEnv } from '../support/stacks';
import { NO_SPENDING_LIMITS } from '../support/spending-limits';
import { type StormCall, sendOnce } from '../support/storm';
import { TEST_JWT_SECRET, tokenFor } from '../support/tokens';

const LISTENING = /zan api: listening on (http:\/\/127\.0\.0\.1:\d+)/;
const REACTING = /reacting from position/;
const SKEW = join(__dirname, '../support/clock-skew.js');

/**
 * Two api replicas on PostgreSQL, the one leading the timers with its clock 12 s fast (NTP gone wrong
 * on one machine). A group buy and a red packet opened on the replica with the right clock were
 * failed and expired by the leader's clock, 12 s before the expiresAt they announced: a buyer was
 * refused a group the read side showed open. Timers now run by the timer store's clock (the
 * database's), one for every replica.
 */
describe('two api replicas, the timer leader 12 s fast', () => {
  const env: Record<string, string> = {
    ...fullStackEnv('timerskew'),
    ZAN_RATE_LIMIT_PER_MINUTE: '0',
    ZAN_QUERY_RATE_LIMIT_PER_MINUTE: '0',
    ...NO_SPENDING_LIMITS,
    ZAN_RED_PACKET_TTL_SECONDS: '20',
  };
  const apps: AppProcess[] = [];
  let base = '';
  let fast = '';
  let pg: PostgresEventStore;
  const post = async (userId: string, path: string, body: object | undefined, key: string, via = base): Promise<StormCall> => {
    const c: StormCall = { path, userId, key, body, status: 0 };
    await sendOnce(via, tokenFor(userId, TEST_JWT_SECRET), c, 15_000);
    return c;
  };

  beforeAll(async () => {
    const leader = await startApp('api', { ...env, ZAN_CLOCK_SKEW_MS: '12000', NODE_OPTIONS: `--require ${SKEW}` }, LISTENING);
    apps.push(leader);
    fast = LISTENING.exec(leader.output())![1]!;
    await eventually('the fast replica to lead', async () => REACTING.test(leader.output()), 30_000);
    const right = await startApp('api', env, LISTENING);
    apps.push(right);
    base = LISTENING.exec(right.output())![1]!;
    pg = await createPostgresEventStore({ connectionString: env.ZAN_EVENT_STORE!, schema: env.ZAN_PG_SCHEMA });
  }, 120_000);

  afterAll(async () => {
    await Promise.allSettled(apps.map((a) => a.kill('SIGKILL')));
    await pg?.eventStore.close();
    await dropIsolated(env);
  }, 60_000);

  /**
   * A group buy and a red packet opened on the replica with the right clock, joined once; 13 s on (7 s
   * before either deadline by this machine's clock and the database's; past both by the fast
   * replica's), ben joins and claims through `via`. Neither may be refused or closed early.
   */
  const joinAndClaimLate = async (via: () => string, prefix: string): Promise<void> => {
    const [ana, ben, mer] = ['ana', 'ben', 'mer'].map((name) => `${prefix}${name}`) as [string, string, string];
    const sendSetup: SetupSend = async (userId, path, body, key) => (await post(userId, path, body, key)).status;
    for (const user of [ana, ben]) await prepareStormUser(sendSetup, user, { funding: 10_000, articles: 0 });
    expect(await sendSetup(mer, '/v1/wallets', { kind: 'business' }, 'w')).toBe(201);
    expect(await sendSetup(mer, '/v1/wallets/me/verification', verificationBodyOf(mer, 'business'), 'v')).toBe(201);
    const product = (await post(mer, '/v1/merchants/me/products', { title: 't', price: 500, stock: null }, 'p')).answer!.productId as string;
    const opened = await post(mer, '/v1/merchants/me/group-buys', { productId: product, groupPrice: 300, groupSize: 3, expiresInSeconds: 20 }, 'g');
    const groupBuyId = opened.answer!.groupBuyId as string;
    const expiresAt = Date.parse(opened.answer!.expiresAt as string);
    const packet = await post(ana, '/v1/red-packets', { amount: 900, shares: 3, mode: 'equal' }, 'rp');
    expect((await post(ana, `/v1/group-buys/${groupBuyId}/joins`, undefined, 'j1')).status).toBe(201);

    await new Promise((resolve) => setTimeout(resolve, 13_000));
    expect(Date.now()).toBeLessThan(expiresAt - 3_000);
    const join = await post(ben, `/v1/group-buys/${groupBuyId}/joins`, undefined, 'j2', via());
    const claim = await post(ben, `/v1/red-packets/${packet.answer!.redPacketId as string}/claims`, undefined, 'c1', via());
    const events = await readAllEvents(pg.eventStore);
    const streams = [`group-buy-${groupBuyId}`, `red-packet-${packet.answer!.redPacketId as string}`];
    const closed = events.filter((e) => (e.type === 'GroupBuyFailed' || e.type === 'RedPacketExpired') && streams.includes(e.streamId));
    expect({ join: join.status, claim: claim.status, closedEarly: closed.map((e) => e.type) }).toEqual({ join: 201, claim: 201, closedEarly: [] });
    // The money adds up once the claim's credit is made (the credits react in their own time).
    await eventually('the audit to find nothing', async () => (await audit(pg.eventStore, { graceMs: 0 })).ledger.findings.length === 0, 30_000);
  };

  it('closes a group buy and a red packet no earlier than the expiresAt it announced', async () => {
    await joinAndClaimLate(() => base, 'a');
  }, 200_000);

  /**
   * The fast replica answering: a join and a claim it took were decided by its own clock, refused
   * 410 there while the other replica took the same requests and the read side showed both open.
   * Every replica now decides by the one clock the timers run by (SharedClock).
   */
  it('takes a join and a claim before the deadlines on the fast replica too, as on the other', async () => {
    await joinAndClaimLate(() => fast, 'b');
  }, 200_000);
});
