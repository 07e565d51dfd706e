import { isPayableFen, type DomainEvent, type Fen } from '@zan/contracts';
import { DEFAULT_CONTEXT, type DecideContext } from '../decider';
import { DomainError } from '../errors';
import { redPacketDecider, type RedPacketCommand } from '../red-packet/red-packet.decider';
import type { EscrowRedPacket } from '../red-packet/escrow-red-packet';
import type { RedPacketState } from '../red-packet/red-packet.state';
import type { CreditWallet } from '../wallet/credit-wallet';
import { walletDecider, type WalletCommand } from '../wallet/wallet.decider';
import type { WalletState } from '../wallet/wallet.state';
import { T0 } from './fixtures';

/** A process manager's pending command: money that has left one stream and not yet reached another. */
export type InFlight = { kind: 'credit'; command: CreditWallet } | { kind: 'escrow'; command: EscrowRedPacket };

const amountOf = (message: InFlight): Fen => (message.kind === 'credit' ? message.command.data.credit.data.amount : message.command.data.packet.amount);

/**
 * The whole system in memory: wallet and packet streams decided by the real deciders, and the
 * process managers' follow-up commands held in flight until delivered, in any order.
 */
export class ZanSystem {
  readonly wallets = new Map<string, WalletState>();
  readonly packets = new Map<string, RedPacketState>();
  /** Packet ids in the order they were sent, whether escrowed yet or not. */
  readonly packetIds: string[] = [];
  readonly inFlight: InFlight[] = [];
  readonly delivered: InFlight[] = [];
  /** Every event emitted, by type, to check that a run did exercise the features. */
  readonly emitted = new Map<string, number>();
  funded = 0;
  withdrawn = 0;
  nowMs = Date.parse(T0);

  constructor(readonly context: DecideContext = DEFAULT_CONTEXT) {}

  get now(): string {
    return new Date(this.nowMs).toISOString();
  }

  wallet(userId: string): WalletState {
    return this.wallets.get(userId) ?? walletDecider.initialState;
  }

  packet(redPacketId: string): RedPacketState {
    return this.packets.get(redPacketId) ?? redPacketDecider.initialState;
  }

  /** Decides on `wallet-<userId>`; a domain rejection is returned, any other error thrown. */
  onWallet(userId: string, command: WalletCommand): DomainEvent[] | DomainError {
    return this.run(() => {
      const before = this.wallet(userId);
      const events = walletDecider.decide(command, before, this.context);
      this.wallets.set(
        userId,
        events.reduce((state, event) => walletDecider.evolve(state, event), before),
      );
      return events;
    });
  }

  onPacket(redPacketId: string, command: RedPacketCommand): DomainEvent[] | DomainError {
    return this.run(() => {
      const before = this.packet(redPacketId);
      const events = redPacketDecider.decide(command, before, this.context);
      this.packets.set(
        redPacketId,
        events.reduce((state, event) => redPacketDecider.evolve(state, event), before),
      );
      return events;
    });
  }

  /** Delivers the pending command at `index` (modulo), as a process manager would, late or out of order. */
  deliver(index: number): void {
    if (this.inFlight.length === 0) return;
    const [message] = this.inFlight.splice(index % this.inFlight.length, 1);
    this.execute(message!);
    this.delivered.push(message!);
  }

  /** At-least-once delivery: an escrow delivered again must change nothing. */
  redeliverEscrow(index: number): void {
    const escrows = this.delivered.filter((m): m is Extract<InFlight, { kind: 'escrow' }> => m.kind === 'escrow');
    if (escrows.length === 0) return;
    const message = escrows[index % escrows.length]!;
    const result = this.onPacket(message.command.data.packet.redPacketId, message.command);
    if (!Array.isArray(result) || result.length > 0) throw new Error(`redelivered escrow was not a no-op: ${show(result)}`);
  }

  /** Quiesce: deliver everything, let every packet expire, deliver the refunds. */
  drain(): void {
    while (this.inFlight.length > 0) this.deliver(0);
    const latest = Math.max(this.nowMs, ...[...this.packets.values()].map((p) => (p.status === 'none' ? 0 : Date.parse(p.expiresAt))));
    this.nowMs = latest;
    for (const id of this.packets.keys()) this.onPacket(id, { type: 'ExpireRedPacket', data: { redPacketId: id, now: this.now } });
    while (this.inFlight.length > 0) this.deliver(0);
  }

