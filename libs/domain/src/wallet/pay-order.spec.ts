import type { ProductStockReserved } from '@zan/contracts';
import { InsufficientFunds, SelfPayment } from '../errors';
import { specFor } from '../testing/given-when-then';
import { walletDecider } from './wallet.decider';

const given = specFor(walletDecider);
const reserved: ProductStockReserved = {
  productId: 'p1',
  merchantId: 'shop',
  orderId: 'o1',
  buyerId: 'alice',
  quantity: 2,
  unitPrice: 500,
  amount: 1_000,
  stockLeft: 3,
};
const open = { type: 'WalletOpened' as const, data: { userId: 'alice', kind: 'individual' as const } };
const funded = (amount: number) => ({
  type: 'WalletFunded' as const,
  data: { userId: 'alice', fundingId: 'f1', amount, source: { kind: 'card' as const, cardId: 'c1' } },
});
const placed = {
  type: 'OrderPlaced' as const,
  data: { orderId: 'o1', productId: 'p1', merchantId: 'shop', buyerId: 'alice', quantity: 2, unitPrice: 500, amount: 1_000 },
};

describe('PayOrder (step 2 of an order, on the buyer’s wallet)', () => {
  it('debits the buyer for the units reserved', () => {
    const { state } = given([open, funded(1_500)])
      .when({ type: 'PayOrder', data: { reserved } })
      .then([placed]);
    expect(state.balance).toBe(500);
  });
  it('refuses when the balance does not cover it (the caller then declines the payment)', () => {
    given([open, funded(999)])
      .when({ type: 'PayOrder', data: { reserved } })
      .thenThrows(InsufficientFunds);
  });
  it('refuses the merchant paying themselves', () => {
    const own = { ...reserved, buyerId: 'shop' };
    given([{ type: 'WalletOpened', data: { userId: 'shop', kind: 'business' } }])
      .when({ type: 'PayOrder', data: { reserved: own } })
      .thenThrows(SelfPayment);
  });
});

describe('DeclineOrderPayment', () => {
  it('records the decline, no money moves', () => {
    const { state } = given([open, funded(10)])
      .when({ type: 'DeclineOrderPayment', data: { reserved, reason: 'insufficient-funds' } })
      .then([
        {
          type: 'OrderPaymentDeclined',
          data: { orderId: 'o1', productId: 'p1', merchantId: 'shop', buyerId: 'alice', quantity: 2, amount: 1_000, reason: 'insufficient-funds' },
        },
      ]);
    expect(state.balance).toBe(10);
  });
});
