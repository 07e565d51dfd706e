import { Injectable } from '@nestjs/common';
import { productStream } from '@zan/contracts';
import { type DomainError, PriceChanged, SoldOut, isListed, productDecider, type ProductCommand, type ProductState } from '@zan/domain';
import { type CommandContext, eventIdsOf, metadataOf } from './command-context';
import { CommandRunner } from './command-runner';
import type { Executed, Loaded } from './execution';

/**
 * A flash sale's refusals, answered from a cached state the store confirmed moments ago without a
 * read (docs/commerce.md, "Flash sales"): sold out at stock 0, and a price that is not the buyer's.
 */
const standsWhileFresh = (error: unknown, state: ProductState): boolean =>
  (error instanceof SoldOut && isListed(state) && state.stock === 0) || error instanceof PriceChanged;

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

  /**
   * The state an order's pre-checks decide on: a listed product's state the store confirmed moments
   * ago is answered from the cache (a crowd on a sold-out product costs no read each); else caught up.
   */
  loadForOrder(productId: string): Promise<Loaded<ProductState>> {
    return this.runner.load(productStream(productId), productDecider, { whileFresh: isListed });
  }

  /**
   * An order's refusal by the product (sold out, another price, delisted...) on a listed product's
   * state the store confirmed moments ago: what the order's pre-check decides on that same cached
   * state (loadForOrder), without the handler; undefined when the order must go the usual way.
   */
  refusalWhileFresh(productId: string, reserve: Extract<ProductCommand, { type: 'ReserveStock' }>): DomainError | undefined {
    // Not counted as a command: the pre-check it stands for never was.
    return this.runner.refusalOnCache<ProductState>(
      productStream(productId),
      (state) => productDecider.decide(reserve, state),
      (_, state, fresh) => fresh && isListed(state),
    );
  }

  /**
   * A caller's command on the stream; its ids derive from `commandId` (the context's, or one the handler
   * derived from it). `readFacts`: reads other streams' facts into the command before each decision of it.
   */
  decide(
    productId: string,
    command: ProductCommand,
    context: CommandContext,
    commandId = context.commandId,
    readFacts?: () => Promise<void>,
  ): Promise<Executed<ProductState>> {
    return this.runner.executeOnce({
      command: command.type,
      streamId: productStream(productId),
      folder: productDecider,
      decide: (state) => productDecider.decide(command, state),
      metadata: metadataOf(context, commandId),
      eventId: eventIdsOf(commandId),
      recovering: context.idempotency?.recovering ?? false,
      standsWhileFresh,
      readFacts,
    });
  }
}
