/**
 * A ledger rebuilt from `zan events export` (NDJSON) by the rules of CONTRACT.md alone, sharing no
 * code with Zan's audit (no walletBalanceDelta, no Ledger): a second opinion on every balance, every
 * merchant's takings, every hold, and the money equation.
 *
 * Each payment's debit puts its money in a named bucket (a transfer, a tip, a packet, a share, an
 * order, a refund, a payment by code, a group-buy hold) and its credit takes it out. A bucket never
 * goes below zero (a credit with no debit, or twice), a credit takes exactly what its debit put in,
 * and once the system is quiet only the packets still open and the holds of open group buys may
 * hold money. Then sum(balances) + held + in flight = fundings - withdrawals.
 */
export interface ExportedEvent {
  id: string;
  type: string;
  version: number;
  streamId: string;
  position: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  wallet?: string | null;
  delta?: number;
}

export interface MerchantTakings {
  /** Orders paid to the merchant (single orders and group orders), fen. */
  orders: number;
  /** Payments by code credited, fen. */
  codes: number;
  /** Refunds the merchant paid out, fen. */
  refunds: number;
}

export interface IndependentLedger {
  balances: Map<string, number>;
  fundings: number;
  withdrawals: number;
  /** Money held by packets still open (unclaimed, unexpired). */
  heldByPackets: number;
  /** Money held for group buys still open. */
  heldByGroupBuys: number;
  /** Every bucket still holding money that is neither of the above: debited, not yet credited. */
  inFlight: Map<string, number>;
  takings: Map<string, MerchantTakings>;
  /** Tips credited to each author. */
  earnings: Map<string, { total: number; tips: number }>;
  /** What each order paid and how much of it was refunded. */
  orders: Map<string, { paid: number; refunded: number; buyerId: string; merchantId: string; group: boolean }>;
  /** Where Zan's export `delta` disagrees with the contract's reading of the event. */
  deltaDisagreements: string[];
  problems: string[];
}

const walletOf = (streamId: string): string | undefined => (streamId.startsWith('wallet-') ? streamId.slice('wallet-'.length) : undefined);

export const parseExport = (ndjson: string): ExportedEvent[] =>
  ndjson
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as ExportedEvent);

