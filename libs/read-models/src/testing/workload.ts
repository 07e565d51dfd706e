import {
  articleStream,
  redPacketStream,
  streamCategory,
  walletStream,
  type EventDataByType,
  type StoredEvent,
  type WalletKind,
  type ZanEventType,
} from '@zan/contracts';
import type { Applied } from '../read-model-store.port';

export interface WorkloadOptions {
  /** Position of the first event. Default just under 10^18, so positions cross a digit boundary and 2^53. */
  start?: bigint;
  /** Gap between consecutive positions (positions need not be contiguous integers). */
  gap?: (index: number) => bigint;
  /** occurredAt of the first event; each next one is a second later. */
  startAt?: Date;
}

interface Packet {
  senderId: string;
  remainingAmount: number;
  remainingShares: number;
}

/**
 * Builds the events a real run would store, in global order, with the envelope the store reads:
 * per-stream revisions, increasing positions with gaps, credits beside their debits.
 */
export class Workload {
  readonly events: StoredEvent[] = [];
  private readonly revisions = new Map<string, number>();
  private readonly packets = new Map<string, Packet>();
  private readonly authors = new Map<string, string>();
  private position: bigint;
  private readonly gap: (index: number) => bigint;
  private readonly startAt: number;
  private ids = 0;

  constructor(options: WorkloadOptions = {}) {
    this.position = options.start ?? 10n ** 18n - 7n;
    this.gap = options.gap ?? ((i) => BigInt(1 + (i % 3)));
    this.startAt = (options.startAt ?? new Date('2025-01-01T00:00:00.000Z')).getTime();
  }

  append<T extends ZanEventType>(streamId: string, type: T, data: EventDataByType[T]): StoredEvent<EventDataByType[T]> {
    const index = this.events.length;
    if (index > 0) this.position += this.gap(index);
    const revision = (this.revisions.get(streamId) ?? -1) + 1;
    this.revisions.set(streamId, revision);
    const event: StoredEvent<EventDataByType[T]> = {
      id: `evt-${index}`,
      type,
      version: 1,
      streamId,
      revision,
      position: this.position,
      occurredAt: new Date(this.startAt + index * 1000).toISOString(),
      data,
      metadata: { correlationId: `c-${index}`, causationId: `c-${index}`, userId: 'test' },
    };
    this.events.push(event);
    return event;
  }

  open(userId: string, kind: WalletKind = 'individual'): this {
    this.append(walletStream(userId), 'WalletOpened', { userId, kind });
    return this;
  }

  linkCard(userId: string, cardId = `card-${userId}`): this {
    this.append(walletStream(userId), 'BankCardLinked', { userId, cardId, personal: true, holderName: '测*', holderNameHash: 'a'.repeat(64) });
    return this;
  }

  /** Requested and then decided: the wallet view shows `verification` from these. */
  verify(userId: string, decision: 'verified' | 'rejected' = 'verified'): this {
    const verificationId = this.id('v');
    this.append(walletStream(userId), 'VerificationRequested', {
      userId,
      verificationId,
      kind: 'individual',
      maskedName: '测*',
      nameHash: 'a'.repeat(64),
      numberHash: 'c'.repeat(64),
    });
    this.append(walletStream(userId), decision === 'verified' ? 'WalletVerified' : 'VerificationRejected', { userId, verificationId, decidedBy: 'provider' });
    return this;
  }

  fund(userId: string, amount: number): this {
    this.append(walletStream(userId), 'WalletFunded', { userId, fundingId: this.id('f'), amount, source: { kind: 'card', cardId: `card-${userId}` } });
    return this;
  }

  withdraw(userId: string, amount: number): this {
    this.append(walletStream(userId), 'WalletWithdrawn', { userId, withdrawalId: this.id('w'), cardId: `card-${userId}`, amount });
    return this;
  }

  transfer(fromUserId: string, toUserId: string, amount: number): this {
    const transferId = this.id('t');
    this.append(walletStream(fromUserId), 'FundsTransferred', { transferId, fromUserId, toUserId, amount });
    this.append(walletStream(toUserId), 'TransferReceived', { transferId, fromUserId, toUserId, amount });
    return this;
  }

  tip(readerId: string, authorId: string, articleId: string, amount: number): this {
    const tipId = this.id('tip');
    this.append(walletStream(readerId), 'TipPraised', { tipId, readerId, authorId, articleId, amount, message: 'thanks' });
    this.append(walletStream(authorId), 'TipReceived', { tipId, readerId, authorId, articleId, amount });
    return this;
  }

