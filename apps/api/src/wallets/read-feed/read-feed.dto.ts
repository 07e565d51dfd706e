import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { UUID_EXAMPLE } from '../../http/dto-fields';

export class FeedItemDoc {
  @ApiProperty({
    enum: [
      'funding',
      'withdrawal',
      'transfer-sent',
      'transfer-received',
      'tip-sent',
      'tip-received',
      'red-packet-sent',
      'red-packet-claimed',
      'red-packet-refunded',
      'merchant-payment-sent',
      'merchant-payment-received',
      'merchant-payment-returned',
      'order-paid',
      'order-received',
      'refund-paid',
      'refund-received',
      'group-buy-held',
      'group-buy-returned',
      'group-buy-order-received',
    ],
    example: 'tip-received',
  })
  type!: string;
  @ApiProperty({ format: 'date-time', example: '2026-02-10T08:00:00.000Z' }) at!: string;
  @ApiProperty({ type: 'integer', description: 'Always positive, in fen; `type` tells the direction', example: 888 }) amount!: number;
  @ApiProperty({ type: 'string', nullable: true, description: 'The other user, or null (a bank card, a packet)', example: 'alice' })
  counterpartyId!: string | null;
  @ApiProperty({
    description: 'The funding, withdrawal, transfer, tip, red packet, payment or order id; the group buy id for a group buy’s hold and its return',
    example: UUID_EXAMPLE,
  })
  refId!: string;
}

export class FeedPageDoc {
  @ApiProperty({ type: [FeedItemDoc] }) items!: FeedItemDoc[];
  @ApiPropertyOptional({ description: 'Pass as `?before=` for older items; absent on the last page', example: '1739174400000:74800000' })
  nextCursor?: string;
}
