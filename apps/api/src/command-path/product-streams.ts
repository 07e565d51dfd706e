import { Injectable } from '@nestjs/common';
import { productStream, type EventMetadata } from '@zan/contracts';
import { productDecider, type ProductCommand, type ProductState } from '@zan/domain';
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

  decide(
    productId: string,
    command: ProductCommand,
    metadata: EventMetadata,
    eventId: (index: number) => string,
    recovering = false,
  ): Promise<Executed<ProductState>> {
    return this.runner.executeOnce({
      command: command.type,
      streamId: productStream(productId),
      folder: productDecider,
      decide: (state) => productDecider.decide(command, state),
      metadata,
      eventId,
      recovering,
    });
  }
}
