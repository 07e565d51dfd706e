import { ApiProperty } from '@nestjs/swagger';
import { BALANCE, POSITION, UUID_EXAMPLE } from '../../http/dto-fields';

// The body is the CardPaymentBody it shares with a funding (../card-payment.dto.ts).
export class WithdrawnDoc {
  @ApiProperty({ format: 'uuid', example: UUID_EXAMPLE }) withdrawalId!: string;
  @ApiProperty(BALANCE) balance!: number;
  @ApiProperty(POSITION) position!: string;
}
