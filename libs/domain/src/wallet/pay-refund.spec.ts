import type { OrderRefundRequested } from '@zan/contracts';
import { InsufficientFunds } from '../errors';
import { specFor } from '../testing/given-when-then';
import { walletDecider } from './wallet.decider';

const given = specFor(walletDecider);
const requested: OrderRefundRequested = { orderId: 'o1', refundId: 'r1', merchantId: 'shop', buyerId: 'alice', amount: 600, requestedBy: 'shop' };
const open = { type: 'WalletOpened' as const, data: { userId: 'shop', kind: 'business' as const } };
const received = (amount: number) => ({
  type: 'OrderPaymentReceived' as const,
  data: { orderId: 'o1', productId: 'p1', merchantId: 'shop', buyerId: 'alice', amount },
});

describe('PayRefund (step 2 of a refund, on the merchant’s wallet)', () => {
  it('debits the merchant', () => {
    const { state } = given([open, received(1_000)])
      .when({ type: 'PayRefund', data: { requested } })
      .then([{ type: 'OrderRefunded', data: { orderId: 'o1', refundId: 'r1', merchantId: 'shop', buyerId: 'alice', amount: 600 } }]);
    expect(state.balance).toBe(400);
  });
  it('refuses when the merchant’s balance does not cover it (withdrawn meanwhile)', () => {
    given([open, received(500)])
      .when({ type: 'PayRefund', data: { requested } })
      .thenThrows(InsufficientFunds);
  });
  it('declines without moving money', () => {
    const { state } = given([open, received(500)])
      .when({ type: 'DeclineRefund', data: { requested, reason: 'insufficient-funds' } })
      .then([
        {
          type: 'OrderRefundDeclined',
          data: { orderId: 'o1', refundId: 'r1', merchantId: 'shop', buyerId: 'alice', amount: 600, reason: 'insufficient-funds' },
        },
      ]);
    expect(state.balance).toBe(500);
  });
});
