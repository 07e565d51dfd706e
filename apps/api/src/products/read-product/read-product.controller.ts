import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ProductNotFound } from '@zan/domain';
import { READ_MODEL_STORE, type ReadModelStore } from '@zan/read-models';
import { AUTHENTICATED, ApiProblems } from '../../http/openapi';
import { ReadYourWrites } from '../../queries/read-your-writes';
import { VerifiedNames } from '../../verification/verified-names';
import { requireProductId } from '../product-id';
import { ProductCardDoc } from './read-product.dto';

@ApiTags('products')
@ApiBearerAuth('bearer')
@Controller('v1/products')
export class ReadProductController {
  constructor(
    @Inject(READ_MODEL_STORE) private readonly store: ReadModelStore,
    private readonly readYourWrites: ReadYourWrites,
    private readonly names: VerifiedNames,
  ) {}

  @Get(':id')
  @ApiOperation({ summary: 'The product card: price, stock left, units sold, the product’s and the merchant’s ratings, the merchant’s name' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiQuery({ name: 'after', required: false, type: String, description: 'A position from a command answer: wait until the read models have applied it' })
  @ApiOkResponse({ type: ProductCardDoc })
  @ApiProblems(...AUTHENTICATED, 'validation', 'read-model-behind', 'product-not-found')
  async product(@Param('id') id: string, @Query('after') after?: string) {
    requireProductId(id);
    await this.readYourWrites.waitFor(after);
    const card = await this.store.product(id);
    if (!card) throw new ProductNotFound(`no product ${id}`);
    // The read model keeps the name masked, as the events do: in clear only while the vault holds it.
    return { ...card, merchantName: await this.names.shown(card.merchantId, card.merchantName) };
  }
}
