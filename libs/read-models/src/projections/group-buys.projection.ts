import { keys } from '../keys';
import { isEventOf, type Change, type EventOf, type Projection } from '../projection';
import { padPosition } from '../positions';
import type { GroupBuyView } from '../views';
import { beijingDayOf } from './commerce.projection';
import { intField, type RawHash } from './raw';

/**
 * group-buy:<id> holds what GroupBuyOpened fixes, `members` (a count, one per GroupBuyJoined) and
 * `status` once the group closes; open until then, so no close can regress to open whatever order
 * the fields arrive in. A completed group's members become orders where orders are read
 * (docs/commerce.md, "Group buys"): order:<joinId>, the buyer's list at the completion's position
 * (a buyer joins a group once), the merchant's list at each member's GroupBuyPaymentReceived (one
 * position per order, so a page cursor never falls between two orders of one group), the product
 * card's `sold` and the merchant's sales on the completion's Beijing day.
 */
export const groupBuysProjection: Projection = {
  name: 'group-buys',
  project(event) {
    if (isEventOf(event, 'GroupBuyOpened')) {
      const { groupBuyId, productId, merchantId, groupPrice, groupSize, expiresAt } = event.data;
      return [{ op: 'hset', key: keys.groupBuy(groupBuyId), values: { groupBuyId, productId, merchantId, groupPrice, groupSize, expiresAt } }];
    }
    if (isEventOf(event, 'GroupBuyJoined')) return [{ op: 'hincrby', key: keys.groupBuy(event.data.groupBuyId), field: 'members', by: 1 }];
    if (isEventOf(event, 'GroupBuyFailed')) return [{ op: 'hset', key: keys.groupBuy(event.data.groupBuyId), values: { status: 'failed' } }];
    if (isEventOf(event, 'GroupBuyCompleted')) return completionChanges(event);
    if (isEventOf(event, 'GroupBuyPaymentReceived')) {
      const { orderId, merchantId } = event.data;
      return [{ op: 'zadd', key: keys.merchantOrders(merchantId), score: 0, member: `${padPosition(event.position)}|${orderId}` }];
    }
    return [];
  },
};

const completionChanges = (event: EventOf<'GroupBuyCompleted'>): Change[] => {
  const { groupBuyId, productId, merchantId, members } = event.data;
  const day = beijingDayOf(event.occurredAt);
  const changes: Change[] = [{ op: 'hset', key: keys.groupBuy(groupBuyId), values: { status: 'completed' } }];
  for (const { buyerId, joinId, amount } of members) {
    changes.push(
      {
        op: 'hset',
        key: keys.order(joinId),
        values: { orderId: joinId, productId, merchantId, buyerId, quantity: 1, unitPrice: amount, amount, groupBuyId, at: event.occurredAt },
      },
      { op: 'zadd', key: keys.buyerOrders(buyerId), score: 0, member: `${padPosition(event.position)}|${joinId}` },
    );
  }
  const gross = members.reduce((sum, member) => sum + member.amount, 0);
  changes.push(
    { op: 'hincrby', key: keys.product(productId), field: 'sold', by: members.length },
    { op: 'hincrby', key: keys.merchantSales(merchantId), field: `${day}:orders`, by: members.length },
    { op: 'hincrby', key: keys.merchantSales(merchantId), field: `${day}:gross`, by: gross },
  );
  return changes;
};

/** Undefined until its opening is applied. */
export const groupBuyView = (groupBuyId: string, hash: RawHash): GroupBuyView | undefined => {
  if (hash.productId === undefined) return undefined;
  const status = hash.status === 'completed' || hash.status === 'failed' ? hash.status : 'open';
  return {
    groupBuyId,
    productId: hash.productId,
    groupPrice: intField(hash, 'groupPrice'),
    groupSize: intField(hash, 'groupSize'),
    members: intField(hash, 'members'),
    status,
    expiresAt: hash.expiresAt ?? '',
  };
};
