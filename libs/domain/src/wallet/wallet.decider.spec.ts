import { DEFAULT_LIMITS } from '@zan/contracts';
import { fold } from '../decider';
import {
  CardAlreadyLinked,
  CardLimitReached,
  CardNotLinked,
  InsufficientFunds,
  InvalidCommand,
  AmountOutOfRange,
  SelfPayment,
  WalletAlreadyOpen,
  WalletNotFound,
} from '../errors';
import { cardLinked, funded, walletOpened, walletWith } from '../testing/fixtures';
import { specFor } from '../testing/given-when-then';
import type { WalletCommand, WalletCredit } from './wallet.commands';
import { walletDecider } from './wallet.decider';
import { evolve, initialState } from './wallet.state';

const given = specFor(walletDecider);

const fund = (amount: unknown, cardId = 'card-1'): WalletCommand =>
  ({ type: 'FundWallet', data: { userId: 'bob', fundingId: 'f-9', cardId, amount } }) as WalletCommand;
const withdraw = (amount: unknown, cardId = 'card-1'): WalletCommand =>
  ({ type: 'WithdrawFunds', data: { userId: 'bob', withdrawalId: 'w-1', cardId, amount } }) as WalletCommand;
const transfer = (data: Partial<{ toUserId: string; amount: unknown; note: string; payeeExists: boolean }> = {}): WalletCommand =>
  ({ type: 'TransferFunds', data: { transferId: 't-1', fromUserId: 'bob', toUserId: 'carol', amount: 300, payeeExists: true, ...data } }) as WalletCommand;
const credit = (userId: string, c: WalletCredit): WalletCommand => ({ type: 'CreditWallet', data: { userId, credit: c } });

