import { fold } from '../decider';
import { CorruptEvent } from '@zan/contracts';
import { cardLinked, funded, walletOpened, walletWith } from '../testing/fixtures';
import { specFor } from '../testing/given-when-then';
import { walletDecider, type WalletCommand } from './wallet.decider';
import { evolve, initialState } from './wallet.state';

describe('wallet evolve', () => {
  it('never mutates the state it is given', () => {
    const opened = evolve(initialState, walletOpened('bob'));
    const linked = evolve(opened, cardLinked('bob'));
    evolve(linked, funded('bob', 50));
    expect(initialState).toMatchObject({ exists: false, balance: 0 });
    expect(initialState.cards.size).toBe(0);
    expect(opened.cards.size).toBe(0);
    expect(linked.balance).toBe(0);
  });

  it('ignores events it does not know', () => {
    const state = fold(walletDecider, walletWith('bob', 10));
    expect(evolve(state, { type: 'SomethingElse', data: { amount: 99 } })).toBe(state);
  });

  it('sums every movement of money', () => {
    const state = fold(walletDecider, [
      ...walletWith('bob', 1000),
      { type: 'WalletWithdrawn', data: { userId: 'bob', withdrawalId: 'w', cardId: 'card-1', amount: 100 } },
      { type: 'FundsTransferred', data: { transferId: 't', fromUserId: 'bob', toUserId: 'c', amount: 200 } },
      { type: 'TipPraised', data: { tipId: 't', readerId: 'bob', authorId: 'c', articleId: 'a', amount: 500 } },
      { type: 'RedPacketSent', data: { redPacketId: 'r', senderId: 'bob', amount: 100, shares: 1, mode: 'equal', expiresAt: 'x' } },
      { type: 'RedPacketRefunded', data: { redPacketId: 'r', senderId: 'bob', amount: 40 } },
    ]);
    expect(state.balance).toBe(1000 - 100 - 200 - 500 - 100 + 40);
  });
});

describe('wallet evolve, on a stored money event whose amount breaks its schema', () => {
  const tipReceived = (amount: unknown) => ({ type: 'TipReceived', data: { tipId: 't', readerId: 'r', authorId: 'bob', articleId: 'a', amount } });

  it('refuses to decide on it rather than count what it does not hold', () => {
    // A credit of "500" (a string) made the balance the text "1000500": a transfer of 500,000 fen passed the check.
    const transfer = { type: 'TransferFunds', data: { transferId: 't-1', fromUserId: 'bob', toUserId: 'carol', amount: 500_000, payeeExists: true } };
    expect(() => specFor(walletDecider)([...walletWith('bob', 1000), tipReceived('500')]).when(transfer as WalletCommand)).toThrow(CorruptEvent);
    for (const amount of ['500', -500, 2.5, undefined, null, 2 ** 53]) {
      expect(() => fold(walletDecider, [...walletWith('bob', 1000), tipReceived(amount)])).toThrow(CorruptEvent);
    }
    const debit = { type: 'WalletWithdrawn', data: { userId: 'bob', withdrawalId: 'w', cardId: 'card-1', amount: '100' } };
    expect(() => fold(walletDecider, [...walletWith('bob', 1000), debit])).toThrow(/WalletWithdrawn moves "100"/);
    expect(() => fold(walletDecider, [...walletWith('bob', 1000), { type: 'WalletFunded', data: null }])).toThrow(CorruptEvent);
  });

  it('still counts an event that moves no money without looking at an amount', () => {
    const state = fold(walletDecider, walletWith('bob', 1000));
    expect(evolve(state, { type: 'BankCardLinked', data: { userId: 'bob', cardId: 'card-2', personal: false } }).balance).toBe(1000);
  });
});
