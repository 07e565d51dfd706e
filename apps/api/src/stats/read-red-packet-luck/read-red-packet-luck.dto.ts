import { ApiProperty } from '@nestjs/swagger';
import { StatsRangeDoc } from '../stats-docs';

export class LuckBucketDoc {
  @ApiProperty({ description: 'Luck from (share ÷ mean share left when claimed)', example: 0.9 }) from!: number;
  @ApiProperty({ description: 'Luck up to, excluded; null for the last bucket (2 and more)', example: 1, nullable: true, type: Number }) to!: number | null;
  @ApiProperty({ type: 'integer', description: 'Claims in this bucket', example: 17 }) claims!: number;
}

export class LuckyClaimDoc {
  @ApiProperty({ format: 'date', example: '2026-12-06' }) day!: string;
  @ApiProperty({ example: '0f8fad5b-d9cb-469f-a165-70867728950e' }) redPacketId!: string;
  @ApiProperty({ example: 'carol' }) userId!: string;
  @ApiProperty({ type: 'integer', description: 'The share, fen', example: 1_880 }) amount!: number;
  @ApiProperty({ description: 'Share ÷ mean share left when claimed', example: 1.88 }) luck!: number;
}

export class RedPacketLuckDoc extends StatsRangeDoc {
  @ApiProperty({ type: 'integer', description: 'Claims in the range', example: 120 }) claims!: number;
  @ApiProperty({ type: [LuckBucketDoc], description: '21 buckets of a tenth each; the last holds 2 and more' }) histogram!: LuckBucketDoc[];
  @ApiProperty({ type: [LuckyClaimDoc], description: 'The luckiest claims, luckiest first' }) best!: LuckyClaimDoc[];
}
