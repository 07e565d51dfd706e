import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { assertMerchant } from '@zan/domain';
import { PERSONAL_DATA_VAULT, ZAN_SECRETS, unguessableId, type PersonalDataVault, type ZanSecrets } from '@zan/platform';
import type { CommandContext } from '../../command-path/command-context';
import { ProductStreams } from '../../command-path/product-streams';
import { positionOf } from '../../command-path/execution';
import { WalletStreams } from '../../command-path/wallet-streams';

export class ListProductCommand extends Command<{ productId: string; position: string }> {
  constructor(
    readonly context: CommandContext,
    readonly product: { title: string; price: number; stock: number | null; description?: string },
  ) {
    super();
  }
}

/**
 * A merchant (a verified business wallet) lists a product. The card shows the merchant's company
 * name: a business's registered name, read from the personal data vault where the business
 * verification put it, and carried by ProductListed. Only businesses list, so no individual's name
 * ever enters an event this way.
 */
@CommandHandler(ListProductCommand)
export class ListProductHandler implements ICommandHandler<ListProductCommand> {
  constructor(
    private readonly wallets: WalletStreams,
    private readonly products: ProductStreams,
    @Inject(PERSONAL_DATA_VAULT) private readonly vault: PersonalDataVault,
    @Inject(ZAN_SECRETS) private readonly secrets: ZanSecrets,
  ) {}

  async execute({ context, product }: ListProductCommand) {
    const merchantId = context.userId;
    assertMerchant((await this.wallets.load(merchantId)).state);
    const commandId = context.commandId;
    const productId = unguessableId(this.secrets.idKey, 'product', merchantId, commandId);
    const data = await this.vault.get(merchantId).catch(() => undefined);
    // Shredded or never kept (an admin verified without a request): the card names the merchant by id.
    const merchantName = data?.kind === 'business' ? data.name : merchantId;
    const done = await this.products.decide(productId, { type: 'ListProduct', data: { productId, merchantId, merchantName, ...product } }, context);
    return { productId, position: positionOf(done) };
  }
}
