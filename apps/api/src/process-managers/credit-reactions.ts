import { UnknownEventType, isKnownEvent, walletBalanceDelta } from '@zan/contracts';
import type { EventDataByType, GroupBuyOpened, MerchantPaid, RedPacketEscrowed, RedPacketSent, StoredEvent, ZanEventType } from '@zan/contracts';
import type { WalletCredit } from '@zan/domain';
import type { GroupBuySteps } from '../command-path/group-buy-streams';
import type { CommerceSteps } from '../command-path/order-saga';

/**
 * What a reaction may do, provided by the credits process manager. Each effect is idempotent: run
 * again for the same cause (a redelivery, a re-drive), it finds its work stored and does nothing.
 */
export interface ReactionEffects {
  /** Credits `userId`'s wallet once per cause: the credit's event ids derive from the cause's id. */
  credit(cause: StoredEvent, userId: string, credit: WalletCredit): Promise<void>;
  /** Moves a sent packet's money into its escrow stream. */
  escrowPacket(sent: StoredEvent<RedPacketSent>): Promise<void>;
  /** Sets the packet's expiry timer (a refund of what is left, when it expires). */
  scheduleExpiry(escrowed: StoredEvent<RedPacketEscrowed>): Promise<void>;
  cancelExpiry(redPacketId: string): Promise<void>;
  /** The commerce sagas' later steps (docs/commerce.md); absent in a harness that sells nothing. */
  commerce?: CommerceSteps;
  /**
   * A payment by dynamic code: the code's stream decides single use (PaymentCodeRedeemed), or gives
   * the payer's money back (MerchantPaymentReturned) when another payment took the code. Answers
   * whether this payment took it. The api runs it inline too; both decide the same, once.
   */
  settlePayment(paid: StoredEvent<MerchantPaid>): Promise<boolean>;
  /** The group-buy saga's later steps (docs/commerce.md, "Group buys"); absent in a harness without them. */
  groupBuys?: GroupBuySteps;
  /** Sets a group buy's deadline timer, and cancels it once the group is closed. */
  scheduleGroupBuyExpiry?(opened: StoredEvent<GroupBuyOpened>): Promise<void>;
  cancelGroupBuyExpiry?(groupBuyId: string): Promise<void>;
}

/** The second leg of one event type. */
export interface Reaction<T extends ZanEventType> {
  /**
   * Reactions with the same key run one after another in log order (a credited wallet, a packet's
   * lifecycle); different keys run concurrently.
   */
  key(data: EventDataByType[T]): string;
  react(event: StoredEvent<EventDataByType[T]>, effects: ReactionEffects): Promise<void>;
}

const wallet = (userId: string): string => `wallet:${userId}`;
const packet = (redPacketId: string): string => `packet:${redPacketId}`;
const product = (productId: string): string => `product:${productId}`;
const order = (orderId: string): string => `order:${orderId}`;
const group = (groupBuyId: string): string => `group-buy:${groupBuyId}`;

/**
 * Every payment's second leg, by the event type that causes it. A new payment adds one entry here:
 * its ordering key and what it does (usually one credit). Events not in this table need nothing.
 */
