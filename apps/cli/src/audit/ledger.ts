import {
  isFen,
  streamCategory,
  streamEntityId,
  walletBalanceDelta,
  type EventDataByType,
  type StoredEvent,
  type WalletKind,
} from '@zan/contracts';
import { CommerceChecks } from './commerce-checks';

export type FindingKind =
  | 'negative-balance'
  | 'missing-credit'
  | 'duplicate-debit'
  | 'duplicate-credit'
  | 'orphan-credit'
  | 'amount-mismatch'
  | 'misdirected-credit'
  | 'bad-amount'
  | 'red-packet'
  | 'order'
  | 'conservation';

export interface Finding {
  kind: FindingKind;
  message: string;
  position?: bigint;
}

interface WalletTally {
  userId: string;
  kind?: WalletKind;
  /** The latest verification event's status, as the read model shows it. */
  verification?: 'pending' | 'verified' | 'rejected';
  balance: number;
  events: number;
  negative: boolean;
}

export interface PacketTally {
  redPacketId: string;
  senderId: string;
  amount: number;
  shares: number;
  mode: string;
  /** Claims in claim order. */
  claims: { userId: string; amount: number }[];
  claimed: number;
  expired: boolean;
  /** What the expiry gave back (RedPacketExpired.amount). */
  returned: number;
}

export interface EarningsTally {
  total: number;
  tips: number;
  byArticle: Map<string, { total: number; tips: number }>;
}

/** One side of a payment whose other side has not been seen yet. */
interface Leg {
  type: string;
  amount: number;
  position: bigint;
  occurredAt: string;
  /** The wallet the credit must land on. */
  beneficiary: string;
}

type Data<T extends keyof EventDataByType> = EventDataByType[T];

/** Neither expired nor with every share claimed. */
const isOpen = (packet: PacketTally): boolean => !packet.expired && packet.claims.length < packet.shares;

/**
 * Every balance and the money equation recomputed from the events, one event at a time, in global
 * order (the audit streams millions of events through it).
 *
 * Payments are two events: a debit, and the credit a process manager appends for it. Each pair has
 * a key: transfer:<transferId> (FundsTransferred -> TransferReceived), tip:<tipId> (TipPraised ->
 * TipReceived), escrow:<redPacketId> (RedPacketSent -> RedPacketEscrowed), share:<redPacketId>:<userId>
 * (RedPacketClaimed -> RedPacketShareReceived) and refund:<redPacketId> (RedPacketExpired with an
 * amount -> RedPacketRefunded), order:<orderId> (OrderPlaced -> OrderPaymentReceived) and
 * order-refund:<refundId> (OrderRefunded -> OrderRefundReceived). A debit whose credit is not there yet
 * is money in flight.
 *
 * Conservation (CONTRACT.md): sum(balances) + money held by packets + money in flight
 * = sum(fundings) - sum(withdrawals).
 */
export class Ledger {
  events = 0;
  position?: bigint;
  lastOccurredAt?: string;
  fundings = 0;
  withdrawals = 0;
  readonly wallets = new Map<string, WalletTally>();
  readonly packets = new Map<string, PacketTally>();
  readonly earnings = new Map<string, EarningsTally>();
  readonly byType = new Map<string, number>();
  readonly pairs = { debits: 0, credited: 0 };
  findingCount = 0;
  readonly findings: Finding[] = [];
  private readonly awaitingCredit = new Map<string, Leg>();
  private readonly creditsFirst = new Map<string, Leg>();
  private readonly matched = new Set<string>();
  /** Orders paid vs credited and refunds vs credits are pairs like the others; stock and refund limits are checked here. */
  readonly commerce = new CommerceChecks((message, position) => this.report('order', message, position));

  constructor(private readonly keepFindings = 1000) {}

  apply(event: StoredEvent): void {
    this.events++;
    this.position = event.position;
    this.lastOccurredAt = event.occurredAt;
    this.byType.set(event.type, (this.byType.get(event.type) ?? 0) + 1);
    const amount = (event.data as { amount?: unknown } | null)?.amount;
    if (amount !== undefined && !isFen(amount)) {
      this.report('bad-amount', `${event.type} ${event.id} on ${event.streamId} has amount ${JSON.stringify(amount)}, not a whole number of fen`, event.position);
    }
    if (streamCategory(event.streamId) === 'wallet') this.applyToWallet(event);
    this.applyPayment(event);
    this.commerce.apply(event);
  }

  /** Money held by open red packets (CONTRACT.md: unclaimed and unexpired): escrowed, not yet claimed. */
  held(): number {
    let held = 0;
    for (const packet of this.packets.values()) if (isOpen(packet)) held += packet.amount - packet.claimed - packet.returned;
    return held;
  }

  inFlight(): { amount: number; count: number } {
    let amount = 0;
    for (const leg of this.awaitingCredit.values()) amount += leg.amount;
    return { amount, count: this.awaitingCredit.size };
  }

  balances(): number {
    let sum = 0;
    for (const wallet of this.wallets.values()) sum += wallet.balance;
    return sum;
  }

