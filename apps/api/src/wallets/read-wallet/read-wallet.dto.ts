import { ApiProperty } from '@nestjs/swagger';

export class WalletDoc {
  @ApiProperty({ example: 'alice' }) userId!: string;
  @ApiProperty({ enum: ['individual', 'business'], example: 'individual' }) kind!: string;
  @ApiProperty({ type: 'integer', description: 'in fen', example: 50_000 }) balance!: number;
  @ApiProperty({ enum: ['CNY'], example: 'CNY' }) currency!: string;
  @ApiProperty({ enum: ['none', 'pending', 'verified', 'rejected'], example: 'verified', description: 'who may withdraw and be tipped is decided from it' })
  verification!: string;
}
