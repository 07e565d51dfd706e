import { PAYMENT_REFERENCE_MAX_LENGTH, freeTextProblem, type DomainEvent, type Fen } from '@zan/contracts';
import { DEFAULT_CONTEXT, type Command, type DecideContext } from '../decider';
import { InvalidCommand, NotAMerchant } from '../errors';
import { optionalText, requireAmountWithin, requireCount, requireId, requireInstant } from '../validation';
import type { PaymentCodeState } from './payment-code.state';

/** A dynamic code lives 1..86400 s (CONTRACT v1.1), 300 s unless asked otherwise. */
export const PAYMENT_CODE_TTL = { min: 1, max: 86_400, default: 300 } as const;

/**
 * Decided on `payment-code-<codeId>`. `merchant`: whether the issuer's wallet is a merchant's (a
 * verified business wallet), read by the handler from that wallet at decision time.
 */
export type IssuePaymentCode = Command<
  'IssuePaymentCode',
  { codeId: string; merchantId: string; merchant: boolean; now: string; amount?: Fen; expiresInSeconds?: number; reference?: string }
>;

/** Without amount a static code (no expiry); with it a dynamic one, single use, expiring. A repeat is a no-op. */
export const decideIssuePaymentCode = (
  { data }: IssuePaymentCode,
  state: PaymentCodeState,
  context: DecideContext = DEFAULT_CONTEXT,
): DomainEvent<'PaymentCodeIssued'>[] => {
  const codeId = requireId(data.codeId, 'codeId');
  const merchantId = requireId(data.merchantId, 'merchantId');
  const now = requireInstant(data.now, 'now');
  const reference = optionalText(data.reference, 'reference');
  const problem = reference === undefined ? undefined : freeTextProblem(reference, PAYMENT_REFERENCE_MAX_LENGTH);
  if (problem) throw new InvalidCommand(`reference ${problem}`);
  if (state.exists) {
    if (state.merchantId !== merchantId) throw new InvalidCommand(`payment code ${codeId} belongs to another merchant`);
    return [];
  }
  if (data.merchant !== true) throw new NotAMerchant('only a verified business wallet can issue payment codes; verify the wallet as a business first');
  if (data.amount === undefined) {
    if (data.expiresInSeconds !== undefined) throw new InvalidCommand('expiresInSeconds applies to dynamic codes only (give an amount)');
    return [{ type: 'PaymentCodeIssued', data: { codeId, merchantId, ...(reference !== undefined && { reference }) } }];
  }
  const amount = requireAmountWithin(data.amount, context.limits.transfer, 'a payment');
  const ttl = data.expiresInSeconds === undefined ? PAYMENT_CODE_TTL.default : requireCount(data.expiresInSeconds, 'expiresInSeconds');
  if (ttl < PAYMENT_CODE_TTL.min || ttl > PAYMENT_CODE_TTL.max) {
    throw new InvalidCommand(`expiresInSeconds must be ${PAYMENT_CODE_TTL.min}..${PAYMENT_CODE_TTL.max}, got ${ttl}`);
  }
  const expiresAt = new Date(now + ttl * 1000).toISOString();
  return [{ type: 'PaymentCodeIssued', data: { codeId, merchantId, amount, expiresAt, ...(reference !== undefined && { reference }) } }];
};
