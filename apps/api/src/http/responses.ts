import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/**
 * The shapes of successful answers, for the OpenAPI document (the handlers return plain objects of
 * these shapes). Amounts are integer fen; positions are decimal strings (they may exceed 2^53).
 */
const POSITION = { description: 'Global position of the last event of this command; pass it as `?after=` to read your write', example: '74800000' };
const BALANCE = { description: 'Balance of your wallet after the command, in fen', example: 49_112 };
const UUID = 'e0b5e7a4-2b1c-5d8f-9c61-3f2a8d6c4b10';

export class WalletOpenedDoc {
  @ApiProperty({ example: 'alice' }) userId!: string;
  @ApiProperty({ enum: ['individual', 'business'], example: 'individual' }) kind!: string;
  @ApiProperty({ description: 'in fen', example: 0 }) balance!: number;
  @ApiProperty({ enum: ['CNY'], example: 'CNY' }) currency!: string;
  @ApiProperty(POSITION) position!: string;
}

export class CardLinkedDoc {
  @ApiProperty({ example: 'alice' }) userId!: string;
  @ApiProperty({ example: 'icbc-6222' }) cardId!: string;
  @ApiProperty({ example: true }) personal!: boolean;
  @ApiProperty(POSITION) position!: string;
}

export class VerificationDoc {
  @ApiProperty({ example: 'bob' }) userId!: string;
  @ApiProperty({ enum: ['none', 'pending', 'verified', 'rejected'], example: 'verified' }) status!: string;
  @ApiProperty(POSITION) position!: string;
}

export class FundedDoc {
  @ApiProperty({ format: 'uuid', example: UUID }) fundingId!: string;
  @ApiProperty({ ...BALANCE, example: 50_000 }) balance!: number;
  @ApiProperty(POSITION) position!: string;
}

export class WithdrawnDoc {
  @ApiProperty({ format: 'uuid', example: UUID }) withdrawalId!: string;
  @ApiProperty(BALANCE) balance!: number;
  @ApiProperty(POSITION) position!: string;
}

export class TransferredDoc {
  @ApiProperty({ format: 'uuid', example: UUID }) transferId!: string;
  @ApiProperty(BALANCE) balance!: number;
  @ApiProperty(POSITION) position!: string;
}

export class TipPraisedDoc {
  @ApiProperty({ format: 'uuid', example: UUID }) tipId!: string;
  @ApiProperty(BALANCE) balance!: number;
  @ApiProperty(POSITION) position!: string;
}

export class RedPacketSentDoc {
  @ApiProperty({ format: 'uuid', example: UUID }) redPacketId!: string;
  @ApiProperty({ format: 'date-time', description: 'Unclaimed shares go back to the sender then', example: '2026-02-11T08:00:00.000Z' }) expiresAt!: string;
  @ApiProperty(BALANCE) balance!: number;
  @ApiProperty(POSITION) position!: string;
}

export class RedPacketClaimedDoc {
  @ApiProperty({ format: 'uuid', example: UUID }) redPacketId!: string;
  @ApiProperty({ description: 'Your share, in fen', example: 412 }) amount!: number;
  @ApiProperty(POSITION) position!: string;
}

export class WalletDoc {
  @ApiProperty({ example: 'alice' }) userId!: string;
  @ApiProperty({ enum: ['individual', 'business'], example: 'individual' }) kind!: string;
  @ApiProperty({ description: 'in fen', example: 50_000 }) balance!: number;
  @ApiProperty({ enum: ['CNY'], example: 'CNY' }) currency!: string;
  @ApiProperty({ enum: ['none', 'pending', 'verified', 'rejected'], example: 'verified', description: 'who may withdraw and be tipped is decided from it' })
  verification!: string;
}

export class ArticleEarningsDoc {
  @ApiProperty({ description: 'in fen', example: 888 }) total!: number;
  @ApiProperty({ example: 1 }) tips!: number;
}

export class EarningsDoc {
  @ApiProperty({ example: 'bob' }) authorId!: string;
  @ApiProperty({ description: 'in fen', example: 1_388 }) total!: number;
  @ApiProperty({ example: 2 }) tips!: number;
  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: '#/components/schemas/ArticleEarningsDoc' },
    example: { 'why-zan': { total: 888, tips: 1 }, 'red-packets-explained': { total: 500, tips: 1 } },
  })
  byArticle!: Record<string, ArticleEarningsDoc>;
}

export class LeaderboardEntryDoc {
  @ApiProperty({ example: 'bob' }) authorId!: string;
  @ApiProperty({ description: 'in fen', example: 1_388 }) total!: number;
  @ApiProperty({ example: 2 }) tips!: number;
}

export class RedPacketClaimDoc {
  @ApiProperty({ example: 'bob' }) userId!: string;
  @ApiProperty({ description: 'in fen', example: 412 }) amount!: number;
}

export class RedPacketDoc {
  @ApiProperty({ format: 'uuid', example: UUID }) redPacketId!: string;
  @ApiProperty({ example: 'alice' }) senderId!: string;
  @ApiProperty({ description: 'in fen', example: 1_000 }) amount!: number;
  @ApiProperty({ example: 3 }) shares!: number;
  @ApiProperty({ type: [RedPacketClaimDoc], description: 'In claim order' }) claimed!: RedPacketClaimDoc[];
  @ApiProperty({ description: 'What the packet still holds, in fen', example: 588 }) remaining!: number;
  @ApiProperty({ enum: ['open', 'exhausted', 'expired'], example: 'open' }) status!: string;
  @ApiProperty({ format: 'date-time', example: '2026-02-11T08:00:00.000Z' }) expiresAt!: string;
  @ApiProperty({ enum: ['lucky', 'equal'], example: 'lucky' }) mode!: string;
  @ApiPropertyOptional({ example: '恭喜发财' }) greeting?: string;
}

export class FeedItemDoc {
  @ApiProperty({
    enum: ['funding', 'withdrawal', 'transfer-sent', 'transfer-received', 'tip-sent', 'tip-received', 'red-packet-sent', 'red-packet-claimed', 'red-packet-refunded'],
    example: 'tip-received',
  })
  type!: string;
  @ApiProperty({ format: 'date-time', example: '2026-02-10T08:00:00.000Z' }) at!: string;
  @ApiProperty({ description: 'Always positive, in fen; `type` tells the direction', example: 888 }) amount!: number;
  @ApiProperty({ type: 'string', nullable: true, description: 'The other user, or null (a bank card, a packet)', example: 'alice' })
  counterpartyId!: string | null;
  @ApiProperty({ description: 'The funding, withdrawal, transfer, tip or red packet id', example: UUID }) refId!: string;
}

export class FeedPageDoc {
  @ApiProperty({ type: [FeedItemDoc] }) items!: FeedItemDoc[];
  @ApiPropertyOptional({ description: 'Pass as `?before=` for older items; absent on the last page', example: '1739174400000:74800000' })
  nextCursor?: string;
}
