import type { DomainEvent } from '@zan/contracts';

export const opened = (amount = 2_000): DomainEvent<'OrderOpened'> => ({
  type: 'OrderOpened',
  data: { orderId: 'o1', productId: 'p1', merchantId: 'shop', buyerId: 'alice', quantity: 2, unitPrice: amount / 2, amount },
});
export const refundRequested = (amount: number, refundId = 'r1'): DomainEvent<'OrderRefundRequested'> => ({
  type: 'OrderRefundRequested',
  data: { orderId: 'o1', refundId, merchantId: 'shop', buyerId: 'alice', amount, requestedBy: 'shop' },
});
