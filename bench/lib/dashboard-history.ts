import { streamCategory, type StoredEvent, type ZanEventType } from '@zan/contracts';
import type { Applied } from '@zan/read-models';

export interface DashboardHistoryOptions {
  events: number;
  users: number;
  authors: number;
  articlesPerAuthor: number;
  /** Business wallets that sell (orders, group buys, payments by code); 0 for none. */
  merchants?: number;
  /** occurredAt spread evenly from `days` days before `end` to `end`. */
  days: number;
  end: Date;
}

/**
 * A synthetic history in global order, generated a batch at a time (a million events never sit in
 * memory at once): wallets and articles first, then likes, tips with their credits, fundings,
 * withdrawals, transfers, red packets with their claims and merchants' sales (orders, some refunded,
 * group-buy orders, payments by code) with their credits, in fixed proportions from a seeded draw.
 * Per-stream revisions, contiguous positions and categories as the relay would give them.
 */
export function* dashboardHistory(options: DashboardHistoryOptions, batchSize: number): Generator<Applied[]> {
  const revisions = new Map<string, number>();
  let position = 0n;
  let random = 42;
  const draw = (n: number): number => {
    random = (Math.imul(random, 1_103_515_245) + 12_345) >>> 0;
    return random % n;
  };
  const start = options.end.getTime() - options.days * 86_400_000;
  const step = (options.days * 86_400_000) / options.events;
  let batch: Applied[] = [];
  let packets = 0;
  let ids = 0;
  const user = (i: number) => `u${i}`;
  const author = (i: number) => `u${i % options.authors}`;
  const merchants = options.merchants ?? 0;
  const merchant = (i: number) => `m${i}`;

  const append = (streamId: string, type: ZanEventType, data: Record<string, unknown>): void => {
    const revision = (revisions.get(streamId) ?? -1) + 1;
    revisions.set(streamId, revision);
    const prevPosition = position;
    position += 1n;
    const event = {
      id: `e${position}`,
      type,
      version: 1,
      streamId,
      revision,
      position,
      occurredAt: new Date(start + Number(position) * step).toISOString(),
      data,
      metadata: { correlationId: `c${position}`, causationId: `c${position}`, userId: 'bench' },
    } as StoredEvent;
    batch.push({ category: streamCategory(streamId), event, prevPosition });
  };

  const setup = (): void => {
    for (let i = 0; i < options.users; i++) append(`wallet-${user(i)}`, 'WalletOpened', { userId: user(i), kind: 'individual' });
    for (let i = 0; i < merchants; i++) append(`wallet-${merchant(i)}`, 'WalletOpened', { userId: merchant(i), kind: 'business' });
    for (let a = 0; a < options.authors; a++) {
      for (let n = 0; n < options.articlesPerAuthor; n++)
        append(`article-${author(a)}-${n}`, 'ArticlePublished', { articleId: `${author(a)}-${n}`, authorId: author(a), title: `Article ${n} of ${author(a)}` });
    }
  };

  const story = (): void => {
    const roll = draw(100);
    const reader = user(draw(options.users));
    const writer = author(draw(options.authors));
    const articleId = `${writer}-${draw(options.articlesPerAuthor)}`;
    const amount = 500 + draw(20) * 100;
    const id = `x${++ids}`;
    if (roll < 35) {
      append(`article-${articleId}`, 'ArticleLiked', { articleId, authorId: writer, userId: reader });
    } else if (roll < 65) {
      const tip = { tipId: id, readerId: reader, authorId: writer, articleId, amount };
      append(`wallet-${reader}`, 'TipPraised', tip);
      append(`wallet-${writer}`, 'TipReceived', tip);
    } else if (roll < 77) {
      append(`wallet-${reader}`, 'WalletFunded', { userId: reader, fundingId: id, amount: amount * 20, source: { kind: 'card', cardId: `card-${reader}` } });
    } else if (roll < 80) {
      append(`wallet-${reader}`, 'WalletWithdrawn', { userId: reader, withdrawalId: id, cardId: `card-${reader}`, amount });
    } else if (roll < 85 && merchants > 0) {
      sale(reader, merchant(draw(merchants)), amount, id);
    } else if (roll < 90) {
      const transfer = { transferId: id, fromUserId: reader, toUserId: writer, amount };
      append(`wallet-${reader}`, 'FundsTransferred', transfer);
      append(`wallet-${writer}`, 'TransferReceived', transfer);
    } else {
      const redPacketId = `rp${++packets}`;
      const sent = { redPacketId, senderId: reader, amount: 1_000, shares: 3, mode: 'lucky', expiresAt: new Date(start).toISOString() };
      append(`wallet-${reader}`, 'RedPacketSent', sent);
      append(`red-packet-${redPacketId}`, 'RedPacketEscrowed', sent);
      let left = 1_000;
      for (let share = 3; share >= 1; share--) {
        const claimed = share === 1 ? left : 1 + draw(Math.floor((2 * left) / share) - 1);
        left -= claimed;
        const claimer = user(draw(options.users));
        append(`red-packet-${redPacketId}`, 'RedPacketClaimed', {
          redPacketId,
          senderId: reader,
          userId: claimer,
          amount: claimed,
          remainingAmount: left,
          remainingShares: share - 1,
        });
        append(`wallet-${claimer}`, 'RedPacketShareReceived', { redPacketId, senderId: reader, userId: claimer, amount: claimed });
      }
    }
  };

  /** A sale with its credit: an order (one in ten refunded in part), a group-buy order or a payment by code. */
  const sale = (buyerId: string, merchantId: string, amount: number, id: string): void => {
    const kind = draw(3);
    if (kind === 0) {
      const order = { orderId: id, productId: `p-${merchantId}`, merchantId, buyerId, quantity: 1, unitPrice: amount, amount };
      append(`wallet-${buyerId}`, 'OrderPlaced', order);
      append(`wallet-${merchantId}`, 'OrderPaymentReceived', order);
      if (draw(10) === 0) {
        const refund = { orderId: id, refundId: `r${id}`, merchantId, buyerId, amount: amount / 2 };
        append(`wallet-${merchantId}`, 'OrderRefunded', refund);
        append(`wallet-${buyerId}`, 'OrderRefundReceived', refund);
      }
    } else if (kind === 1) {
      const groupBuy = { groupBuyId: `g-${merchantId}`, joinId: id, productId: `p-${merchantId}`, merchantId, buyerId, amount };
      append(`wallet-${buyerId}`, 'GroupBuyFundsHeld', groupBuy);
      append(`wallet-${merchantId}`, 'GroupBuyPaymentReceived', { ...groupBuy, orderId: id });
    } else {
      const payment = { paymentId: id, payerId: buyerId, merchantId, amount };
      append(`wallet-${buyerId}`, 'MerchantPaid', { ...payment, codeId: `code-${merchantId}`, dynamic: false });
      append(`wallet-${merchantId}`, 'MerchantPaymentReceived', payment);
    }
  };

  setup();
  while (Number(position) < options.events) {
    story();
    if (batch.length >= batchSize) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}
