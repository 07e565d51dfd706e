import type {
  GroupBuyCompleted,
  GroupBuyFundsHeld,
  GroupBuyJoinRefused,
  GroupBuyJoined,
  GroupBuyOpened,
  MerchantPaid,
  OrderOpened,
  RedPacketExpired,
  RedPacketSent,
  StoredEvent,
} from '@zan/contracts';
import { auditLedger } from '@zan/domain';
import { deterministicId } from '../../../apps/api/src/command-path/ids';
import { eventIdsOf } from '../../../apps/api/src/command-path/command-context';
import type { DurableWorld } from './simulated-process';
import { commandIdOf, type Answer, type Request } from './workload';

/** The id of the event a process manager's reaction stores first, or undefined for none needed. */
const reactionEventId = (event: StoredEvent): string | undefined => {
  switch (event.type) {
    case 'FundsTransferred':
    case 'TipPraised':
    case 'RedPacketClaimed':
      return deterministicId(event.id, 'credit', '0');
    case 'RedPacketExpired':
      return (event.data as RedPacketExpired).amount > 0 ? deterministicId(event.id, 'credit', '0') : undefined;
    case 'RedPacketSent':
      return deterministicId(event.id, 'escrow', '0');
    // The refund saga: requested -> paid (or declined at the same id) -> the buyer credited, or the amount released.
    case 'OrderRefundRequested':
      return deterministicId(event.id, 'settle', '0');
    case 'OrderRefunded':
      return deterministicId(event.id, 'credit', '0');
    case 'OrderRefundDeclined':
      return deterministicId(event.id, 'release', '0');
    default:
      return undefined;
  }
};

/** A payment by code ends in the merchant's credit or, a dynamic code lost to another payment, the payer's money back. */
const settledPayment = (world: DurableWorld, event: StoredEvent): boolean =>
  world.events.hasEvent(deterministicId(event.id, 'credit', '0')) || world.events.hasEvent(deterministicId(event.id, 'return', '0'));

const isClosed = (events: StoredEvent[]): boolean =>
  events.some((e) => e.type === 'RedPacketExpired' || (e.type === 'RedPacketClaimed' && (e.data as { remainingShares: number }).remainingShares === 0));

/**
 * "No checkpoint passes unfinished work": when the credits checkpoint is saved at P, every event
 * up to P that needs a reaction has it stored (its credit or escrow, or for an escrowed packet its
 * expiry timer, unless the packet is closed already). Checked as each save takes effect.
 */
export class CheckpointAudit {
  readonly violations: string[] = [];
  private checkedThrough = 0n;

  constructor(private readonly world: DurableWorld) {}

  async onSave(name: string, position: bigint): Promise<void> {
    if (position <= this.checkedThrough) return;
    const events = await this.world.events.readAll({ after: this.checkedThrough, maxCount: Number(position - this.checkedThrough) });
    for (const event of events) {
      const missing = await this.missingReaction(event);
      if (missing) this.violations.push(`checkpoint ${name} saved at ${position} passes ${event.type} at ${event.position} (${missing})`);
    }
    this.checkedThrough = position;
  }

  private async missingReaction(event: StoredEvent): Promise<string | undefined> {
    if (event.type === 'MerchantPaid') return settledPayment(this.world, event) ? undefined : 'neither credited to the merchant nor returned';
    const groupBuy = await this.missingGroupBuyStep(event);
    if (groupBuy !== undefined) return groupBuy || undefined;
    const id = reactionEventId(event);
    if (id !== undefined) return this.world.events.hasEvent(id) ? undefined : 'its credit or escrow is not stored';
    if (event.type !== 'RedPacketEscrowed') return undefined;
    const redPacketId = (event.data as RedPacketSent).redPacketId;
    if (this.world.timers.has(`red-packet:${redPacketId}`)) return undefined;
    return isClosed(await this.world.events.readStream(event.streamId)) ? undefined : 'its expiry timer is not scheduled';
  }

