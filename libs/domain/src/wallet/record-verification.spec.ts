import { InvalidCommand, WalletNotFound } from '../errors';
import { verificationRejected, verificationRequested, walletOpened, walletVerified } from '../testing/fixtures';
import { specFor } from '../testing/given-when-then';
import type { RecordVerification } from './record-verification';
import { walletDecider } from './wallet.decider';
import { verificationStatus } from './wallet.state';

const given = specFor(walletDecider);
const pending = [walletOpened('bob'), verificationRequested('bob')];
const provider = (decision: 'verified' | 'rejected', verificationId = 'v-1'): RecordVerification => ({
  type: 'RecordVerification',
  data: { userId: 'bob', decision, decidedBy: 'provider', verificationId },
});
const admin = (decision: 'verified' | 'rejected', reason?: string): RecordVerification => ({
  type: 'RecordVerification',
  data: { userId: 'bob', decision, decidedBy: 'admin', ...(reason !== undefined && { reason }) },
});

describe('RecordVerification', () => {
  it("records the provider's answer to the pending request", () => {
    expect(
      verificationStatus(
        given(pending)
          .when(provider('verified'))
          .then([walletVerified('bob')]).state,
      ),
    ).toBe('verified');
    expect(
      verificationStatus(
        given(pending)
          .when(provider('rejected'))
          .then([verificationRejected('bob')]).state,
      ),
    ).toBe('rejected');
  });

  it('does nothing for a replayed answer, an answer to another request, or one after an admin decided', () => {
    given([...pending, walletVerified('bob')])
      .when(provider('verified'))
      .thenNothing();
    given([...pending, walletVerified('bob')])
      .when(provider('rejected'))
      .thenNothing();
    given(pending).when(provider('verified', 'v-old')).thenNothing();
    given([...pending, verificationRejected('bob', 'admin')])
      .when(provider('verified'))
      .thenNothing();
  });

  it("an admin's decision overrides what stands, and deciding what stands does nothing", () => {
    given([...pending, walletVerified('bob')])
      .when(admin('rejected', 'forged papers'))
      .then([{ type: 'VerificationRejected', data: { userId: 'bob', verificationId: 'v-1', decidedBy: 'admin', reason: 'forged papers' } }]);
    given([...pending, verificationRejected('bob')])
      .when(admin('verified'))
      .then([walletVerified('bob', 'admin')]);
    given([walletOpened('bob')])
      .when(admin('verified'))
      .then([walletVerified('bob', 'admin', null)]);
    given([...pending, walletVerified('bob')])
      .when(admin('verified'))
      .thenNothing();
    given([...pending, verificationRejected('bob', 'admin')])
      .when(admin('rejected'))
      .thenNothing();
  });

  it("records an admin's rejection of what the provider rejected: only an admin's stands against asking again", () => {
    const { state } = given([...pending, verificationRejected('bob')])
      .when(admin('rejected', 'fraud'))
      .then([{ type: 'VerificationRejected', data: { userId: 'bob', verificationId: 'v-1', decidedBy: 'admin', reason: 'fraud' } }]);
    expect(state.verification).toMatchObject({ status: 'rejected', decidedBy: 'admin' });
  });

  it('refuses a missing wallet, an unknown decision, and a provider answer without its request id', () => {
    given([]).when(admin('verified')).thenThrows(WalletNotFound);
    given(pending)
      .when(admin('maybe' as never))
      .thenThrows(InvalidCommand);
    given(pending)
      .when({ type: 'RecordVerification', data: { userId: 'bob', decision: 'verified', decidedBy: 'provider' } })
      .thenThrows(InvalidCommand);
  });
});
