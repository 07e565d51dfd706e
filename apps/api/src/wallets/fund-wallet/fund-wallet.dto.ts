import { ApiProperty } from '@nestjs/swagger';
import { BALANCE, POSITION, UUID_EXAMPLE } from '../../http/dto-fields';

// The body is the CardPaymentBody it shares with a withdrawal (../card-payment.dto.ts).
export class FundedDoc {
  @ApiProperty({ format: 'uuid', example: UUID_EXAMPLE }) fundingId!: string;
  @ApiProperty({ ...BALANCE, example: 50_000 }) balance!: number;
  @ApiProperty(POSITION) position!: string;
}
