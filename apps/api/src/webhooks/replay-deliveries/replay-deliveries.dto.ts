import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Matches, ValidateIf } from 'class-validator';

const POSITION = /^(0|[1-9][0-9]{0,30})$/;

export class ReplayBody {
  @ApiProperty({ example: '74800000', description: 'Replay the events after this global position' })
  @IsString()
  @Matches(POSITION, { message: 'after must be a global position (a decimal string)' })
  after!: string;

  @ApiPropertyOptional({ example: '75000000', description: 'Up to and including this position; default the head when asked' })
  // Absent only: a null is a 400 like any other non-position (IsOptional would let it through to BigInt).
  @ValidateIf((_body: object, value: unknown) => value !== undefined)
  @IsString({ message: 'until must be a global position (a decimal string)' })
  @Matches(POSITION, { message: 'until must be a global position (a decimal string)' })
  until?: string;
}

export class ReplayAcceptedDoc {
  @ApiProperty({ format: 'uuid' }) endpointId!: string;
  @ApiProperty({ example: '74800000' }) after!: string;
  @ApiProperty({ example: '75000000', description: 'The last position replayed' }) until!: string;
}
