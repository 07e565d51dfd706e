import { auditLedger, type AuditedEvent } from './ledger-audit';

let n = 0;
const ev = (streamId: string, type: string, data: object, causationId?: string, id = `e${++n}`): AuditedEvent => ({
  id,
  type,
  streamId,
  revision: n,
  data,
  metadata: causationId ? { causationId } : {},
});

describe('auditLedger', () => {
  const clean = () => [
    ev('wallet-a', 'WalletOpened', { userId: 'a', kind: 'individual' }),
    ev('wallet-a', 'WalletFunded', { amount: 1000 }),
    ev('wallet-a', 'FundsTransferred', { amount: 300, toUserId: 'b' }, undefined, 't1'),
    ev('wallet-b', 'TransferReceived', { amount: 300 }, 't1'),
    ev('wallet-a', 'RedPacketSent', { redPacketId: 'p', amount: 200, shares: 2 }, undefined, 's1'),
    ev('red-packet-p', 'RedPacketEscrowed', { redPacketId: 'p', amount: 200, shares: 2 }, 's1'),
    ev('red-packet-p', 'RedPacketClaimed', { redPacketId: 'p', amount: 50, remainingShares: 1 }, undefined, 'c1'),
    ev('wallet-b', 'RedPacketShareReceived', { amount: 50 }, 'c1'),
    ev('red-packet-p', 'RedPacketExpired', { redPacketId: 'p', amount: 150, remainingShares: 1 }, undefined, 'x1'),
    ev('wallet-a', 'RedPacketRefunded', { amount: 150 }, 'x1'),
    ev('wallet-b', 'WalletWithdrawn', { amount: 100 }),
  ];

  it('passes a clean history and balances it', () => {
    const audit = auditLedger(clean());
    expect(audit.problems).toEqual([]);
    expect(audit.balances.get('wallet-a')).toBe(650);
    expect(audit.balances.get('wallet-b')).toBe(250);
    expect(audit.inFlight).toBe(0);
  });

  it('counts a debit without its credit as money in flight, not a loss', () => {
    const audit = auditLedger(clean().filter((e) => e.type !== 'RedPacketRefunded'));
    expect(audit.problems).toEqual([]);
    expect(audit.inFlight).toBe(150);
  });

  it('finds a double credit, a negative balance, a credit without a debit and money created', () => {
    const events = clean();
    events.push(ev('wallet-b', 'TransferReceived', { amount: 300 }, 't1'));
    events.push(ev('wallet-c', 'WalletWithdrawn', { amount: 1 }));
    events.push(ev('wallet-c', 'TipReceived', { amount: 5 }, 'nothing'));
    const problems = auditLedger(events).problems.join('\n');
    expect(problems).toMatch(/credited 2 times|no debit that caused it/);
    expect(problems).toMatch(/wallet-c went negative/);
    expect(problems).toMatch(/conservation broken/);
  });
});
