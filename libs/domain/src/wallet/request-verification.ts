import type { DomainEvent, VerificationKind } from '@zan/contracts';
import type { Command } from '../decider';
import { AlreadyVerified, InvalidCommand, VerificationKindMismatch, VerificationRejectedByAdmin } from '../errors';
import { requireId } from '../validation';
import { requireOwnStream, type WalletState } from './wallet.state';

/**
 * Personal data arrives already masked and hashed (the handler puts the clear values in the vault):
 * the domain, and so the event log, never sees them.
 */
export type RequestVerification = Command<
  'RequestVerification',
  { userId: string; verificationId: string; kind: VerificationKind; maskedName: string; nameHash: string; numberHash: string }
>;

const HASH = /^[0-9a-f]{64}$/;
export const requireHash = (value: unknown, field: string): string => {
  if (typeof value !== 'string' || !HASH.test(value)) throw new InvalidCommand(`${field} must be a hex HMAC-SHA256`);
  return value;
};

/**
 * Opens a wallet of the kind asked for if there is none. Asking again while pending replaces the
 * request (a late answer to the old one is then ignored); the same request again is a no-op. A
 * verified wallet is verified once: the same identity again is a no-op, another one is refused.
 * A rejection by the provider may be asked again (a mistyped number); one by an admin stands until
 * an admin decides otherwise: asking again would have the provider undo it.
 */
export const decideRequestVerification = ({ data }: RequestVerification, state: WalletState): DomainEvent<'WalletOpened' | 'VerificationRequested'>[] => {
  const userId = requireId(data.userId, 'userId');
  const verificationId = requireId(data.verificationId, 'verificationId');
  if (data.kind !== 'individual' && data.kind !== 'business') throw new InvalidCommand('kind must be individual or business');
  const maskedName = requireId(data.maskedName, 'maskedName');
  const nameHash = requireHash(data.nameHash, 'nameHash');
  const numberHash = requireHash(data.numberHash, 'numberHash');
  requireOwnStream(state, userId);
  if (state.exists && state.kind !== data.kind) {
    throw new VerificationKindMismatch(
      `${state.kind === 'individual' ? 'an individual' : 'a business'} wallet cannot be verified as ${data.kind === 'individual' ? 'an individual' : 'a business'}`,
    );
  }
  const current = state.verification;
  const sameIdentity = current?.kind === data.kind && current.nameHash === nameHash && current.numberHash === numberHash;
  if (current?.status === 'verified') {
    if (sameIdentity) return [];
    throw new AlreadyVerified('this wallet is verified already, as another person or company');
  }
  if (current?.status === 'rejected' && current.decidedBy === 'admin') {
    throw new VerificationRejectedByAdmin("an admin rejected this wallet's verification: only an admin may verify it now");
  }
  if (current?.status === 'pending' && current.verificationId === verificationId) return [];
  return [
    ...(state.exists ? [] : [{ type: 'WalletOpened' as const, data: { userId, kind: data.kind } }]),
    { type: 'VerificationRequested', data: { userId, verificationId, kind: data.kind, maskedName, nameHash, numberHash } },
  ];
};
