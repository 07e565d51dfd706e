import { Inject, Injectable } from '@nestjs/common';
import { walletStream, type StoredEvent } from '@zan/contracts';
import { walletDecider, type DecideContext, type WalletCommand, type WalletCredit, type WalletState } from '@zan/domain';
import { DuplicateEventError } from '@zan/event-store';
import { ZAN_CONFIG, type ZanConfig } from '@zan/platform';
import { type CommandContext, eventIdsOf, metadataOf } from './command-context';
import { CommandRunner } from './command-runner';
import type { Executed, Execution, Loaded } from './execution';
import { deterministicIds } from './ids';
import type { LoadOptions } from './stream-state-cache';

/** The one way into `wallet-<userId>` streams: a caller's command, or a credit caused by a stored event. */
@Injectable()
export class WalletStreams {
  /** The configured money limits every wallet decision is made under. */
  readonly decideContext: DecideContext;

  constructor(
    private readonly runner: CommandRunner,
    @Inject(ZAN_CONFIG) config: ZanConfig,
  ) {
    this.decideContext = { limits: config.limits };
  }

  /** A wallet's state; `options` may let a cached state answer (`settled`, `whileFresh`: see CommandRunner.load). */
  load(userId: string, options: LoadOptions<WalletState> = {}): Promise<Loaded<WalletState>> {
    return this.runner.load(walletStream(userId), walletDecider, options);
  }

  /**
   * A caller's command on a wallet; its ids derive from `commandId` (the context's, or one the
   * handler derived from it). `now`: the time of the decision when the handler read it already (a
   * red packet's expiry is computed from it). `facts`: other streams' facts the decision depends on,
   * read before each decision (Execution.readFacts) or checked by the append (Execution.guardedFacts).
   */
  decide(
    userId: string,
    command: WalletCommand,
    context: CommandContext,
    commandId = context.commandId,
    now?: Date,
    facts: Pick<Execution<WalletState>, 'readFacts' | 'guardedFacts'> = {},
  ): Promise<Executed<WalletState>> {
    return this.runner.executeOnce({
      command: command.type,
      streamId: walletStream(userId),
      folder: walletDecider,
      // The time of the decision comes in here, for the daily spending limit.
      decide: (state, decidedAt) => walletDecider.decide(command, state, { ...this.decideContext, now: decidedAt.toISOString() }),
      now,
      ...facts,
      metadata: metadataOf(context, commandId),
      eventId: eventIdsOf(commandId),
      recovering: context.idempotency?.recovering ?? false,
      // The request's key, taken by this command's append where the route lets it (claimedByAppend).
      ...(commandId === context.commandId && context.idempotency?.claim && { claim: context.idempotency.claim }),
    });
  }

  /**
   * The second leg of a payment (a transfer received, a tip, a share, a refund), caused by a stored
   * event and made once: its ids derive from the cause, so a redelivered cause is refused as a
   * duplicate, and that is all a reaction needs to know (no search of a long wallet stream for the
   * earlier outcome). `label` tells apart two possible credits of one cause (a payment by code is
   * credited to the merchant, 'credit', or given back to the payer, 'return'). `once` is the id the
   * credit's ids derive from when it is not the cause's: a group buy's hold is credited once, to
   * the merchant or back to the buyer, whichever event settles it (docs/commerce.md).
   */
  async credit(cause: StoredEvent, userId: string, credit: WalletCredit, label = 'credit', once = cause.id): Promise<void> {
    try {
      await this.runner.execute({
        command: 'CreditWallet',
        streamId: walletStream(userId),
        folder: walletDecider,
        decide: (state) => walletDecider.decide({ type: 'CreditWallet', data: { userId, credit } }, state),
        metadata: { ...cause.metadata, causationId: cause.id },
        eventId: deterministicIds(once, label),
      });
    } catch (error) {
      if (error instanceof DuplicateEventError) return;
      throw error;
    }
  }
}
