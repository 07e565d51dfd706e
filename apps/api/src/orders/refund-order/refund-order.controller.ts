import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiCreatedResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { CurrentUser, type Principal } from '../../auth/auth.guard';
import { type CommandContext, Ctx } from '../../command-path/command-context';
import { ApiProblems, MONEY_MOVING } from '../../http/openapi';
import { Idempotent } from '../../http/idempotent-route';
import { requireOrderId } from '../order-id';
import { OrderRefundedDoc, RefundOrderBody } from './refund-order.dto';
import { RefundOrderCommand } from './refund-order.handler';

@ApiTags('orders')
@ApiBearerAuth('bearer')
@Controller('v1/orders')
export class RefundOrderController {
  constructor(private readonly commands: CommandBus) {}

  @Post(':id/refunds')
  @HttpCode(201)
  @Idempotent()
  @ApiOperation({
    summary:
      'Refund an order, partly or fully (OrderRefunded from the merchant’s wallet; the buyer is credited by OrderRefundReceived); the order’s merchant or an admin. A group buy’s order too, once its group is settled (404 order-not-found before)',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiCreatedResponse({ type: OrderRefundedDoc })
  @ApiProblems(...MONEY_MOVING, 'order-not-found', 'not-your-order', 'refund-exceeds-payment', 'insufficient-funds')
  refund(@Ctx() context: CommandContext, @CurrentUser() user: Principal, @Param('id') id: string, @Body() body: RefundOrderBody) {
    requireOrderId(id);
    return this.commands.execute(new RefundOrderCommand(context, user.isAdmin, id, body.amount, body.reason));
  }
}
