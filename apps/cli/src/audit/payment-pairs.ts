import type { EventDataByType, StoredEvent, ZanEventType } from '@zan/contracts';
import type { Findings } from './findings';

/** One side of a payment whose other side has not been seen yet. */
export interface Leg {
  type: string;
  amount: number;
  position: bigint;
  occurredAt: string;
  /** The wallet the credit must land on. */
  beneficiary: string;
  /** Held money (a group buy's hold), not money in flight. */
  held?: boolean;
  /** Where the money may go back instead (a payment by code that lost its code: the payer). */
  returnsTo?: string;
}

interface LegOfEvent {
  /** The payment both legs share (transfer:<transferId>, ...). */
  key: string;
  amount: number;
  beneficiary: string;
  /** The stream the credit must be on; default the beneficiary's wallet. */
  stream?: string;
  /** Money held (a group buy's hold): not in flight but held until the group closes, never reported missing while held. */
  held?: boolean;
  /** A debit's other rightful payee: its payer, when the payment may be given back. */
  returnsTo?: string;
}

type PaymentLeg<T extends ZanEventType> = { side: 'debit' | 'credit'; of(data: EventDataByType[T]): LegOfEvent | undefined };

/**
 * Payments are two events: a debit, and the credit a process manager appends for it (apps/api's
 * credit-reactions.ts). Each pair has a key; a new payment adds its two legs here.
 */
export const PAYMENT_LEGS: { [T in ZanEventType]?: PaymentLeg<T> } = {
  FundsTransferred: { side: 'debit', of: (d) => ({ key: `transfer:${d.transferId}`, amount: d.amount, beneficiary: d.toUserId }) },
  TransferReceived: { side: 'credit', of: (d) => ({ key: `transfer:${d.transferId}`, amount: d.amount, beneficiary: d.toUserId }) },
  TipPraised: { side: 'debit', of: (d) => ({ key: `tip:${d.tipId}`, amount: d.amount, beneficiary: d.authorId }) },
  TipReceived: { side: 'credit', of: (d) => ({ key: `tip:${d.tipId}`, amount: d.amount, beneficiary: d.authorId }) },
  RedPacketSent: { side: 'debit', of: (d) => ({ key: `escrow:${d.redPacketId}`, amount: d.amount, beneficiary: `red-packet ${d.redPacketId}` }) },
  RedPacketEscrowed: {
    side: 'credit',
    of: (d) => ({ key: `escrow:${d.redPacketId}`, amount: d.amount, beneficiary: `red-packet ${d.redPacketId}`, stream: `red-packet-${d.redPacketId}` }),
  },
  RedPacketClaimed: { side: 'debit', of: (d) => ({ key: `share:${d.redPacketId}:${d.userId}`, amount: d.amount, beneficiary: d.userId }) },
  RedPacketShareReceived: { side: 'credit', of: (d) => ({ key: `share:${d.redPacketId}:${d.userId}`, amount: d.amount, beneficiary: d.userId }) },
  // An expiry with nothing left to give back has no credit.
  RedPacketExpired: { side: 'debit', of: (d) => (d.amount > 0 ? { key: `refund:${d.redPacketId}`, amount: d.amount, beneficiary: d.senderId } : undefined) },
  RedPacketRefunded: { side: 'credit', of: (d) => ({ key: `refund:${d.redPacketId}`, amount: d.amount, beneficiary: d.senderId }) },
  // Commerce: the buyer pays an order, the merchant is credited; the merchant pays a refund, the buyer is credited.
  OrderPlaced: { side: 'debit', of: (d) => ({ key: `order:${d.orderId}`, amount: d.amount, beneficiary: d.merchantId }) },
  OrderPaymentReceived: { side: 'credit', of: (d) => ({ key: `order:${d.orderId}`, amount: d.amount, beneficiary: d.merchantId }) },
  OrderRefunded: { side: 'debit', of: (d) => ({ key: `order-refund:${d.refundId}`, amount: d.amount, beneficiary: d.buyerId }) },
  OrderRefundReceived: { side: 'credit', of: (d) => ({ key: `order-refund:${d.refundId}`, amount: d.amount, beneficiary: d.buyerId }) },
  // A payment by code is credited to the merchant or, a dynamic code lost to another payment, given back to the payer.
  MerchantPaid: { side: 'debit', of: (d) => ({ key: `payment:${d.paymentId}`, amount: d.amount, beneficiary: d.merchantId, returnsTo: d.payerId }) },
  MerchantPaymentReceived: { side: 'credit', of: (d) => ({ key: `payment:${d.paymentId}`, amount: d.amount, beneficiary: d.merchantId }) },
  MerchantPaymentReturned: { side: 'credit', of: (d) => ({ key: `payment:${d.paymentId}`, amount: d.amount, beneficiary: d.payerId }) },
  // Group buys: a member's hold is paid to the merchant (the group completed) or returned (failed, refused), once.
  GroupBuyFundsHeld: { side: 'debit', of: (d) => ({ key: `group-buy:${d.joinId}`, amount: d.amount, beneficiary: `group-buy ${d.groupBuyId}`, held: true }) },
  GroupBuyPaymentReceived: { side: 'credit', of: (d) => ({ key: `group-buy:${d.orderId}`, amount: d.amount, beneficiary: d.merchantId }) },
  GroupBuyFundsReturned: { side: 'credit', of: (d) => ({ key: `group-buy:${d.joinId}`, amount: d.amount, beneficiary: d.buyerId }) },
};

