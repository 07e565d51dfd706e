import { AlreadyVerified, InvalidCommand, VerificationKindMismatch, VerificationRejectedByAdmin } from '../errors';
import { NAME_HASH, NUMBER_HASH, OTHER_NAME_HASH, verificationRequested, walletOpened, walletVerified, verificationRejected } from '../testing/fixtures';
import { specFor } from '../testing/given-when-then';
import type { RequestVerification } from './request-verification';
import { walletDecider } from './wallet.decider';
import { verificationStatus } from './wallet.state';

const given = specFor(walletDecider);
const request = (data: Partial<RequestVerification['data']> = {}): RequestVerification => ({
  type: 'RequestVerification',
  data: { userId: 'bob', verificationId: 'v-1', kind: 'individual', maskedName: '张*', nameHash: NAME_HASH, numberHash: NUMBER_HASH, ...data },
});

describe('RequestVerification', () => {
  it('opens a wallet of the kind asked for on first use, and is pending', () => {
    const { state } = given([])
      .when(request())
      .then([walletOpened('bob'), verificationRequested('bob')]);
    expect(verificationStatus(state)).toBe('pending');
    given([])
      .when(request({ kind: 'business' }))
      .then([walletOpened('bob', 'business'), verificationRequested('bob', { kind: 'business' })]);
  });

  it('refuses a kind other than the wallet’s', () => {
    given([walletOpened('bob', 'business')])
      .when(request())
      .thenThrows(VerificationKindMismatch, /^a business wallet cannot be verified as an individual$/);
    given([walletOpened('bob')])
      .when(request({ kind: 'business' }))
      .thenThrows(VerificationKindMismatch, /^an individual wallet cannot be verified as a business$/);
  });

  it('is a no-op for the same pending request, and a new request replaces a pending or rejected one', () => {
    given([walletOpened('bob'), verificationRequested('bob')])
      .when(request())
      .thenNothing();
    given([walletOpened('bob'), verificationRequested('bob')])
      .when(request({ verificationId: 'v-2' }))
      .then([verificationRequested('bob', { verificationId: 'v-2' })]);
    given([walletOpened('bob'), verificationRequested('bob'), verificationRejected('bob')])
      .when(request({ verificationId: 'v-2' }))
      .then([verificationRequested('bob', { verificationId: 'v-2' })]);
  });

  it("refuses to ask again after an admin's rejection, until an admin verifies the wallet; a provider's rejection may be asked again", () => {
    const rejectedByAdmin = [walletOpened('bob'), verificationRequested('bob'), verificationRejected('bob', 'admin')];
    given(rejectedByAdmin)
      .when(request({ verificationId: 'v-2' }))
      .thenThrows(VerificationRejectedByAdmin, /only an admin may verify it now/);
    // An admin's rejection of a wallet that never asked, and one over the provider's verification, stand too.
    given([walletOpened('bob'), verificationRejected('bob', 'admin', null)])
      .when(request())
      .thenThrows(VerificationRejectedByAdmin);
    given([walletOpened('bob'), verificationRequested('bob'), walletVerified('bob'), verificationRejected('bob', 'admin', null)])
      .when(request({ verificationId: 'v-2' }))
      .thenThrows(VerificationRejectedByAdmin);
    // Lifted by an admin's verification: the same identity is then a no-op, as for any verified wallet.
    given([...rejectedByAdmin, walletVerified('bob', 'admin', null)])
      .when(request({ verificationId: 'v-3' }))
      .thenNothing();
    given([walletOpened('bob'), verificationRequested('bob'), verificationRejected('bob', 'provider')])
      .when(request({ verificationId: 'v-2' }))
      .then([verificationRequested('bob', { verificationId: 'v-2' })]);
  });

  it('once verified: the same identity is a no-op, another is refused', () => {
    const verified = [walletOpened('bob'), verificationRequested('bob'), walletVerified('bob')];
    given(verified)
      .when(request({ verificationId: 'v-9' }))
      .thenNothing();
    given(verified)
      .when(request({ verificationId: 'v-9', nameHash: OTHER_NAME_HASH }))
      .thenThrows(AlreadyVerified);
  });

  it('refuses clear personal data where a hash belongs, an unknown kind and an empty masked name', () => {
    given([])
      .when(request({ numberHash: '11010519491231002X' }))
      .thenThrows(InvalidCommand);
    given([])
      .when(request({ nameHash: '张三' }))
      .thenThrows(InvalidCommand);
    given([])
      .when(request({ kind: 'robot' as never }))
      .thenThrows(InvalidCommand);
    given([])
      .when(request({ maskedName: '' }))
      .thenThrows(InvalidCommand);
  });
});
