import { DEFAULT_LIMITS } from '@zan/contracts';
import { InsufficientFunds, NotAMerchant, TierAmountOutOfRange, SelfPayment } from '../errors';
import { specFor } from '../testing/given-when-then';
import type { HoldGroupBuyFunds } from './hold-group-buy-funds';
import { walletDecider, type WalletCommand } from './wallet.decider';
import type { WalletState } from './wallet.state';

const given = specFor(walletDecider);
const open = { type: 'WalletOpened' as const, data: { userId: 'alice', kind: 'individual' as const } };
const funded = (amount: number) => ({
  type: 'WalletFunded' as const,
  data: { userId: 'alice', fundingId: 'f1', amount, source: { kind: 'card' as const, cardId: 'c1' } },
});
const hold = (amount = 2_000, buyerId = 'alice'): HoldGroupBuyFunds => ({
  type: 'HoldGroupBuyFunds',
  data: { groupBuyId: 'g1', joinId: 'j1', productId: 'p1', merchantId: 'shop', buyerId, amount },
});
const now = '2026-01-01T04:00:00.000Z';

describe('HoldGroupBuyFunds (step 1 of a join, on the buyer’s wallet)', () => {
  it('takes the group price out of the balance: held, not spendable again', () => {
    const { state } = given([open, funded(2_500)])
      .when(hold())
      .then([{ type: 'GroupBuyFundsHeld', data: { groupBuyId: 'g1', joinId: 'j1', productId: 'p1', merchantId: 'shop', buyerId: 'alice', amount: 2_000 } }]);
    expect(state.balance).toBe(500);
  });
  it('refuses when the balance does not cover it', () => {
    given([open, funded(1_999)])
      .when(hold())
      .thenThrows(InsufficientFunds);
  });
  it('refuses the merchant joining its own deal', () => {
    given([{ type: 'WalletOpened', data: { userId: 'shop', kind: 'business' } }])
      .when(hold(2_000, 'shop'))
      .thenThrows(SelfPayment);
  });
  it('refuses a merchant the handler found rejected (a recovery skips its pre-checks)', () => {
    given([open, funded(2_500)])
      .when({ ...hold(), data: { ...hold().data, merchant: false } })
      .thenThrows(NotAMerchant);
  });
  it('keeps to the tier’s limits (an unverified wallet pays at most its per-payment limit at once)', () => {
    const over = DEFAULT_LIMITS.tiers.unverified.perPayment + 1;
    const spec = specFor({ ...walletDecider, decide: (c: WalletCommand, s: WalletState) => walletDecider.decide(c, s, { limits: DEFAULT_LIMITS, now }) });
    spec([open, funded(over)])
      .when(hold(over))
      .thenThrows(TierAmountOutOfRange);
  });
});
