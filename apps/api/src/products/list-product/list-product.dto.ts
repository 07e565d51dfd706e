import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PRODUCT_DESCRIPTION_MAX_LENGTH, PRODUCT_TITLE_MAX_LENGTH } from '@zan/contracts';
import { IsFenAmount, IsFreeText } from '../../http/validation';
import { IsStock } from '../product-fields';

export class ListProductBody {
  @ApiProperty({
    minLength: 1,
    maxLength: PRODUCT_TITLE_MAX_LENGTH,
    example: '拿铁',
    description: `free text: 1..${PRODUCT_TITLE_MAX_LENGTH} Unicode characters, no control characters`,
  })
  @IsFreeText(PRODUCT_TITLE_MAX_LENGTH)
  title!: string;

  @ApiProperty({ type: 'integer', minimum: 1, example: 1_800, description: 'The price of one unit, in fen (1 yuan = 100 fen)' })
  @IsFenAmount()
  price!: number;

  /** Absent: unlimited, like null. */
  @IsStock()
  stock?: number | null;

  @ApiPropertyOptional({
    minLength: 1,
    maxLength: PRODUCT_DESCRIPTION_MAX_LENGTH,
    example: '燕麦奶',
    description: `free text: 1..${PRODUCT_DESCRIPTION_MAX_LENGTH} characters`,
  })
  @IsFreeText(PRODUCT_DESCRIPTION_MAX_LENGTH, { optional: true })
  description?: string;
}

export class ProductListedDoc {
  @ApiProperty({ format: 'uuid', description: 'Minted by Zan' }) productId!: string;
  @ApiProperty({ description: 'Global position of the listing; pass it as `?after=` to read your write', example: '74800000' }) position!: string;
}