  conservation() {
    const balances = this.balances();
    const held = this.held();
    const inFlight = this.inFlight().amount;
    const left = balances + held + inFlight;
    const right = this.fundings - this.withdrawals;
    return { balances, held, inFlight, fundings: this.fundings, withdrawals: this.withdrawals, left, right, holds: left === right };
  }

  /**
   * The checks that need the whole history: credits never seen for debits older than `graceMs`
   * (younger ones are in flight), credits with no debit, and the money equation.
   */
  finish(now: Date, graceMs: number): void {
    for (const [key, leg] of this.awaitingCredit) {
      const age = now.getTime() - Date.parse(leg.occurredAt);
      if (age > graceMs) {
        this.report('missing-credit', `${leg.type} at ${leg.position} (${key}, ${leg.amount} fen for ${leg.beneficiary}) has no credit after ${Math.round(age / 1000)} s`, leg.position);
      }
    }
    for (const packet of this.packets.values()) {
      const left = packet.amount - packet.claimed - packet.returned;
      if (!isOpen(packet) && left !== 0) this.report('red-packet', `red packet ${packet.redPacketId} is ${packet.expired ? 'expired' : 'exhausted'} but still holds ${left} fen`);
    }
    for (const [key, leg] of this.creditsFirst) {
      this.report('orphan-credit', `${leg.type} at ${leg.position} (${key}, ${leg.amount} fen to ${leg.beneficiary}) has no debit: money created`, leg.position);
    }
    const c = this.conservation();
    if (!c.holds) {
      this.report(
        'conservation',
        `money is not conserved: balances ${c.balances} + held by packets ${c.held} + in flight ${c.inFlight} = ${c.left} fen, but fundings ${c.fundings} - withdrawals ${c.withdrawals} = ${c.right} fen (off by ${c.left - c.right})`,
      );
    }
  }

  /** Debits older than the grace period that are still waiting are findings, the others in flight. */
  pendingLegs(): Leg[] {
    return [...this.awaitingCredit.values()];
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
    wallet.balance += walletBalanceDelta(event);
    if (wallet.balance < 0 && !wallet.negative) {
      wallet.negative = true;
      this.report('negative-balance', `the balance of ${userId} went below zero (${wallet.balance} fen) at ${event.position} (${event.type})`, event.position);
    }
    if (event.type === 'WalletFunded') this.fundings += (event.data as Data<'WalletFunded'>).amount;
    if (event.type === 'WalletWithdrawn') this.withdrawals += (event.data as Data<'WalletWithdrawn'>).amount;
  }

