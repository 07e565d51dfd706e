import { Inject, Logger } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { type WalletCommand, verificationStatus, walletDecider } from '@zan/domain';
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
  type ProviderAnswer,
  type VaultKeys,
  type VerificationSubject,
  type VerificationProvider,
} from '@zan/platform';
import type { CommandContext } from '../../command-path/command-context';
import { deterministicId } from '../../command-path/ids';
import { positionOf } from '../../command-path/execution';
import { WalletStreams } from '../../command-path/wallet-streams';
import { ProblemException, problem } from '../../http/problem';
import type { VerificationAnswer } from '../verification-answer';

/** Who the wallet says it is: one kind's name and number, in clear (they go to the vault and the provider only). */
export interface IdentityClaim {
  kind: 'individual' | 'business';
  name: string;
  number: string;
}

export class RequestVerificationCommand extends Command<VerificationAnswer> {
  constructor(
    readonly context: CommandContext,
    readonly claim: IdentityClaim,
  ) {
    super();
  }
}

/**
 * Verification on the wallet stream, with the clear values kept out of the event log: they go to the
 * vault (encrypted under the user's key) and to the provider; VerificationRequested carries a masked
 * name and keyed hashes. A provider that answers at once (local) is recorded at once.
 */
@CommandHandler(RequestVerificationCommand)
export class RequestVerificationHandler implements ICommandHandler<RequestVerificationCommand> {
  private readonly logger = new Logger('RequestVerification');

  constructor(
    private readonly wallets: WalletStreams,
    @Inject(VERIFICATION_PROVIDER) private readonly provider: VerificationProvider,
    @Inject(PERSONAL_DATA_VAULT) private readonly vault: PersonalDataVault,
    @Inject(ZAN_VAULT_KEYS) private readonly keys: VaultKeys,
  ) {}

  async execute({ context, claim }: RequestVerificationCommand): Promise<VerificationAnswer> {
    const { userId } = context;
    const { commandId } = context;
    const verificationId = deterministicId(commandId, 'verification');
    const name = normalizeName(claim.name);
    const number = normalizeNumber(claim.number);
    const command: WalletCommand = {
      type: 'RequestVerification',
      data: {
        userId,
        verificationId,
        kind: claim.kind,
        maskedName: maskName(name),
        nameHash: keyedHash(this.keys.hashKey, 'name', name),
        numberHash: keyedHash(this.keys.hashKey, 'number', number),
      },
    };
    // A request the wallet refuses (verified already as someone else, another kind) must not touch
    // the vault: what stands there is what was verified (product cards show a business's name from it).
    walletDecider.decide(command, (await this.wallets.load(userId)).state, this.wallets.decideContext);
    // In the vault before any event names the request: an event never points at data that is not there.
    await this.vault.put(userId, { kind: claim.kind, name, number });
    const requested = await this.wallets.decide(userId, command, context, commandId);
    const current = requested.state.verification;
    // Nothing new asked (the same identity already verified): the standing answer. This very request
    // still pending (a retry after a failure between the two appends) is sent to the provider again.
    if (current?.status !== 'pending' || current.verificationId !== verificationId) {
      return { userId, status: verificationStatus(requested.state), position: positionOf(requested) };
    }
    const answer = await this.submit({ verificationId, userId, kind: claim.kind, name, number });
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

  /** The provider down: 503 with Retry-After; the request stands (pending) and asking again sends it again. */
  private async submit(request: VerificationSubject): Promise<ProviderAnswer> {
    try {
      return await this.provider.submit(request);
    } catch (error) {
      if (!(error instanceof VerificationProviderUnavailable)) throw error;
      this.logger.warn(`verification ${request.verificationId} of ${request.userId} not sent: ${error.message}`);
      throw new ProblemException(problem(503, 'verification-provider-unavailable', 'Verification provider unavailable', `${error.message}; ask again later`), {
        'Retry-After': '5',
      });
    }
  }
}