describe('wallet decider', () => {
  describe('OpenWallet', () => {
    it('opens a new wallet', () => {
      given([])
        .when({ type: 'OpenWallet', data: { userId: 'bob', kind: 'business' } })
        .then([walletOpened('bob', 'business')]);
    });

    it('is a no-op when the wallet is open with the same kind', () => {
      given([walletOpened('bob', 'business')]).when({ type: 'OpenWallet', data: { userId: 'bob', kind: 'business' } }).thenNothing();
    });

    it('rejects another kind', () => {
      given([walletOpened('bob', 'individual')])
        .when({ type: 'OpenWallet', data: { userId: 'bob', kind: 'business' } })
        .thenThrows(WalletAlreadyOpen, /^bob already has an individual wallet$/);
      given([walletOpened('bob', 'business')])
        .when({ type: 'OpenWallet', data: { userId: 'bob', kind: 'individual' } })
        .thenThrows(WalletAlreadyOpen, /^bob already has a business wallet$/);
    });

    it('rejects an unknown kind', () => {
      given([]).when({ type: 'OpenWallet', data: { userId: 'bob', kind: 'shell' as never } }).thenThrows(InvalidCommand);
    });

    it('refuses to decide on another user’s stream', () => {
      given([walletOpened('alice')]).when({ type: 'OpenWallet', data: { userId: 'bob', kind: 'individual' } }).thenThrows(InvalidCommand);
    });
  });

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

  describe('FundWallet', () => {
    it('funds from a linked card', () => {
      const { state } = given(walletWith('bob', 0)).when(fund(2500)).then([
        { type: 'WalletFunded', data: { userId: 'bob', fundingId: 'f-9', amount: 2500, source: { kind: 'card', cardId: 'card-1' } } },
      ]);
      expect(state.balance).toBe(2500);
    });

    it('accepts the limits themselves', () => {
      given(walletWith('bob', 0)).when(fund(DEFAULT_LIMITS.funding.min)).then([expect.objectContaining({ type: 'WalletFunded' })]);
      given(walletWith('bob', 0)).when(fund(DEFAULT_LIMITS.funding.max)).then([expect.objectContaining({ type: 'WalletFunded' })]);
    });

    it('rejects a card not linked to this wallet', () => {
      given(walletWith('bob', 0)).when(fund(100, 'card-x')).thenThrows(CardNotLinked);
    });

    it('treats a missing wallet as having no cards', () => {
      given([]).when(fund(100)).thenThrows(CardNotLinked);
    });

    it('rejects an amount over the limit', () => {
      given(walletWith('bob', 0)).when(fund(DEFAULT_LIMITS.funding.max + 1)).thenThrows(AmountOutOfRange);
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
      given([]).when(withdraw(10)).thenThrows(CardNotLinked);
    });

    it('rejects an amount over the limit', () => {
      given(walletWith('bob', 1000)).when(withdraw(DEFAULT_LIMITS.withdrawal.max + 1)).thenThrows(AmountOutOfRange);
    });

    it('rejects a malformed amount', () => {
      given(walletWith('bob', 1000)).when(withdraw(-5)).thenThrows(InvalidCommand);
    });
  });

  describe('TransferFunds', () => {
    it('debits the payer, with the note', () => {
      given(walletWith('bob', 1000))
        .when(transfer({ note: 'lunch' }))
        .then([{ type: 'FundsTransferred', data: { transferId: 't-1', fromUserId: 'bob', toUserId: 'carol', amount: 300, note: 'lunch' } }]);
    });

    it('leaves out an absent note', () => {
      const { events } = given(walletWith('bob', 1000)).when(transfer()).then([expect.objectContaining({ type: 'FundsTransferred' })]);
      expect(events[0]?.data).not.toHaveProperty('note');
    });

    it('rejects paying yourself', () => {
      given(walletWith('bob', 1000)).when(transfer({ toUserId: 'bob' })).thenThrows(SelfPayment);
    });

    it('rejects a payee without a wallet', () => {
      given(walletWith('bob', 1000)).when(transfer({ payeeExists: false })).thenThrows(WalletNotFound);
    });

    it('rejects an amount over the limit', () => {
      given(walletWith('bob', 10_000_000)).when(transfer({ amount: DEFAULT_LIMITS.transfer.max + 1 })).thenThrows(AmountOutOfRange);
    });

    it('rejects more than the balance, and a missing payer wallet has none', () => {
      given(walletWith('bob', 299)).when(transfer()).thenThrows(InsufficientFunds);
      given([]).when(transfer()).thenThrows(InsufficientFunds);
    });

    it('rejects a malformed amount', () => {
      given(walletWith('bob', 1000)).when(transfer({ amount: 0.5 })).thenThrows(InvalidCommand);
    });
  });

  describe('CreditWallet', () => {
    const credits: WalletCredit[] = [
      { type: 'TransferReceived', data: { transferId: 't-1', fromUserId: 'carol', toUserId: 'bob', amount: 300 } },
      { type: 'TipReceived', data: { tipId: 'tip-1', readerId: 'carol', authorId: 'bob', articleId: 'a-1', amount: 500 } },
      { type: 'RedPacketShareReceived', data: { redPacketId: 'rp-1', senderId: 'carol', userId: 'bob', amount: 7 } },
      { type: 'RedPacketRefunded', data: { redPacketId: 'rp-1', senderId: 'bob', amount: 9 } },
    ];

    it.each(credits.map((c) => [c.type, c] as const))('credits a %s to an open wallet', (_type, c) => {
      const { state } = given(walletWith('bob', 100)).when(credit('bob', c)).then([c]);
      expect(state.balance).toBe(100 + c.data.amount);
    });

    it.each(credits.map((c) => [c.type, c] as const))('opens an individual wallet first for a %s', (_type, c) => {
      given([]).when(credit('bob', c)).then([walletOpened('bob', 'individual'), c]);
    });

    it('is never rejected for business reasons, whatever the wallet kind', () => {
      const [first] = credits;
      given([walletOpened('bob', 'business')]).when(credit('bob', first!)).then([first!]);
    });

    it('rejects a credit meant for someone else', () => {
      given(walletWith('bob', 0)).when(credit('dave', credits[0]!)).thenThrows(InvalidCommand);
      given(walletWith('bob', 0))
        .when(credit('bob', { type: 'TipReceived', data: { tipId: 't', readerId: 'bob', authorId: 'carol', articleId: 'a', amount: 500 } }))
        .thenThrows(InvalidCommand);
    });

    it('rejects a malformed amount', () => {
      given(walletWith('bob', 0))
        .when(credit('bob', { type: 'RedPacketRefunded', data: { redPacketId: 'rp', senderId: 'bob', amount: -3 } }))
        .thenThrows(InvalidCommand);
    });

    it('stores only the credit’s own fields', () => {
      const noisy = { type: 'RedPacketRefunded', data: { redPacketId: 'rp', senderId: 'bob', amount: 3, extra: 'x' } } as WalletCredit;
      given(walletWith('bob', 0))
        .when(credit('bob', noisy))
        .then([{ type: 'RedPacketRefunded', data: { redPacketId: 'rp', senderId: 'bob', amount: 3 } }]);
    });
  });

  it('rejects an unknown command', () => {
    given([]).when({ type: 'Steal', data: {} } as never).thenThrows(InvalidCommand);
  });

  describe('evolve', () => {
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
});
