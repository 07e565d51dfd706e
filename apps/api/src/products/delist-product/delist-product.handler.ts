import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandContext } from '../../command-path/command-context';
import { ProductStreams } from '../../command-path/product-streams';
import { positionOf } from '../../command-path/execution';

export class DelistProductCommand extends Command<{ position: string }> {
  constructor(
    readonly context: CommandContext,
    readonly productId: string,
  ) {
    super();
  }
}

@CommandHandler(DelistProductCommand)
export class DelistProductHandler implements ICommandHandler<DelistProductCommand> {
  constructor(private readonly products: ProductStreams) {}

  async execute({ context, productId }: DelistProductCommand) {
    const done = await this.products.decide(productId, { type: 'DelistProduct', data: { productId, merchantId: context.userId } }, context);
    return { position: positionOf(done) };
  }
}
