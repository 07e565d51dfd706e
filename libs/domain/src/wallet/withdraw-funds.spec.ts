import { DEFAULT_LIMITS } from '@zan/contracts';
import { AmountOutOfRange, CardNotLinked, InsufficientFunds, InvalidCommand, VerificationRequired } from '../errors';
import { cardLinked, funded, verificationRejected, verifiedIndividual, walletOpened, walletWith } from '../testing/fixtures';
import { specFor } from '../testing/given-when-then';
import { walletDecider, type WalletCommand } from './wallet.decider';

const given = specFor(walletDecider);

const withdraw = (amount: unknown, cardId = 'card-1'): WalletCommand =>
  ({ type: 'WithdrawFunds', data: { userId: 'bob', withdrawalId: 'w-1', cardId, amount } }) as WalletCommand;

describe('WithdrawFunds', () => {
  it('withdraws to a linked card', () => {
    given(walletWith('bob', 1000))
      .when(withdraw(1000))
      .then([{ type: 'WalletWithdrawn', data: { userId: 'bob', withdrawalId: 'w-1', cardId: 'card-1', amount: 1000 } }]);
  });

  it('rejects more than the balance', () => {
    given(walletWith('bob', 1000)).when(withdraw(1001)).thenThrows(InsufficientFunds);
  });

  it('rejects a card not linked', () => {
    given(walletWith('bob', 1000)).when(withdraw(10, 'card-x')).thenThrows(CardNotLinked);
    given(verifiedIndividual('bob')).when(withdraw(10)).thenThrows(CardNotLinked);
  });

  it('refuses an unverified wallet (funded and credited, it still may not withdraw), and a rejected one', () => {
    given([]).when(withdraw(10)).thenThrows(VerificationRequired);
    given([walletOpened('bob'), cardLinked('bob'), funded('bob', 1000)])
      .when(withdraw(10))
      .thenThrows(VerificationRequired, /verification: none/);
    given([...walletWith('bob', 1000), verificationRejected('bob', 'admin')])
      .when(withdraw(10))
      .thenThrows(VerificationRequired, /rejected/);
  });

  it('rejects an amount over the limit', () => {
    given(walletWith('bob', 1000))
      .when(withdraw(DEFAULT_LIMITS.withdrawal.max + 1))
      .thenThrows(AmountOutOfRange);
  });

  it('rejects a malformed amount', () => {
    given(walletWith('bob', 1000)).when(withdraw(-5)).thenThrows(InvalidCommand);
  });
});
