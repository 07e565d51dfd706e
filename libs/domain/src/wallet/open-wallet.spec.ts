import { InvalidCommand, WalletAlreadyOpen } from '../errors';
import { walletOpened } from '../testing/fixtures';
import { specFor } from '../testing/given-when-then';
import { walletDecider } from './wallet.decider';

const given = specFor(walletDecider);

describe('OpenWallet', () => {
  it('opens a new wallet', () => {
    given([])
      .when({ type: 'OpenWallet', data: { userId: 'bob', kind: 'business' } })
      .then([walletOpened('bob', 'business')]);
  });

  it('is a no-op when the wallet is open with the same kind', () => {
    given([walletOpened('bob', 'business')])
      .when({ type: 'OpenWallet', data: { userId: 'bob', kind: 'business' } })
      .thenNothing();
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
    given([])
      .when({ type: 'OpenWallet', data: { userId: 'bob', kind: 'shell' as never } })
      .thenThrows(InvalidCommand);
  });

  it('refuses to decide on another user’s stream', () => {
    given([walletOpened('alice')])
      .when({ type: 'OpenWallet', data: { userId: 'bob', kind: 'individual' } })
      .thenThrows(InvalidCommand);
  });
});
