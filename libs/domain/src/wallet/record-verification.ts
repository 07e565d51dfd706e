import type { DomainEvent, VerificationDecider } from '@zan/contracts';
import type { Command } from '../decider';
import { InvalidCommand, WalletNotFound } from '../errors';
import { optionalText, requireId } from '../validation';
import { requireOwnStream, type WalletState } from './wallet.state';

export type RecordVerification = Command<
  'RecordVerification',
  { userId: string; decision: 'verified' | 'rejected'; decidedBy: VerificationDecider; verificationId?: string; reason?: string }
>;

/**
 * The provider decides the pending request it was asked about, once: an answer for another request
 * or a decided one (a replayed callback, an answer after an admin's decision) does nothing. An
 * admin's decision overrides whatever stands; deciding what already stands does nothing, but for an
 * admin's rejection of what the provider rejected: it is recorded, as only an admin's stands.
 */
export const decideRecordVerification = ({ data }: RecordVerification, state: WalletState): DomainEvent<'WalletVerified' | 'VerificationRejected'>[] => {
  const userId = requireId(data.userId, 'userId');
  if (data.decision !== 'verified' && data.decision !== 'rejected') throw new InvalidCommand('decision must be verified or rejected');
  if (data.decidedBy !== 'provider' && data.decidedBy !== 'admin') throw new InvalidCommand('decidedBy must be provider or admin');
  const reason = optionalText(data.reason, 'reason');
  requireOwnStream(state, userId);
  if (!state.exists) throw new WalletNotFound(`user ${userId} has no wallet`);
  const current = state.verification;
  if (data.decidedBy === 'provider') {
    const verificationId = requireId(data.verificationId, 'verificationId');
    if (current?.status !== 'pending' || current.verificationId !== verificationId) return [];
  } else if (current?.status === data.decision && (data.decision === 'verified' || current.decidedBy === 'admin')) {
    // What stands is decided again: nothing. A rejection the provider made is not an admin's, though:
    // recorded as the admin's, it stands against asking again (decideRequestVerification).
    return [];
  }
  const verificationId = current?.verificationId;
  const payload = {
    userId,
    ...(verificationId !== undefined && { verificationId }),
    decidedBy: data.decidedBy,
    ...(reason !== undefined && { reason }),
  };
  return [data.decision === 'verified' ? { type: 'WalletVerified', data: payload } : { type: 'VerificationRejected', data: payload }];
};
