import { randomUUID } from 'node:crypto';
import { redPacketStream, walletStream, type EventDataByType, type NewEvent, type ZanEventType } from '@zan/contracts';
import type { EventStore } from '@zan/event-store';

export interface PlannedAppend {
  streamId: string;
  event: NewEvent;
}

/**
 * Builds a consistent money history (every debit with its credit, as the process managers write
 * them) to append straight through the EventStore port: specs and the bench need thousands of
 * events faster than the HTTP api makes them, and with times they choose.
 */
export class HistoryBuilder {
  readonly planned: PlannedAppend[] = [];
  private clock: number;
  private packets = 0;

  constructor(
    start: Date = new Date('2026-01-01T00:00:00Z'),
    private readonly stepMs = 1000,
    private readonly id: () => string = randomUUID,
  ) {
    this.clock = start.getTime();
  }

  /** The time the next event will carry. */
  get now(): Date {
    return new Date(this.clock);
  }

  /** Moves the clock on (e.g. to the next day). */
  advance(ms: number): this {
    this.clock += ms;
    return this;
  }

  open(userId: string, kind: 'individual' | 'business' = 'individual'): this {
    const cause = this.add(walletStream(userId), 'WalletOpened', { userId, kind }, userId);
    this.add(walletStream(userId), 'BankCardLinked', { userId, cardId: `card-${userId}`, personal: kind === 'individual' }, userId, cause);
    return this;
  }

  fund(userId: string, amount: number): this {
    this.add(walletStream(userId), 'WalletFunded', { userId, fundingId: this.id(), amount, source: { kind: 'card', cardId: `card-${userId}` } }, userId);
    return this;
  }

  withdraw(userId: string, amount: number): this {
    this.add(walletStream(userId), 'WalletWithdrawn', { userId, withdrawalId: this.id(), cardId: `card-${userId}`, amount }, userId);
    return this;
  }

  transfer(fromUserId: string, toUserId: string, amount: number, options: { credit?: boolean } = {}): this {
    const transferId = this.id();
    const debit = this.add(walletStream(fromUserId), 'FundsTransferred', { transferId, fromUserId, toUserId, amount }, fromUserId);
    if (options.credit !== false) this.add(walletStream(toUserId), 'TransferReceived', { transferId, fromUserId, toUserId, amount }, fromUserId, debit);
    return this;
  }

  tip(readerId: string, authorId: string, articleId: string, amount: number, options: { credit?: boolean } = {}): this {
    const tipId = this.id();
    const data = { tipId, readerId, authorId, articleId, amount };
    const debit = this.add(walletStream(readerId), 'TipPraised', { ...data, message: '赞' }, readerId);
    if (options.credit !== false) this.add(walletStream(authorId), 'TipReceived', data, readerId, debit);
    return this;
  }

  /**
   * Sends a packet, escrows it, claims the given shares (user, amount) and, with `expire`, expires
   * it and refunds what is left. Returns the packet id through `onId`.
   */
  redPacket(
    senderId: string,
    amount: number,
    shares: number,
    claims: [userId: string, amount: number][],
    options: { expire?: boolean; mode?: 'lucky' | 'equal'; recipients?: string[]; onId?: (redPacketId: string) => void } = {},
  ): this {
    const redPacketId = `rp${++this.packets}-${this.id().slice(0, 8)}`;
    options.onId?.(redPacketId);
    const sent = {
      redPacketId,
      senderId,
      amount,
      shares,
      mode: options.mode ?? 'lucky',
      greeting: '恭喜发财',
      expiresAt: new Date(this.clock + 86_400_000).toISOString(),
      ...(options.recipients ? { recipients: options.recipients } : {}),
    } as const;
    const debit = this.add(walletStream(senderId), 'RedPacketSent', sent, senderId);
    const escrow = this.add(redPacketStream(redPacketId), 'RedPacketEscrowed', sent, senderId, debit);
    let remainingAmount = amount;
    let remainingShares = shares;
    for (const [userId, share] of claims) {
      remainingAmount -= share;
      remainingShares -= 1;
      const claim = this.add(
        redPacketStream(redPacketId),
        'RedPacketClaimed',
        { redPacketId, senderId, userId, amount: share, remainingAmount, remainingShares },
        userId,
        escrow,
      );
      this.add(walletStream(userId), 'RedPacketShareReceived', { redPacketId, senderId, userId, amount: share }, userId, claim);
    }
    if (options.expire) {
      const expired = this.add(
        redPacketStream(redPacketId),
        'RedPacketExpired',
        { redPacketId, senderId, amount: remainingAmount, remainingShares },
        'system:expiry',
        escrow,
      );
      if (remainingAmount > 0)
        this.add(walletStream(senderId), 'RedPacketRefunded', { redPacketId, senderId, amount: remainingAmount }, 'system:expiry', expired);
    }
    return this;
  }

  /** Any event, for histories that break the rules on purpose. */
  add<T extends ZanEventType>(streamId: string, type: T, data: EventDataByType[T], userId: string, causationId?: string): string {
    return this.addVersioned(streamId, type, undefined, data, userId, causationId);
  }

  /** An event with a payload of the given version (undefined: the current one). */
  addVersioned(streamId: string, type: string, version: number | undefined, data: unknown, userId: string, causationId?: string): string {
    const id = this.id();
    this.planned.push({
      streamId,
      event: {
        id,
        type,
        ...(version === undefined ? {} : { version }),
        data,
        metadata: { correlationId: causationId ?? id, causationId: causationId ?? id, userId },
        occurredAt: new Date(this.clock).toISOString(),
      },
    });
    this.clock += this.stepMs;
    return id;
  }

  /** Appends in order, consecutive events of one stream together; returns the last position. */
  async appendTo(store: EventStore): Promise<bigint> {
    let last = 0n;
    for (let i = 0; i < this.planned.length;) {
      const streamId = this.planned[i].streamId;
      const events: NewEvent[] = [];
      while (i < this.planned.length && this.planned[i].streamId === streamId) events.push(this.planned[i++].event);
      last = (await store.append(streamId, events, 'any')).position;
    }
    this.planned.length = 0;
    return last;
  }
}
