import { parsePosition, type StoredEvent } from '@zan/contracts';
import { keys } from '../keys';
import { isEventOf, type Projection } from '../projection';
import { POSITION_WIDTH, padPosition } from '../positions';
import type { FeedItem, FeedItemType } from '../views';

export const DEFAULT_FEED_LENGTH = 1000;

/**
 * feed:<userId> is a sorted set with every score 0, so Redis orders it by member bytes; a member is
 * `<position, zero-padded to 32 digits>|<item JSON>`, which sorts by global position. A score could
 * not hold a position (doubles lose integers above 2^53). The same event always yields the same
 * member, so a redelivery can never show an item twice, and trimming after each add keeps the newest
 * `length` items whatever order the events came in.
 */
export const feedProjection = (length: number = DEFAULT_FEED_LENGTH): Projection => {
  if (!Number.isSafeInteger(length) || length < 1) throw new RangeError(`feed length must be a positive integer, not ${length}`);
  return {
    name: 'feed',
    project(event) {
      const entry = feedEntry(event);
      if (!entry) return [];
      const key = keys.feed(entry.userId);
      return [
        { op: 'zadd', key, score: 0, member: feedMember(event.position, entry.item) },
        { op: 'ztrim', key, keep: length },
      ];
    },
  };
};

/** Whose feed an event lands in, and as what. */
export const feedEntry = (event: StoredEvent): { userId: string; item: FeedItem } | undefined => {
  const item = (type: FeedItemType, amount: number, counterpartyId: string | null, refId: string): FeedItem => ({
    type,
    at: event.occurredAt,
    amount,
    counterpartyId,
    refId,
  });
  if (isEventOf(event, 'WalletFunded')) {
    return { userId: event.data.userId, item: item('funding', event.data.amount, null, event.data.fundingId) };
  }
  if (isEventOf(event, 'WalletWithdrawn')) {
    return { userId: event.data.userId, item: item('withdrawal', event.data.amount, null, event.data.withdrawalId) };
  }
  if (isEventOf(event, 'FundsTransferred')) {
    const d = event.data;
    return { userId: d.fromUserId, item: item('transfer-sent', d.amount, d.toUserId, d.transferId) };
  }
  if (isEventOf(event, 'TransferReceived')) {
    const d = event.data;
    return { userId: d.toUserId, item: item('transfer-received', d.amount, d.fromUserId, d.transferId) };
  }
  if (isEventOf(event, 'TipPraised')) {
    const d = event.data;
    return { userId: d.readerId, item: item('tip-sent', d.amount, d.authorId, d.tipId) };
  }
  if (isEventOf(event, 'TipReceived')) {
    const d = event.data;
    return { userId: d.authorId, item: item('tip-received', d.amount, d.readerId, d.tipId) };
  }
  if (isEventOf(event, 'RedPacketSent')) {
    const d = event.data;
    return { userId: d.senderId, item: item('red-packet-sent', d.amount, null, d.redPacketId) };
  }
  if (isEventOf(event, 'RedPacketShareReceived')) {
    const d = event.data;
    return { userId: d.userId, item: item('red-packet-claimed', d.amount, d.senderId, d.redPacketId) };
  }
  if (isEventOf(event, 'RedPacketRefunded')) {
    const d = event.data;
    return { userId: d.senderId, item: item('red-packet-refunded', d.amount, null, d.redPacketId) };
  }
  if (isEventOf(event, 'MerchantPaid')) {
    const d = event.data;
    return { userId: d.payerId, item: item('merchant-payment-sent', d.amount, d.merchantId, d.paymentId) };
  }
  if (isEventOf(event, 'MerchantPaymentReceived')) {
    const d = event.data;
    return { userId: d.merchantId, item: item('merchant-payment-received', d.amount, d.payerId, d.paymentId) };
  }
  if (isEventOf(event, 'MerchantPaymentReturned')) {
    const d = event.data;
    return { userId: d.payerId, item: item('merchant-payment-returned', d.amount, d.merchantId, d.paymentId) };
  }
  return commerceFeedEntry(event, item);
};

