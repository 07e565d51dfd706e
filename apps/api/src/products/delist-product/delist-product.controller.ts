import { Body, Controller, Delete, HttpCode, Param, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiNoContentResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { type CommandContext, Ctx } from '../../command-path/command-context';
import { AUTHENTICATED, ApiProblems } from '../../http/openapi';
import { requireProductId } from '../product-id';
import { DelistProductCommand } from './delist-product.handler';
import { requireNoBody } from '../../http/validation';
import { RateLimited } from '../../http/rate-limit';

@ApiTags('merchants')
@ApiBearerAuth('bearer')
@Controller('v1/merchants/me/products')
export class DelistProductController {
  constructor(private readonly commands: CommandBus) {}

  @Delete(':id')
  @RateLimited()
  @HttpCode(204)
  @ApiOperation({ summary: 'Delist one of your products, for good (ProductDelisted); its position is in the Zan-Position header' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiNoContentResponse({
    description: 'Delisted (or delisted already)',
    headers: { 'Zan-Position': { description: 'Pass as `?after=` to read your write', schema: { type: 'string' } } },
  })
  @ApiProblems(...AUTHENTICATED, 'validation', 'product-not-found', 'not-the-product-merchant', 'rate-limited')
  async delist(
    @Ctx() context: CommandContext,
    @Param('id') id: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<void> {
    requireNoBody(body);
    requireProductId(id);
    const { position } = await this.commands.execute(new DelistProductCommand(context, id));
    response.header('Zan-Position', position);
  }
}
