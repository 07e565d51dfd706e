import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';
import { FEN, ID } from '../http/dto-fields';
import { IsFenAmount, ID_MESSAGE, ID_PATTERN } from '../http/validation';

/** The body of a funding and of a withdrawal: an amount to or from a linked card. */
export class CardPaymentBody {
  @ApiProperty({ ...FEN, example: 50_000, description: `${FEN.description}; a top-up is at most 5,000,000 fen by default` })
  @IsFenAmount()
  amount!: number;

  @ApiProperty({ ...ID, example: 'icbc-6222', description: 'A card linked to your wallet' })
  @IsString()
  @Matches(ID_PATTERN, { message: `cardId ${ID_MESSAGE}` })
  cardId!: string;
}
