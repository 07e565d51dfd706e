import { ApiProperty } from '@nestjs/swagger';

export class LeaderboardEntryDoc {
  @ApiProperty({ example: 'bob' }) authorId!: string;
  @ApiProperty({ type: 'integer', description: 'in fen', example: 1_388 }) total!: number;
  @ApiProperty({ type: 'integer', example: 2 }) tips!: number;
}
