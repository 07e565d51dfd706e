import type { DomainEvent, Fen } from '@zan/contracts';
import { DEFAULT_CONTEXT, type Command, type DecideContext } from '../decider';
import { NotAMerchant, PaymentAmountMismatch, PaymentAmountRequired, PaymentCodeGone, PaymentCodeNotFound, SelfPayment } from '../errors';
import { requireAmountWithin, requireId } from '../validation';
import { requireWithinLimits } from './limits';
import { requireFunds, requireOwnStream, type WalletState } from './wallet.state';

/**
 * What the payment decision needs to know of the code (read by the handler from the code stream)
 * and of the merchant's wallet, at decision time.
 */
export interface CodeToPay {
  exists: boolean;
  codeId?: string;
  merchantId?: string;
  /** Absent: a static code. */
  amount?: Fen;
  expiresAt?: string;
  reference?: string;
  /** A dynamic code already redeemed by a payment. */
  used: boolean;
  /** The merchant's wallet is still a verified business wallet. */
  merchant: boolean;
}

/** Decided on the payer's stream `wallet-<payerId>`; for a dynamic code the code stream then decides single use. */
export type PayMerchant = Command<'PayMerchant', { paymentId: string; payerId: string; amount?: Fen; code: CodeToPay }>;

/**
 * Checks, in the order a payer would want to hear them: the code (unknown 404, used or expired 410),
 * the amount (a static code needs one, a dynamic code takes its own), nobody pays themselves, the
 * merchant, the limits, then the payer's balance and daily limit.
 */
export const decidePayMerchant = ({ data }: PayMerchant, state: WalletState, context: DecideContext = DEFAULT_CONTEXT): DomainEvent<'MerchantPaid'>[] => {
  const paymentId = requireId(data.paymentId, 'paymentId');
  const payerId = requireId(data.payerId, 'payerId');
  requireOwnStream(state, payerId);
  const code = data.code;
  if (!code?.exists || code.codeId === undefined || code.merchantId === undefined) throw new PaymentCodeNotFound('no such payment code');
  const dynamic = code.amount !== undefined;
  if (dynamic && code.used) throw new PaymentCodeGone('the payment code was used already: a dynamic code pays once');
  if (dynamic && context.now !== undefined && code.expiresAt !== undefined && Date.parse(context.now) >= Date.parse(code.expiresAt)) {
    throw new PaymentCodeGone(`the payment code expired at ${code.expiresAt}`);
  }
  if (!dynamic && data.amount === undefined) throw new PaymentAmountRequired('a static payment code needs the amount: the payer enters it');
  if (dynamic && data.amount !== undefined && data.amount !== code.amount) {
    throw new PaymentAmountMismatch(`the payment code is for ${code.amount} fen, not ${String(data.amount)}; leave amount out or send the same`);
  }
  if (payerId === code.merchantId) throw new SelfPayment('a merchant does not pay their own code');
  if (!code.merchant) throw new NotAMerchant(`${code.merchantId} is no longer a verified business wallet`);
  const amount = requireAmountWithin(dynamic ? code.amount : data.amount, context.limits.transfer, 'a payment');
  requireFunds(state, amount);
  requireWithinLimits(state, amount, context);
  return [
    {
      type: 'MerchantPaid',
      data: {
        paymentId,
        payerId,
        merchantId: code.merchantId,
        codeId: code.codeId,
        amount,
        dynamic,
        ...(code.reference !== undefined && { reference: code.reference }),
      },
    },
  ];
};
