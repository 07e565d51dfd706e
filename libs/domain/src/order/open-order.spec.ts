import type { DomainEvent } from '@zan/contracts';
import { specFor } from '../testing/given-when-then';
import { RefundExceedsPayment } from './order.errors';
import { orderDecider } from './order.decider';
import { opened } from './order.fixtures';

const given = specFor(orderDecider);
const open = { type: 'OpenOrder' as const, data: { placed: opened().data } };

describe('OpenOrder (from the buyer’s OrderPlaced)', () => {
  it('copies the paid order onto its own stream, once', () => {
    given([]).when(open).then([opened()]);
    given([opened()]).when(open).thenNothing();
  });
});

describe('OpenOrder (a completed group buy’s member, caused by the hold)', () => {
  const member: DomainEvent<'OrderOpened'> = {
    type: 'OrderOpened',
    data: { orderId: 'join-1', productId: 'p1', merchantId: 'shop', buyerId: 'alice', quantity: 1, unitPrice: 1_500, amount: 1_500 },
  };
  it('opens the member’s order once; it is refunded within what the hold paid and rated once by its buyer, like any order', () => {
    given([])
      .when({ type: 'OpenOrder', data: { placed: member.data } })
      .then([member]);
    given([member])
      .when({ type: 'OpenOrder', data: { placed: member.data } })
      .thenNothing();
    const refund = (amount: number) => ({
      type: 'RequestRefund' as const,
      data: { orderId: 'join-1', refundId: `r${amount}`, requestedBy: 'shop', byAdmin: false, amount },
    });
    given([member])
      .when(refund(1_500))
      .then([
        {
          type: 'OrderRefundRequested',
          data: { orderId: 'join-1', refundId: 'r1500', merchantId: 'shop', buyerId: 'alice', amount: 1_500, requestedBy: 'shop' },
        },
      ]);
    given([member]).when(refund(1_501)).thenThrows(RefundExceedsPayment);
    const rate = { type: 'RateOrder' as const, data: { orderId: 'join-1', buyerId: 'alice', stars: 5 } };
    given([member])
      .when(rate)
      .then([{ type: 'OrderRated', data: { orderId: 'join-1', productId: 'p1', merchantId: 'shop', buyerId: 'alice', stars: 5 } }]);
  });
});