export const CREDIT_REACTIONS: { [T in ZanEventType]?: Reaction<T> } = {
  FundsTransferred: {
    key: (data) => wallet(data.toUserId),
    react: (event, effects) => {
      const { data } = event;
      return effects.credit(event, data.toUserId, {
        type: 'TransferReceived',
        data: { transferId: data.transferId, fromUserId: data.fromUserId, toUserId: data.toUserId, amount: data.amount },
      });
    },
  },
  TipPraised: {
    key: (data) => wallet(data.authorId),
    react: (event, effects) => {
      const { data } = event;
      return effects.credit(event, data.authorId, {
        type: 'TipReceived',
        data: { tipId: data.tipId, readerId: data.readerId, authorId: data.authorId, articleId: data.articleId, amount: data.amount },
      });
    },
  },
  MerchantPaid: {
    // Behind the merchant's earlier credits: one merchant's payments (and two racing on a code) settle in order.
    key: (data) => wallet(data.merchantId),
    react: async (event, effects) => {
      const { data } = event;
      // A dynamic code: single use first; a payment that lost the code was given back there, and that is all.
      if (data.dynamic && !(await effects.settlePayment(event))) return;
      await effects.credit(event, data.merchantId, {
        type: 'MerchantPaymentReceived',
        data: {
          paymentId: data.paymentId,
          payerId: data.payerId,
          merchantId: data.merchantId,
          amount: data.amount,
          ...(data.reference !== undefined && { reference: data.reference }),
        },
      });
    },
  },
  RedPacketSent: {
    key: (data) => packet(data.redPacketId),
    react: (event, effects) => effects.escrowPacket(event),
  },
  RedPacketEscrowed: {
    key: (data) => packet(data.redPacketId),
    react: (event, effects) => effects.scheduleExpiry(event),
  },
  RedPacketClaimed: {
    key: (data) => packet(data.redPacketId),
    react: async (event, effects) => {
      const { data } = event;
      await effects.credit(event, data.userId, {
        type: 'RedPacketShareReceived',
        data: { redPacketId: data.redPacketId, senderId: data.senderId, userId: data.userId, amount: data.amount },
      });
      if (data.remainingShares === 0) await effects.cancelExpiry(data.redPacketId);
    },
  },
  RedPacketExpired: {
    key: (data) => packet(data.redPacketId),
    react: async (event, effects) => {
      const { data } = event;
      await effects.cancelExpiry(data.redPacketId);
      if (data.amount === 0) return;
      await effects.credit(event, data.senderId, {
        type: 'RedPacketRefunded',
        data: { redPacketId: data.redPacketId, senderId: data.senderId, amount: data.amount },
      });
    },
  },
  // The order and refund sagas (docs/commerce.md): each step in order behind the wallet or stream it lands on.
  ProductStockReserved: {
    key: (data) => wallet(data.buyerId),
    react: async (event, effects) => effects.commerce?.payOrder(event),
  },
  OrderPaymentDeclined: {
    key: (data) => product(data.productId),
    react: async (event, effects) => effects.commerce?.releaseStock(event),
  },
  OrderPlaced: {
    key: (data) => wallet(data.merchantId),
    react: async (event, effects) => {
      const { data } = event;
      await effects.commerce?.openOrder(event);
      await effects.credit(event, data.merchantId, {
        type: 'OrderPaymentReceived',
        data: { orderId: data.orderId, productId: data.productId, merchantId: data.merchantId, buyerId: data.buyerId, amount: data.amount },
      });
    },
  },
  OrderRefundRequested: {
    key: (data) => wallet(data.merchantId),
    react: async (event, effects) => effects.commerce?.payRefund(event),
  },
  OrderRefundDeclined: {
    key: (data) => order(data.orderId),
    react: async (event, effects) => effects.commerce?.releaseRefund(event),
  },
  OrderRefunded: {
    key: (data) => wallet(data.buyerId),
    react: (event, effects) => {
      const { data } = event;
      return effects.credit(event, data.buyerId, {
        type: 'OrderRefundReceived',
        data: { orderId: data.orderId, refundId: data.refundId, merchantId: data.merchantId, buyerId: data.buyerId, amount: data.amount },
      });
    },
  },
  // The group-buy saga (docs/commerce.md, "Group buys"): a hold joins, a refused one returns, a closed group settles.
  GroupBuyOpened: {
    key: (data) => group(data.groupBuyId),
    react: async (event, effects) => effects.scheduleGroupBuyExpiry?.(event),
  },
  GroupBuyFundsHeld: {
    key: (data) => group(data.groupBuyId),
    react: async (event, effects) => effects.groupBuys?.join(event),
  },
  GroupBuyJoinRefused: {
    key: (data) => wallet(data.buyerId),
    react: async (event, effects) => effects.groupBuys?.returnRefused(event),
  },
  GroupBuyCompleted: {
    key: (data) => group(data.groupBuyId),
    react: async (event, effects) => {
      await effects.groupBuys?.settle(event);
      await effects.cancelGroupBuyExpiry?.(event.data.groupBuyId);
    },
  },
  GroupBuyFailed: {
    key: (data) => group(data.groupBuyId),
    react: async (event, effects) => {
      await effects.groupBuys?.settle(event);
      await effects.cancelGroupBuyExpiry?.(event.data.groupBuyId);
    },
  },
};

const reactionTo = (event: StoredEvent): Reaction<ZanEventType> | undefined =>
  (CREDIT_REACTIONS as Partial<Record<string, Reaction<ZanEventType>>>)[event.type];

/**
 * The ordering key of the reaction to `event`; undefined when nothing reacts to it. An event this Zan
 * does not know (a newer Zan's type or version) may need one it cannot tell: it has a reaction that
 * fails (reactTo), keyed by its stream, which the process manager leaves undone (leavesUndone), so
 * the watermark waits before it and the rest goes on.
 */
export const reactionKey = (event: StoredEvent): string | undefined =>
  isKnownEvent(event) ? reactionTo(event)?.key(event.data as never) : `unknown:${event.streamId}`;

/** Runs the reaction to `event`, if any. */
export const reactTo = async (event: StoredEvent, effects: ReactionEffects): Promise<void> => {
  if (!isKnownEvent(event)) {
    throw new UnknownEventType(
      `${event.type} v${event.version} (${event.id} at ${event.position}) is not an event this Zan knows (written by a newer one?): ` +
        'whether it needs a credit cannot be told, so the credits checkpoint waits before it for a Zan that knows it',
    );
  }
  // A debit whose own amount is no whole number of fen (stored by a bug or by hand) can tell no credit:
  // CorruptEvent, which the manager leaves undone (as a corrupt credited wallet), not a failure it retries.
  walletBalanceDelta(event);
  await reactionTo(event)?.react(event as never, effects);
};
