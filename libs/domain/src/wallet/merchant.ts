import { NotAMerchant } from '../errors';
import type { WalletState } from './wallet.state';

/**
 * A merchant is a verified business wallet (CONTRACT v1.1, Commerce). An admin may verify a wallet
 * that never asked (no kind on the verification): the wallet's own kind then says what was verified.
 */
export const isMerchant = (wallet: WalletState): boolean =>
  wallet.exists && wallet.kind === 'business' && wallet.verification?.status === 'verified' && (wallet.verification.kind ?? wallet.kind) === 'business';

export const assertMerchant = (wallet: WalletState): void => {
  if (!isMerchant(wallet)) throw new NotAMerchant('only a verified business wallet can sell; verify the wallet as a business first');
};
