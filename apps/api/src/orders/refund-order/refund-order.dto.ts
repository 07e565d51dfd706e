import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { REFUND_REASON_MAX_LENGTH } from '@zan/contracts';
import { IsFenAmount, IsFreeText } from '../../http/validation';

export class RefundOrderBody {
  @ApiProperty({ type: 'integer', minimum: 1, example: 1_800, description: 'In fen; all refunds of an order sum to at most what was paid' })
  @IsFenAmount()
  amount!: number;

  @ApiPropertyOptional({ minLength: 1, maxLength: REFUND_REASON_MAX_LENGTH, example: '缺货' })
  @IsFreeText(REFUND_REASON_MAX_LENGTH, { optional: true })
  reason?: string;
}

export class OrderRefundedDoc {
  @ApiProperty({ format: 'uuid' }) refundId!: string;
  @ApiProperty({ type: 'integer', example: 1_800, description: 'All refunds of the order so far, this one included, in fen' }) refunded!: number;
  @ApiProperty({ description: 'Global position of the refund; `?after=` it covers the buyer’s credit too', example: '74800000' }) position!: string;
}
