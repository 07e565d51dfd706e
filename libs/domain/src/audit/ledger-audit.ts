import {
  walletBalanceDelta,
  type FundsTransferred,
  type RedPacketClaimed,
  type RedPacketExpired,
  type RedPacketSent,
  type TipPraised,
} from '@zan/contracts';

/** What the audit needs of a stored event. */
export interface AuditedEvent {
  id: string;
  type: string;
  streamId: string;
  revision: number;
  data: unknown;
  metadata: { causationId?: string };
}

export interface LedgerAudit {
  balances: Map<string, number>;
  fundings: number;
  withdrawals: number;
  /** Money held by packets that are escrowed and neither exhausted nor expired. */
  heldByPackets: number;
  /** Debits whose credit (or escrow) is not stored yet. */
  inFlight: number;
  /** Every way the history breaks a money rule; empty when clean. */
  problems: string[];
}

const CREDIT_OF: Record<string, string> = {
  FundsTransferred: 'TransferReceived',
  TipPraised: 'TipReceived',
  RedPacketSent: 'RedPacketEscrowed',
  RedPacketClaimed: 'RedPacketShareReceived',
};

/**
 * Recomputes every balance and the conservation equation from the events, in global order:
 * sum(balances) + held by packets + in flight == fundings - withdrawals, no balance ever negative,
 * every debit with exactly one credit (matched by causationId), every packet's claims and refund
 * summing to its amount. Pure: the CLI and the reliability suites share it.
 */
export const auditLedger = (events: Iterable<AuditedEvent>): LedgerAudit => {
  const balances = new Map<string, number>();
  const problems: string[] = [];
  let fundings = 0;
  let withdrawals = 0;
  const pendingCredits = new Map<string, { type: string; amount: number }>(); // cause id -> expected credit
  const creditCount = new Map<string, number>();
  const packets = new Map<string, { amount: number; claimed: number; refunded: number; closed: boolean; escrowed: boolean }>();

  for (const event of events) {
    if (event.streamId.startsWith('wallet-')) {
      const delta = walletBalanceDelta(event);
      if (delta !== 0) {
        const next = (balances.get(event.streamId) ?? 0) + delta;
        balances.set(event.streamId, next);
        if (next < 0) problems.push(`${event.streamId} went negative (${next}) at revision ${event.revision}`);
      } else if (event.type === 'WalletOpened' && !balances.has(event.streamId)) {
        balances.set(event.streamId, 0);
      }
    }
    const data = event.data as Record<string, unknown>;
    switch (event.type) {
      case 'WalletFunded':
        fundings += data.amount as number;
        break;
      case 'WalletWithdrawn':
        withdrawals += data.amount as number;
        break;
      case 'FundsTransferred':
      case 'TipPraised':
        pendingCredits.set(event.id, { type: CREDIT_OF[event.type]!, amount: (data as unknown as FundsTransferred | TipPraised).amount });
        break;
      case 'RedPacketSent': {
        const sent = data as unknown as RedPacketSent;
        pendingCredits.set(event.id, { type: 'RedPacketEscrowed', amount: sent.amount });
        break;
      }
      case 'RedPacketEscrowed': {
        const sent = data as unknown as RedPacketSent;
        if (packets.has(sent.redPacketId)) problems.push(`red packet ${sent.redPacketId} escrowed twice`);
        packets.set(sent.redPacketId, { amount: sent.amount, claimed: 0, refunded: 0, closed: false, escrowed: true });
        break;
      }
      case 'RedPacketClaimed': {
        const claim = data as unknown as RedPacketClaimed;
        const packet = packets.get(claim.redPacketId);
        if (!packet) problems.push(`claim on packet ${claim.redPacketId} before its escrow`);
        else {
          packet.claimed += claim.amount;
          if (claim.remainingShares === 0) packet.closed = true;
        }
        if (claim.amount < 1) problems.push(`claim of ${claim.amount} fen on ${claim.redPacketId}`);
        pendingCredits.set(event.id, { type: 'RedPacketShareReceived', amount: claim.amount });
        break;
      }
      case 'RedPacketExpired': {
        const expired = data as unknown as RedPacketExpired;
        const packet = packets.get(expired.redPacketId);
        if (packet) {
          if (packet.closed) problems.push(`packet ${expired.redPacketId} expired after it closed`);
          packet.refunded += expired.amount;
          packet.closed = true;
        }
        if (expired.amount > 0) pendingCredits.set(event.id, { type: 'RedPacketRefunded', amount: expired.amount });
        break;
      }
      default:
        break;
    }
    const cause = event.metadata.causationId;
    const isCredit = ['TransferReceived', 'TipReceived', 'RedPacketEscrowed', 'RedPacketShareReceived', 'RedPacketRefunded'].includes(event.type);
    if (isCredit && cause) {
      creditCount.set(cause, (creditCount.get(cause) ?? 0) + 1);
      const expected = pendingCredits.get(cause);
      if (!expected) problems.push(`${event.type} ${event.id} has no debit that caused it`);
      else {
        if (expected.type !== event.type) problems.push(`${event.type} ${event.id} answers a debit that needs ${expected.type}`);
        if (expected.amount !== (data.amount as number)) problems.push(`${event.type} ${event.id} moves ${String(data.amount)} fen for a debit of ${expected.amount}`);
        pendingCredits.delete(cause);
      }
    }
  }

  for (const [cause, count] of creditCount) if (count > 1) problems.push(`debit ${cause} was credited ${count} times`);
  let heldByPackets = 0;
  for (const [id, packet] of packets) {
    const held = packet.amount - packet.claimed - packet.refunded;
    if (held < 0) problems.push(`packet ${id} paid out ${-held} fen more than it held`);
    if (packet.closed && held !== 0) problems.push(`packet ${id} closed holding ${held} fen`);
    if (!packet.closed) heldByPackets += held;
  }
  const inFlight = [...pendingCredits.values()].reduce((sum, credit) => sum + credit.amount, 0);
  const total = [...balances.values()].reduce((a, b) => a + b, 0);
  if (total + heldByPackets + inFlight !== fundings - withdrawals) {
    problems.push(
      `conservation broken: balances ${total} + packets ${heldByPackets} + in flight ${inFlight} != fundings ${fundings} - withdrawals ${withdrawals}`,
    );
  }
  return { balances, fundings, withdrawals, heldByPackets, inFlight, problems };
};