  sendRedPacket(senderId: string, redPacketId: string, amount: number, shares: number, greeting?: string): this {
    const expiresAt = new Date(this.startAt + 86_400_000).toISOString();
    const data = { redPacketId, senderId, amount, shares, mode: 'lucky' as const, expiresAt, ...(greeting === undefined ? {} : { greeting }) };
    this.append(walletStream(senderId), 'RedPacketSent', data);
    this.append(redPacketStream(redPacketId), 'RedPacketEscrowed', data);
    this.packets.set(redPacketId, { senderId, remainingAmount: amount, remainingShares: shares });
    return this;
  }

  /** The last share takes whatever is left; any other takes `amount`. */
  claim(redPacketId: string, userId: string, amount: number): this {
    const packet = this.packet(redPacketId);
    if (packet.remainingShares === 0) throw new Error(`packet ${redPacketId} has no share left`);
    const share = packet.remainingShares === 1 ? packet.remainingAmount : Math.min(amount, packet.remainingAmount - (packet.remainingShares - 1));
    packet.remainingAmount -= share;
    packet.remainingShares -= 1;
    const { senderId, remainingAmount, remainingShares } = packet;
    this.append(redPacketStream(redPacketId), 'RedPacketClaimed', { redPacketId, senderId, userId, amount: share, remainingAmount, remainingShares });
    this.append(walletStream(userId), 'RedPacketShareReceived', { redPacketId, senderId, userId, amount: share });
    return this;
  }

  expire(redPacketId: string): this {
    const packet = this.packet(redPacketId);
    const { senderId, remainingAmount: amount, remainingShares } = packet;
    this.append(redPacketStream(redPacketId), 'RedPacketExpired', { redPacketId, senderId, amount, remainingShares });
    this.append(walletStream(senderId), 'RedPacketRefunded', { redPacketId, senderId, amount });
    packet.remainingAmount = 0;
    packet.remainingShares = 0;
    return this;
  }

  publish(authorId: string, articleId: string, title = `Title of ${articleId}`): this {
    this.append(articleStream(articleId), 'ArticlePublished', { articleId, authorId, title });
    this.authors.set(articleId, authorId);
    return this;
  }

  like(articleId: string, userId: string): this {
    this.append(articleStream(articleId), 'ArticleLiked', { articleId, authorId: this.authorOf(articleId), userId });
    return this;
  }

  unlike(articleId: string, userId: string): this {
    this.append(articleStream(articleId), 'ArticleUnliked', { articleId, authorId: this.authorOf(articleId), userId });
    return this;
  }

  canClaim(redPacketId: string): boolean {
    const packet = this.packets.get(redPacketId);
    return packet !== undefined && packet.remainingShares > 0;
  }

  /** Deliveries in global order, each with the category its topic has and the position before it. */
  deliveries(): Applied[] {
    return this.events.map((event, i) => ({
      category: categoryOf(event),
      event,
      prevPosition: i === 0 ? 0n : this.events[i - 1].position,
    }));
  }

  private authorOf(articleId: string): string {
    const authorId = this.authors.get(articleId);
    if (authorId === undefined) throw new Error(`no article ${articleId}`);
    return authorId;
  }

  private packet(redPacketId: string): Packet {
    const packet = this.packets.get(redPacketId);
    if (!packet) throw new Error(`no packet ${redPacketId}`);
    return packet;
  }

  private id(kind: string): string {
    return `${kind}-${++this.ids}`;
  }
}

export const categoryOf = (event: StoredEvent): string => streamCategory(event.streamId);

/** A small deterministic generator (mulberry32), so a shuffle can be replayed from its seed. */
export const seededRandom = (seed: number): (() => number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

/**
 * What Kafka may hand the projector: the deliveries of each category and stream stay in order, any
 * two such queues interleave freely, and an already delivered event may come again at any later time
 * (a consumer redelivery, or the relay republishing it at a new offset).
 */
export const kafkaInterleaving = (deliveries: Applied[], random: () => number, duplicateRate = 0): Applied[] => {
  const queues = new Map<string, Applied[]>();
  for (const delivery of deliveries) {
    const key = `${delivery.category}\u0000${delivery.event.streamId}`;
    const queue = queues.get(key) ?? [];
    queue.push(delivery);
    queues.set(key, queue);
  }
  const open = [...queues.values()];
  const delivered: Applied[] = [];
  const out: Applied[] = [];
  while (open.length > 0) {
    if (delivered.length > 0 && random() < duplicateRate) {
      out.push(delivered[Math.floor(random() * delivered.length)]);
      continue;
    }
    const q = Math.floor(random() * open.length);
    const next = open[q].shift() as Applied;
    if (open[q].length === 0) open.splice(q, 1);
    delivered.push(next);
    out.push(next);
  }
  return out;
};