  private applyPayment(event: StoredEvent): void {
    switch (event.type) {
      case 'FundsTransferred': {
        const d = event.data as Data<'FundsTransferred'>;
        return this.debit(`transfer:${d.transferId}`, event, d.amount, d.toUserId);
      }
      case 'TransferReceived': {
        const d = event.data as Data<'TransferReceived'>;
        return this.credit(`transfer:${d.transferId}`, event, d.amount, d.toUserId);
      }
      case 'TipPraised': {
        const d = event.data as Data<'TipPraised'>;
        const earnings = this.earningsOf(d.authorId);
        earnings.total += d.amount;
        earnings.tips++;
        const article = earnings.byArticle.get(d.articleId) ?? { total: 0, tips: 0 };
        article.total += d.amount;
        article.tips++;
        earnings.byArticle.set(d.articleId, article);
        return this.debit(`tip:${d.tipId}`, event, d.amount, d.authorId);
      }
      case 'TipReceived': {
        const d = event.data as Data<'TipReceived'>;
        return this.credit(`tip:${d.tipId}`, event, d.amount, d.authorId);
      }
      case 'RedPacketSent': {
        const d = event.data as Data<'RedPacketSent'>;
        return this.debit(`escrow:${d.redPacketId}`, event, d.amount, `red-packet ${d.redPacketId}`);
      }
      case 'RedPacketEscrowed': {
        const d = event.data as Data<'RedPacketEscrowed'>;
        if (this.packets.has(d.redPacketId)) this.report('red-packet', `red packet ${d.redPacketId} escrowed twice (at ${event.position})`, event.position);
        else {
          this.packets.set(d.redPacketId, {
            redPacketId: d.redPacketId,
            senderId: d.senderId,
            amount: d.amount,
            shares: d.shares,
            mode: d.mode,
            claims: [],
            claimed: 0,
            expired: false,
            returned: 0,
          });
        }
        return this.credit(`escrow:${d.redPacketId}`, event, d.amount, `red-packet ${d.redPacketId}`, `red-packet-${d.redPacketId}`);
      }
      case 'RedPacketClaimed': {
        const d = event.data as Data<'RedPacketClaimed'>;
        const packet = this.packets.get(d.redPacketId);
        if (!packet) this.report('red-packet', `claim on red packet ${d.redPacketId} before its escrow (at ${event.position})`, event.position);
        else {
          if (packet.claims.some((c) => c.userId === d.userId)) this.report('red-packet', `${d.userId} claimed red packet ${d.redPacketId} twice (at ${event.position})`, event.position);
          if (!(d.amount >= 1)) this.report('red-packet', `claim of ${d.amount} fen on red packet ${d.redPacketId} at ${event.position}: every share is at least 1 fen`, event.position);
          packet.claims.push({ userId: d.userId, amount: d.amount });
          packet.claimed += d.amount;
          if (packet.claims.length > packet.shares) this.report('red-packet', `red packet ${d.redPacketId} has more claims than its ${packet.shares} shares`, event.position);
          if (packet.claimed + packet.returned > packet.amount) this.report('red-packet', `red packet ${d.redPacketId} paid out more than its ${packet.amount} fen`, event.position);
          if (d.remainingAmount !== packet.amount - packet.claimed) {
            this.report('red-packet', `claim at ${event.position} says ${d.remainingAmount} fen remain in ${d.redPacketId}, the claims say ${packet.amount - packet.claimed}`, event.position);
          }
        }
        return this.debit(`share:${d.redPacketId}:${d.userId}`, event, d.amount, d.userId);
      }
      case 'RedPacketShareReceived': {
        const d = event.data as Data<'RedPacketShareReceived'>;
        return this.credit(`share:${d.redPacketId}:${d.userId}`, event, d.amount, d.userId);
      }
      case 'RedPacketExpired': {
        const d = event.data as Data<'RedPacketExpired'>;
        const packet = this.packets.get(d.redPacketId);
        if (!packet) this.report('red-packet', `expiry of red packet ${d.redPacketId} before its escrow (at ${event.position})`, event.position);
        else {
          if (packet.expired) this.report('red-packet', `red packet ${d.redPacketId} expired twice (at ${event.position})`, event.position);
          else if (packet.claims.length >= packet.shares) this.report('red-packet', `red packet ${d.redPacketId} expired after all its shares were claimed (at ${event.position})`, event.position);
          const remaining = packet.amount - packet.claimed - packet.returned;
          if (d.amount !== remaining) this.report('red-packet', `expiry at ${event.position} returns ${d.amount} fen of ${d.redPacketId}, which held ${remaining}`, event.position);
          packet.expired = true;
          packet.returned += d.amount;
        }
        if (d.amount > 0) this.debit(`refund:${d.redPacketId}`, event, d.amount, d.senderId);
        return;
      }
      case 'RedPacketRefunded': {
        const d = event.data as Data<'RedPacketRefunded'>;
        return this.credit(`refund:${d.redPacketId}`, event, d.amount, d.senderId);
      }
      case 'OrderPlaced': {
        const d = event.data as Data<'OrderPlaced'>;
        return this.debit(`order:${d.orderId}`, event, d.amount, d.merchantId);
      }
      case 'OrderPaymentReceived': {
        const d = event.data as Data<'OrderPaymentReceived'>;
        return this.credit(`order:${d.orderId}`, event, d.amount, d.merchantId);
      }
      case 'OrderRefunded': {
        const d = event.data as Data<'OrderRefunded'>;
        return this.debit(`order-refund:${d.refundId}`, event, d.amount, d.buyerId);
      }
      case 'OrderRefundReceived': {
        const d = event.data as Data<'OrderRefundReceived'>;
        return this.credit(`order-refund:${d.refundId}`, event, d.amount, d.buyerId);
      }
      default:
        return;
    }
  }

  private debit(key: string, event: StoredEvent, amount: number, beneficiary: string): void {
    this.pairs.debits++;
    const leg: Leg = { type: event.type, amount, position: event.position, occurredAt: event.occurredAt, beneficiary };
    if (this.matched.has(key) || this.awaitingCredit.has(key)) {
      this.report('duplicate-debit', `a second ${event.type} for ${key} at ${event.position}`, event.position);
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
      this.report('misdirected-credit', `${event.type} at ${event.position} for ${beneficiary} landed on ${event.streamId}`, event.position);
    }
    const leg: Leg = { type: event.type, amount, position: event.position, occurredAt: event.occurredAt, beneficiary };
    if (this.matched.has(key) || this.creditsFirst.has(key)) {
      this.report('duplicate-credit', `${key} credited twice: again by ${event.type} at ${event.position} (${amount} fen to ${beneficiary})`, event.position);
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
    this.pairs.credited++;
    if (debit.amount !== credit.amount) {
      this.report('amount-mismatch', `${key}: ${debit.type} at ${debit.position} moved ${debit.amount} fen, ${credit.type} at ${credit.position} credited ${credit.amount}`, credit.position);
    }
  }

  private earningsOf(authorId: string): EarningsTally {
    let earnings = this.earnings.get(authorId);
    if (!earnings) this.earnings.set(authorId, (earnings = { total: 0, tips: 0, byArticle: new Map() }));
    return earnings;
  }

  private report(kind: FindingKind, message: string, position?: bigint): void {
    this.findingCount++;
    if (this.findings.length < this.keepFindings) this.findings.push({ kind, message, position });
  }
}
