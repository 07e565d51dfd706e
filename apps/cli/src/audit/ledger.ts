import {
  isFen,
  isPayableFen,
  streamCategory,
  streamEntityId,
  CorruptEvent,
  walletBalanceDelta,
  type EventDataByType,
  type StoredEvent,
  type WalletKind,
} from '@zan/contracts';
import { CommerceChecks } from './commerce-checks';
import { Findings, type Finding } from './findings';
import { MerchantPayments } from './merchant-payments';
import { PaymentPairs, type Leg } from './payment-pairs';
import { RedPacketTallies, type PacketTally } from './red-packet-tallies';

export type { Finding, FindingKind } from './findings';
export type { PacketTally } from './red-packet-tallies';

interface WalletTally {
  userId: string;
  kind?: WalletKind;
  /** The latest verification event's status, as the read model shows it. */
  verification?: 'pending' | 'verified' | 'rejected';
  balance: number;
  events: number;
  negative: boolean;
}

export interface EarningsTally {
  total: number;
  tips: number;
  byArticle: Map<string, { total: number; tips: number }>;
}

type Data<T extends keyof EventDataByType> = EventDataByType[T];

/**
 * Events that move money, each of at least 1 fen (CONTRACT.md: a zero payment is refused): a wallet's
 * debits and credits, and a packet's escrow and claims. An absent or zero amount there would count
 * as nothing moved. A packet's expiry may give back 0, so it is not one of them.
 */
const movesMoney = (type: string): boolean =>
  type === 'RedPacketEscrowed' || type === 'RedPacketClaimed' || walletBalanceDelta({ type, data: { amount: 1 } }) !== 0;

/** A money event whose amount is corrupt moves nothing here: `apply` reports it (bad-amount) instead of stopping on it. */
const deltaOrNothing = (event: StoredEvent): number => {
  try {
    return walletBalanceDelta(event);
  } catch (error) {
    if (error instanceof CorruptEvent) return 0;
    throw error;
  }
};

/**
 * Every balance and the money equation recomputed from the events, one event at a time, in global
 * order (the audit streams millions of events through it): wallets and earnings here, red packets
 * in red-packet-tallies.ts, and the pairing of each payment's debit and credit in payment-pairs.ts
 * (a debit whose credit is not there yet is money in flight).
 *
 * Conservation (CONTRACT.md): sum(balances) + money held by packets + money held for group buys + money in flight
 * = sum(fundings) - sum(withdrawals).
 */
export class Ledger {
  events = 0;
  position?: bigint;
  lastOccurredAt?: string;
  fundings = 0;
  withdrawals = 0;
  readonly wallets = new Map<string, WalletTally>();
  readonly earnings = new Map<string, EarningsTally>();
  readonly byType = new Map<string, number>();
  private readonly found: Findings;
  private readonly redPackets: RedPacketTallies;
  private readonly payments: PaymentPairs;
  /** Stock never negative and refunds never above what an order paid (the money pairs are in payments). */
  readonly commerce: CommerceChecks;
  /** Payments by code: debited, credited to merchants, returned to payers; single use of dynamic codes. */
  readonly merchantPayments = new MerchantPayments();

  constructor(keepFindings = 1000) {
    this.found = new Findings(keepFindings);
    this.redPackets = new RedPacketTallies(this.found);
    this.payments = new PaymentPairs(this.found);
    this.commerce = new CommerceChecks((message, position) => this.found.report('order', message, position));
  }

  get packets(): Map<string, PacketTally> {
    return this.redPackets.packets;
  }

  /** Payments seen (debits) and paired with their credit. */
  get pairs(): { debits: number; credited: number } {
    return this.payments.counts;
  }

  get findingCount(): number {
    return this.found.count;
  }

  /** The first findings (up to the number kept). */
  get findings(): Finding[] {
    return this.found.first;
  }

