import { ApiProperty } from '@nestjs/swagger';

/** The range a stats answer covers, echoed so a client with no range given knows which it got. */
export class StatsRangeDoc {
  @ApiProperty({ format: 'date', example: '2026-12-01' }) from!: string;
  @ApiProperty({ format: 'date', example: '2026-12-07' }) to!: string;
}
