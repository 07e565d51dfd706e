import { Body, Controller, Param, Patch } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { type CommandContext, Ctx } from '../../command-path/command-context';
import { AUTHENTICATED, ApiProblems } from '../../http/openapi';
import { badRequest } from '../../http/validation';
import { requireProductId } from '../product-id';
import { ChangeProductBody, ProductChangedDoc } from './change-product.dto';
import { ChangeProductCommand } from './change-product.handler';
import { RateLimited } from '../../http/rate-limit';

@ApiTags('merchants')
@ApiBearerAuth('bearer')
@Controller('v1/merchants/me/products')
export class ChangeProductController {
  constructor(private readonly commands: CommandBus) {}

  @Patch(':id')
  @RateLimited()
  @ApiOperation({ summary: 'Reprice (ProductRepriced) and/or restock (ProductRestocked) one of your products' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: ProductChangedDoc })
  @ApiProblems(...AUTHENTICATED, 'validation', 'product-not-found', 'not-the-product-merchant', 'product-delisted', 'rate-limited')
  change(@Ctx() context: CommandContext, @Param('id') id: string, @Body() body: ChangeProductBody) {
    requireProductId(id);
    if (body.price === undefined && body.stock === undefined) throw badRequest('body', 'give a price, a stock, or both');
    return this.commands.execute(new ChangeProductCommand(context, id, { price: body.price, stock: body.stock }));
  }
}
