import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiCreatedResponse, ApiOperation, ApiParam, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';
import { type CommandContext, Ctx } from '../../command-path/command-context';
import { AUTHENTICATED, ApiProblems } from '../../http/openapi';
import { requireOrderId } from '../order-id';
import { RateOrderCommand } from './rate-order.handler';
import { RateLimited } from '../../http/rate-limit';

export class RateOrderBody {
  @ApiProperty({ type: 'integer', minimum: 1, maximum: 5, example: 5 })
  // Checked bottom up: a string or null is told it is no integer, not that it is out of range.
  @Max(5)
  @Min(1)
  @IsInt({ message: 'stars must be an integer' })
  stars!: number;
}

export class OrderRatedDoc {
  @ApiProperty({ format: 'uuid' }) orderId!: string;
  @ApiProperty({ type: 'integer', example: 5 }) stars!: number;
  @ApiProperty({ example: '74800000' }) position!: string;
}

@ApiTags('orders')
@ApiBearerAuth('bearer')
@Controller('v1/orders')
export class RateOrderController {
  constructor(private readonly commands: CommandBus) {}

  @Post(':id/rating')
  @RateLimited()
  @HttpCode(201)
  @ApiOperation({
    summary:
      'Rate an order you paid for, once (OrderRated): the product’s and the merchant’s ratings count it. A group buy’s order too, once its group is settled',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiCreatedResponse({ type: OrderRatedDoc })
  @ApiProblems(...AUTHENTICATED, 'validation', 'order-not-found', 'not-your-order', 'already-rated', 'rate-limited')
  rate(@Ctx() context: CommandContext, @Param('id') id: string, @Body() body: RateOrderBody) {
    requireOrderId(id);
    return this.commands.execute(new RateOrderCommand(context, id, body.stars));
  }
}
