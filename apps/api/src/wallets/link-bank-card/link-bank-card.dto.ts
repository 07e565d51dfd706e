import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsString, Matches, ValidateIf } from 'class-validator';
import { ID, POSITION, freeText } from '../../http/dto-fields';
import { IsFreeText, ID_MESSAGE, ID_PATTERN } from '../../http/validation';

export class LinkCardBody {
  @ApiProperty({ ...ID, example: 'icbc-6222' })
  @IsString()
  @Matches(ID_PATTERN, { message: `cardId ${ID_MESSAGE}` })
  cardId!: string;

  @ApiProperty({
    ...freeText(100),
    example: '张三',
    description:
      "The card holder's name: the card is personal when it equals the verified individual's real name (never in clear in events: masked and hashed)",
  })
  @IsFreeText(100)
  holderName!: string;

  @ApiPropertyOptional({ deprecated: true, description: "v1's flag: accepted and ignored (a card is personal by its holder, decided from the verification)" })
  @ValidateIf((_body: object, value: unknown) => value !== undefined)
  @IsBoolean({ message: 'personal must be true or false' })
  personal?: boolean;
}

export class CardLinkedDoc {
  @ApiProperty({ example: 'alice' }) userId!: string;
  @ApiProperty({ example: 'icbc-6222' }) cardId!: string;
  @ApiProperty({ example: true }) personal!: boolean;
  @ApiProperty(POSITION) position!: string;
}
