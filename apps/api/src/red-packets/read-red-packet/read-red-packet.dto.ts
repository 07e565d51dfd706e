import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { UUID_EXAMPLE } from '../../http/dto-fields';

export class RedPacketClaimDoc {
  @ApiProperty({ example: 'bob' }) userId!: string;
  @ApiProperty({ type: 'integer', description: 'in fen', example: 412 }) amount!: number;
}

export class RedPacketDoc {
  @ApiProperty({ format: 'uuid', example: UUID_EXAMPLE }) redPacketId!: string;
  @ApiProperty({ example: 'alice' }) senderId!: string;
  @ApiProperty({ type: 'integer', description: 'in fen', example: 1_000 }) amount!: number;
  @ApiProperty({ type: 'integer', example: 3 }) shares!: number;
  @ApiProperty({ type: [RedPacketClaimDoc], description: 'In claim order' }) claimed!: RedPacketClaimDoc[];
  @ApiProperty({ type: 'integer', description: 'What the packet still holds, in fen', example: 588 }) remaining!: number;
  @ApiProperty({ enum: ['open', 'exhausted', 'expired'], example: 'open' }) status!: string;
  @ApiProperty({ format: 'date-time', example: '2026-02-11T08:00:00.000Z' }) expiresAt!: string;
  @ApiProperty({ enum: ['lucky', 'equal'], example: 'lucky' }) mode!: string;
  @ApiPropertyOptional({ example: '恭喜发财' }) greeting?: string;
}
