import { Injectable } from '@nestjs/common';
import { orderStream } from '@zan/contracts';
import { orderDecider, type OrderCommand, type OrderState } from '@zan/domain';
import { type CommandContext, eventIdsOf, metadataOf } from './command-context';
import { CommandRunner } from './command-runner';
import type { Executed, Loaded } from './execution';

/** Deciding order commands on `order-<orderId>` streams: the paid order, its refunds and its rating. */
@Injectable()
export class OrderStreams {
  constructor(private readonly runner: CommandRunner) {}

  load(orderId: string): Promise<Loaded<OrderState>> {
    return this.runner.load(orderStream(orderId), orderDecider);
  }

  /** A caller's command on the stream; its ids derive from `commandId` (the context's, or one the handler derived from it). */
  decide(orderId: string, command: OrderCommand, context: CommandContext, commandId = context.commandId): Promise<Executed<OrderState>> {
    return this.runner.executeOnce({
      command: command.type,
      streamId: orderStream(orderId),
      folder: orderDecider,
      decide: (state) => orderDecider.decide(command, state),
      metadata: metadataOf(context, commandId),
      eventId: eventIdsOf(commandId),
      recovering: context.idempotency?.recovering ?? false,
    });
  }
}
