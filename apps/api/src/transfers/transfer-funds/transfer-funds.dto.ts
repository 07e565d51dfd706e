import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';
import { BALANCE, FEN, ID, POSITION, UUID_EXAMPLE, freeText } from '../../http/dto-fields';
import { IsFenAmount, IsFreeText, ID_MESSAGE, ID_PATTERN } from '../../http/validation';

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

export class TransferredDoc {
  @ApiProperty({ format: 'uuid', example: UUID_EXAMPLE }) transferId!: string;
  @ApiProperty(BALANCE) balance!: number;
  @ApiProperty(POSITION) position!: string;
}
