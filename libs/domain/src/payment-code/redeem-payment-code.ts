import type { DomainEvent, Fen } from '@zan/contracts';
import type { Command } from '../decider';
import { InvalidCommand, PaymentCodeGone, PaymentCodeNotFound } from '../errors';
import { requireId, requirePayable } from '../validation';
import { isDynamic, isExpired, type PaymentCodeState } from './payment-code.state';

/**
 * Decided on `payment-code-<codeId>` for a MerchantPaid of a dynamic code: the code stream decides
 * single use. `paidAt` is the MerchantPaid's occurredAt, so the api (inline) and the credits process
 * manager (after a crash) always decide the same: the outcome depends only on the code's history,
 * whose redemption, once stored, never changes.
 */
export type RedeemPaymentCode = Command<'RedeemPaymentCode', { paymentId: string; payerId: string; amount: Fen; paidAt: string }>;

/** The code's one payment; the same payment again is a no-op; another one, or after expiry, is 410. */
export const decideRedeemPaymentCode = ({ data }: RedeemPaymentCode, state: PaymentCodeState): DomainEvent<'PaymentCodeRedeemed'>[] => {
  const paymentId = requireId(data.paymentId, 'paymentId');
  const payerId = requireId(data.payerId, 'payerId');
  const amount = requirePayable(data.amount);
  if (!state.exists || state.codeId === undefined || state.merchantId === undefined) throw new PaymentCodeNotFound('no such payment code');
  if (!isDynamic(state)) throw new InvalidCommand('a static code is not redeemed: it pays any number of times');
  if (state.redeemedBy === paymentId) return [];
  if (state.redeemedBy !== undefined) throw new PaymentCodeGone('the payment code was used by another payment');
  if (isExpired(state, data.paidAt)) throw new PaymentCodeGone(`the payment code expired at ${state.expiresAt ?? '?'}`);
  if (amount !== state.amount) throw new InvalidCommand(`the code's amount is ${state.amount ?? '?'} fen, not ${amount}`);
  return [{ type: 'PaymentCodeRedeemed', data: { codeId: state.codeId, merchantId: state.merchantId, paymentId, payerId, amount } }];
};
