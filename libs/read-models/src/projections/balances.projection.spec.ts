import { Workload } from '../testing/workload';
import { balancesProjection, walletView } from './balances.projection';

const project = (workload: Workload) => workload.events.map((e) => balancesProjection.project(e));

describe('balances projection', () => {
  it('opens a wallet with its kind', () => {
    expect(project(new Workload().open('alice', 'business'))).toEqual([[{ op: 'hset', key: 'wallet:alice', values: { userId: 'alice', kind: 'business' } }]]);
  });

  it('adds each credit and subtracts each debit on the wallet whose stream holds it', () => {
    const changes = project(
      new Workload()
        .fund('alice', 1000)
        .withdraw('alice', 100)
        .transfer('alice', 'bob', 200)
        .tip('alice', 'bob', 'a', 500)
        .sendRedPacket('alice', 'rp', 300, 2)
        .claim('rp', 'bob', 100)
        .expire('rp'),
    );
    const balance = (key: string, by: number) => [{ op: 'hincrby', key, field: 'balance', by }];
    expect(changes).toEqual([
      balance('wallet:alice', 1000),
      balance('wallet:alice', -100),
      balance('wallet:alice', -200),
      balance('wallet:bob', 200),
      balance('wallet:alice', -500),
      balance('wallet:bob', 500),
      balance('wallet:alice', -300),
      [], // the escrow is on the packet's stream
      [], // so is the claim
      balance('wallet:bob', 100),
      [],
      balance('wallet:alice', 200),
    ]);
  });

  it('ignores what moves no money', () => {
    expect(project(new Workload().linkCard('alice'))).toEqual([[]]);
  });

  it('shows a wallet once it is opened', () => {
    expect(walletView('alice', { balance: '70' })).toBeUndefined();
    expect(walletView('alice', { userId: 'alice', kind: 'individual' })).toEqual({
      userId: 'alice',
      kind: 'individual',
      balance: 0,
      currency: 'CNY',
      verification: 'none',
    });
    expect(walletView('alice', { userId: 'alice', kind: 'individual', verification: 'pending' })?.verification).toBe('pending');
    expect(walletView('alice', { userId: 'alice', kind: 'individual', balance: '-5' })?.balance).toBe(-5);
  });
});