  apply(event: StoredEvent): void {
    this.events++;
    this.position = event.position;
    this.lastOccurredAt = event.occurredAt;
    this.byType.set(event.type, (this.byType.get(event.type) ?? 0) + 1);
    const amount = (event.data as { amount?: unknown } | null)?.amount;
    if (movesMoney(event.type) ? !isPayableFen(amount) : amount !== undefined && !isFen(amount)) {
      this.found.report(
        'bad-amount',
        `${event.type} ${event.id} on ${event.streamId} has amount ${JSON.stringify(amount) ?? 'absent'}, not ${movesMoney(event.type) ? 'a payable' : 'a whole'} number of fen`,
        event.position,
      );
    }
    if (streamCategory(event.streamId) === 'wallet') this.applyToWallet(event);
    if (event.type === 'TipPraised') this.addEarnings(event.data as Data<'TipPraised'>);
    this.redPackets.apply(event);
    this.payments.apply(event);
    this.commerce.apply(event);
    this.merchantPayments.apply(event, (message) => this.found.report('payment-code', message, event.position));
  }

  /** Money held by open red packets (CONTRACT.md: unclaimed and unexpired): escrowed, not yet claimed. */
  held(): number {
    return this.redPackets.held();
  }

  /** Money held for open group buys: members' holds not yet paid to the merchant nor returned. */
  heldByGroupBuys(): number {
    return this.payments.held();
  }

  inFlight(): { amount: number; count: number } {
    return this.payments.inFlight();
  }

  balances(): number {
    let sum = 0;
    for (const wallet of this.wallets.values()) sum += wallet.balance;
    return sum;
  }

  conservation() {
    const balances = this.balances();
    const held = this.held();
    const heldByGroupBuys = this.heldByGroupBuys();
    const inFlight = this.inFlight().amount;
    const left = balances + held + heldByGroupBuys + inFlight;
    const right = this.fundings - this.withdrawals;
    return { balances, held, heldByGroupBuys, inFlight, fundings: this.fundings, withdrawals: this.withdrawals, left, right, holds: left === right };
  }

  /**
   * The checks that need the whole history: credits never seen for debits older than `graceMs`
   * (younger ones are in flight), packets over but still holding money, credits with no debit, and
   * the money equation.
   */
  finish(now: Date, graceMs: number): void {
    this.payments.finish(now, graceMs);
    this.redPackets.finish();
    this.payments.finishOrphans();
    const c = this.conservation();
    if (!c.holds) {
      this.found.report(
        'conservation',
        `money is not conserved: balances ${c.balances} + held by packets ${c.held} + held for group buys ${c.heldByGroupBuys} + in flight ${c.inFlight} = ${c.left} fen, but fundings ${c.fundings} - withdrawals ${c.withdrawals} = ${c.right} fen (off by ${c.left - c.right})`,
      );
    }
  }

  /** Debits still waiting for their credit: findings once older than the grace period, else in flight. */
  pendingLegs(): Leg[] {
    return this.payments.pending();
  }

  private applyToWallet(event: StoredEvent): void {
    const userId = streamEntityId(event.streamId);
    let wallet = this.wallets.get(userId);
    if (!wallet) this.wallets.set(userId, (wallet = { userId, balance: 0, events: 0, negative: false }));
    wallet.events++;
    if (event.type === 'WalletOpened') wallet.kind = (event.data as Data<'WalletOpened'>).kind;
    if (event.type === 'VerificationRequested') wallet.verification = 'pending';
    if (event.type === 'WalletVerified') wallet.verification = 'verified';
    if (event.type === 'VerificationRejected') wallet.verification = 'rejected';
    wallet.balance += deltaOrNothing(event);
    if (wallet.balance < 0 && !wallet.negative) {
      wallet.negative = true;
      this.found.report(
        'negative-balance',
        `the balance of ${userId} went below zero (${wallet.balance} fen) at ${event.position} (${event.type})`,
        event.position,
      );
    }
    if (event.type === 'WalletFunded') this.fundings += (event.data as Data<'WalletFunded'>).amount;
    if (event.type === 'WalletWithdrawn') this.withdrawals += (event.data as Data<'WalletWithdrawn'>).amount;
  }

  private addEarnings(tip: Data<'TipPraised'>): void {
    let earnings = this.earnings.get(tip.authorId);
    if (!earnings) this.earnings.set(tip.authorId, (earnings = { total: 0, tips: 0, byArticle: new Map() }));
    earnings.total += tip.amount;
    earnings.tips++;
    const article = earnings.byArticle.get(tip.articleId) ?? { total: 0, tips: 0 };
    article.total += tip.amount;
    article.tips++;
    earnings.byArticle.set(tip.articleId, article);
  }
}
