import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, Max, Min, ValidateIf } from 'class-validator';
import { PAYMENT_REFERENCE_MAX_LENGTH } from '@zan/contracts';
import { PAYMENT_CODE_TTL } from '@zan/domain';
import { IsFenAmount, IsFreeText } from '../../http/validation';

const present = ValidateIf((_body: object, value: unknown) => value !== undefined);

export class IssuePaymentCodeBody {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: Number.MAX_SAFE_INTEGER,
    example: 1500,
    description: 'in fen. With it, a dynamic code: this amount, single use, expiring; without it, a static code (the payer enters the amount, no expiry)',
  })
  @present
  @IsFenAmount()
  amount?: number;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: PAYMENT_CODE_TTL.min,
    maximum: PAYMENT_CODE_TTL.max,
    default: PAYMENT_CODE_TTL.default,
    description: 'Dynamic codes only: seconds until the code pays nothing (a static code with it is a 400)',
  })
  @present
  // Checked bottom up: a string or null is told it is no integer, not that it is out of range.
  @Max(PAYMENT_CODE_TTL.max, { message: `expiresInSeconds must be ${PAYMENT_CODE_TTL.min}..${PAYMENT_CODE_TTL.max}` })
  @Min(PAYMENT_CODE_TTL.min, { message: `expiresInSeconds must be ${PAYMENT_CODE_TTL.min}..${PAYMENT_CODE_TTL.max}` })
  @IsInt({ message: `expiresInSeconds must be an integer of ${PAYMENT_CODE_TTL.min}..${PAYMENT_CODE_TTL.max}` })
  expiresInSeconds?: number;

  @ApiPropertyOptional({
    minLength: 1,
    maxLength: PAYMENT_REFERENCE_MAX_LENGTH,
    example: 'INV-2026-0042',
    description: `A bill or invoice number the payment carries: free text, 1..${PAYMENT_REFERENCE_MAX_LENGTH} Unicode characters, no control characters`,
  })
  @IsFreeText(PAYMENT_REFERENCE_MAX_LENGTH, { optional: true })
  reference?: string;
}

export class PaymentCodeIssuedDoc {
  @ApiProperty({ example: '0b6f3c2e-8d41-8a7e-9c55-2f0d6e4b1a93', description: 'The code: whoever knows it can pay it (shown once; keep it like cash)' })
  code!: string;
  @ApiProperty({ type: 'integer', nullable: true, example: 1500, description: 'in fen; null: a static code (the payer enters the amount)' }) amount!:
    number | null;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, description: 'null: a static code, which never expires' }) expiresAt!: string | null;
  @ApiProperty({ type: 'string', nullable: true, example: 'INV-2026-0042' }) reference!: string | null;
  @ApiProperty({ description: 'Global position of PaymentCodeIssued', example: '74800000' }) position!: string;
}
