import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMinSize, ArrayUnique, IsArray, IsIn, IsInt, IsString, Matches, Min, ValidateIf } from 'class-validator';
import { BALANCE, FEN, POSITION, UUID_EXAMPLE, freeText } from '../../http/dto-fields';
import { IsFenAmount, IsFreeText, ID_MESSAGE, ID_PATTERN } from '../../http/validation';

export class RedPacketBody {
  @ApiProperty({ ...FEN, example: 1_000, description: `${FEN.description}; the total, 1..20000 fen by default, at least 1 fen per share` })
  @IsFenAmount()
  amount!: number;

  @ApiProperty({ type: 'integer', minimum: 1, example: 3, description: '1..100 shares by default' })
  // Above the configured most it is the decider's 422, as 101 is; the first rule checked is the last here.
  @Min(1)
  @IsInt({ message: 'shares must be an integer' })
  shares!: number;

  @ApiProperty({ enum: ['lucky', 'equal'], example: 'lucky', description: 'lucky: random shares; equal: the same share each' })
  @IsIn(['lucky', 'equal'], { message: 'mode must be "lucky" or "equal"' })
  mode!: 'lucky' | 'equal';

  @ApiPropertyOptional({ ...freeText(100), example: '恭喜发财' })
  @IsFreeText(100, { optional: true })
  greeting?: string;

  @ApiPropertyOptional({
    type: [String],
    minItems: 1,
    uniqueItems: true,
    example: ['bob', 'carol', 'dave'],
    description:
      'Only these users may claim (not you); omit for a packet anyone with its id can claim. At least `shares` of them, at most 5 per allowed share (500 by default; more: 422)',
  })
  // Optional means absent: a null is refused here, with the field named, like any other non-list.
  @ValidateIf((_body: object, value: unknown) => value !== undefined)
  @ArrayMinSize(1)
  // No fixed most here: it follows the configured shares (RECIPIENTS_PER_MAX_SHARE), the decider's 422.
  @ArrayUnique()
  @IsString({ each: true })
  @Matches(ID_PATTERN, { each: true, message: `each recipient ${ID_MESSAGE}` })
  // The rule checked first is the last listed: no list says so before its elements are judged.
  @IsArray({ message: 'recipients must be a list of user ids' })
  recipients?: string[];
}

export class RedPacketSentDoc {
  @ApiProperty({ format: 'uuid', example: UUID_EXAMPLE }) redPacketId!: string;
  @ApiProperty({ format: 'date-time', description: 'Unclaimed shares go back to the sender then', example: '2026-02-11T08:00:00.000Z' }) expiresAt!: string;
  @ApiProperty(BALANCE) balance!: number;
  @ApiProperty(POSITION) position!: string;
}
