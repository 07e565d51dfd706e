import { fold } from '../decider';
import { cardLinked, funded, walletOpened, walletWith } from '../testing/fixtures';
import { walletDecider } from './wallet.decider';
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
