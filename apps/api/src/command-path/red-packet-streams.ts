import { Injectable } from '@nestjs/common';
import { redPacketStream, type EventMetadata, type RedPacketSent, type StoredEvent } from '@zan/contracts';
import { redPacketDecider, type RedPacketCommand, type RedPacketState } from '@zan/domain';
import { CommandRunner, type Executed } from './command-runner';
import { deterministicId } from './ids';

/** Deciding red packet commands on `red-packet-<id>` streams. */
@Injectable()
export class RedPacketStreams {
  constructor(private readonly runner: CommandRunner) {}

  decide(
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

  /**
   * Moves the money a RedPacketSent debited into the packet's own stream. Run inline by the send
   * handler (so the packet can be claimed as soon as the sender hears back) and by the process
   * manager (so a crash in between never strands the money); the event id makes it happen once.
   */
  escrow(sent: StoredEvent<RedPacketSent>): Promise<Executed<RedPacketState>> {
    return this.decide(
      sent.data.redPacketId,
      { type: 'EscrowRedPacket', data: { packet: sent.data } },
      { ...sent.metadata, causationId: sent.id },
      (index) => deterministicId(sent.id, 'escrow', String(index)),
    );
  }
}