export const reconstructLedger = (events: ExportedEvent[]): IndependentLedger => {
  const ledger: IndependentLedger = {
    balances: new Map(),
    fundings: 0,
    withdrawals: 0,
    heldByPackets: 0,
    heldByGroupBuys: 0,
    inFlight: new Map(),
    takings: new Map(),
    earnings: new Map(),
    orders: new Map(),
    deltaDisagreements: [],
    problems: [],
  };
  const problem = (event: ExportedEvent, message: string) => ledger.problems.push(`${event.type} ${event.id} at ${event.position}: ${message}`);
  const buckets = new Map<string, number>();
  const packets = new Map<string, { sender: string; amount: number; shares: number; claims: Set<string>; paidOut: number; closed: boolean }>();
  const holds = new Map<string, { groupBuyId: string; buyerId: string; merchantId: string; amount: number }>();
  const groups = new Map<string, { status: 'open' | 'completed' | 'failed'; members: Set<string>; refused: Set<string> }>();
  const payments = new Map<string, { payerId: string; merchantId: string; amount: number; codeId: string; dynamic: boolean }>();
  const codes = new Map<string, { amount?: number; redeemedBy?: string }>();
  const takingsOf = (merchantId: string) => {
    let t = ledger.takings.get(merchantId);
    if (!t) ledger.takings.set(merchantId, (t = { orders: 0, codes: 0, refunds: 0 }));
    return t;
  };

  const into = (key: string, amount: number) => buckets.set(key, (buckets.get(key) ?? 0) + amount);
  const outOf = (event: ExportedEvent, key: string, amount: number) => {
    const held = buckets.get(key);
    if (held === undefined) return problem(event, `credits ${amount} fen from ${key}, which no debit paid into`);
    if (held < amount) problem(event, `credits ${amount} fen from ${key}, which holds ${held}`);
    buckets.set(key, held - amount);
  };
  /** Every stored money amount: a safe integer of at least 1 fen (a packet's expiry may return 0). */
  const amountOf = (event: ExportedEvent, allowZero = false): number => {
    const amount = event.data.amount;
    if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount < (allowZero ? 0 : 1)) {
      problem(event, `amount ${JSON.stringify(amount)} is not a payable whole number of fen`);
      return typeof amount === 'number' && Number.isFinite(amount) ? amount : 0;
    }
    return amount;
  };
  const move = (event: ExportedEvent, owner: string | undefined, party: unknown, delta: number): number => {
    if (owner === undefined) {
      problem(event, 'moves a wallet’s money but is not on a wallet stream');
      return 0;
    }
    if (party !== owner) problem(event, `is on wallet-${owner} but names ${String(party)} as the wallet it moves`);
    const balance = (ledger.balances.get(owner) ?? 0) + delta;
    ledger.balances.set(owner, balance);
    if (balance < 0) problem(event, `takes ${owner}'s balance below zero (${balance})`);
    return delta;
  };

  const sorted = [...events].sort((a, b) => (BigInt(a.position) < BigInt(b.position) ? -1 : 1));
  for (const event of sorted) {
    const d = event.data;
    const owner = walletOf(event.streamId);
    if (owner !== undefined && !ledger.balances.has(owner)) ledger.balances.set(owner, 0);
    let delta = 0;
    switch (event.type) {
      case 'WalletFunded': {
        const amount = amountOf(event);
        ledger.fundings += amount;
        delta = move(event, owner, d.userId, amount);
        break;
      }
      case 'WalletWithdrawn': {
        const amount = amountOf(event);
        ledger.withdrawals += amount;
        delta = move(event, owner, d.userId, -amount);
        break;
      }
      case 'FundsTransferred': {
        const amount = amountOf(event);
        delta = move(event, owner, d.fromUserId, -amount);
        into(`transfer:${String(d.transferId)}>${String(d.toUserId)}`, amount);
        break;
      }
      case 'TransferReceived': {
        const amount = amountOf(event);
        delta = move(event, owner, d.toUserId, amount);
        outOf(event, `transfer:${String(d.transferId)}>${String(d.toUserId)}`, amount);
        break;
      }
      case 'TipPraised': {
        const amount = amountOf(event);
        delta = move(event, owner, d.readerId, -amount);
        into(`tip:${String(d.tipId)}>${String(d.authorId)}`, amount);
        break;
      }
      case 'TipReceived': {
        const amount = amountOf(event);
        delta = move(event, owner, d.authorId, amount);
        outOf(event, `tip:${String(d.tipId)}>${String(d.authorId)}`, amount);
        const e = ledger.earnings.get(String(d.authorId)) ?? { total: 0, tips: 0 };
        ledger.earnings.set(String(d.authorId), { total: e.total + amount, tips: e.tips + 1 });
        break;
      }
      case 'RedPacketSent': {
        const amount = amountOf(event);
        delta = move(event, owner, d.senderId, -amount);
        into(`packet-sent:${String(d.redPacketId)}`, amount);
        const shares = d.shares as number;
        if (!Number.isSafeInteger(shares) || shares < 1 || shares > amount) problem(event, `${amount} fen over ${String(shares)} shares`);
        break;
      }
      case 'RedPacketEscrowed': {
        const amount = amountOf(event);
        const id = String(d.redPacketId);
        if (packets.has(id)) problem(event, `packet ${id} escrowed twice`);
        outOf(event, `packet-sent:${id}`, amount);
        into(`packet:${id}`, amount);
        packets.set(id, { sender: String(d.senderId), amount, shares: d.shares as number, claims: new Set(), paidOut: 0, closed: false });
        break;
      }
      case 'RedPacketClaimed': {
        const amount = amountOf(event);
        const id = String(d.redPacketId);
        const packet = packets.get(id);
        if (!packet) problem(event, `claims from packet ${id}, never escrowed`);
        else {
          if (packet.closed) problem(event, `claims from packet ${id} after it expired`);
          if (packet.claims.has(String(d.userId))) problem(event, `${String(d.userId)} claims packet ${id} twice`);
          packet.claims.add(String(d.userId));
          packet.paidOut += amount;
          if (packet.claims.size > packet.shares) problem(event, `packet ${id} pays more than its ${packet.shares} shares`);
          if (d.remainingAmount !== packet.amount - packet.paidOut)
            problem(event, `remainingAmount ${String(d.remainingAmount)}, the ledger says ${packet.amount - packet.paidOut}`);
          if (d.remainingShares !== packet.shares - packet.claims.size) problem(event, `remainingShares ${String(d.remainingShares)}`);
          if (packet.amount - packet.paidOut < (d.remainingShares as number)) problem(event, `packet ${id} leaves less than 1 fen per remaining share`);
        }
        outOf(event, `packet:${id}`, amount);
        into(`share:${id}>${String(d.userId)}`, amount);
        break;
      }
      case 'RedPacketShareReceived': {
        const amount = amountOf(event);
        delta = move(event, owner, d.userId, amount);
        outOf(event, `share:${String(d.redPacketId)}>${String(d.userId)}`, amount);
        break;
      }
      case 'RedPacketExpired': {
        const amount = amountOf(event, true);
        const id = String(d.redPacketId);
        const packet = packets.get(id);
        if (!packet) problem(event, `expires packet ${id}, never escrowed`);
        else {
          if (packet.closed) problem(event, `packet ${id} expired twice`);
          if (amount !== packet.amount - packet.paidOut) problem(event, `returns ${amount} fen, the packet holds ${packet.amount - packet.paidOut}`);
          packet.closed = true;
        }
        outOf(event, `packet:${id}`, amount);
        if (amount > 0) into(`packet-refund:${id}>${String(d.senderId)}`, amount);
        break;
      }
      case 'RedPacketRefunded': {
        const amount = amountOf(event);
        delta = move(event, owner, d.senderId, amount);
        outOf(event, `packet-refund:${String(d.redPacketId)}>${String(d.senderId)}`, amount);
        break;
      }
      case 'OrderPlaced': {
        const amount = amountOf(event);
        if (amount !== (d.quantity as number) * (d.unitPrice as number))
          problem(event, `amount ${amount} is not ${String(d.quantity)} × ${String(d.unitPrice)}`);
        delta = move(event, owner, d.buyerId, -amount);
        into(`order:${String(d.orderId)}>${String(d.merchantId)}`, amount);
        const id = String(d.orderId);
        if (ledger.orders.has(id)) problem(event, `order ${id} paid twice`);
        ledger.orders.set(id, { paid: amount, refunded: 0, buyerId: String(d.buyerId), merchantId: String(d.merchantId), group: false });
        break;
      }
      case 'OrderPaymentReceived': {
        const amount = amountOf(event);
        delta = move(event, owner, d.merchantId, amount);
        outOf(event, `order:${String(d.orderId)}>${String(d.merchantId)}`, amount);
        takingsOf(String(d.merchantId)).orders += amount;
        break;
      }
      case 'OrderRefunded': {
        const amount = amountOf(event);
        delta = move(event, owner, d.merchantId, -amount);
        into(`refund:${String(d.refundId)}>${String(d.buyerId)}`, amount);
        takingsOf(String(d.merchantId)).refunds += amount;
        const order = ledger.orders.get(String(d.orderId));
        if (!order) problem(event, `refunds order ${String(d.orderId)}, which nobody paid`);
        else {
          order.refunded += amount;
          if (order.refunded > order.paid) problem(event, `order ${String(d.orderId)} refunded ${order.refunded} fen of ${order.paid} paid`);
          if (order.buyerId !== d.buyerId || order.merchantId !== d.merchantId)
            problem(event, `refund names another buyer or merchant than order ${String(d.orderId)}`);
        }
        break;
      }
      case 'OrderRefundReceived': {
        const amount = amountOf(event);
        delta = move(event, owner, d.buyerId, amount);
        outOf(event, `refund:${String(d.refundId)}>${String(d.buyerId)}`, amount);
        break;
      }
      case 'PaymentCodeIssued':
        codes.set(String(d.codeId), { amount: d.amount as number | undefined });
        break;
      case 'PaymentCodeRedeemed': {
        const code = codes.get(String(d.codeId));
        if (code?.redeemedBy !== undefined) problem(event, `dynamic code redeemed twice`);
        if (code) code.redeemedBy = String(d.paymentId);
        break;
      }
      case 'MerchantPaid': {
        const amount = amountOf(event);
        delta = move(event, owner, d.payerId, -amount);
        into(`payment:${String(d.paymentId)}`, amount);
        payments.set(String(d.paymentId), {
          payerId: String(d.payerId),
          merchantId: String(d.merchantId),
          amount,
          codeId: String(d.codeId),
          dynamic: d.dynamic === true,
        });
        const code = codes.get(String(d.codeId));
        if (d.dynamic === true && code?.amount !== undefined && code.amount !== amount) problem(event, `pays ${amount} fen with a code for ${code.amount}`);
        break;
      }
      case 'MerchantPaymentReceived': {
        const amount = amountOf(event);
        delta = move(event, owner, d.merchantId, amount);
        outOf(event, `payment:${String(d.paymentId)}`, amount);
        takingsOf(String(d.merchantId)).codes += amount;
        const payment = payments.get(String(d.paymentId));
        if (payment?.dynamic && codes.get(payment.codeId)?.redeemedBy !== String(d.paymentId))
          problem(event, `a dynamic code's payment credited without being the code's redemption`);
        break;
      }
      case 'MerchantPaymentReturned': {
        const amount = amountOf(event);
        delta = move(event, owner, d.payerId, amount);
        outOf(event, `payment:${String(d.paymentId)}`, amount);
        break;
      }
      case 'GroupBuyOpened':
        groups.set(String(d.groupBuyId), { status: 'open', members: new Set(), refused: new Set() });
        break;
      case 'GroupBuyFundsHeld': {
        const amount = amountOf(event);
        delta = move(event, owner, d.buyerId, -amount);
        const joinId = String(d.joinId);
        if (holds.has(joinId)) problem(event, `hold ${joinId} taken twice`);
        holds.set(joinId, { groupBuyId: String(d.groupBuyId), buyerId: String(d.buyerId), merchantId: String(d.merchantId), amount });
        into(`hold:${joinId}`, amount);
        break;
      }
      case 'GroupBuyJoined':
      case 'GroupBuyJoinRefused': {
        const group = groups.get(String(d.groupBuyId));
        const joinId = String(d.joinId);
        if (!holds.has(joinId)) problem(event, `decides hold ${joinId}, never taken`);
        if (group) {
          if (group.members.has(joinId) || group.refused.has(joinId)) problem(event, `hold ${joinId} decided twice`);
          (event.type === 'GroupBuyJoined' ? group.members : group.refused).add(joinId);
        }
        break;
      }
      case 'GroupBuyCompleted':
      case 'GroupBuyFailed': {
        const group = groups.get(String(d.groupBuyId));
        if (!group) problem(event, `closes an unknown group`);
        else {
          if (group.status !== 'open') problem(event, `closes a group already ${group.status}`);
          group.status = event.type === 'GroupBuyCompleted' ? 'completed' : 'failed';
          const named = new Set((d.members as { joinId: string }[]).map((m) => m.joinId));
          if (named.size !== group.members.size || [...group.members].some((m) => !named.has(m))) problem(event, `names other members than joined`);
        }
        break;
      }
      case 'GroupBuyPaymentReceived': {
        const amount = amountOf(event);
        delta = move(event, owner, d.merchantId, amount);
        const joinId = String(d.orderId);
        const hold = holds.get(joinId);
        const group = groups.get(String(d.groupBuyId));
        if (group?.status !== 'completed' || !group.members.has(joinId)) problem(event, `pays the merchant for ${joinId}, not a member of a completed group`);
        outOf(event, `hold:${joinId}`, amount);
        takingsOf(String(d.merchantId)).orders += amount;
        if (hold) {
          if (ledger.orders.has(joinId)) problem(event, `group order ${joinId} paid twice`);
          ledger.orders.set(joinId, { paid: amount, refunded: 0, buyerId: hold.buyerId, merchantId: hold.merchantId, group: true });
        }
        break;
      }
      case 'GroupBuyFundsReturned': {
        const amount = amountOf(event);
        delta = move(event, owner, d.buyerId, amount);
        const joinId = String(d.joinId);
        const group = groups.get(String(d.groupBuyId));
        if (group?.members.has(joinId) && group.status !== 'failed') problem(event, `returns the hold of ${joinId}, a member of a group not failed`);
        outOf(event, `hold:${joinId}`, amount);
        break;
      }
      default:
        if (owner !== undefined && d && typeof d === 'object' && 'amount' in d && !['OrderPaymentDeclined', 'OrderRefundDeclined'].includes(event.type)) {
          // An event on a wallet that carries an amount but moves nothing the contract knows of.
          problem(event, `carries an amount on a wallet but is not a known money movement`);
        }
    }
    if (event.delta !== undefined && event.delta !== delta) {
      ledger.deltaDisagreements.push(`${event.type} ${event.id} at ${event.position}: export delta ${event.delta}, contract ${delta}`);
    }
    if (event.wallet !== undefined && (event.wallet ?? undefined) !== owner) {
      ledger.deltaDisagreements.push(`${event.type} ${event.id} at ${event.position}: export wallet ${String(event.wallet)}, stream owner ${String(owner)}`);
    }
  }

  for (const [key, amount] of buckets) {
    if (amount === 0) continue;
    if (key.startsWith('packet:') && !packets.get(key.slice('packet:'.length))?.closed) ledger.heldByPackets += amount;
    else if (key.startsWith('hold:') && groups.get(holds.get(key.slice('hold:'.length))?.groupBuyId ?? '')?.status === 'open') {
      // Held while the group is open: unless the hold was refused (its return is then in flight).
      const hold = holds.get(key.slice('hold:'.length))!;
      if (groups.get(hold.groupBuyId)!.refused.has(key.slice('hold:'.length))) ledger.inFlight.set(key, amount);
      else ledger.heldByGroupBuys += amount;
    } else ledger.inFlight.set(key, amount);
  }
  return ledger;
};

