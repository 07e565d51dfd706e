import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type CommandContext, Ctx } from '../../command-path/command-context';
import { AUTHENTICATED, ApiProblems } from '../../http/openapi';
import { Idempotent } from '../../http/idempotent-route';
import { ListProductBody, ProductListedDoc } from './list-product.dto';
import { ListProductCommand } from './list-product.handler';
import { RateLimited } from '../../http/rate-limit';

@ApiTags('merchants')
@ApiBearerAuth('bearer')
@Controller('v1/merchants/me/products')
export class ListProductController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @RateLimited()
  @HttpCode(201)
  @Idempotent({ optional: true })
  @ApiOperation({ summary: 'List a product for sale (ProductListed); you must be a merchant: a verified business wallet' })
  @ApiCreatedResponse({ type: ProductListedDoc })
  @ApiProblems(...AUTHENTICATED, 'validation', 'not-a-merchant', 'idempotency-key-invalid', 'idempotency-key-reused', 'request-in-progress', 'rate-limited')
  list(@Ctx() context: CommandContext, @Body() body: ListProductBody) {
    const { title, price, stock, description } = body;
    return this.commands.execute(new ListProductCommand(context, { title, price, stock: stock ?? null, ...(description !== undefined && { description }) }));
  }
}
