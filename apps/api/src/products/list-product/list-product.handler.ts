import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { assertMerchant } from '@zan/domain';
import {
  PERSONAL_DATA_VAULT,
  ZAN_SECRETS,
  ZAN_VAULT_KEYS,
  keyedHash,
  unguessableId,
  type PersonalDataVault,
  type VaultKeys,
  type ZanSecrets,
} from '@zan/platform';
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
 * ever enters an event this way. The vault's record counts only when it is the identity the wallet's
 * verification hashed: a claim refused after it reached the vault (two requests racing) never names a card.
 */
@CommandHandler(ListProductCommand)
export class ListProductHandler implements ICommandHandler<ListProductCommand> {
  constructor(
    private readonly wallets: WalletStreams,
    private readonly products: ProductStreams,
    @Inject(PERSONAL_DATA_VAULT) private readonly vault: PersonalDataVault,
    @Inject(ZAN_SECRETS) private readonly secrets: ZanSecrets,
    @Inject(ZAN_VAULT_KEYS) private readonly keys: VaultKeys,
  ) {}

  async execute({ context, product }: ListProductCommand) {
    const merchantId = context.userId;
    const wallet = (await this.wallets.load(merchantId)).state;
    assertMerchant(wallet);
    const commandId = context.commandId;
    const productId = unguessableId(this.secrets.idKey, 'product', merchantId, commandId);
    const data = await this.vault.get(merchantId).catch(() => undefined);
    // Shredded, never kept (an admin verified without a request) or not what was verified: the card
    // names the merchant by id.
    const verified = data?.kind === 'business' && wallet.verification?.nameHash === keyedHash(this.keys.hashKey, 'name', data.name);
    const merchantName = verified ? data.name : merchantId;
    const done = await this.products.decide(productId, { type: 'ListProduct', data: { productId, merchantId, merchantName, ...product } }, context);
    return { productId, position: positionOf(done) };
  }
}
