import { randomUUID } from 'node:crypto';
import { DEFAULT_LIMITS, walletStream } from '@zan/contracts';
import { MemoryEventStore } from '@zan/event-store';
import { ZanMetrics, type ZanConfig } from '@zan/platform';
import { CommandMetrics } from '../observability/command-metrics';
import type { CommandContext } from './command-context';
import { CommandRunner } from './command-runner';
import { idempotentCommandId } from './ids';
import { WalletStreams } from './wallet-streams';

const STARTED = Date.parse('2026-12-06T00:00:00.000Z');
const seeded = (type: string, data: object) => ({
  id: randomUUID(),
  type,
  data,
  metadata: { correlationId: 'c', causationId: 'c', userId: 'seed' },
  occurredAt: new Date(STARTED).toISOString(),
});

/** A wallet holding 5,000 fen, and a debit (a group buy's hold) under the Idempotency-Key K. */
const setUp = async () => {
  const store = new MemoryEventStore();
  const now = { at: STARTED };
  const runner = new CommandRunner(store, new CommandMetrics(new ZanMetrics()), { now: () => new Date(now.at) });
  const wallets = new WalletStreams(runner, { limits: DEFAULT_LIMITS } as ZanConfig);
  await store.append(
    walletStream('bo'),
    [
      seeded('WalletOpened', { userId: 'bo', kind: 'individual' }),
      seeded('WalletFunded', { userId: 'bo', fundingId: 'f-bo', amount: 5_000, source: { kind: 'card', cardId: 'c' } }),
    ],
    'no_stream',
  );
  const hold = {
    type: 'HoldGroupBuyFunds' as const,
    data: { groupBuyId: 'g1', joinId: 'join-bo', productId: 'p1', merchantId: 'shop', buyerId: 'bo', amount: 2_000 },
  };
  const debit = (commandId: string, recovering: boolean) => {
    const context: CommandContext = { userId: 'bo', correlationId: 'c1', commandId, idempotency: { key: 'K', recovering } };
    return wallets.decide('bo', hold, context);
  };
  const holds = async () => (await store.readStream(walletStream('bo'))).filter((e) => e.type === 'GroupBuyFundsHeld').length;
  return { now, debit, holds };
};

describe('a retry taken over from an attempt made before command ids named the request', () => {
  it('finds that attempt under its ids of (user, key) alone, and answers it: one effect', async () => {
    const { debit, holds } = await setUp();
    const before = await debit(idempotentCommandId('bo', 'K'), false);
    const retried = await debit(idempotentCommandId('bo', 'K', 'the-request-hash'), true);
    expect(retried.events.map((e) => e.id)).toEqual(before.events.map((e) => e.id));
    expect(await holds()).toBe(1);
  });

  it('does not take a day-old attempt under those ids as its own: that was an earlier use of the key, since swept', async () => {
    const { now, debit, holds } = await setUp();
    const old = await debit(idempotentCommandId('bo', 'K'), false);
    now.at = STARTED + 25 * 3_600_000;
    const taken = await debit(idempotentCommandId('bo', 'K', 'another-request'), true);
    expect(taken.events.map((e) => e.id)).not.toEqual(old.events.map((e) => e.id));
    expect(await holds()).toBe(2);
  });

  it('looks no further than its own ids when it is not a recovery (a fresh record: the key is new)', async () => {
    const { debit, holds } = await setUp();
    await debit(idempotentCommandId('bo', 'K'), false);
    await debit(idempotentCommandId('bo', 'K', 'a-new-request'), false);
    expect(await holds()).toBe(2);
  });
});
