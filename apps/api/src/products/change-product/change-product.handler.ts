import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { ProductCommand } from '@zan/domain';
import { ProductNotFound } from '@zan/domain';
import type { CommandContext } from '../../command-path/command-context';
import { deterministicId } from '../../command-path/ids';
import { ProductStreams } from '../../command-path/product-streams';
import { positionOf } from '../../command-path/execution';

export class ChangeProductCommand extends Command<{ productId: string; price: number; stock: number | null; position: string }> {
  constructor(
    readonly context: CommandContext,
    readonly productId: string,
    readonly change: { price?: number; stock?: number | null },
  ) {
    super();
  }
}

/** The merchant reprices and/or restocks: one event each, on the product's stream; the same values again change nothing. */
@CommandHandler(ChangeProductCommand)
export class ChangeProductHandler implements ICommandHandler<ChangeProductCommand> {
  constructor(private readonly products: ProductStreams) {}

  async execute({ context, productId, change }: ChangeProductCommand) {
    const merchantId = context.userId;
    const commandId = context.commandId;
    const commands: ProductCommand[] = [];
    if (change.price !== undefined) commands.push({ type: 'RepriceProduct', data: { productId, merchantId, price: change.price } });
    if (change.stock !== undefined) commands.push({ type: 'RestockProduct', data: { productId, merchantId, stock: change.stock } });
    let done = await this.products.load(productId);
    for (const [n, command] of commands.entries()) {
      done = await this.products.decide(productId, command, context, deterministicId(commandId, command.type, String(n)));
    }
    const state = done.state;
    if (state.status === 'none') throw new ProductNotFound(`no product ${productId}`);
    return { productId, price: state.price, stock: state.stock, position: positionOf(done) };
  }
}
