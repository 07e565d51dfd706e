import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type CommandContext, Ctx } from '../../command-path/command-context';
import { ApiProblems, MONEY_MOVING } from '../../http/openapi';
import { Idempotent } from '../../http/idempotent-route';
import { requireProductId } from '../../products/product-id';
import { OrderPlacedDoc, PlaceOrderBody } from './place-order.dto';
import { PlaceOrderCommand } from './place-order.handler';
import { OrderRefusedUpFront } from './place-order.refusal';

@ApiTags('orders')
@ApiBearerAuth('bearer')
@Controller('v1/orders')
export class PlaceOrderController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @HttpCode(201)
  @Idempotent({ refusedUpFront: OrderRefusedUpFront })
  @ApiOperation({ summary: 'Buy (OrderPlaced): the stock is taken and your wallet debited; the merchant is credited (OrderPaymentReceived)' })
  @ApiCreatedResponse({ type: OrderPlacedDoc })
  @ApiProblems(
    ...MONEY_MOVING,
    'product-not-found',
    'product-delisted',
    'sold-out',
    'price-changed',
    'insufficient-funds',
    'amount-out-of-range',
    'daily-limit-exceeded',
    'annual-limit-exceeded',
    'self-payment',
    'not-a-merchant',
  )
  place(@Ctx() context: CommandContext, @Body() body: PlaceOrderBody) {
    requireProductId(body.productId);
    return this.commands.execute(new PlaceOrderCommand(context, body.productId, body.quantity, body.expectedPrice));
  }
}
