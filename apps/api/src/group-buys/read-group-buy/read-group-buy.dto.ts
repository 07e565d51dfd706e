import { ApiProperty } from '@nestjs/swagger';

export class GroupBuyDoc {
  @ApiProperty({ format: 'uuid' }) groupBuyId!: string;
  @ApiProperty({ format: 'uuid' }) productId!: string;
  @ApiProperty({ type: 'integer', example: 9_900, description: 'What each member pays, in fen' }) groupPrice!: number;
  @ApiProperty({ type: 'integer', example: 3 }) groupSize!: number;
  @ApiProperty({ type: 'integer', example: 2, description: 'Members so far' }) members!: number;
  @ApiProperty({ enum: ['open', 'completed', 'failed'] }) status!: 'open' | 'completed' | 'failed';
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
}
