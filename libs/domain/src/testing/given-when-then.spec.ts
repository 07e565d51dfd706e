import { InsufficientFunds, WalletNotFound } from '../errors';
import { walletDecider } from '../wallet/wallet.decider';
import { walletWith } from './fixtures';
import { specFor } from './given-when-then';

// The helper must fail when the decider disagrees, or every spec built on it could never fail.
describe('given/when/then helper', () => {
  const given = specFor(walletDecider);
  const withdraw = { type: 'WithdrawFunds' as const, data: { userId: 'bob', withdrawalId: 'w', cardId: 'card-1', amount: 50 } };

  it('fails when the events differ', () => {
    expect(() => given(walletWith('bob', 100)).when(withdraw).then([])).toThrow();
  });

  it('fails when nothing is thrown', () => {
    expect(() => given(walletWith('bob', 100)).when(withdraw).thenThrows(InsufficientFunds)).toThrow();
  });

  it('fails when another error is thrown', () => {
    expect(() => given(walletWith('bob', 10)).when(withdraw).thenThrows(WalletNotFound)).toThrow();
  });

  it('fails when the detail does not match', () => {
    expect(() =>
      given(walletWith('bob', 10))
        .when(withdraw)
        .thenThrows(InsufficientFunds, /nothing like this/),
    ).toThrow();
  });

  it('passes and returns the state after the new events', () => {
    const { state } = given(walletWith('bob', 100))
      .when(withdraw)
      .then([{ type: 'WalletWithdrawn', data: withdraw.data }]);
    expect(state.balance).toBe(50);
  });
});
