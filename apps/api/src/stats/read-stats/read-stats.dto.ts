import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { StatsRangeDoc } from '../stats-docs';

export class StatsBucketDoc {
  @ApiProperty({ description: 'The Beijing day (YYYY-MM-DD) or hour (YYYY-MM-DDTHH)', example: '2026-12-06' }) at!: string;
  @ApiProperty({ description: 'Events stored', example: 1_204 }) events!: number;
  @ApiProperty({ description: 'Likes given (without cash)', example: 310 }) likes!: number;
  @ApiProperty({ description: 'Likes taken back', example: 12 }) unlikes!: number;
  @ApiProperty({ description: 'Tips', example: 87 }) tips!: number;
  @ApiProperty({ description: 'Sum of the tips, fen', example: 52_800 }) tipAmount!: number;
  @ApiProperty({ example: 20 }) fundings!: number;
  @ApiProperty({ description: 'fen', example: 2_000_000 }) fundingAmount!: number;
  @ApiProperty({ example: 3 }) withdrawals!: number;
  @ApiProperty({ description: 'fen', example: 150_000 }) withdrawalAmount!: number;
  @ApiProperty({ example: 9 }) transfers!: number;
  @ApiProperty({ description: 'fen', example: 12_000 }) transferAmount!: number;
  @ApiProperty({ description: 'Red packets sent', example: 14 }) redPackets!: number;
  @ApiProperty({ description: 'fen', example: 28_000 }) redPacketAmount!: number;
  @ApiProperty({ description: 'Red packet shares claimed', example: 60 }) claims!: number;
  @ApiProperty({ description: 'fen', example: 25_500 }) claimAmount!: number;
  @ApiProperty({ description: 'Refunded to senders at expiry, fen', example: 2_500 }) redPacketRefundAmount!: number;
  @ApiProperty({ description: 'Orders paid', example: 12 }) orders!: number;
  @ApiProperty({ description: 'fen', example: 36_000 }) orderAmount!: number;
  @ApiProperty({ description: 'Group-buy orders paid to their merchant', example: 6 }) groupBuyOrders!: number;
  @ApiProperty({ description: 'fen', example: 12_000 }) groupBuyAmount!: number;
  @ApiProperty({ description: 'Payments by code credited to a merchant', example: 30 }) codePayments!: number;
  @ApiProperty({ description: 'fen', example: 45_050 }) codePaymentAmount!: number;
  @ApiProperty({ description: 'Order refunds paid out', example: 2 }) refunds!: number;
  @ApiProperty({ description: 'fen', example: 3_000 }) refundAmount!: number;
  @ApiPropertyOptional({ description: 'Days: claims per luck tenth (share ÷ mean share left; the last counts 2 and more)', type: [Number] }) luck?: number[];
  @ApiPropertyOptional({ description: 'Hours: events per minute, 60 numbers', type: [Number] }) eventsByMinute?: number[];
}

export class StatsSeriesDoc extends StatsRangeDoc {
  @ApiProperty({ type: [StatsBucketDoc], description: 'One bucket per day or hour of the range, oldest first, zeros where nothing happened' })
  buckets!: StatsBucketDoc[];
}
