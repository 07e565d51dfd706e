import { ApiProperty } from '@nestjs/swagger';

export class LeaderboardEntryDoc {
  @ApiProperty({ example: 'bob' }) authorId!: string;
  @ApiProperty({ description: 'in fen', example: 1_388 }) total!: number;
  @ApiProperty({ example: 2 }) tips!: number;
}