/**
 * Pairs every debit with its credit, in either order, and reports what does not pair: a second
 * debit or credit of a payment, a credit on the wrong stream, amounts that differ, and (at the end)
 * credits never seen and credits with no debit. A debit whose credit is not there yet is money in flight.
 */
export class PaymentPairs {
  readonly counts = { debits: 0, credited: 0 };
  private readonly awaitingCredit = new Map<string, Leg>();
  private readonly creditsFirst = new Map<string, Leg>();
  private readonly matched = new Set<string>();

  constructor(private readonly findings: Findings) {}

  apply(event: StoredEvent): void {
    const payment = (PAYMENT_LEGS as Partial<Record<string, PaymentLeg<ZanEventType>>>)[event.type];
    const leg = payment?.of(event.data as never);
    if (event.type === 'GroupBuyCompleted' || event.type === 'GroupBuyFailed') {
      const closed = event.data as EventDataByType['GroupBuyCompleted'];
      for (const member of closed.members) this.owe(member.joinId, event, event.type === 'GroupBuyCompleted' ? closed.merchantId : member.buyerId);
    }
    if (event.type === 'GroupBuyJoinRefused') {
      const refused = event.data as EventDataByType['GroupBuyJoinRefused'];
      this.owe(refused.joinId, event, refused.buyerId);
    }
    if (!payment || !leg) return;
    if (payment.side === 'debit') this.debit(leg.key, event, leg.amount, leg.beneficiary, leg.held, leg.returnsTo);
    else this.credit(leg.key, event, leg.amount, leg.beneficiary, leg.stream);
  }

  inFlight(): { amount: number; count: number } {
    let amount = 0;
    let count = 0;
    for (const leg of this.awaitingCredit.values()) {
      if (leg.held) continue;
      amount += leg.amount;
      count++;
    }
    return { amount, count };
  }

  /** Money held for open group buys: holds neither paid to the merchant nor returned yet. */
  held(): number {
    let amount = 0;
    for (const leg of this.awaitingCredit.values()) if (leg.held) amount += leg.amount;
    return amount;
  }

  /** Debits still waiting for their credit. */
  pending(): Leg[] {
    return [...this.awaitingCredit.values()];
  }

