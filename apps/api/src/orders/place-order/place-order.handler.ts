import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { ProductStockReserved, StoredEvent } from '@zan/contracts';
import { InsufficientFunds, assertMerchant, isMerchant, product as productRules, wallet as walletRules, type ReserveStock } from '@zan/domain';
import { CLOCK, ZAN_SECRETS, unguessableId, type Clock, type ZanSecrets } from '@zan/platform';
import type { CommandContext } from '../../command-path/command-context';
import { OrderSaga } from '../../command-path/order-saga';
import { ProductStreams } from '../../command-path/product-streams';
import { WalletStreams } from '../../command-path/wallet-streams';
import { refusalOf } from '../declined';

export class PlaceOrderCommand extends Command<{ orderId: string; amount: number; status: 'paid'; balance: number; position: string }> {
  constructor(
    readonly context: CommandContext,
    readonly productId: string,
    readonly quantity: number,
    readonly expectedPrice: number,
  ) {
    super();
  }
}

/**
 * The Buy button (docs/commerce.md): (1) the units are reserved on the product's stream, (2) the
 * buyer's wallet pays them (OrderPlaced) or the payment is declined and the units go back, (3) the
 * order gets its own stream; the credits process manager credits the merchant and redoes any step a
 * crash cut short. A refusal the product or the wallet can give before anything is stored is given first.
 */
@CommandHandler(PlaceOrderCommand)
export class PlaceOrderHandler implements ICommandHandler<PlaceOrderCommand> {
  constructor(
    private readonly products: ProductStreams,
    private readonly wallets: WalletStreams,
    private readonly saga: OrderSaga,
    @Inject(ZAN_SECRETS) private readonly secrets: ZanSecrets,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ context, productId, quantity, expectedPrice }: PlaceOrderCommand) {
    const buyerId = context.userId;
    const commandId = context.commandId;
    const orderId = unguessableId(this.secrets.idKey, 'order', buyerId, commandId);
    const recovering = context.idempotency?.recovering ?? false;
    const product = await this.products.loadForOrder(productId);
    const card = { type: 'ReserveStock' as const, data: { productId, orderId, buyerId, quantity, expectedPrice } };
    // Nothing stored for a buyer who cannot pay: the card's refusals first (404, 410, 409), then the funds and limits.
    if (!recovering) productRules.decide(card, product.state);
    // Orders are for verified business wallets: a merchant an admin has since rejected sells no more (422
    // not-a-merchant). A fact of the reservation's decision, so that a recovery (which skips the
    // pre-checks) that finds nothing stored asks it too.
    const merchantId = product.state.status === 'none' ? undefined : product.state.merchantId;
    const merchant = merchantId === undefined ? undefined : (await this.wallets.load(merchantId)).state;
    const reserve: ReserveStock = merchant ? { ...card, data: { ...card.data, merchant: isMerchant(merchant) } } : card;
    // Read again before each decision of the reservation (one made after a conflict included): an admin
    // may reject the merchant meanwhile, maybe on another replica. A cached reading stands while the
    // store confirmed it moments ago (FRESH_MS), as a payment by code's.
    const readMerchant =
      merchantId === undefined
        ? undefined
        : async () => {
            reserve.data.merchant = isMerchant((await this.wallets.load(merchantId, { whileFresh: isMerchant })).state);
          };
    if (!recovering) {
      if (merchant) assertMerchant(merchant);
      const wallet = await this.wallets.load(buyerId);
      if (wallet.state.balance < expectedPrice * quantity) {
        throw new InsufficientFunds(`balance is ${wallet.state.balance} fen, ${expectedPrice * quantity} fen needed`);
      }
      // The tier's limits too (per payment, day, year): a refusal stores nothing, like a transfer's.
      walletRules.requireWithinLimits(wallet.state, expectedPrice * quantity, { ...this.wallets.decideContext, now: this.clock.now().toISOString() });
    }
    const reserved = await this.products.decide(productId, reserve, context, context.commandId, readMerchant);
    const reservation = reserved.events[0] as StoredEvent<ProductStockReserved>;
    const paid = await this.saga.payOrder(reservation);
    if (!paid) throw new Error('the order saga answered no outcome');
    if ('declined' in paid) {
      await this.saga.releaseStock(paid.declined);
      throw refusalOf(paid.declined.data.reason, `the order could not be paid (${paid.declined.data.reason}); nothing was taken`);
    }
    await this.saga.openOrder(paid.paid);
    // The buyer's balance right after this order's debit, not a reading now (which would carry later
    // credits, and differ when a retry after a crash rebuilds the answer).
    return { orderId, amount: paid.paid.data.amount, status: 'paid' as const, balance: paid.balance, position: paid.position.toString() };
  }
}
