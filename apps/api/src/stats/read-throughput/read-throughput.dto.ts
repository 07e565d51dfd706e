import { ApiProperty } from '@nestjs/swagger';

export class MinuteDoc {
  @ApiProperty({ description: 'The Beijing minute, YYYY-MM-DDTHH:MM', example: '2026-12-06T16:05' }) at!: string;
  @ApiProperty({ type: 'integer', description: 'Events that occurred in it and are applied', example: 42 }) events!: number;
}

export class ProjectionLagDoc {
  @ApiProperty({ description: 'Every event up to this position is applied to the read models', example: '74800000' }) watermark!: string;
  @ApiProperty({ description: 'The event store head, or null when it is empty', example: '74800012', nullable: true, type: String }) head!: string | null;
  @ApiProperty({ type: 'integer', description: 'Events stored but not applied yet (counted up to 1000)', example: 12 }) behindEvents!: number;
  @ApiProperty({ description: 'Age of the oldest event not applied yet, seconds; 0 when caught up', example: 0.4 }) behindSeconds!: number;
}

export class ThroughputDoc {
  @ApiProperty({ type: [MinuteDoc], description: 'The last 60 minutes, oldest first' }) minutes!: MinuteDoc[];
  @ApiProperty({ type: 'integer', description: 'Events in the last hour', example: 2_520 }) events!: number;
  @ApiProperty({ description: 'Events per second over the last hour', example: 0.7 }) perSecond!: number;
  @ApiProperty({ type: ProjectionLagDoc }) lag!: ProjectionLagDoc;
}
