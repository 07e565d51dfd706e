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

type CreditData<T extends WalletCredit['type']> = Extract<WalletCredit, { type: T }>['data'];

/**
 * Per credit type: who it is for (the owner of the stream it must land on), and the credit's own
 * fields, copied into the stored event with the checked amount (`optional` ones only when present),
 * so stray fields in the command never reach the store.
 */
const CREDITS: {
  [T in WalletCredit['type']]: {
    beneficiary: keyof CreditData<T>;
    fields: readonly Exclude<keyof CreditData<T>, 'amount'>[];
    optional?: readonly Exclude<keyof CreditData<T>, 'amount'>[];
  };
} = {
  TransferReceived: { beneficiary: 'toUserId', fields: ['transferId', 'fromUserId', 'toUserId'] },
  TipReceived: { beneficiary: 'authorId', fields: ['tipId', 'readerId', 'authorId', 'articleId'] },
  RedPacketShareReceived: { beneficiary: 'userId', fields: ['redPacketId', 'senderId', 'userId'] },
  RedPacketRefunded: { beneficiary: 'senderId', fields: ['redPacketId', 'senderId'] },
  OrderPaymentReceived: { beneficiary: 'merchantId', fields: ['orderId', 'productId', 'merchantId', 'buyerId'] },
  OrderRefundReceived: { beneficiary: 'buyerId', fields: ['orderId', 'refundId', 'merchantId', 'buyerId'] },
  MerchantPaymentReceived: { beneficiary: 'merchantId', fields: ['paymentId', 'payerId', 'merchantId'], optional: ['reference'] },
  MerchantPaymentReturned: { beneficiary: 'payerId', fields: ['paymentId', 'payerId', 'merchantId', 'reason'] },
  GroupBuyFundsReturned: { beneficiary: 'buyerId', fields: ['groupBuyId', 'joinId', 'buyerId', 'reason'] },
  GroupBuyPaymentReceived: { beneficiary: 'merchantId', fields: ['groupBuyId', 'orderId', 'productId', 'merchantId', 'buyerId'] },
};

const shapeOf = (credit: WalletCredit) => {
  const shape = Object.hasOwn(CREDITS, credit.type)
    ? (CREDITS[credit.type] as { beneficiary: string; fields: readonly string[]; optional?: readonly string[] })
    : undefined;
  if (!shape) throw new InvalidCommand(`unknown credit ${(credit as { type?: unknown }).type as string}`);
  return shape;
};

/** The stored credit: the type's own fields and the checked amount. */
const creditEvent = (credit: WalletCredit, amount: number): WalletCredit => {
  const { fields, optional = [] } = shapeOf(credit);
  const given = credit.data as unknown as Record<string, unknown>;
  const data: Record<string, unknown> = {};
  for (const field of fields) data[field] = given[field];
  data.amount = amount;
  for (const field of optional) if (given[field] !== undefined) data[field] = given[field];
  return { type: credit.type, data } as unknown as WalletCredit;
};

/** Never rejected for business reasons: money already left another wallet or a packet and must land. */
export const decideCreditWallet = ({ data }: CreditWallet, state: WalletState): (DomainEvent<'WalletOpened'> | WalletCredit)[] => {
  const userId = requireId(data.userId, 'userId');
  const { credit } = data;
  if (typeof credit !== 'object' || credit === null || typeof credit.data !== 'object' || credit.data === null) {
    throw new InvalidCommand('credit must be a credit event');
  }
  if ((credit.data as unknown as Record<string, unknown>)[shapeOf(credit).beneficiary] !== userId)
    throw new InvalidCommand(`a ${credit.type} for someone else cannot land on the wallet of ${userId}`);
  requireOwnStream(state, userId);
  const amount = requirePayable(credit.data.amount, 'credit.data.amount');
  return [...(state.exists ? [] : [openedOnFirstUse(userId)]), creditEvent(credit, amount)];
};
