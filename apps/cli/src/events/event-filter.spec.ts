import type { StoredEvent } from '@zan/contracts';
import { compileFilter } from './event-filter';

const event = (type: string, streamId: string, data: object, userId: string): StoredEvent =>
  ({
    id: `${type}-${streamId}`,
    type,
    version: 1,
    streamId,
    revision: 0,
    position: 1n,
    occurredAt: '2026-01-01T00:00:00Z',
    data,
    metadata: { correlationId: 'c', causationId: 'c', userId },
  }) as StoredEvent;

describe('compileFilter: --user', () => {
  const commerce = [
    event('OrderPaymentReceived', 'wallet-shop', { orderId: 'o', productId: 'p', merchantId: 'shop', buyerId: 'ann', amount: 2_400 }, 'ann'),
    event('MerchantPaymentReceived', 'wallet-shop', { paymentId: 'x', merchantId: 'shop', payerId: 'bob', amount: 400 }, 'bob'),
    event('GroupBuyPaymentReceived', 'wallet-shop', { groupBuyId: 'g', orderId: 'j', productId: 'p', merchantId: 'shop', buyerId: 'bob', amount: 800 }, 'bob'),
    event('MerchantPaid', 'wallet-bob', { paymentId: 'x', codeId: 'c', merchantId: 'shop', payerId: 'bob', amount: 400, dynamic: true }, 'bob'),
    event('TransferReceived', 'wallet-cy', { transferId: 't', fromUserId: 'dee', amount: 5 }, 'dee'),
  ];

  it('keeps every event of the user’s own wallet (a credit is made by the payer) and every event naming them as buyer, merchant or payer', () => {
    expect(commerce.filter(compileFilter({ users: ['shop'] })).map((e) => e.type)).toEqual([
      'OrderPaymentReceived',
      'MerchantPaymentReceived',
      'GroupBuyPaymentReceived',
      'MerchantPaid',
    ]);
    expect(commerce.filter(compileFilter({ users: ['bob'] })).map((e) => e.type)).toEqual([
      'MerchantPaymentReceived',
      'GroupBuyPaymentReceived',
      'MerchantPaid',
    ]);
    expect(commerce.filter(compileFilter({ users: ['ann'] })).map((e) => e.type)).toEqual(['OrderPaymentReceived']);
    expect(commerce.filter(compileFilter({ users: ['cy'] })).map((e) => e.type)).toEqual(['TransferReceived']);
  });

  it('keeps nothing of a user no event involves', () => {
    expect(commerce.filter(compileFilter({ users: ['zed'] }))).toEqual([]);
  });
});