/** Orders and refunds, in the buyer's and the merchant's feeds; refId is the order id. */
const commerceFeedEntry = (
  event: StoredEvent,
  item: (type: FeedItemType, amount: number, counterpartyId: string | null, refId: string) => FeedItem,
): { userId: string; item: FeedItem } | undefined => {
  if (isEventOf(event, 'OrderPlaced')) {
    const d = event.data;
    return { userId: d.buyerId, item: item('order-paid', d.amount, d.merchantId, d.orderId) };
  }
  if (isEventOf(event, 'OrderPaymentReceived')) {
    const d = event.data;
    return { userId: d.merchantId, item: item('order-received', d.amount, d.buyerId, d.orderId) };
  }
  if (isEventOf(event, 'OrderRefunded')) {
    const d = event.data;
    return { userId: d.merchantId, item: item('refund-paid', d.amount, d.buyerId, d.orderId) };
  }
  if (isEventOf(event, 'OrderRefundReceived')) {
    const d = event.data;
    return { userId: d.buyerId, item: item('refund-received', d.amount, d.merchantId, d.orderId) };
  }
  return groupBuyFeedEntry(event, item);
};

/** A group buy's hold and its return in the buyer's feed (refId the group), its payment in the merchant's (refId the order). */
const groupBuyFeedEntry = (
  event: StoredEvent,
  item: (type: FeedItemType, amount: number, counterpartyId: string | null, refId: string) => FeedItem,
): { userId: string; item: FeedItem } | undefined => {
  if (isEventOf(event, 'GroupBuyFundsHeld')) {
    const d = event.data;
    return { userId: d.buyerId, item: item('group-buy-held', d.amount, d.merchantId, d.groupBuyId) };
  }
  if (isEventOf(event, 'GroupBuyFundsReturned')) {
    const d = event.data;
    return { userId: d.buyerId, item: item('group-buy-returned', d.amount, null, d.groupBuyId) };
  }
  if (isEventOf(event, 'GroupBuyPaymentReceived')) {
    const d = event.data;
    return { userId: d.merchantId, item: item('group-buy-order-received', d.amount, d.buyerId, d.orderId) };
  }
  return undefined;
};

export const feedMember = (position: bigint, item: FeedItem): string => `${padPosition(position)}|${JSON.stringify(item)}`;

export const feedItemOf = (member: string): FeedItem => JSON.parse(member.slice(POSITION_WIDTH + 1)) as FeedItem;

export const feedPositionOf = (member: string): bigint => BigInt(member.slice(0, POSITION_WIDTH));

export class InvalidFeedCursor extends Error {
  override readonly name = 'InvalidFeedCursor';
  constructor(readonly cursor: string) {
    super('invalid feed cursor');
  }
}

/** A position's one spelling as a cursor: base64url of its decimal. */
const cursorOf = (position: bigint): string => Buffer.from(position.toString(10), 'utf8').toString('base64url');

/** A cursor names the oldest item of the page before it; opaque to clients. */
export const encodeFeedCursor = (member: string): string => cursorOf(feedPositionOf(member));

/**
 * The exclusive upper bound of the next page: every member of an older item sorts below it. Only
 * the spelling encodeFeedCursor gives is taken: base64url of a position in canonical decimal (its
 * last character's dropped bits clear, no padding, no leading zero).
 */
export const feedCursorBound = (cursor: string): string => {
  const position = /^[A-Za-z0-9_-]{1,64}$/.test(cursor) ? parsePosition(Buffer.from(cursor, 'base64url').toString('utf8')) : undefined;
  if (position === undefined || cursorOf(position) !== cursor) throw new InvalidFeedCursor(cursor);
  return padPosition(position);
};
