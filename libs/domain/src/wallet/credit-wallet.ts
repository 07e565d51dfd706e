import type { DomainEvent } from '@zan/contracts';
import type { Command } from '../decider';
import { InvalidCommand } from '../errors';
import { requireId, requirePayable } from '../validation';
import { openedOnFirstUse, requireOwnStream, type WalletState } from './wallet.state';

/** The credit events, each caused by one debit, claim or expiry. */
export type WalletCredit = DomainEvent<
  | 'TransferReceived'
  | 'TipReceived'
  | 'RedPacketShareReceived'
  | 'RedPacketRefunded'
  | 'OrderPaymentReceived'
  | 'OrderRefundReceived'
  | 'MerchantPaymentReceived'
  | 'MerchantPaymentReturned'
  | 'GroupBuyFundsReturned'
  | 'GroupBuyPaymentReceived'
>;
/** Made by process managers. Idempotency comes from the event id they assign, not from the decider. */
export type CreditWallet = Command<'CreditWallet', { userId: string; credit: WalletCredit }>;

/** Who a credit is for: it must be the owner of the stream it lands on. */
const beneficiary = (credit: WalletCredit): unknown => {
  switch (credit.type) {
    case 'TransferReceived':
      return credit.data.toUserId;
    case 'TipReceived':
      return credit.data.authorId;
    case 'RedPacketShareReceived':
      return credit.data.userId;
    case 'RedPacketRefunded':
      return credit.data.senderId;
    case 'OrderPaymentReceived':
      return credit.data.merchantId;
    case 'OrderRefundReceived':
    case 'GroupBuyFundsReturned':
      return credit.data.buyerId;
    case 'MerchantPaymentReceived':
      return credit.data.merchantId;
    case 'MerchantPaymentReturned':
      return credit.data.payerId;
    case 'GroupBuyPaymentReceived':
      return credit.data.merchantId;
    default:
      throw new InvalidCommand(`unknown credit ${(credit as { type?: unknown }).type as string}`);
  }
};

/** The credit's own fields only, so stray fields in the command never reach the stored event. */
const creditEvent = (credit: WalletCredit, amount: number): WalletCredit => {
  switch (credit.type) {
    case 'TransferReceived': {
      const { transferId, fromUserId, toUserId } = credit.data;
      return { type: credit.type, data: { transferId, fromUserId, toUserId, amount } };
    }
    case 'TipReceived': {
      const { tipId, readerId, authorId, articleId } = credit.data;
      return { type: credit.type, data: { tipId, readerId, authorId, articleId, amount } };
    }
    case 'RedPacketShareReceived': {
      const { redPacketId, senderId, userId } = credit.data;
      return { type: credit.type, data: { redPacketId, senderId, userId, amount } };
    }
    case 'RedPacketRefunded': {
      const { redPacketId, senderId } = credit.data;
      return { type: credit.type, data: { redPacketId, senderId, amount } };
    }
    case 'OrderPaymentReceived': {
      const { orderId, productId, merchantId, buyerId } = credit.data;
      return { type: credit.type, data: { orderId, productId, merchantId, buyerId, amount } };
    }
    case 'OrderRefundReceived': {
      const { orderId, refundId, merchantId, buyerId } = credit.data;
      return { type: credit.type, data: { orderId, refundId, merchantId, buyerId, amount } };
    }
    case 'MerchantPaymentReceived': {
      const { paymentId, payerId, merchantId, reference } = credit.data;
      return { type: credit.type, data: { paymentId, payerId, merchantId, amount, ...(reference !== undefined && { reference }) } };
    }
    case 'MerchantPaymentReturned': {
      const { paymentId, payerId, merchantId, reason } = credit.data;
      return { type: credit.type, data: { paymentId, payerId, merchantId, amount, reason } };
    }
    case 'GroupBuyFundsReturned': {
      const { groupBuyId, joinId, buyerId, reason } = credit.data;
      return { type: credit.type, data: { groupBuyId, joinId, buyerId, amount, reason } };
    }
    case 'GroupBuyPaymentReceived': {
      const { groupBuyId, orderId, productId, merchantId, buyerId } = credit.data;
      return { type: credit.type, data: { groupBuyId, orderId, productId, merchantId, buyerId, amount } };
    }
  }
};

/** Never rejected for business reasons: money already left another wallet or a packet and must land. */
export const decideCreditWallet = ({ data }: CreditWallet, state: WalletState): (DomainEvent<'WalletOpened'> | WalletCredit)[] => {
  const userId = requireId(data.userId, 'userId');
  const { credit } = data;
  if (typeof credit !== 'object' || credit === null || typeof credit.data !== 'object' || credit.data === null) {
    throw new InvalidCommand('credit must be a credit event');
  }
  if (beneficiary(credit) !== userId) throw new InvalidCommand(`a ${credit.type} for someone else cannot land on the wallet of ${userId}`);
  requireOwnStream(state, userId);
  const amount = requirePayable(credit.data.amount, 'credit.data.amount');
  return [...(state.exists ? [] : [openedOnFirstUse(userId)]), creditEvent(credit, amount)];
};
