import { DEFAULT_LIMITS } from '@zan/contracts';
import { AmountOutOfRange, CardNotLinked, InvalidCommand } from '../errors';
import { walletWith } from '../testing/fixtures';
import { specFor } from '../testing/given-when-then';
import { walletDecider, type WalletCommand } from './wallet.decider';

const given = specFor(walletDecider);

const fund = (amount: unknown, cardId = 'card-1'): WalletCommand =>
  ({ type: 'FundWallet', data: { userId: 'bob', fundingId: 'f-9', cardId, amount } }) as WalletCommand;

describe('FundWallet', () => {
  it('funds from a linked card', () => {
    const { state } = given(walletWith('bob', 0))
      .when(fund(2500))
      .then([{ type: 'WalletFunded', data: { userId: 'bob', fundingId: 'f-9', amount: 2500, source: { kind: 'card', cardId: 'card-1' } } }]);
    expect(state.balance).toBe(2500);
  });

  it('accepts the limits themselves', () => {
    given(walletWith('bob', 0))
      .when(fund(DEFAULT_LIMITS.funding.min))
      .then([expect.objectContaining({ type: 'WalletFunded' })]);
    given(walletWith('bob', 0))
      .when(fund(DEFAULT_LIMITS.funding.max))
      .then([expect.objectContaining({ type: 'WalletFunded' })]);
  });

  it('rejects a card not linked to this wallet', () => {
    given(walletWith('bob', 0)).when(fund(100, 'card-x')).thenThrows(CardNotLinked);
  });

  it('treats a missing wallet as having no cards', () => {
    given([]).when(fund(100)).thenThrows(CardNotLinked);
  });

  it('rejects an amount over the limit', () => {
    given(walletWith('bob', 0))
      .when(fund(DEFAULT_LIMITS.funding.max + 1))
      .thenThrows(AmountOutOfRange);
  });

  it('applies the limits of the context', () => {
    const limits = { ...DEFAULT_LIMITS, funding: { min: 100, max: 200 } };
    given(walletWith('bob', 0)).when(fund(99), { limits }).thenThrows(AmountOutOfRange);
    given(walletWith('bob', 0)).when(fund(201), { limits }).thenThrows(AmountOutOfRange);
  });

  it.each([0, -1, 1.5, NaN, Infinity, '100', 2 ** 53, null, undefined])('rejects the malformed amount %p', (amount) => {
    given(walletWith('bob', 0)).when(fund(amount)).thenThrows(InvalidCommand);
  });
});
