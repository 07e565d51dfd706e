import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { StatsRangeDoc } from '../stats-docs';

export class StatsBucketDoc {
  @ApiProperty({ description: 'The Beijing day (YYYY-MM-DD) or hour (YYYY-MM-DDTHH)', example: '2026-12-06' }) at!: string;
  @ApiProperty({ type: 'integer', description: 'Events stored', example: 1_204 }) events!: number;
  @ApiProperty({ type: 'integer', description: 'Likes given (without cash)', example: 310 }) likes!: number;
  @ApiProperty({ type: 'integer', description: 'Likes taken back', example: 12 }) unlikes!: number;
  @ApiProperty({ type: 'integer', description: 'Tips', example: 87 }) tips!: number;
  @ApiProperty({ type: 'integer', description: 'Sum of the tips, fen', example: 52_800 }) tipAmount!: number;
  @ApiProperty({ type: 'integer', example: 20 }) fundings!: number;
  @ApiProperty({ type: 'integer', description: 'fen', example: 2_000_000 }) fundingAmount!: number;
  @ApiProperty({ type: 'integer', example: 3 }) withdrawals!: number;
  @ApiProperty({ type: 'integer', description: 'fen', example: 150_000 }) withdrawalAmount!: number;
  @ApiProperty({ type: 'integer', example: 9 }) transfers!: number;
  @ApiProperty({ type: 'integer', description: 'fen', example: 12_000 }) transferAmount!: number;
  @ApiProperty({ type: 'integer', description: 'Red packets sent', example: 14 }) redPackets!: number;
  @ApiProperty({ type: 'integer', description: 'fen', example: 28_000 }) redPacketAmount!: number;
  @ApiProperty({ type: 'integer', description: 'Red packet shares claimed', example: 60 }) claims!: number;
  @ApiProperty({ type: 'integer', description: 'fen', example: 25_500 }) claimAmount!: number;
  @ApiProperty({ type: 'integer', description: 'Refunded to senders at expiry, fen', example: 2_500 }) redPacketRefundAmount!: number;
  @ApiProperty({ type: 'integer', description: 'Orders paid', example: 12 }) orders!: number;
  @ApiProperty({ type: 'integer', description: 'fen', example: 36_000 }) orderAmount!: number;
  @ApiProperty({ type: 'integer', description: 'Group-buy orders paid to their merchant', example: 6 }) groupBuyOrders!: number;
  @ApiProperty({ type: 'integer', description: 'fen', example: 12_000 }) groupBuyAmount!: number;
  @ApiProperty({ type: 'integer', description: 'Payments by code credited to a merchant', example: 30 }) codePayments!: number;
  @ApiProperty({ type: 'integer', description: 'fen', example: 45_050 }) codePaymentAmount!: number;
  @ApiProperty({ type: 'integer', description: 'Order refunds paid out', example: 2 }) refunds!: number;
  @ApiProperty({ type: 'integer', description: 'fen', example: 3_000 }) refundAmount!: number;
  @ApiPropertyOptional({ description: 'Days: claims per luck tenth (share ÷ mean share left; the last counts 2 and more)', type: 'integer', isArray: true })
  luck?: number[];
  @ApiPropertyOptional({ description: 'Hours: events per minute, 60 numbers', type: 'integer', isArray: true }) eventsByMinute?: number[];
}

export class StatsSeriesDoc extends StatsRangeDoc {
  @ApiProperty({ type: [StatsBucketDoc], description: 'One bucket per day or hour of the range, oldest first, zeros where nothing happened' })
  buckets!: StatsBucketDoc[];
}
