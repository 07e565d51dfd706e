import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class OrderDoc {
  @ApiProperty({ format: 'uuid' }) orderId!: string;
  @ApiProperty({ format: 'uuid' }) productId!: string;
  @ApiProperty({ example: 'zan-coffee' }) merchantId!: string;
  @ApiProperty({ example: 'alice' }) buyerId!: string;
  @ApiProperty({ type: 'integer', example: 2 }) quantity!: number;
  @ApiProperty({ type: 'integer', example: 1_800 }) unitPrice!: number;
  @ApiProperty({ type: 'integer', example: 3_600, description: 'Paid, in fen' }) amount!: number;
  @ApiProperty({ type: 'integer', example: 0, description: 'Refunded so far, in fen' }) refunded!: number;
  @ApiProperty({ enum: ['paid', 'partially-refunded', 'refunded'] }) status!: string;
  @ApiPropertyOptional({ type: 'integer', example: 5, description: 'The buyer’s stars, once rated' }) stars?: number;
  @ApiPropertyOptional({
    format: 'uuid',
    description:
      'A group order (one member’s order of a completed group buy; its orderId is the join’s id): its group. Refunded and rated through the order routes like any order once its group is settled',
  })
  groupBuyId?: string;
  @ApiProperty({ format: 'date-time' }) at!: string;
}

export class SalesDayDoc {
  @ApiProperty({ example: '2026-12-06', description: 'Beijing calendar day' }) day!: string;
  @ApiProperty({ type: 'integer', example: 3 }) orders!: number;
  @ApiProperty({ type: 'integer', example: 5_400, description: 'Paid by buyers that day, in fen' }) gross!: number;
  @ApiProperty({ type: 'integer', example: 1_800, description: 'Refunded that day, in fen' }) refunds!: number;
  @ApiProperty({ type: 'integer', example: 3_600, description: 'gross - refunds' }) net!: number;
}

export class SalesDoc {
  @ApiProperty({ type: [SalesDayDoc], description: 'Every day from `from` to `to`, oldest first' }) days!: SalesDayDoc[];
}
