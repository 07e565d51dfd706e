import { Inject, Injectable } from '@nestjs/common';
import { walletStream } from '@zan/contracts';
import { walletDecider, type DecideContext, type WalletCommand, type WalletState } from '@zan/domain';
import { ZAN_CONFIG, type ZanConfig } from '@zan/platform';
import { type CommandContext, eventIdsOf, metadataOf } from './command-context';
import { CommandRunner, type Executed, type Loaded } from './command-runner';

/** Deciding wallet commands on `wallet-<userId>` streams, with the configured money limits. */
@Injectable()
export class WalletStreams {
  readonly decideContext: DecideContext;

  constructor(
    private readonly runner: CommandRunner,
    @Inject(ZAN_CONFIG) config: ZanConfig,
  ) {
    this.decideContext = { limits: config.limits };
  }

  /** A wallet's state; with `settled`, a cached state for which it holds is taken as is (see CommandRunner.load). */
  load(userId: string, settled?: (state: WalletState) => boolean): Promise<Loaded<WalletState>> {
    return this.runner.load(walletStream(userId), walletDecider, { settled });
  }

  /**
   * A command of the caller on their own wallet; ids derive from `commandId`. `now`: the time of the
   * decision when the handler read it already (a red packet's expiry is computed from it).
   */
  decide(userId: string, command: WalletCommand, context: CommandContext, commandId: string, now?: Date): Promise<Executed<WalletState>> {
    return this.runner.executeOnce({
      command: command.type,
      streamId: walletStream(userId),
      folder: walletDecider,
      // The time of the decision comes in here, for the daily spending limit.
      decide: (state, decidedAt) => walletDecider.decide(command, state, { ...this.decideContext, now: decidedAt.toISOString() }),
      now,
      metadata: metadataOf(context, commandId),
      eventId: eventIdsOf(commandId),
      recovering: context.idempotency?.recovering ?? false,
    });
  }
}

export const positionOf = (executed: { position?: bigint }): string => (executed.position ?? 0n).toString();
