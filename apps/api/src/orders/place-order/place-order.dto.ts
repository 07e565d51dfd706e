import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsString, Max, Min } from 'class-validator';
import { MAX_ORDER_QUANTITY } from '@zan/domain';
import { IsFenAmount } from '../../http/validation';

export class PlaceOrderBody {
  @ApiProperty({ format: 'uuid', description: 'The product card’s productId' })
  @IsString()
  productId!: string;

  @ApiProperty({ type: 'integer', minimum: 1, maximum: MAX_ORDER_QUANTITY, example: 2 })
  // Checked bottom up: a string or null is told it is no integer, not that it is out of range.
  @Max(MAX_ORDER_QUANTITY)
  @Min(1)
  @IsInt({ message: 'quantity must be an integer' })
  quantity!: number;

  @ApiProperty({ type: 'integer', minimum: 1, example: 1_800, description: 'The unit price the card showed, in fen: another price now is a 409 price-changed' })
  @IsFenAmount()
  expectedPrice!: number;
}

export class OrderPlacedDoc {
  @ApiProperty({ format: 'uuid' }) orderId!: string;
  @ApiProperty({ type: 'integer', example: 3_600, description: 'What you paid, in fen (quantity x price)' }) amount!: number;
  @ApiProperty({ enum: ['paid'] }) status!: 'paid';
  @ApiProperty({ type: 'integer', example: 6_400, description: 'Your balance after paying' }) balance!: number;
  @ApiProperty({ description: 'Global position of your payment; `?after=` it covers the merchant’s credit too', example: '74800000' }) position!: string;
}
