import { NotAMerchant } from '../errors';
import { assertMerchant, isMerchant } from './merchant';
import { evolve, initialState } from './wallet.state';

const wallet = (kind: 'individual' | 'business', verification?: { kind: 'individual' | 'business'; decision: 'WalletVerified' | 'VerificationRejected' }) => {
  let state = evolve(initialState, { type: 'WalletOpened', data: { userId: 'u', kind } });
  if (verification) {
    state = evolve(state, {
      type: 'VerificationRequested',
      data: { userId: 'u', verificationId: 'v', kind: verification.kind, maskedName: '*', nameHash: 'a', numberHash: 'b' },
    });
    state = evolve(state, { type: verification.decision, data: { userId: 'u', decidedBy: 'provider' } });
  }
  return state;
};

describe('merchants', () => {
  it('are verified business wallets', () => {
    expect(isMerchant(wallet('business', { kind: 'business', decision: 'WalletVerified' }))).toBe(true);
    expect(isMerchant(wallet('business'))).toBe(false);
    expect(isMerchant(wallet('business', { kind: 'business', decision: 'VerificationRejected' }))).toBe(false);
    expect(isMerchant(wallet('individual', { kind: 'individual', decision: 'WalletVerified' }))).toBe(false);
    expect(isMerchant(initialState)).toBe(false);
    expect(() => assertMerchant(wallet('individual'))).toThrow(NotAMerchant);
  });

  it('include a business wallet an admin verified without a request', () => {
    const opened = evolve(initialState, { type: 'WalletOpened', data: { userId: 'u', kind: 'business' } });
    const verified = evolve(opened, { type: 'WalletVerified', data: { userId: 'u', decidedBy: 'admin' } });
    expect(isMerchant(verified)).toBe(true);
    const individual = evolve(evolve(initialState, { type: 'WalletOpened', data: { userId: 'u', kind: 'individual' } }), {
      type: 'WalletVerified',
      data: { userId: 'u', decidedBy: 'admin' },
    });
    expect(isMerchant(individual)).toBe(false);
  });
});
