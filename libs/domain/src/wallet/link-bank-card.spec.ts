import { DEFAULT_LIMITS } from '@zan/contracts';
import { CardAlreadyLinked, CardLimitReached, InvalidCommand } from '../errors';
import { cardLinked, walletOpened } from '../testing/fixtures';
import { specFor } from '../testing/given-when-then';
import { walletDecider, type WalletCommand } from './wallet.decider';

const given = specFor(walletDecider);

describe('LinkBankCard', () => {
  it('opens an individual wallet on first use, then links', () => {
    given([])
      .when({ type: 'LinkBankCard', data: { userId: 'bob', cardId: 'card-1', personal: true } })
      .then([walletOpened('bob', 'individual'), cardLinked('bob', 'card-1', true)]);
  });

  it('links to an open wallet', () => {
    given([walletOpened('bob', 'business')])
      .when({ type: 'LinkBankCard', data: { userId: 'bob', cardId: 'card-2', personal: false } })
      .then([cardLinked('bob', 'card-2', false)]);
  });

  it('is a no-op for the same card linked the same way', () => {
    given([walletOpened('bob'), cardLinked('bob', 'card-1', true)])
      .when({ type: 'LinkBankCard', data: { userId: 'bob', cardId: 'card-1', personal: true } })
      .thenNothing();
  });

  it('rejects the same card linked the other way', () => {
    given([walletOpened('bob'), cardLinked('bob', 'card-1', true)])
      .when({ type: 'LinkBankCard', data: { userId: 'bob', cardId: 'card-1', personal: false } })
      .thenThrows(CardAlreadyLinked);
  });

  it('refuses a card past the limit per wallet (10 by default, configurable), but not one already linked', () => {
    const ten = [walletOpened('bob'), ...Array.from({ length: 10 }, (_, i) => cardLinked('bob', `card-${i}`, i === 0))];
    const link = (cardId: string, personal = false): WalletCommand => ({ type: 'LinkBankCard', data: { userId: 'bob', cardId, personal } });
    given(ten).when(link('card-10')).thenThrows(CardLimitReached, /at most 10 bank cards/);
    given(ten).when(link('card-9')).thenNothing();
    given(ten.slice(0, 10)).when(link('card-10')).then([cardLinked('bob', 'card-10', false)]);
    const limits = { ...DEFAULT_LIMITS, cardsPerWallet: 2 };
    given(ten.slice(0, 3)).when(link('card-x'), { limits }).thenThrows(CardLimitReached, /at most 2 bank cards/);
  });

  it('rejects a non-boolean personal flag', () => {
    given([]).when({ type: 'LinkBankCard', data: { userId: 'bob', cardId: 'c', personal: 'yes' as never } }).thenThrows(InvalidCommand);
  });
});
