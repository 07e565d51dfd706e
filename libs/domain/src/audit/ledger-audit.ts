import {
  CorruptEvent,
  walletBalanceDelta,
  type FundsTransferred,
  type MerchantPaid,
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
  /** Money held for group buys: GroupBuyFundsHeld whose group has not decided yet (completed, failed, or the join refused). */
  heldByGroupBuys: number;
  /** Debits whose credit (or escrow) is not stored yet, a decided group buy's holds included. */
  inFlight: number;
  /** Orders paid (OrderPlaced, and a completed group buy's GroupBuyPaymentReceived) and refunds paid out (OrderRefunded), in fen. */
  ordersPaid: number;
  refundsPaid: number;
  /** Every way the history breaks a money rule; empty when clean. */
  problems: string[];
}

const CREDIT_OF: Record<string, string> = {
  FundsTransferred: 'TransferReceived',
  TipPraised: 'TipReceived',
  RedPacketSent: 'RedPacketEscrowed',
  RedPacketClaimed: 'RedPacketShareReceived',
  OrderPlaced: 'OrderPaymentReceived',
  OrderRefunded: 'OrderRefundReceived',
};
/** A group buy's hold is credited once: to the merchant (completed) or back to the buyer (failed, refused). */
const GROUP_BUY_HOLD = 'GroupBuyPaymentReceived|GroupBuyFundsReturned';
const CREDITS = new Set([
  'GroupBuyPaymentReceived',
  'GroupBuyFundsReturned',
  'TransferReceived',
  'TipReceived',
  'RedPacketEscrowed',
  'RedPacketShareReceived',
  'RedPacketRefunded',
  'OrderPaymentReceived',
  'OrderRefundReceived',
  'MerchantPaymentReceived',
  'MerchantPaymentReturned',
]);

/** A debit waiting for its credit: which credit, how much, and on whose stream (when the debit names it). */
interface PendingCredit {
  type: string;
  amount: number;
  /** The stream the credit must land on; a payment by code may also go back to its payer. */
  payee?: string;
  returnsTo?: string;
  /** A group buy's hold whose group has decided: owed now, no longer held. */
  decided?: boolean;
}

const walletOf = (userId: unknown): string | undefined => (typeof userId === 'string' ? `wallet-${userId}` : undefined);

/** Events that move money carry at least 1 fen (a zero payment is refused); an expiry may give back 0. */
const PAYMENTS = new Set([
  'WalletFunded',
  'WalletWithdrawn',
  'FundsTransferred',
  'TipPraised',
  'OrderPlaced',
  'OrderRefunded',
  'MerchantPaid',
  'GroupBuyFundsHeld',
  'RedPacketSent',
  'RedPacketClaimed',
  ...CREDITS,
]);

/**
 * The debit a credit answers: its cause, except for a group buy's hold, whose payment or return is
 * caused by the completion, the failure or the refusal that settles it and names the hold by its
 * join (`joinId`, the order's `orderId`). Events stored before named the hold as their cause: the
 * join finds the same hold.
 */
const settledDebit = (event: AuditedEvent, holdOfJoin: ReadonlyMap<string, string>): string | undefined => {
  if (event.type !== 'GroupBuyPaymentReceived' && event.type !== 'GroupBuyFundsReturned') return event.metadata.causationId;
  const data = event.data as { joinId?: string; orderId?: string };
  return holdOfJoin.get((data.joinId ?? data.orderId)!) ?? event.metadata.causationId;
};

/**
 * Recomputes every balance and the conservation equation from the events, in global order:
 * sum(balances) + held by packets + held for group buys + in flight == fundings - withdrawals, no balance ever negative,
 * every debit with exactly one credit (matched by causationId; a group buy's hold by its join), every packet's claims and refund
 * summing to its amount. Pure: the CLI and the reliability suites share it.
 */
/** A money event whose amount is corrupt moves nothing here: the audit reports it (PAYMENTS below) instead of stopping on it. */
const deltaOrNothing = (event: AuditedEvent): number => {
  try {
    return walletBalanceDelta(event);
  } catch (error) {
    if (error instanceof CorruptEvent) return 0;
    throw error;
  }
};

