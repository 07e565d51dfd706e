import { ApiProperty } from '@nestjs/swagger';
import { POSITION, UUID_EXAMPLE } from '../../http/dto-fields';

// A claim takes no body: its amount is drawn, never sent (requireNoBody).
export class RedPacketClaimedDoc {
  @ApiProperty({ format: 'uuid', example: UUID_EXAMPLE }) redPacketId!: string;
  @ApiProperty({ type: 'integer', description: 'Your share, in fen', example: 412 }) amount!: number;
  @ApiProperty(POSITION) position!: string;
}
