import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsFenAmount } from '../../http/validation';
import { IsStock } from '../product-fields';
import { ValidateIf } from 'class-validator';

export class ChangeProductBody {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, example: 2_000, description: 'A new price, in fen (ProductRepriced)' })
  @ValidateIf((_body: object, value: unknown) => value !== undefined)
  @IsFenAmount()
  price?: number;

  /** Absent: unchanged. null: unlimited (ProductRestocked). */
  @IsStock()
  stock?: number | null;
}

export class ProductChangedDoc {
  @ApiProperty({ format: 'uuid' }) productId!: string;
  @ApiProperty({ type: 'integer', example: 2_000 }) price!: number;
  @ApiProperty({ type: 'integer', nullable: true, example: 100, description: 'Units left; null: unlimited' }) stock!: number | null;
  @ApiProperty({ description: 'Global position of the last change; pass it as `?after=` to read your write', example: '74800000' }) position!: string;
}