/** sum(balances) + held + in flight - (fundings - withdrawals): 0 when money is conserved. */
export const conservationGap = (ledger: IndependentLedger): number => {
  let left = ledger.heldByPackets + ledger.heldByGroupBuys;
  for (const balance of ledger.balances.values()) left += balance;
  for (const amount of ledger.inFlight.values()) left += amount;
  return left - (ledger.fundings - ledger.withdrawals);
};

/** The CSV export (RFC 4180, CRLF rows, a header naming the columns) read back into events: `data`, `metadata` are JSON cells. */
export const parseCsvExport = (csv: string): ExportedEvent[] => {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < csv.length; i++) {
    const ch = csv[i]!;
    if (quoted) {
      if (ch === '"' && csv[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\r' && csv[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += ch;
  }
  if (cell !== '' || row.length > 0) rows.push([...row, cell]);
  const [header, ...body] = rows;
  const at = (name: string) => header!.indexOf(name);
  return body.map((r) => ({
    id: r[at('id')]!,
    type: r[at('type')]!,
    version: Number(r[at('version')]),
    streamId: r[at('streamId')]!,
    position: r[at('position')]!,
    data: JSON.parse(r[at('data')]!) as Record<string, unknown>,
    metadata: JSON.parse(r[at('metadata')]!) as Record<string, unknown>,
    wallet: r[at('wallet')] === '' ? null : r[at('wallet')],
    delta: Number(r[at('delta')]),
  }));
};
