import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { assertMerchant } from '@zan/domain';
import { ZAN_SECRETS, maskName, unguessableId, type ZanSecrets } from '@zan/platform';
import type { CommandContext } from '../../command-path/command-context';
import { ProductStreams } from '../../command-path/product-streams';
import { positionOf } from '../../command-path/execution';
import { WalletStreams } from '../../command-path/wallet-streams';
import { VerifiedNames } from '../../verification/verified-names';

export class ListProductCommand extends Command<{ productId: string; position: string }> {
  constructor(
    readonly context: CommandContext,
    readonly product: { title: string; price: number; stock: number | null; description?: string },
  ) {
    super();
  }
}

/**
 * A merchant (a verified business wallet) lists a product. ProductListed carries the merchant's
 * company name masked (personal data never enters the event log in clear); the card shows it in
 * clear while the vault holds it (VerifiedNames). Without a verified name kept (shredded, an admin
 * verified without a request, a vault record that is not what was verified): the merchant's id.
 */
@CommandHandler(ListProductCommand)
export class ListProductHandler implements ICommandHandler<ListProductCommand> {
  constructor(
    private readonly wallets: WalletStreams,
    private readonly products: ProductStreams,
    private readonly names: VerifiedNames,
    @Inject(ZAN_SECRETS) private readonly secrets: ZanSecrets,
  ) {}

  async execute({ context, product }: ListProductCommand) {
    const merchantId = context.userId;
    const wallet = (await this.wallets.load(merchantId)).state;
    assertMerchant(wallet);
    const commandId = context.commandId;
    const productId = unguessableId(this.secrets.idKey, 'product', merchantId, commandId);
    const name = await this.names.businessName(wallet, merchantId);
    const merchantName = name !== undefined ? maskName(name) : merchantId;
    const done = await this.products.decide(productId, { type: 'ListProduct', data: { productId, merchantId, merchantName, ...product } }, context);
    return { productId, position: positionOf(done) };
  }
}
