import { InvalidCommand } from '../errors';
import { walletOpened, walletWith } from '../testing/fixtures';
import { specFor } from '../testing/given-when-then';
import type { WalletCredit } from './credit-wallet';
import { walletDecider, type WalletCommand } from './wallet.decider';

const given = specFor(walletDecider);

const credit = (userId: string, c: WalletCredit): WalletCommand => ({ type: 'CreditWallet', data: { userId, credit: c } });

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
    given([])
      .when(credit('bob', c))
      .then([walletOpened('bob', 'individual'), c]);
  });

  it('is never rejected for business reasons, whatever the wallet kind', () => {
    const [first] = credits;
    given([walletOpened('bob', 'business')])
      .when(credit('bob', first!))
      .then([first!]);
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