  moneyInFlight(): Fen {
    return this.inFlight.reduce((sum, m) => sum + amountOf(m), 0);
  }

  balances(): Fen {
    return [...this.wallets.values()].reduce((sum, w) => sum + w.balance, 0);
  }

  heldByOpenPackets(): Fen {
    return [...this.packets.values()].reduce((sum, p) => sum + (p.status === 'open' ? p.remainingAmount : 0), 0);
  }

  /** No negative balance, packets consistent, and every fen accounted for. */
  assertInvariants(): void {
    for (const [userId, w] of this.wallets) {
      if (!Number.isSafeInteger(w.balance) || w.balance < 0) throw new Error(`wallet ${userId} has balance ${w.balance}`);
    }
    for (const [id, p] of this.packets) {
      if (p.status === 'none') continue;
      const claimed = [...p.claims.values()].reduce((a, b) => a + b, 0);
      if (claimed + p.remainingAmount !== p.amount) throw new Error(`packet ${id}: claims ${claimed} + remaining ${p.remainingAmount} != ${p.amount}`);
      if (p.claims.size + p.remainingShares !== p.shares) throw new Error(`packet ${id}: share count drifted`);
      if (p.status === 'open' && !(p.remainingShares >= 1 && p.remainingAmount >= p.remainingShares)) {
        throw new Error(`packet ${id} is open with ${p.remainingAmount} fen for ${p.remainingShares} shares`);
      }
    }
    const accounted = this.balances() + this.heldByOpenPackets() + this.moneyInFlight();
    if (accounted !== this.funded - this.withdrawn) {
      throw new Error(`money not conserved: balances + packets + in flight = ${accounted}, fundings - withdrawals = ${this.funded - this.withdrawn}`);
    }
  }

  private execute(message: InFlight): void {
    const result =
      message.kind === 'credit'
        ? this.onWallet(message.command.data.userId, message.command)
        : this.onPacket(message.command.data.packet.redPacketId, message.command);
    if (!Array.isArray(result)) throw new Error(`a process manager's ${message.kind} was rejected: ${result.message}`);
  }

  private run(decide: () => DomainEvent[]): DomainEvent[] | DomainError {
    let events: DomainEvent[];
    try {
      events = decide();
    } catch (error) {
      if (error instanceof DomainError) return error;
      throw error;
    }
    for (const event of events) this.react(event);
    return events;
  }

  /** The process managers, one per cause, plus the bookkeeping of money entering and leaving. */
  private react(event: DomainEvent): void {
    this.emitted.set(event.type, (this.emitted.get(event.type) ?? 0) + 1);
    const data = event.data as { amount?: unknown };
    if ('amount' in data && !isPayableFen(data.amount)) throw new Error(`${event.type} moved a malformed amount: ${show(event.data)}`);
    const credit = (userId: string, c: CreditWallet['data']['credit']) =>
      this.inFlight.push({ kind: 'credit', command: { type: 'CreditWallet', data: { userId, credit: c } } });
    switch (event.type) {
      case 'WalletFunded':
        this.funded += event.data.amount;
        break;
      case 'WalletWithdrawn':
        this.withdrawn += event.data.amount;
        break;
      case 'FundsTransferred': {
        const { transferId, fromUserId, toUserId, amount } = event.data;
        credit(toUserId, { type: 'TransferReceived', data: { transferId, fromUserId, toUserId, amount } });
        break;
      }
      case 'TipPraised': {
        const { tipId, readerId, authorId, articleId, amount } = event.data;
        credit(authorId, { type: 'TipReceived', data: { tipId, readerId, authorId, articleId, amount } });
        break;
      }
      case 'RedPacketSent':
        this.packetIds.push(event.data.redPacketId);
        this.inFlight.push({ kind: 'escrow', command: { type: 'EscrowRedPacket', data: { packet: event.data } } });
        break;
      case 'RedPacketClaimed': {
        const { redPacketId, senderId, userId, amount } = event.data;
        credit(userId, { type: 'RedPacketShareReceived', data: { redPacketId, senderId, userId, amount } });
        break;
      }
      case 'RedPacketExpired': {
        const { redPacketId, senderId, amount } = event.data;
        credit(senderId, { type: 'RedPacketRefunded', data: { redPacketId, senderId, amount } });
        break;
      }
      default:
        break;
    }
  }
}

const show = (value: unknown): string => JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));
