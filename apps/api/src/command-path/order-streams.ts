import { Injectable } from '@nestjs/common';
import { orderStream, type EventMetadata } from '@zan/contracts';
import { orderDecider, type OrderCommand, type OrderState } from '@zan/domain';
import { CommandRunner } from './command-runner';
import type { Executed, Loaded } from './execution';

/** Deciding order commands on `order-<orderId>` streams: the paid order, its refunds and its rating. */
@Injectable()
export class OrderStreams {
  constructor(private readonly runner: CommandRunner) {}

  load(orderId: string): Promise<Loaded<OrderState>> {
    return this.runner.load(orderStream(orderId), orderDecider);
  }

  decide(orderId: string, command: OrderCommand, metadata: EventMetadata, eventId: (index: number) => string, recovering = false): Promise<Executed<OrderState>> {
    return this.runner.executeOnce({
      command: command.type,
      streamId: orderStream(orderId),
      folder: orderDecider,
      decide: (state) => orderDecider.decide(command, state),
      metadata,
      eventId,
      recovering,
    });
  }
}
