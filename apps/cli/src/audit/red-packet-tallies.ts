import type { EventDataByType, StoredEvent } from '@zan/contracts';
import type { Findings } from './findings';

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

type Data<T extends keyof EventDataByType> = EventDataByType[T];

/** Neither expired nor with every share claimed. */
const isOpen = (packet: PacketTally): boolean => !packet.expired && packet.claims.length < packet.shares;

/**
 * Every red packet's escrow, claims and expiry, checked as they come: one escrow, one claim per
 * user, no more claims than shares, every share at least 1 fen, never more paid out than escrowed,
 * the remaining amount each claim states, and an expiry that gives back exactly what is left.
 */
export class RedPacketTallies {
  readonly packets = new Map<string, PacketTally>();

  constructor(private readonly findings: Findings) {}

  apply(event: StoredEvent): void {
    if (event.type === 'RedPacketEscrowed') this.escrowed(event.data as Data<'RedPacketEscrowed'>, event.position);
    else if (event.type === 'RedPacketClaimed') this.claimed(event.data as Data<'RedPacketClaimed'>, event.position);
    else if (event.type === 'RedPacketExpired') this.expired(event.data as Data<'RedPacketExpired'>, event.position);
  }

  /** Money held by open red packets (CONTRACT.md: unclaimed and unexpired): escrowed, not yet claimed. */
  held(): number {
    let held = 0;
    for (const packet of this.packets.values()) if (isOpen(packet)) held += packet.amount - packet.claimed - packet.returned;
    return held;
  }

  /** A packet that is over (expired or exhausted) holds nothing. */
  finish(): void {
    for (const packet of this.packets.values()) {
      const left = packet.amount - packet.claimed - packet.returned;
      if (!isOpen(packet) && left !== 0)
        this.report(`red packet ${packet.redPacketId} is ${packet.expired ? 'expired' : 'exhausted'} but still holds ${left} fen`);
    }
  }

  private escrowed(d: Data<'RedPacketEscrowed'>, position: bigint): void {
    if (this.packets.has(d.redPacketId)) return this.report(`red packet ${d.redPacketId} escrowed twice (at ${position})`, position);
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

  private claimed(d: Data<'RedPacketClaimed'>, position: bigint): void {
    const packet = this.packets.get(d.redPacketId);
    if (!packet) return this.report(`claim on red packet ${d.redPacketId} before its escrow (at ${position})`, position);
    if (packet.claims.some((c) => c.userId === d.userId)) this.report(`${d.userId} claimed red packet ${d.redPacketId} twice (at ${position})`, position);
    if (!(d.amount >= 1)) this.report(`claim of ${d.amount} fen on red packet ${d.redPacketId} at ${position}: every share is at least 1 fen`, position);
    packet.claims.push({ userId: d.userId, amount: d.amount });
    packet.claimed += d.amount;
    if (packet.claims.length > packet.shares) this.report(`red packet ${d.redPacketId} has more claims than its ${packet.shares} shares`, position);
    if (packet.claimed + packet.returned > packet.amount) this.report(`red packet ${d.redPacketId} paid out more than its ${packet.amount} fen`, position);
    if (d.remainingAmount !== packet.amount - packet.claimed) {
      this.report(`claim at ${position} says ${d.remainingAmount} fen remain in ${d.redPacketId}, the claims say ${packet.amount - packet.claimed}`, position);
    }
  }

  private expired(d: Data<'RedPacketExpired'>, position: bigint): void {
    const packet = this.packets.get(d.redPacketId);
    if (!packet) return this.report(`expiry of red packet ${d.redPacketId} before its escrow (at ${position})`, position);
    if (packet.expired) this.report(`red packet ${d.redPacketId} expired twice (at ${position})`, position);
    else if (packet.claims.length >= packet.shares)
      this.report(`red packet ${d.redPacketId} expired after all its shares were claimed (at ${position})`, position);
    const remaining = packet.amount - packet.claimed - packet.returned;
    if (d.amount !== remaining) this.report(`expiry at ${position} returns ${d.amount} fen of ${d.redPacketId}, which held ${remaining}`, position);
    packet.expired = true;
    packet.returned += d.amount;
  }

  private report(message: string, position?: bigint): void {
    this.findings.report('red-packet', message, position);
  }
}
