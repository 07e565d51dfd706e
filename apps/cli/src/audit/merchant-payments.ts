import type { EventDataByType, StoredEvent } from '@zan/contracts';

type Data<T extends keyof EventDataByType> = EventDataByType[T];

export interface MoneyTally {
  count: number;
  amount: number;
}

/**
 * Payments by code, for `zan audit`: what payers were debited (MerchantPaid), what merchants were
 * credited (MerchantPaymentReceived) and what went back to payers who lost a dynamic code to another
 * payment (MerchantPaymentReturned); debited = credited + returned + in flight. The single use of a
 * dynamic code is checked too: one redemption per code, and a merchant credited for a dynamic
 * payment only when that payment took the code.
 */
export class MerchantPayments {
  readonly debited: MoneyTally = { count: 0, amount: 0 };
  readonly credited: MoneyTally = { count: 0, amount: 0 };
  readonly returned: MoneyTally = { count: 0, amount: 0 };
  /** codeId -> the payment that took it. Grows with dynamic codes used. */
  private readonly redeemedBy = new Map<string, string>();
  /** paymentId -> codeId, for dynamic payments not yet settled. */
  private readonly dynamicInFlight = new Map<string, string>();

  /** `report` files a finding (the ledger's). */
  apply(event: StoredEvent, report: (message: string) => void): void {
    switch (event.type) {
      case 'MerchantPaid': {
        const d = event.data as Data<'MerchantPaid'>;
        add(this.debited, d.amount);
        if (d.dynamic) this.dynamicInFlight.set(d.paymentId, d.codeId);
        return;
      }
      case 'PaymentCodeRedeemed': {
        const d = event.data as Data<'PaymentCodeRedeemed'>;
        const earlier = this.redeemedBy.get(d.codeId);
        if (earlier !== undefined && earlier !== d.paymentId) {
          report(`payment code ${d.codeId} redeemed by payment ${d.paymentId} at ${event.position} after payment ${earlier} took it: a dynamic code pays once`);
        }
        if (earlier === undefined) this.redeemedBy.set(d.codeId, d.paymentId);
        return;
      }
      case 'MerchantPaymentReceived': {
        const d = event.data as Data<'MerchantPaymentReceived'>;
        add(this.credited, d.amount);
        const codeId = this.dynamicInFlight.get(d.paymentId);
        this.dynamicInFlight.delete(d.paymentId);
        if (codeId !== undefined && this.redeemedBy.get(codeId) !== d.paymentId) {
          report(`merchant ${d.merchantId} credited at ${event.position} for payment ${d.paymentId}, which never took its dynamic code ${codeId}`);
        }
        return;
      }
      case 'MerchantPaymentReturned': {
        const d = event.data as Data<'MerchantPaymentReturned'>;
        add(this.returned, d.amount);
        this.dynamicInFlight.delete(d.paymentId);
        return;
      }
      default:
        return;
    }
  }
}

const add = (tally: MoneyTally, amount: number): void => {
  tally.count++;
  tally.amount += amount;
};
