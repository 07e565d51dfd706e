import { Injectable } from '@nestjs/common';
import { productStream } from '@zan/contracts';
import { productDecider, type ProductCommand, type ProductState } from '@zan/domain';
import { type CommandContext, eventIdsOf, metadataOf } from './command-context';
import { CommandRunner } from './command-runner';
import type { Executed, Loaded } from './execution';

/**
 * Deciding product commands on `product-<productId>` streams. Orders on one product wait in its lane
 * and are decided in batches on the cached state (CommandRunner), the way claims on a hot red packet are.
 */
@Injectable()
export class ProductStreams {
  constructor(private readonly runner: CommandRunner) {}

  load(productId: string): Promise<Loaded<ProductState>> {
    return this.runner.load(productStream(productId), productDecider);
  }

  /** A caller's command on the stream; its ids derive from `commandId` (the context's, or one the handler derived from it). */
  decide(productId: string, command: ProductCommand, context: CommandContext, commandId = context.commandId): Promise<Executed<ProductState>> {
    return this.runner.executeOnce({
      command: command.type,
      streamId: productStream(productId),
      folder: productDecider,
      decide: (state) => productDecider.decide(command, state),
      metadata: metadataOf(context, commandId),
      eventId: eventIdsOf(commandId),
      recovering: context.idempotency?.recovering ?? false,
    });
  }
}
