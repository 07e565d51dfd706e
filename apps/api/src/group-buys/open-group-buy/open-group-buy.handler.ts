import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { GroupBuyOpened, StoredEvent } from '@zan/contracts';
import { assertMerchant, decideReserveGroupStock, ProductGone, ProductNotFound, type ReserveGroupStock } from '@zan/domain';
import { CLOCK, type Clock, ZAN_SECRETS, unguessableId, type ZanSecrets } from '@zan/platform';
import type { CommandContext } from '../../command-path/command-context';
import { GroupBuyStreams } from '../../command-path/group-buy-streams';
import { positionOf } from '../../command-path/execution';
import { deterministicId } from '../../command-path/ids';
import { ProductStreams } from '../../command-path/product-streams';
import { WalletStreams } from '../../command-path/wallet-streams';
import { ExpiryScheduler } from '../../process-managers/expiry.scheduler';
import type { GroupBuyOpenedDoc } from './open-group-buy.dto';

export class OpenGroupBuyCommand extends Command<GroupBuyOpenedDoc> {
  constructor(
    readonly context: CommandContext,
    readonly productId: string,
    readonly groupPrice: number,
    readonly groupSize: number,
    readonly expiresInSeconds: number,
  ) {
    super();
  }
}

/**
 * A merchant opens a group deal on one of its listed products (GroupBuyOpened), and its deadline's
 * durable timer is set at once (the credits process manager sets it too, should this process die).
 */
@CommandHandler(OpenGroupBuyCommand)
export class OpenGroupBuyHandler implements ICommandHandler<OpenGroupBuyCommand> {
  constructor(
    private readonly wallets: WalletStreams,
    private readonly products: ProductStreams,
    private readonly groupBuys: GroupBuyStreams,
    private readonly expiries: ExpiryScheduler,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ZAN_SECRETS) private readonly secrets: ZanSecrets,
  ) {}

  async execute({ context, productId, groupPrice, groupSize, expiresInSeconds }: OpenGroupBuyCommand): Promise<GroupBuyOpenedDoc> {
    const merchantId = context.userId;
    assertMerchant((await this.wallets.load(merchantId)).state);
    const product = (await this.products.load(productId)).state;
    // Another merchant's product is no product of yours: 404, as for an unknown one.
    if (product.status === 'none' || product.merchantId !== merchantId) throw new ProductNotFound(`you have no product ${productId}`);
    if (product.status === 'delisted') throw new ProductGone(`product ${productId} is delisted`);
    // Whoever knows the id can join: keyed, so the merchant and Idempotency-Key alone do not give it away.
    const groupBuyId = unguessableId(this.secrets.idKey, 'group-buy', merchantId, context.commandId);
    // The deal takes its units first (its members' orders come out of the stock like any order's):
    // a stock short of the group's size is 410 sold-out, with nothing stored when the state shows it.
    const reserve: ReserveGroupStock = { type: 'ReserveGroupStock', data: { productId, merchantId, groupBuyId, quantity: groupSize } };
    decideReserveGroupStock(reserve, product);
    await this.products.decide(productId, reserve, context, deterministicId(context.commandId, 'group-stock'));
    const expiresAt = new Date(this.clock.now().getTime() + expiresInSeconds * 1000).toISOString();
    const done = await this.groupBuys.decide(
      groupBuyId,
      { type: 'OpenGroupBuy', data: { groupBuyId, productId, merchantId, groupPrice, groupSize, expiresAt } },
      context,
    );
    const opened = done.events.find((event) => event.type === 'GroupBuyOpened') as StoredEvent<GroupBuyOpened> | undefined;
    if (opened) await this.expiries.scheduleGroupBuy(opened);
    const state = done.state;
    // A retried request answers the deal it opened the first time.
    return { groupBuyId, expiresAt: state.status === 'none' ? expiresAt : state.expiresAt, position: positionOf(done) };
  }
}
