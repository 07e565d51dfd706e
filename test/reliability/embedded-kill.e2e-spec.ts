import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmbeddedEventStore } from '@zan/event-store';
import { audit } from '../../apps/cli/src/audit/audit';
import { seedDataDir } from '../support/data-dirs';
import { eventually } from '../support/eventually';
import { type SetupSend, prepareStormUser } from '../support/identity';
import { type AppProcess, startApp } from '../support/processes';
import { NO_SPENDING_LIMITS } from '../support/spending-limits';
import { type StormCall, anyPayment, sendOnce } from '../support/storm';
import { TEST_JWT_SECRET, tokenFor } from '../support/tokens';

const DEBITS = new Set(['FundsTransferred', 'TipPraised', 'RedPacketSent', 'RedPacketClaimed', 'WalletWithdrawn']);

/**
 * The zero-setup default (`npm start`: one process, PGlite in a folder) is SIGKILLed twice in the
 * middle of a storm of tips, transfers, withdrawals, red packets and claims, and restarted on the same
 * folder; the clients retry every request that got no answer with its Idempotency-Key. Once quiet
 * (every packet expired and refunded, every credit made), the money equation holds through the api,
 * and the audit of the folder finds nothing: every debit has exactly one credit, no balance went
 * negative, each key made at most one debit, and every 201 the clients saw is in the events.
 */
describe('embedded default killed with SIGKILL under load', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'zan-kill-'));
  const env = {
    ZAN_DATA_DIR: dataDir,
    ZAN_JWT_SECRET: TEST_JWT_SECRET,
    ZAN_RATE_LIMIT_PER_MINUTE: '0',
    ...NO_SPENDING_LIMITS,
    ZAN_RED_PACKET_TTL_SECONDS: '5',
  };
  let zan: AppProcess | undefined;
  let base = '';
  const start = async () => {
    zan = await startApp('zan', env, /listening on http:\/\/127\.0\.0\.1:\d+/);
    base = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(zan.output())![1]!;
  };
  const users = ['kara', 'liam', 'mona', 'nils', 'olga', 'piet'];
  const tokens = new Map(users.map((u) => [u, tokenFor(u, TEST_JWT_SECRET)]));
  const send = (call: StormCall): Promise<void> => sendOnce(base, tokens.get(call.userId)!, call);
  const balanceOf = async (userId: string): Promise<number> => {
    const response = await fetch(`${base}/v1/wallets/me`, { headers: { Authorization: `Bearer ${tokens.get(userId)}` } });
    return ((await response.json()) as { balance: number }).balance;
  };

  beforeAll(() => seedDataDir(dataDir));
  afterAll(async () => {
    await zan?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('keeps every fen and every debit exactly once across two SIGKILLs', async () => {
    await start();
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
    const storm = async (answers: number): Promise<void> => {
      const target = calls.filter((c) => c.status !== 0).length + answers;
      let dead = false;
      await Promise.all(
        Array.from({ length: 12 }, async () => {
          while (!dead) {
            const call = nextCall();
            calls.push(call);
            await send(call);
            if (call.status === 201 && call.path === '/v1/red-packets') packets.push(call.answer!.redPacketId as string);
            if (!dead && calls.filter((c) => c.status !== 0).length >= target) {
              dead = true;
              await zan!.kill('SIGKILL');
            }
          }
        }),
      );
    };

    for (const answers of [60, 90]) {
      await storm(answers);
      await start();
      // The clients retry what got no answer, with the same key and body.
      for (const call of calls.filter((c) => c.status === 0)) await send(call);
      expect(calls.filter((c) => c.status === 0 || c.status >= 500)).toEqual([]);
    }

    const withdrawn = calls
      .filter((c) => c.path === '/v1/wallets/me/withdrawals' && c.status === 201)
      .reduce((sum, c) => sum + (c.body as { amount: number }).amount, 0);
    // Quiet: every packet expired and refunded, every credit made.
    await eventually(
      'the money equation through the api',
      async () => (await Promise.all(users.map(balanceOf))).reduce((a, b) => a + b, 0) === users.length * FUNDING - withdrawn,
      60_000,
      500,
    );
    const balances = await Promise.all(users.map(balanceOf));
    expect(Math.min(...balances)).toBeGreaterThanOrEqual(0);
    await zan!.kill('SIGTERM');

    const { eventStore } = await createEmbeddedEventStore({ dataDir: join(dataDir, 'events') });
    try {
      const result = await audit(eventStore, { graceMs: 0 });
      expect(result.ledger.findings).toEqual([]);
      expect(result.ledger.conservation()).toEqual(expect.objectContaining({ inFlight: 0, held: 0, holds: true, withdrawals: withdrawn }));
      const events = await eventStore.readAll({ maxCount: 100_000 });
      const debitsPerKey = new Map<string, number>();
      for (const event of events) {
        const key = event.metadata.idempotencyKey;
        if (key && DEBITS.has(event.type)) debitsPerKey.set(`${event.metadata.userId}/${key}`, (debitsPerKey.get(`${event.metadata.userId}/${key}`) ?? 0) + 1);
      }
      expect([...debitsPerKey].filter(([, count]) => count > 1)).toEqual([]);
      const acknowledged = calls.filter((c) => c.status === 201).map((c) => `${c.userId}/${c.key}`);
      expect(acknowledged.filter((id) => !debitsPerKey.has(id))).toEqual([]);
      console.log(`embedded kill: ${calls.length} calls, ${acknowledged.length} acknowledged, ${events.length} events, ${withdrawn} fen withdrawn`);
    } finally {
      await eventStore.close();
    }
  }, 300_000);
});
