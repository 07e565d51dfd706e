import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiProperty, ApiPropertyOptional, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { DeliveryAttempt } from '@zan/webhooks';
import { AdminOnly } from '../../auth/auth.guard';
import { AUTHENTICATED, ApiProblems } from '../../http/openapi';
import { AFTER_QUERY, pageSize } from '../../http/query-params';
import { ReadYourWrites } from '../../queries/read-your-writes';
import { WebhookEndpoints } from '../webhook-endpoints';

export class DeliveryDoc implements DeliveryAttempt {
  @ApiProperty({ description: 'The event id, also the webhook-id header' }) eventId!: string;
  @ApiProperty({ example: 'TipReceived' }) type!: string;
  @ApiProperty({ type: 'integer', example: 1, description: 'Which attempt of this event (1 = the first)' }) attempt!: number;
  @ApiProperty({
    enum: ['delivered', 'retrying', 'failed', 'refused'],
    description: 'retrying: tried again later; failed: given up; refused: the address is not allowed (retried)',
  })
  status!: DeliveryAttempt['status'];
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty({ type: 'integer', nullable: true, example: 200, description: 'null without an answer (timeout, connection refused)' }) responseStatus!:
    number | null;
  @ApiPropertyOptional({ description: 'Why there was no answer' }) error?: string;
}

@ApiTags('webhooks')
@ApiBearerAuth('bearer')
@Controller('v1/webhooks/endpoints')
export class ListDeliveriesController {
  constructor(
    private readonly endpoints: WebhookEndpoints,
    private readonly readYourWrites: ReadYourWrites,
  ) {}

  @Get(':id/deliveries')
  @AdminOnly()
  @ApiOperation({ summary: "An endpoint's delivery log, newest attempt first (admin)" })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000, default: 50 } })
  @ApiQuery(AFTER_QUERY)
  @ApiOkResponse({ type: [DeliveryDoc] })
  @ApiProblems(...AUTHENTICATED, 'forbidden', 'validation', 'webhook-endpoint-not-found', 'read-model-behind')
  async deliveries(@Param('id') id: string, @Query('limit') limit?: string, @Query('after') after?: string): Promise<DeliveryAttempt[]> {
    const size = pageSize(limit, 50, 1000);
    // As on every query: the read models have applied `after` (its deliveries may still be on their way).
    await this.readYourWrites.waitFor(after);
    await this.endpoints.find(id);
    return this.endpoints.store.attempts(id, size);
  }
}
