import { ApiProperty } from '@nestjs/swagger';
import { StatsRangeDoc } from '../stats-docs';

export class StatsSalesFiguresDoc {
  @ApiProperty({ type: 'integer', description: 'Orders paid (OrderPlaced)', example: 12 }) orders!: number;
  @ApiProperty({ type: 'integer', description: 'Paid for orders, fen', example: 36_000 }) orderAmount!: number;
  @ApiProperty({ type: 'integer', description: 'Group-buy orders paid to their merchant (GroupBuyPaymentReceived)', example: 6 }) groupBuyOrders!: number;
  @ApiProperty({ type: 'integer', description: 'fen', example: 12_000 }) groupBuyAmount!: number;
  @ApiProperty({ type: 'integer', description: 'Payments by code credited to the merchant (MerchantPaymentReceived)', example: 30 }) codePayments!: number;
  @ApiProperty({ type: 'integer', description: 'fen', example: 45_050 }) codePaymentAmount!: number;
  @ApiProperty({ type: 'integer', description: 'Refunds paid out (OrderRefunded)', example: 2 }) refunds!: number;
  @ApiProperty({ type: 'integer', description: 'fen', example: 3_000 }) refundAmount!: number;
  @ApiProperty({ type: 'integer', description: 'orderAmount + groupBuyAmount + codePaymentAmount, fen', example: 93_050 }) gross!: number;
  @ApiProperty({ type: 'integer', description: 'gross - refundAmount, fen (negative on a day refunds exceed sales)', example: 90_050 }) net!: number;
}

export class StatsSalesDayDoc extends StatsSalesFiguresDoc {
  @ApiProperty({ format: 'date', description: 'The Beijing day', example: '2026-12-06' }) day!: string;
}

export class StatsRankedMerchantDoc {
  @ApiProperty({ example: 'shop-7' }) merchantId!: string;
  @ApiProperty({ type: 'integer', description: 'Net sales in the range (sales less refunds), fen', example: 48_800 }) net!: number;
}

export class StatsMerchantSalesDoc extends StatsRangeDoc {
  @ApiProperty({ type: StatsSalesFiguresDoc, description: 'The whole range' }) totals!: StatsSalesFiguresDoc;
  @ApiProperty({ type: [StatsSalesDayDoc], description: 'One per Beijing day of the range, oldest first, zeros where nothing was sold' })
  days!: StatsSalesDayDoc[];
  @ApiProperty({ type: [StatsRankedMerchantDoc], description: 'Highest net sales first, ties by id' }) topMerchants!: StatsRankedMerchantDoc[];
}
