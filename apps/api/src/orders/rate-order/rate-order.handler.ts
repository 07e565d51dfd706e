import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandContext } from '../../command-path/command-context';
import { OrderStreams } from '../../command-path/order-streams';
import { positionOf } from '../../command-path/execution';

export class RateOrderCommand extends Command<{ orderId: string; stars: number; position: string }> {
  constructor(
    readonly context: CommandContext,
    readonly orderId: string,
    readonly stars: number,
  ) {
    super();
  }
}

@CommandHandler(RateOrderCommand)
export class RateOrderHandler implements ICommandHandler<RateOrderCommand> {
  constructor(private readonly orders: OrderStreams) {}

  async execute({ context, orderId, stars }: RateOrderCommand) {
    const done = await this.orders.decide(orderId, { type: 'RateOrder', data: { orderId, buyerId: context.userId, stars } }, context);
    return { orderId, stars, position: positionOf(done) };
  }
}