export const auditLedger = (events: Iterable<AuditedEvent>): LedgerAudit => {
  const balances = new Map<string, number>();
  const problems: string[] = [];
  let fundings = 0;
  let withdrawals = 0;
  const pendingCredits = new Map<string, PendingCredit>(); // cause id -> expected credit
  const holdOfJoin = new Map<string, string>(); // a group buy's join id -> its GroupBuyFundsHeld's id
  const creditCount = new Map<string, number>();
  const packets = new Map<string, { amount: number; claimed: number; refunded: number; closed: boolean; escrowed: boolean }>();
  const commerce = commerceAudit(problems);
  /** A hold its group has decided is owed to the merchant or back to the buyer: in flight, no longer held. */
  const decide = (holdId: string | undefined, payee: unknown): void => {
    const hold = holdId === undefined ? undefined : pendingCredits.get(holdId);
    if (hold?.type === GROUP_BUY_HOLD) Object.assign(hold, { decided: true, payee: walletOf(payee) });
  };

  for (const event of events) {
    if (event.streamId.startsWith('wallet-')) {
      const delta = deltaOrNothing(event);
      if (delta !== 0) {
        const next = (balances.get(event.streamId) ?? 0) + delta;
        balances.set(event.streamId, next);
        if (next < 0) problems.push(`${event.streamId} went negative (${next}) at revision ${event.revision}`);
      } else if (event.type === 'WalletOpened' && !balances.has(event.streamId)) {
        balances.set(event.streamId, 0);
      }
    }
    const data = event.data as Record<string, unknown>;
    if (PAYMENTS.has(event.type) && !(Number.isSafeInteger(data.amount) && (data.amount as number) >= 1)) {
      problems.push(`${event.type} ${event.id} moves ${JSON.stringify(data.amount) ?? 'no amount'}, not a payable number of fen`);
    }
    switch (event.type) {
      case 'WalletFunded':
        fundings += data.amount as number;
        break;
      case 'WalletWithdrawn':
        withdrawals += data.amount as number;
        break;
      case 'FundsTransferred':
      case 'TipPraised':
      case 'OrderPlaced':
      case 'OrderRefunded': {
        const payee = { FundsTransferred: data.toUserId, TipPraised: data.authorId, OrderPlaced: data.merchantId, OrderRefunded: data.buyerId }[event.type];
        pendingCredits.set(event.id, {
          type: CREDIT_OF[event.type]!,
          amount: (data as unknown as FundsTransferred | TipPraised).amount,
          payee: walletOf(payee),
        });
        break;
      }
      case 'MerchantPaid': {
        // The merchant is credited, or (a dynamic code taken meanwhile) the payer gets it back: one of the two, once.
        const paid = data as unknown as MerchantPaid;
        pendingCredits.set(event.id, {
          type: 'MerchantPaymentReceived|MerchantPaymentReturned',
          amount: paid.amount,
          payee: walletOf(paid.merchantId),
          returnsTo: walletOf(paid.payerId),
        });
        break;
      }
      case 'GroupBuyFundsHeld':
        // Its payee is known once the group decides: the merchant (completed) or the buyer (failed, refused).
        pendingCredits.set(event.id, { type: GROUP_BUY_HOLD, amount: data.amount as number });
        holdOfJoin.set(data.joinId as string, event.id);
        break;
      case 'GroupBuyCompleted':
      case 'GroupBuyFailed':
        for (const member of (data.members ?? []) as { joinId: string; buyerId: string }[]) {
          decide(holdOfJoin.get(member.joinId), event.type === 'GroupBuyCompleted' ? data.merchantId : member.buyerId);
        }
        break;
      case 'GroupBuyJoinRefused':
        decide(holdOfJoin.get(data.joinId as string), data.buyerId);
        break;
      case 'RedPacketSent': {
        const sent = data as unknown as RedPacketSent;
        pendingCredits.set(event.id, { type: 'RedPacketEscrowed', amount: sent.amount, payee: `red-packet-${sent.redPacketId}` });
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
        pendingCredits.set(event.id, { type: 'RedPacketShareReceived', amount: claim.amount, payee: walletOf(claim.userId) });
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
        if (expired.amount > 0) pendingCredits.set(event.id, { type: 'RedPacketRefunded', amount: expired.amount, payee: walletOf(expired.senderId) });
        break;
      }
      default:
        break;
    }
    commerce.see(event);
    const cause = settledDebit(event, holdOfJoin);
    const isCredit = CREDITS.has(event.type);
    if (isCredit && cause) {
      creditCount.set(cause, (creditCount.get(cause) ?? 0) + 1);
      const expected = pendingCredits.get(cause);
      if (!expected) problems.push(`${event.type} ${event.id} has no debit that caused it`);
      else {
        if (!expected.type.split('|').includes(event.type)) problems.push(`${event.type} ${event.id} answers a debit that needs ${expected.type}`);
        if (expected.amount !== (data.amount as number))
          problems.push(`${event.type} ${event.id} moves ${String(data.amount)} fen for a debit of ${expected.amount}`);
        if (expected.payee !== undefined && event.streamId !== expected.payee && event.streamId !== expected.returnsTo)
          problems.push(`${event.type} ${event.id} credits ${event.streamId}, where its debit paid ${expected.payee}`);
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
  const pending = [...pendingCredits.values()];
  const held = (credit: PendingCredit): boolean => credit.type === GROUP_BUY_HOLD && !credit.decided;
  const heldByGroupBuys = pending.filter(held).reduce((sum, credit) => sum + credit.amount, 0);
  const inFlight = pending.filter((credit) => !held(credit)).reduce((sum, credit) => sum + credit.amount, 0);
  const total = [...balances.values()].reduce((a, b) => a + b, 0);
  if (total + heldByPackets + heldByGroupBuys + inFlight !== fundings - withdrawals) {
    problems.push(
      `conservation broken: balances ${total} + packets ${heldByPackets} + group buys ${heldByGroupBuys} + in flight ${inFlight} != fundings ${fundings} - withdrawals ${withdrawals}`,
    );
  }
  return { balances, fundings, withdrawals, heldByPackets, heldByGroupBuys, inFlight, ordersPaid: commerce.paid, refundsPaid: commerce.refunded, problems };
};

/**
 * The commerce rules: no stock ever negative (each product's stock replayed from its events), the
 * refunds paid out on an order never more than it paid. Credits are matched with the others above.
 */
const commerceAudit = (problems: string[]) => {
  const stock = new Map<string, number | null>();
  const orders = new Map<string, { paid: number; refunded: number }>();
  const totals = { paid: 0, refunded: 0 };
  const see = (event: AuditedEvent): void => {
    const data = event.data as Record<string, unknown>;
    const productId = data.productId as string;
    switch (event.type) {
      case 'ProductListed':
      case 'ProductRestocked':
        stock.set(productId, data.stock as number | null);
        break;
      case 'ProductStockReserved':
      case 'ProductGroupStockReserved': {
        const before = stock.get(productId);
        const after = before === null || before === undefined ? null : before - (data.quantity as number);
        if (after !== null && after < 0) problems.push(`product ${productId} sold ${String(data.quantity)} units with ${String(before)} left`);
        if (after !== data.stockLeft) problems.push(`product ${productId}: stockLeft ${String(data.stockLeft)} where the events leave ${String(after)}`);
        stock.set(productId, after);
        break;
      }
      case 'ProductStockReleased':
      case 'ProductGroupStockReleased': {
        const before = stock.get(productId);
        if (before !== null && before !== undefined) stock.set(productId, before + (data.quantity as number));
        break;
      }
      case 'OrderPlaced':
      case 'GroupBuyPaymentReceived': // a group buy's member order (orderId = joinId), paid by its hold
        if (orders.has(data.orderId as string)) problems.push(`order ${String(data.orderId)} paid twice`);
        orders.set(data.orderId as string, { paid: data.amount as number, refunded: 0 });
        totals.paid += data.amount as number;
        break;
      case 'OrderRefunded': {
        const order = orders.get(data.orderId as string);
        totals.refunded += data.amount as number;
        if (!order) problems.push(`refund of order ${String(data.orderId)} before it was paid`);
        else {
          order.refunded += data.amount as number;
          if (order.refunded > order.paid) problems.push(`order ${String(data.orderId)} refunded ${order.refunded} fen of ${order.paid} paid`);
        }
        break;
      }
      default:
        break;
    }
  };
  return {
    see,
    get paid() {
      return totals.paid;
    },
    get refunded() {
      return totals.refunded;
    },
  };
};
