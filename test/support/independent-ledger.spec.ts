import { type ExportedEvent, conservationGap, reconstructLedger } from './independent-ledger';

/** The independent ledger of the e2e suite must be able to fail: each rule it checks, broken once. */
describe('the independent ledger (rebuilt from an export by the contract alone)', () => {
  let position = 0;
  const ev = (streamId: string, type: string, data: Record<string, unknown>): ExportedEvent => ({
    id: `e${++position}`,
    type,
    version: 1,
    streamId,
    position: String(position),
    data,
    metadata: {},
  });
  const base = () => {
    position = 0;
    return [
      ev('wallet-a', 'WalletFunded', { userId: 'a', amount: 1_000 }),
      ev('wallet-a', 'FundsTransferred', { transferId: 't1', fromUserId: 'a', toUserId: 'b', amount: 300 }),
      ev('wallet-b', 'TransferReceived', { transferId: 't1', fromUserId: 'a', toUserId: 'b', amount: 300 }),
      ev('wallet-a', 'GroupBuyFundsHeld', { groupBuyId: 'g', joinId: 'j1', merchantId: 'm', buyerId: 'a', amount: 100 }),
      ev('group-buy-g', 'GroupBuyOpened', { groupBuyId: 'g' }),
      ev('group-buy-g', 'GroupBuyJoined', { groupBuyId: 'g', joinId: 'j1' }),
    ];
  };

  it('balances a clean history, the open group’s hold held once', () => {
    const ledger = reconstructLedger(base());
    expect(ledger.problems).toEqual([]);
    expect([ledger.balances.get('a'), ledger.balances.get('b'), ledger.heldByGroupBuys, ledger.inFlight.size, conservationGap(ledger)]).toEqual([
      600, 300, 100, 0, 0,
    ]);
  });

  it('finds a double credit, a credit from nowhere, a zero payment and a failed group’s hold never returned', () => {
    const events = base();
    events.push(ev('wallet-b', 'TransferReceived', { transferId: 't1', fromUserId: 'a', toUserId: 'b', amount: 300 }));
    events.push(ev('wallet-c', 'TipReceived', { tipId: 'x', authorId: 'c', amount: 5 }));
    events.push(ev('wallet-a', 'TipPraised', { tipId: 'z', readerId: 'a', authorId: 'b', amount: 0 }));
    events.push(ev('group-buy-g', 'GroupBuyFailed', { groupBuyId: 'g', members: [{ joinId: 'j1' }] }));
    const ledger = reconstructLedger(events);
    expect(ledger.problems).toEqual([
      expect.stringMatching(/credits 300 fen from transfer:t1>b, which holds 0/),
      expect.stringMatching(/credits 5 fen from tip:x>c, which no debit paid into/),
      expect.stringMatching(/amount 0 is not a payable whole number of fen/),
    ]);
    // The second credit overdraws its bucket; the failed group's hold is owed, no longer held.
    expect([...ledger.inFlight]).toEqual([
      ['transfer:t1>b', -300],
      ['hold:j1', 100],
    ]);
    expect(ledger.heldByGroupBuys).toBe(0);
    expect(conservationGap(ledger)).toBe(5);
  });
});
