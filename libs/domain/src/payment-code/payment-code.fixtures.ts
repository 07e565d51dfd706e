import type { DomainEvent } from '@zan/contracts';

export const CODE_ID = 'c'.repeat(64);
/** When the fixtures' codes are issued: T0 of testing/fixtures (a stream folder does not import it). */
export const ISSUED_AT = '2025-01-01T00:00:00.000Z';
const after = (seconds: number): string => new Date(Date.parse(ISSUED_AT) + seconds * 1000).toISOString();

export const staticIssued = (reference?: string): DomainEvent<'PaymentCodeIssued'> => ({
  type: 'PaymentCodeIssued',
  data: { codeId: CODE_ID, merchantId: 'shop', ...(reference !== undefined && { reference }) },
});

/** A dynamic code issued at ISSUED_AT for `amount`, living `seconds`. */
export const dynamicIssued = (amount = 1500, seconds = 300, reference?: string): DomainEvent<'PaymentCodeIssued'> => ({
  type: 'PaymentCodeIssued',
  data: { codeId: CODE_ID, merchantId: 'shop', amount, expiresAt: after(seconds), ...(reference !== undefined && { reference }) },
});

export const redeemed = (paymentId: string, payerId = 'bob', amount = 1500): DomainEvent<'PaymentCodeRedeemed'> => ({
  type: 'PaymentCodeRedeemed',
  data: { codeId: CODE_ID, merchantId: 'shop', paymentId, payerId, amount },
});
