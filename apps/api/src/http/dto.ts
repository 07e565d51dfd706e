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

  @ApiProperty({
    ...freeText(100),
    example: '张三',
    description: "The card holder's name: the card is personal when it equals the verified individual's real name (never in clear in events: masked and hashed)",
  })
  @IsFreeText(100)
  holderName!: string;

  @ApiPropertyOptional({ deprecated: true, description: "v1's flag: accepted and ignored (a card is personal by its holder, decided from the verification)" })
  @ValidateIf((_body: object, value: unknown) => value !== undefined)
  @IsBoolean({ message: 'personal must be true or false' })
  personal?: boolean;
}

/** Letters and digits only: a resident ID number or a unified social credit code, checked by the provider. */
const IDENTITY_NUMBER = /^[0-9A-Za-z]{1,32}$/;

export class VerificationBody {
  @ApiProperty({ enum: ['individual', 'business'], example: 'individual' })
  @IsIn(['individual', 'business'], { message: 'kind must be individual or business' })
  kind!: 'individual' | 'business';

  @ApiPropertyOptional({ ...freeText(100), example: '张三', description: 'individual: the real name' })
  @ValidateIf((body: VerificationBody) => body.kind === 'individual' || body.realName !== undefined)
  @IsFreeText(100)
  realName?: string;

  @ApiPropertyOptional({ example: '11010519491231002X', description: 'individual: the 18-character resident ID number (GB 11643)' })
  @ValidateIf((body: VerificationBody) => body.kind === 'individual' || body.idNumber !== undefined)
  @IsString({ message: 'idNumber must be a string' })
  @Matches(IDENTITY_NUMBER, { message: 'idNumber must be 1..32 letters and digits' })
  idNumber?: string;

  @ApiPropertyOptional({ ...freeText(100), example: '某某科技有限公司', description: 'business: the company name' })
  @ValidateIf((body: VerificationBody) => body.kind === 'business' || body.companyName !== undefined)
  @IsFreeText(100)
  companyName?: string;

  @ApiPropertyOptional({ example: '91350100M000100Y43', description: 'business: the 18-character unified social credit code (GB 32100)' })
  @ValidateIf((body: VerificationBody) => body.kind === 'business' || body.licenseNumber !== undefined)
  @IsString({ message: 'licenseNumber must be a string' })
  @Matches(IDENTITY_NUMBER, { message: 'licenseNumber must be 1..32 letters and digits' })
  licenseNumber?: string;
}

export class VerificationDecisionBody {
  @ApiProperty({ enum: ['verified', 'rejected'], example: 'verified' })
  @IsIn(['verified', 'rejected'], { message: 'decision must be verified or rejected' })
  decision!: 'verified' | 'rejected';

  @ApiPropertyOptional({ ...freeText(200), example: 'papers checked at the counter' })
  @IsFreeText(200, { optional: true })
  reason?: string;
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
