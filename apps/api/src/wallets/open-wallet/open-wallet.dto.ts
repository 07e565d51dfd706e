import { ApiProperty } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import type { CURRENCY, WalletKind } from '@zan/contracts';
import { POSITION } from '../../http/dto-fields';

/** Unknown fields are rejected, nothing is coerced (see strictValidationPipe). */
export class OpenWalletBody {
  @ApiProperty({ enum: ['individual', 'business'], example: 'individual', description: 'Only an individual wallet with a personal card can be tipped' })
  @IsIn(['individual', 'business'], { message: 'kind must be "individual" or "business"' })
  kind!: 'individual' | 'business';
}

export class WalletOpenedDoc {
  @ApiProperty({ example: 'alice' }) userId!: string;
  @ApiProperty({ enum: ['individual', 'business'], example: 'individual' }) kind!: WalletKind;
  @ApiProperty({ type: 'integer', description: 'in fen', example: 0 }) balance!: number;
  @ApiProperty({ enum: ['CNY'], example: 'CNY' }) currency!: typeof CURRENCY;
  @ApiProperty(POSITION) position!: string;
}
