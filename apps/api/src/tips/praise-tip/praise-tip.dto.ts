import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';
import { BALANCE, FEN, ID, POSITION, UUID_EXAMPLE, freeText } from '../../http/dto-fields';
import { IsFenAmount, IsFreeText, ID_MESSAGE, ID_PATTERN } from '../../http/validation';

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

export class TipPraisedDoc {
  @ApiProperty({ format: 'uuid', example: UUID_EXAMPLE }) tipId!: string;
  @ApiProperty(BALANCE) balance!: number;
  @ApiProperty(POSITION) position!: string;
}
