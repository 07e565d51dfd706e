import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength, ValidateIf } from 'class-validator';
import { IsFenAmount } from '../../http/validation';

export class PayByCodeBody {
  @ApiProperty({ minLength: 1, maxLength: 128, example: '0b6f3c2e-8d41-8a7e-9c55-2f0d6e4b1a93', description: "The merchant's payment code (scanned or typed)" })
  // Checked bottom up: a number or null is told it is no string, not that it has the wrong length.
  @MaxLength(128, { message: 'code must be 1..128 characters' })
  @MinLength(1, { message: 'code must be 1..128 characters' })
  @IsString({ message: 'code must be a string' })
  code!: string;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: Number.MAX_SAFE_INTEGER,
    example: 800,
    description:
      "in fen. Required for a static code (422 amount-required); for a dynamic code leave it out or send the code's amount (422 amount-mismatch otherwise)",
  })
  @ValidateIf((_body: object, value: unknown) => value !== undefined)
  @IsFenAmount()
  amount?: number;
}

export class MerchantPaidDoc {
  @ApiProperty({ format: 'uuid', example: 'e0b5e7a4-2b1c-5d8f-9c61-3f2a8d6c4b10' }) paymentId!: string;
  @ApiProperty({ example: 'tea-house' }) merchantId!: string;
  @ApiProperty({ type: 'integer', description: 'in fen', example: 1500 }) amount!: number;
  @ApiProperty({ type: 'string', nullable: true, example: 'INV-2026-0042', description: "The code's reference (a bill number), null when it has none" })
  reference!: string | null;
  @ApiProperty({ type: 'integer', description: 'Balance of your wallet after the payment, in fen', example: 48_500 }) balance!: number;
  @ApiProperty({ description: "Global position of MerchantPaid; `?after=` it shows the merchant's credit too", example: '74800000' }) position!: string;
}
