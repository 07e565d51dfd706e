import { Inject, Injectable, Logger } from '@nestjs/common';
import { verificationStatus, type VerificationStatus } from '@zan/domain';
import {
  PERSONAL_DATA_VAULT,
  VERIFICATION_PROVIDER,
  VerificationProviderUnavailable,
  ZAN_VAULT_KEYS,
  keyedHash,
  maskName,
  normalizeName,
  normalizeNumber,
  type PersonalDataVault,
  type VaultKeys,
  type VerificationProvider,
} from '@zan/platform';
import type { CommandContext } from '../command-path/command-context';
import { deterministicId } from '../command-path/ids';
import { WalletStreams } from '../command-path/wallet-streams';
import { positionOf } from '../command-path/execution';
import { ProblemException, problem } from '../http/problem';

export interface VerificationRequest {
  kind: 'individual' | 'business';
  name: string;
  number: string;
}

export interface VerificationAnswer {
  userId: string;
  status: VerificationStatus;
  position: string;
}

/** The provider's callback, once its signature is checked. */
export interface ProviderDecision {
  verificationId: string;
  userId: string;
  decision: 'verified' | 'rejected';
  reason?: string;
}

/**
 * Verification on the wallet stream, with the clear values kept out of the event log: they go to the
 * vault (encrypted under the user's key) and to the provider; the events carry a masked name and
 * keyed hashes.
 */
@Injectable()
export class Verifications {
  private readonly logger = new Logger('Verifications');

  constructor(
    private readonly wallets: WalletStreams,
    @Inject(VERIFICATION_PROVIDER) private readonly provider: VerificationProvider,
    @Inject(PERSONAL_DATA_VAULT) private readonly vault: PersonalDataVault,
    @Inject(ZAN_VAULT_KEYS) private readonly keys: VaultKeys,
  ) {}

  nameHash(name: string): string {
    return keyedHash(this.keys.hashKey, 'name', name);
  }

  async request(context: CommandContext, request: VerificationRequest): Promise<VerificationAnswer> {
    const { userId } = context;
    const commandId = context.commandId;
    const verificationId = deterministicId(commandId, 'verification');
    const name = normalizeName(request.name);
    const number = normalizeNumber(request.number);
    // In the vault before any event names the request: an event never points at data that is not there.
    await this.vault.put(userId, { kind: request.kind, name, number });
    const requested = await this.wallets.decide(
      userId,
      {
        type: 'RequestVerification',
        data: { userId, verificationId, kind: request.kind, maskedName: maskName(name), nameHash: this.nameHash(name), numberHash: keyedHash(this.keys.hashKey, 'number', number) },
      },
      context,
      commandId,
    );
    const current = requested.state.verification;
    // Nothing new asked (the same identity already verified): the standing answer. This very request
    // still pending (a retry after a failure between the two appends) is sent to the provider again.
    if (current?.status !== 'pending' || current.verificationId !== verificationId) {
      return { userId, status: verificationStatus(requested.state), position: positionOf(requested) };
    }
    let answer;
    try {
      answer = await this.provider.submit({ verificationId, userId, kind: request.kind, name, number });
    } catch (error) {
      if (!(error instanceof VerificationProviderUnavailable)) throw error;
      // The request stands (pending); asking again sends it again.
      this.logger.warn(`verification ${verificationId} of ${userId} not sent: ${error.message}`);
      throw new ProblemException(problem(503, 'verification-provider-unavailable', 'Verification provider unavailable', `${error.message}; ask again later`), {
        'Retry-After': '5',
      });
    }
    if (answer.decision === 'pending') return { userId, status: 'pending', position: positionOf(requested) };
    const decided = await this.wallets.decide(
      userId,
      {
        type: 'RecordVerification',
        data: { userId, verificationId, decision: answer.decision, decidedBy: 'provider', ...(answer.reason !== undefined && { reason: answer.reason }) },
      },
      context,
      deterministicId(commandId, 'provider-answer'),
    );
    return { userId, status: verificationStatus(decided.state), position: positionOf(decided) };
  }

  /** A signed provider answer: applied once to the request it names; a replay or a stale answer does nothing. */
  async recordProviderDecision(context: CommandContext, decision: ProviderDecision): Promise<void> {
    const { userId, verificationId } = decision;
    if (!(await this.wallets.load(userId)).state.exists) {
      // Asked about nobody Zan asked for: nothing to do, like any answer to no pending request.
      this.logger.warn(`verification callback ${verificationId} names user ${userId}, who has no wallet: ignored`);
      return;
    }
    await this.wallets.decide(
      userId,
      {
        type: 'RecordVerification',
        data: { userId, verificationId, decision: decision.decision, decidedBy: 'provider', ...(decision.reason !== undefined && { reason: decision.reason }) },
      },
      context,
      // The same answer to the same request is the same command: its events get the same ids.
      deterministicId('verification-callback', verificationId, decision.decision),
    );
  }

  async decideAsAdmin(context: CommandContext, userId: string, decision: 'verified' | 'rejected', reason?: string): Promise<VerificationAnswer> {
    const done = await this.wallets.decide(
      userId,
      { type: 'RecordVerification', data: { userId, decision, decidedBy: 'admin', ...(reason !== undefined && { reason }) } },
      context,
      context.commandId,
    );
    return { userId, status: verificationStatus(done.state), position: positionOf(done) };
  }

  /** Crypto-shredding: the user's key is destroyed; events keep only masked names and hashes. */
  async shred(userId: string): Promise<boolean> {
    const shredded = await this.vault.shred(userId);
    this.logger.log(`personal data of ${userId} ${shredded ? 'shredded (key destroyed)' : 'already gone (no key)'}`);
    return shredded;
  }
}
