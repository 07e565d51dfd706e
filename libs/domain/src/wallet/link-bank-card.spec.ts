import { DEFAULT_LIMITS } from '@zan/contracts';
import { fold } from '../decider';
import { CardAlreadyLinked, CardLimitReached, InvalidCommand } from '../errors';
import { NAME_HASH, OTHER_NAME_HASH, cardLinked, verifiedIndividual, walletOpened } from '../testing/fixtures';
import { specFor } from '../testing/given-when-then';
import { walletDecider, type WalletCommand } from './wallet.decider';
import { hasPersonalCard } from './wallet.state';

const given = specFor(walletDecider);
const link = (cardId: string, holderNameHash = NAME_HASH): WalletCommand => ({
  type: 'LinkBankCard',
  data: { userId: 'bob', cardId, holderName: '张*', holderNameHash },
});

describe('LinkBankCard', () => {
  it('opens an individual wallet on first use, then links a card that is not personal yet (nobody verified)', () => {
    given([])
      .when(link('card-1'))
      .then([walletOpened('bob', 'individual'), cardLinked('bob', 'card-1', false)]);
  });

  it("links a personal card on a verified individual's wallet when the holder is the verified name", () => {
    const { state } = given(verifiedIndividual('bob'))
      .when(link('card-1'))
      .then([cardLinked('bob', 'card-1', true)]);
    expect(hasPersonalCard(state)).toBe(true);
  });

  it("links someone else's card as not personal", () => {
    const { state } = given(verifiedIndividual('bob'))
      .when(link('card-1', OTHER_NAME_HASH))
      .then([cardLinked('bob', 'card-1', false, OTHER_NAME_HASH)]);
    expect(hasPersonalCard(state)).toBe(false);
  });

  it('never links a personal card on a business wallet, whatever the holder', () => {
    given([walletOpened('bob', 'business')])
      .when(link('card-2'))
      .then([cardLinked('bob', 'card-2', false)]);
  });

  it('is a no-op for the same card with the same holder, and refuses it with another holder', () => {
    given([walletOpened('bob'), cardLinked('bob', 'card-1')])
      .when(link('card-1'))
      .thenNothing();
    given([walletOpened('bob'), cardLinked('bob', 'card-1')])
      .when(link('card-1', OTHER_NAME_HASH))
      .thenThrows(CardAlreadyLinked);
  });

  it('links a v1 card (no holder) again with its holder, which makes it personal once verified', () => {
    const v1 = [walletOpened('bob'), cardLinked('bob', 'card-1', true, null)];
    expect(hasPersonalCard(fold(walletDecider, [...v1, ...verifiedIndividual('bob').slice(1)]))).toBe(false);
    const { state } = given([...v1, ...verifiedIndividual('bob').slice(1)])
      .when(link('card-1'))
      .then([cardLinked('bob', 'card-1', true)]);
    expect(hasPersonalCard(state)).toBe(true);
    expect(state.cards.size).toBe(1);
  });

  it('refuses a card past the limit per wallet (10 by default, configurable), but not one already linked', () => {
    const ten = [walletOpened('bob'), ...Array.from({ length: 10 }, (_, i) => cardLinked('bob', `card-${i}`, false))];
    given(ten)
      .when(link('card-10'))
      .thenThrows(CardLimitReached, /at most 10 bank cards/);
    given(ten).when(link('card-9')).thenNothing();
    given(ten.slice(0, 10))
      .when(link('card-10'))
      .then([cardLinked('bob', 'card-10', false)]);
    const limits = { ...DEFAULT_LIMITS, cardsPerWallet: 2 };
    given(ten.slice(0, 3))
      .when(link('card-x'), { limits })
      .thenThrows(CardLimitReached, /at most 2 bank cards/);
  });

  it('rejects a holder that is not a hash (a clear name must never reach the log)', () => {
    given([])
      .when({ type: 'LinkBankCard', data: { userId: 'bob', cardId: 'c', holderName: '张*', holderNameHash: '张三' } })
      .thenThrows(InvalidCommand);
    given([])
      .when({ type: 'LinkBankCard', data: { userId: 'bob', cardId: 'c', holderName: '', holderNameHash: NAME_HASH } })
      .thenThrows(InvalidCommand);
  });
});
