import { DEFAULT_LIMITS } from '@zan/contracts';
import { AmountOutOfRange, InsufficientFunds, InvalidCommand, SelfPayment, WalletNotFound } from '../errors';
import { walletWith } from '../testing/fixtures';
import { specFor } from '../testing/given-when-then';
import { walletDecider, type WalletCommand } from './wallet.decider';

const given = specFor(walletDecider);

const transfer = (data: Partial<{ toUserId: string; amount: unknown; note: string; payeeExists: boolean }> = {}): WalletCommand =>
  ({ type: 'TransferFunds', data: { transferId: 't-1', fromUserId: 'bob', toUserId: 'carol', amount: 300, payeeExists: true, ...data } }) as WalletCommand;

describe('TransferFunds', () => {
  it('debits the payer, with the note', () => {
    given(walletWith('bob', 1000))
      .when(transfer({ note: 'lunch' }))
      .then([{ type: 'FundsTransferred', data: { transferId: 't-1', fromUserId: 'bob', toUserId: 'carol', amount: 300, note: 'lunch' } }]);
  });

  it('leaves out an absent note', () => {
    const { events } = given(walletWith('bob', 1000))
      .when(transfer())
      .then([expect.objectContaining({ type: 'FundsTransferred' })]);
    expect(events[0]?.data).not.toHaveProperty('note');
  });

  it('rejects paying yourself', () => {
    given(walletWith('bob', 1000))
      .when(transfer({ toUserId: 'bob' }))
      .thenThrows(SelfPayment);
  });

  it('rejects a payee without a wallet', () => {
    given(walletWith('bob', 1000))
      .when(transfer({ payeeExists: false }))
      .thenThrows(WalletNotFound);
  });

  it('rejects an amount over the limit', () => {
    given(walletWith('bob', 10_000_000))
      .when(transfer({ amount: DEFAULT_LIMITS.transfer.max + 1 }))
      .thenThrows(AmountOutOfRange);
  });

  it('rejects more than the balance, and a missing payer wallet has none', () => {
    given(walletWith('bob', 299)).when(transfer()).thenThrows(InsufficientFunds);
    given([]).when(transfer()).thenThrows(InsufficientFunds);
  });

  it('rejects a malformed amount', () => {
    given(walletWith('bob', 1000))
      .when(transfer({ amount: 0.5 }))
      .thenThrows(InvalidCommand);
  });
});