  /** The group-buy saga's next step, when `event` is one of its steps: '' when it is stored, undefined for another event. */
  private async missingGroupBuyStep(event: StoredEvent): Promise<string | undefined> {
    const credited = (holdId: string) => this.world.events.hasEvent(deterministicId(holdId, 'credit', '0'));
    switch (event.type) {
      case 'GroupBuyFundsHeld':
        return this.world.events.hasEvent(deterministicId(event.id, 'join', '0')) ? '' : 'the hold neither joined nor refused';
      case 'GroupBuyJoinRefused':
        return credited((event.data as GroupBuyJoinRefused).holdId) ? '' : 'the refused hold is not returned';
      case 'GroupBuyFailed':
        return (event.data as GroupBuyCompleted).members.every((member) => credited(member.holdId)) ? '' : 'a member’s hold is not settled';
      case 'GroupBuyCompleted': {
        const { members } = event.data as GroupBuyCompleted;
        if (!members.every((member) => credited(member.holdId))) return 'a member’s hold is not settled';
        return members.every((member) => this.world.events.hasEvent(deterministicId(member.holdId, 'open-order', '0'))) ? '' : 'a member’s order is not opened';
      }
      case 'GroupBuyOpened': {
        if (this.world.timers.has(`group-buy:${(event.data as GroupBuyOpened).groupBuyId}`)) return '';
        const closed = (await this.world.events.readStream(event.streamId)).some((e) => e.type === 'GroupBuyCompleted' || e.type === 'GroupBuyFailed');
        return closed ? '' : 'its deadline timer is not scheduled';
      }
      default:
        return undefined;
    }
  }
}

/**
 * Once quiet, every group closed once, on the right side of its deadline (the stream's order decides
 * an expiry racing the last join): completed full, before the deadline, every member's hold paid to
 * the merchant and its order opened once (caused by the hold); or failed short, at or after it, every
 * member's hold returned and no order opened; no join decided after
 * the deadline; every hold of a buyer who did not end up a member of a completed group returned.
 */
const groupBuyProblems = (events: StoredEvent[]): string[] => {
  const problems: string[] = [];
  const byId = new Map(events.map((e) => [e.id, e]));
  const creditOf = (holdId: string) => byId.get(deterministicId(holdId, 'credit', '0'))?.type;
  const groups = new Map<string, StoredEvent[]>();
  for (const event of events) if (event.streamId.startsWith('group-buy-')) groups.set(event.streamId, [...(groups.get(event.streamId) ?? []), event]);
  const orders = new Map<string, StoredEvent[]>();
  for (const event of events) if (event.streamId.startsWith('order-')) orders.set(event.streamId, [...(orders.get(event.streamId) ?? []), event]);
  const paidHolds = new Set<string>();
  for (const [streamId, stream] of groups) {
    const opened = stream.find((e) => e.type === 'GroupBuyOpened')?.data as GroupBuyOpened | undefined;
    if (!opened) continue;
    const deadline = Date.parse(opened.expiresAt);
    const closes = stream.filter((e) => e.type === 'GroupBuyCompleted' || e.type === 'GroupBuyFailed');
    const joins = stream.filter((e) => e.type === 'GroupBuyJoined');
    if (closes.length !== 1) problems.push(`${streamId} closed ${closes.length} times`);
    for (const join of joins) if (Date.parse(join.occurredAt) >= deadline) problems.push(`${streamId}: a join decided at or after the deadline`);
    const close = closes[0];
    if (!close) continue;
    const { members } = close.data as GroupBuyCompleted;
    const holds = joins.map((j) => (j.data as GroupBuyJoined).holdId);
    if (members.map((m) => m.holdId).join() !== holds.join()) problems.push(`${streamId}: ${close.type} names other members than joined`);
    if (close.type === 'GroupBuyCompleted') {
      if (members.length !== opened.groupSize) problems.push(`${streamId} completed with ${members.length} of ${opened.groupSize}`);
      if (Date.parse(close.occurredAt) >= deadline) problems.push(`${streamId} completed at or after its deadline`);
      for (const { holdId, joinId, amount } of members) {
        paidHolds.add(holdId);
        if (creditOf(holdId) !== 'GroupBuyPaymentReceived') problems.push(`${streamId}: member hold ${holdId} not paid to the merchant`);
        const order = orders.get(`order-${joinId}`) ?? [];
        const opened = order.filter((e) => e.type === 'OrderOpened');
        if (opened.length !== 1 || opened[0]!.id !== deterministicId(holdId, 'open-order', '0') || (opened[0]!.data as OrderOpened).amount !== amount)
          problems.push(`${streamId}: member order ${joinId} opened ${opened.length} times, not once by its hold for ${amount} fen`);
      }
    } else {
      if (members.length >= opened.groupSize) problems.push(`${streamId} failed full`);
      for (const { joinId } of members) if (orders.has(`order-${joinId}`)) problems.push(`${streamId} failed, yet member order ${joinId} was opened`);
      if (Date.parse(close.occurredAt) < deadline) problems.push(`${streamId} failed before its deadline`);
    }
  }
  for (const event of events) {
    if (event.type !== 'GroupBuyFundsHeld' || paidHolds.has(event.id)) continue;
    if (creditOf(event.id) !== 'GroupBuyFundsReturned') problems.push(`hold ${event.id} of ${(event.data as GroupBuyFundsHeld).buyerId} not returned`);
  }
  return problems;
};

