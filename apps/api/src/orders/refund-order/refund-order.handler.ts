import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { OrderRefundRequested, StoredEvent } from '@zan/contracts';
import { InsufficientFunds, order as orderRules } from '@zan/domain';
import { ZAN_SECRETS, unguessableId, type ZanSecrets } from '@zan/platform';
import type { CommandContext } from '../../command-path/command-context';
import { OrderSaga } from '../../command-path/order-saga';
import { OrderStreams } from '../../command-path/order-streams';
import { WalletStreams } from '../../command-path/wallet-streams';
import { refusalOf } from '../declined';

export class RefundOrderCommand extends Command<{ refundId: string; refunded: number; position: string }> {
  constructor(
    readonly context: CommandContext,
    readonly isAdmin: boolean,
    readonly orderId: string,
    readonly amount: number,
    readonly reason?: string,
  ) {
    super();
  }
}

/**
 * A refund (docs/commerce.md): (1) its amount is reserved on the order's stream (the refunds never sum
 * past what was paid), (2) the merchant's wallet pays it (OrderRefunded) or declines it and the amount
 * is released; the credits process manager credits the buyer (OrderRefundReceived).
 */
@CommandHandler(RefundOrderCommand)
export class RefundOrderHandler implements ICommandHandler<RefundOrderCommand> {
  constructor(
    private readonly orders: OrderStreams,
    private readonly wallets: WalletStreams,
    private readonly saga: OrderSaga,
    @Inject(ZAN_SECRETS) private readonly secrets: ZanSecrets,
  ) {}

  async execute({ context, isAdmin, orderId, amount, reason }: RefundOrderCommand) {
    const commandId = context.commandId;
    const refundId = unguessableId(this.secrets.idKey, 'refund', orderId, commandId);
    const request = {
      type: 'RequestRefund' as const,
      data: { orderId, refundId, requestedBy: context.userId, byAdmin: isAdmin, amount, ...(reason !== undefined && { reason }) },
    };
    const recovering = context.idempotency?.recovering ?? false;
    if (!recovering) {
      // The order's refusals first (404, 403, 422), then the merchant's balance: nothing stored for either.
      const order = await this.orders.load(orderId);
      orderRules.decide(request, order.state);
      if (order.state.status !== 'none') {
        const merchant = await this.wallets.load(order.state.merchantId);
        if (merchant.state.balance < amount) throw new InsufficientFunds(`the merchant's balance is ${merchant.state.balance} fen, ${amount} fen needed`);
      }
    }
    const requested = await this.orders.decide(orderId, request, context);
    const paid = await this.saga.payRefund(requested.events[0] as StoredEvent<OrderRefundRequested>);
    if (!paid) throw new Error('the refund saga answered no outcome');
    if ('declined' in paid) {
      await this.saga.releaseRefund(paid.declined);
      throw refusalOf(paid.declined.data.reason, `the merchant's wallet could not pay the refund (${paid.declined.data.reason}); nothing was refunded`);
    }
    const refunded = requested.state.status === 'none' ? amount : requested.state.refunded;
    return { refundId, refunded, position: paid.position.toString() };
  }
}
