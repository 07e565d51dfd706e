import { Injectable } from '@nestjs/common';
import { redPacketStream, type EventMetadata, type RedPacketSent, type StoredEvent } from '@zan/contracts';
import { type DomainError, redPacketDecider, type RedPacketCommand, type RedPacketState } from '@zan/domain';
import { type CommandContext, eventIdsOf, metadataOf } from './command-context';
import { CommandRunner } from './command-runner';
import type { Executed } from './execution';
import { deterministicIds } from './ids';

/** The one way into `red-packet-<id>` streams: a caller's claim, the escrow of a sent packet, its expiry. */
@Injectable()
export class RedPacketStreams {
  constructor(private readonly runner: CommandRunner) {}

  /**
   * A caller's command on a packet (a claim); its ids derive from `commandId`. A claim carries its
   * time (`now`): the same reading stamps its events.
   */
  decide(
    redPacketId: string,
    command: RedPacketCommand,
    context: CommandContext,
    commandId = context.commandId,
    now?: Date,
  ): Promise<Executed<RedPacketState>> {
    return this.run(redPacketId, command, metadataOf(context, commandId), eventIdsOf(commandId), { recovering: context.idempotency?.recovering ?? false, now });
  }

  /**
   * A claim's final refusal on the packet's cached state (gone, already claimed, not a recipient),
   * the lane's answer too, without queueing on it; undefined when the claim must go the usual way
   * (CommandRunner.refusalOnCache). A claim that would pass is thrown away, so its draw is not random.
   */
  finalRefusal(redPacketId: string, userId: string, now: Date): DomainError | undefined {
    const claim: RedPacketCommand = { type: 'ClaimRedPacket', data: { redPacketId, userId, now: now.toISOString(), random: () => 0 } };
    return this.runner.refusalOnCache<RedPacketState>(
      redPacketStream(redPacketId),
      (state) => redPacketDecider.decide(claim, state),
      (error) => error.final,
      claim.type, // the lane counted it
    );
  }

  /**
   * Moves the money a RedPacketSent debited into the packet's own stream. Run inline by the send
   * handler (so the packet can be claimed as soon as the sender hears back) and by the process
   * manager (so a crash in between never strands the money); the event id makes it happen once.
   */
  escrow(sent: StoredEvent<RedPacketSent>): Promise<Executed<RedPacketState>> {
    return this.run(
      sent.data.redPacketId,
      { type: 'EscrowRedPacket', data: { packet: sent.data } },
      { ...sent.metadata, causationId: sent.id },
      deterministicIds(sent.id, 'escrow'),
    );
  }

  /** Expires a packet at `now` (its timer fired), refunding what is left; the packet's id makes it happen once. */
  expire(redPacketId: string, now: Date, cause: { correlationId: string; causationId: string }): Promise<Executed<RedPacketState>> {
    return this.run(
      redPacketId,
      { type: 'ExpireRedPacket', data: { redPacketId, now: now.toISOString() } },
      { ...cause, userId: 'system:expiry' },
      deterministicIds('expire', redPacketId),
      { now },
    );
  }

  private run(
    redPacketId: string,
    command: RedPacketCommand,
    metadata: EventMetadata,
    eventId: (index: number) => string,
    options: { recovering?: boolean; now?: Date } = {},
  ): Promise<Executed<RedPacketState>> {
    return this.runner.executeOnce({
      command: command.type,
      streamId: redPacketStream(redPacketId),
      folder: redPacketDecider,
      decide: (state) => redPacketDecider.decide(command, state),
      metadata,
      eventId,
      // A claim or an expiry carries its time in the command: the same reading stamps its events.
      now: options.now,
      recovering: options.recovering ?? false,
    });
  }
}