/**
 * Once quiet: every debit credited exactly once, every packet claimed out or refunded exactly once,
 * sum(balances) == fundings - withdrawals with nothing in flight or held, no balance ever negative
 * (auditLedger, shared with `zan audit`); and every answer the clients got agrees with the store.
 */
export const checkQuiescentWorld = async (world: DurableWorld, answers: { request: Request; answer: Answer }[]): Promise<string[]> => {
  const events = await world.events.readAll();
  const audit = auditLedger(events);
  const problems = [...audit.problems];
  if (audit.inFlight !== 0) problems.push(`${audit.inFlight} fen still in flight (debited, never credited)`);
  if (audit.heldByPackets !== 0) problems.push(`${audit.heldByPackets} fen still held by packets that never expired`);
  if (audit.heldByGroupBuys !== 0) problems.push(`${audit.heldByGroupBuys} fen still held for group buys that never closed`);
  problems.push(...groupBuyProblems(events));
  const total = [...audit.balances.values()].reduce((a, b) => a + b, 0);
  if (total !== audit.fundings - audit.withdrawals) problems.push(`balances ${total} != fundings ${audit.fundings} - withdrawals ${audit.withdrawals}`);
  if (world.timers.size !== 0) problems.push(`${world.timers.size} timers left`);
  // A key sent more than once has one effect: answered ok at least once, or refused and not stored.
  const byKey = new Map<string, { request: Request; answers: Answer[] }>();
  for (const { request, answer } of answers) {
    const key = commandIdOf(request);
    byKey.set(key, { request, answers: [...(byKey.get(key)?.answers ?? []), answer] });
  }
  for (const [commandId, { request, answers: got }] of byKey) {
    const first = eventIdsOf(commandId)(0);
    // A payment that lost its dynamic code to another at the same moment is stored, returned and answered 410.
    const returned = events.some(
      (e) => e.id === first && e.type === 'MerchantPaid' && (e.data as MerchantPaid).dynamic && world.events.hasEvent(deterministicId(first, 'return', '0')),
    );
    // A join refused after its hold (the deadline, the last seat or a second join raced it) is stored, returned and answered 409/410.
    const refusedHold = events.some((e) => e.type === 'GroupBuyJoinRefused' && (e.data as GroupBuyJoinRefused).holdId === first);
    // A refund the merchant's wallet declined after its request (its balance spent meanwhile) is stored, released and answered 422.
    const declinedRefund =
      world.events.hasEvent(deterministicId(first, 'settle', '0')) && events.some((e) => e.type === 'OrderRefundDeclined' && e.metadata.causationId === first);
    const stored = world.events.hasEvent(first) && !returned && !refusedHold && !declinedRefund;
    if (got.includes('ok') && !stored) problems.push(`${request.describe} (key ${request.key}) was answered ok but is not stored`);
    if (!got.includes('ok') && got.includes('refused') && stored) problems.push(`${request.describe} (key ${request.key}) was refused but is stored`);
  }
  return problems;
};
