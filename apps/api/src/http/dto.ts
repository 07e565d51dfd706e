import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsBoolean, IsIn, IsInt, IsString, Matches, Max, Min, ValidateIf } from 'class-validator';
import { IsFenAmount, IsFreeText, ID_MESSAGE, ID_PATTERN } from './validation';

const ID = { pattern: ID_PATTERN.source, maxLength: 128 };
const freeText = (maxLength: number) => ({ minLength: 1, maxLength, description: `free text: 1..${maxLength} Unicode characters, no control characters` });
const FEN = { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'in fen (1 yuan = 100 fen): a JSON integer, never a string' } as const;

/**
 * Request bodies. Unknown fields are rejected, nothing is coerced (see strictValidationPipe).
 * The @ApiProperty examples are what the OpenAPI document shows; limits are the configurable defaults.
 */
export class OpenWalletBody {
  @ApiProperty({ enum: ['individual', 'business'], example: 'individual', description: 'Only an individual wallet with a personal card can be tipped' })
  @IsIn(['individual', 'business'], { message: 'kind must be "individual" or "business"' })
  kind!: 'individual' | 'business';
}

export class LinkCardBody {
  @ApiProperty({ ...ID, example: 'icbc-6222' })
  @IsString()
  @Matches(ID_PATTERN, { message: `cardId ${ID_MESSAGE}` })
  cardId!: string;

  @ApiProperty({ example: true, description: 'A personal card (not a company one); tips need one' })
  @IsBoolean({ message: 'personal must be true or false' })
  personal!: boolean;
}

export class CardPaymentBody {
  @ApiProperty({ ...FEN, example: 50_000, description: `${FEN.description}; a top-up is at most 5,000,000 fen by default` })
  @IsFenAmount()
  amount!: number;

  @ApiProperty({ ...ID, example: 'icbc-6222', description: 'A card linked to your wallet' })
  @IsString()
  @Matches(ID_PATTERN, { message: `cardId ${ID_MESSAGE}` })
  cardId!: string;
}

export class TransferBody {
  @ApiProperty({ ...ID, example: 'bob', description: 'The payee, who must have a wallet' })
  @IsString()
  @Matches(ID_PATTERN, { message: `toUserId ${ID_MESSAGE}` })
  toUserId!: string;

  @ApiProperty({ ...FEN, example: 100 })
  @IsFenAmount()
  amount!: number;

  @ApiPropertyOptional({ ...freeText(200), example: '奶茶钱' })
  @IsFreeText(200, { optional: true })
  note?: string;
}

export class TipBody {
  @ApiProperty({ ...ID, example: 'bob', description: 'An individual account with a personal card, not yourself' })
  @IsString()
  @Matches(ID_PATTERN, { message: `authorId ${ID_MESSAGE}` })
  authorId!: string;

  @ApiProperty({ ...ID, example: 'why-zan' })
  @IsString()
  @Matches(ID_PATTERN, { message: `articleId ${ID_MESSAGE}` })
  articleId!: string;

  @ApiProperty({ ...FEN, example: 888, description: `${FEN.description}; 500..20000 fen (5 to 200 yuan) by default` })
  @IsFenAmount()
  amount!: number;

  @ApiPropertyOptional({ ...freeText(200), example: '赞!' })
  @IsFreeText(200, { optional: true })
  message?: string;
}

export class RedPacketBody {
  @ApiProperty({ ...FEN, example: 1_000, description: `${FEN.description}; the total, 1..20000 fen by default, at least 1 fen per share` })
  @IsFenAmount()
  amount!: number;

  @ApiProperty({ type: 'integer', minimum: 1, example: 3, description: '1..100 shares by default' })
  @IsInt({ message: 'shares must be an integer' })
  @Min(1)
  @Max(10_000)
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
    maxItems: 500,
    uniqueItems: true,
    example: ['bob', 'carol', 'dave'],
    description: 'Only these users may claim (not you); omit for a packet anyone with its id can claim',
  })
  // Optional means absent: a null is refused here, with the field named, like any other non-list.
  @ValidateIf((_body: object, value: unknown) => value !== undefined)
  @IsArray({ message: 'recipients must be a list of user ids' })
  @ArrayMinSize(1)
  @ArrayMaxSize(500)
  @ArrayUnique()
  @IsString({ each: true })
  @Matches(ID_PATTERN, { each: true, message: `each recipient ${ID_MESSAGE}` })
  recipients?: string[];
}
