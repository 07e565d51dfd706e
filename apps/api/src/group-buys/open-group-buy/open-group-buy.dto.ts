import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsString, Max, Min } from 'class-validator';
import { MAX_GROUP_SIZE, MIN_GROUP_SIZE } from '@zan/domain';
import { IsFenAmount } from '../../http/validation';

/** The longest a group buy may stay open: 7 days. */
export const MAX_GROUP_BUY_SECONDS = 604_800;

export class OpenGroupBuyBody {
  @ApiProperty({ format: 'uuid', description: 'One of your products' })
  @IsString()
  productId!: string;

  @ApiProperty({ type: 'integer', minimum: 1, example: 9_900, description: 'What each member pays, in fen' })
  @IsFenAmount()
  groupPrice!: number;

  @ApiProperty({ type: 'integer', minimum: MIN_GROUP_SIZE, maximum: MAX_GROUP_SIZE, example: 3, description: 'Members needed to complete' })
  // Checked bottom up: a string or null is told it is no integer, not that it is out of range.
  @Max(MAX_GROUP_SIZE)
  @Min(MIN_GROUP_SIZE)
  @IsInt({ message: 'groupSize must be an integer' })
  groupSize!: number;

  @ApiProperty({
    type: 'integer',
    minimum: 1,
    maximum: MAX_GROUP_BUY_SECONDS,
    example: 86_400,
    description: 'Unfilled this long after opening, the group fails and every member is refunded',
  })
  @Max(MAX_GROUP_BUY_SECONDS)
  @Min(1)
  @IsInt({ message: 'expiresInSeconds must be an integer' })
  expiresInSeconds!: number;
}

export class GroupBuyOpenedDoc {
  @ApiProperty({ format: 'uuid' }) groupBuyId!: string;
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
  @ApiProperty({ description: 'Global position of GroupBuyOpened', example: '74800000' }) position!: string;
}
