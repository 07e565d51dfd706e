import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, MaxLength, Max, Min } from 'class-validator';
import { IsFenAmount, ID_MESSAGE, ID_PATTERN } from './validation';

/** Request bodies. Unknown fields are rejected, nothing is coerced (see strictValidationPipe). */
export class OpenWalletBody {
  @IsIn(['individual', 'business'], { message: 'kind must be "individual" or "business"' })
  kind!: 'individual' | 'business';
}

export class LinkCardBody {
  @IsString()
  @Matches(ID_PATTERN, { message: `cardId ${ID_MESSAGE}` })
  cardId!: string;

  @IsBoolean({ message: 'personal must be true or false' })
  personal!: boolean;
}

export class CardPaymentBody {
  @IsFenAmount()
  amount!: number;

  @IsString()
  @Matches(ID_PATTERN, { message: `cardId ${ID_MESSAGE}` })
  cardId!: string;
}

export class TransferBody {
  @IsString()
  @Matches(ID_PATTERN, { message: `toUserId ${ID_MESSAGE}` })
  toUserId!: string;

  @IsFenAmount()
  amount!: number;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  note?: string;
}

export class TipBody {
  @IsString()
  @Matches(ID_PATTERN, { message: `authorId ${ID_MESSAGE}` })
  authorId!: string;

  @IsString()
  @Matches(ID_PATTERN, { message: `articleId ${ID_MESSAGE}` })
  articleId!: string;

  @IsFenAmount()
  amount!: number;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  message?: string;
}

export class RedPacketBody {
  @IsFenAmount()
  amount!: number;

  @IsInt({ message: 'shares must be an integer' })
  @Min(1)
  @Max(10_000)
  shares!: number;

  @IsIn(['lucky', 'equal'], { message: 'mode must be "lucky" or "equal"' })
  mode!: 'lucky' | 'equal';

  @IsOptional()
  @IsString()
  @MaxLength(100)
  greeting?: string;

  @IsOptional()
  @ArrayMinSize(1)
  @ArrayMaxSize(500)
  @ArrayUnique()
  @IsString({ each: true })
  @Matches(ID_PATTERN, { each: true, message: `each recipient ${ID_MESSAGE}` })
  recipients?: string[];
}
