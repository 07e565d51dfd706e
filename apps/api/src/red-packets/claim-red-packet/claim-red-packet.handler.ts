import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { StoredEvent } from '@zan/contracts';
import { CLOCK, type Clock, RANDOM, type RandomSource } from '@zan/platform';
import type { CommandContext } from '../../command-path/command-context';
import { RedPacketStreams } from '../../command-path/red-packet-streams';
import { positionOf } from '../../command-path/execution';
import type { RedPacketClaimedDoc } from './claim-red-packet.dto';

export class ClaimRedPacketCommand extends Command<RedPacketClaimedDoc> {
  constructor(
    readonly context: CommandContext,
    readonly redPacketId: string,
  ) {
    super();
  }
}

/** Decided on the packet's stream; the claimer is credited by the credits process manager reacting to RedPacketClaimed. */
@CommandHandler(ClaimRedPacketCommand)
export class ClaimRedPacketHandler implements ICommandHandler<ClaimRedPacketCommand> {
  constructor(
    private readonly packets: RedPacketStreams,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(RANDOM) private readonly random: RandomSource,
  ) {}

  /** Claims on one packet are serialised by the command runner: no retry storm on a hot packet. */
  async execute({ context, redPacketId }: ClaimRedPacketCommand): Promise<RedPacketClaimedDoc> {
    const userId = context.userId;
    const now = this.clock.now();
    const done = await this.packets.decide(
      redPacketId,
      { type: 'ClaimRedPacket', data: { redPacketId, userId, now: now.toISOString(), random: this.random } },
      context,
      context.commandId,
      now,
    );
    const claimed = done.events.find((event) => event.type === 'RedPacketClaimed') as StoredEvent<{ amount: number }>;
    return { redPacketId, amount: claimed.data.amount, position: positionOf(done) };
  }
}