  /** Credits never seen for debits older than `graceMs` (younger ones are in flight), and credits with no debit. */
  finish(now: Date, graceMs: number): void {
    for (const [key, leg] of this.awaitingCredit) {
      if (leg.held) continue;
      const age = now.getTime() - Date.parse(leg.occurredAt);
      if (age > graceMs) {
        this.findings.report(
          'missing-credit',
          `${leg.type} at ${leg.position} (${key}, ${leg.amount} fen for ${leg.beneficiary}) has no credit after ${Math.round(age / 1000)} s`,
          leg.position,
        );
      }
    }
  }

  /** Credits whose debit never came: money created. Reported after the packets' end checks. */
  finishOrphans(): void {
    for (const [key, leg] of this.creditsFirst) {
      this.findings.report(
        'orphan-credit',
        `${leg.type} at ${leg.position} (${key}, ${leg.amount} fen to ${leg.beneficiary}) has no debit: money created`,
        leg.position,
      );
    }
  }

  /**
   * A hold its group has decided (completed, failed, or the join refused) is held no more: its
   * payment or return is owed, in flight from the decision on, and missing once older than the grace.
   */
  private owe(joinId: string, decision: StoredEvent, beneficiary: string): void {
    const key = `group-buy:${joinId}`;
    const leg = this.awaitingCredit.get(key);
    if (!leg?.held) return;
    this.awaitingCredit.set(key, { type: leg.type, amount: leg.amount, position: leg.position, occurredAt: decision.occurredAt, beneficiary });
  }

  private debit(key: string, event: StoredEvent, amount: number, beneficiary: string, held?: boolean, returnsTo?: string): void {
    this.counts.debits++;
    const leg: Leg = {
      type: event.type,
      amount,
      position: event.position,
      occurredAt: event.occurredAt,
      beneficiary,
      ...(held && { held }),
      ...(returnsTo !== undefined && { returnsTo }),
    };
    if (this.matched.has(key) || this.awaitingCredit.has(key)) {
      this.findings.report('duplicate-debit', `a second ${event.type} for ${key} at ${event.position}`, event.position);
      return;
    }
    const credit = this.creditsFirst.get(key);
    if (credit) {
      this.creditsFirst.delete(key);
      this.match(key, leg, credit);
    } else {
      this.awaitingCredit.set(key, leg);
    }
  }

  private credit(key: string, event: StoredEvent, amount: number, beneficiary: string, expectedStream = `wallet-${beneficiary}`): void {
    if (event.streamId !== expectedStream) {
      this.findings.report('misdirected-credit', `${event.type} at ${event.position} for ${beneficiary} landed on ${event.streamId}`, event.position);
    }
    const leg: Leg = { type: event.type, amount, position: event.position, occurredAt: event.occurredAt, beneficiary };
    if (this.matched.has(key) || this.creditsFirst.has(key)) {
      this.findings.report(
        'duplicate-credit',
        `${key} credited twice: again by ${event.type} at ${event.position} (${amount} fen to ${beneficiary})`,
        event.position,
      );
      return;
    }
    const debit = this.awaitingCredit.get(key);
    if (debit) {
      this.awaitingCredit.delete(key);
      this.match(key, debit, leg);
    } else {
      this.creditsFirst.set(key, leg);
    }
  }

  private match(key: string, debit: Leg, credit: Leg): void {
    this.matched.add(key);
    this.counts.credited++;
    if (debit.amount !== credit.amount) {
      this.findings.report(
        'amount-mismatch',
        `${key}: ${debit.type} at ${debit.position} moved ${debit.amount} fen, ${credit.type} at ${credit.position} credited ${credit.amount}`,
        credit.position,
      );
    }
    // The credit must reach whom the debit paid (a hold still held names its group, not yet a payee).
    if (!debit.held && credit.beneficiary !== debit.beneficiary && credit.beneficiary !== debit.returnsTo) {
      this.findings.report(
        'misdirected-credit',
        `${key}: ${debit.type} at ${debit.position} paid ${debit.beneficiary}, ${credit.type} at ${credit.position} credited ${credit.beneficiary}`,
        credit.position,
      );
    }
  }
}
