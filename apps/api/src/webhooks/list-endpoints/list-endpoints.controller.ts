import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiQuery, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../../auth/auth.guard';
import { AUTHENTICATED, ApiProblems } from '../../http/openapi';
import { AFTER_QUERY } from '../../http/query-params';
import { ReadYourWrites } from '../../queries/read-your-writes';
import { type EndpointView, WebhookEndpoints, viewOf } from '../webhook-endpoints';

export class EndpointDoc implements EndpointView {
  @ApiProperty({ format: 'uuid' }) endpointId!: string;
  @ApiProperty({ example: 'https://platform.example/zan-webhooks' }) url!: string;
  @ApiProperty({ type: [String], example: ['TipReceived'] }) events!: string[];
  @ApiPropertyOptional() description?: string;
  @ApiProperty({ enum: ['enabled', 'disabled'] }) status!: 'enabled' | 'disabled';
  @ApiPropertyOptional({ description: 'Why it was disabled (every delivery failing for 3 days)' }) disabledReason?: string;
  @ApiPropertyOptional({ format: 'date-time' }) disabledAt?: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiPropertyOptional({ format: 'date-time', description: 'During a rotation: until then the previous secret signs too' }) previousSecretRetiresAt?: string;
}

@ApiTags('webhooks')
@ApiBearerAuth('bearer')
@Controller('v1/webhooks/endpoints')
export class ListEndpointsController {
  constructor(
    private readonly endpoints: WebhookEndpoints,
    private readonly readYourWrites: ReadYourWrites,
  ) {}

  @Get()
  @AdminOnly()
  @ApiOperation({ summary: 'Every webhook endpoint, oldest first (admin); secrets are never shown again' })
  @ApiQuery(AFTER_QUERY)
  @ApiOkResponse({ type: [EndpointDoc] })
  @ApiProblems(...AUTHENTICATED, 'forbidden', 'validation', 'read-model-behind')
  async list(@Query('after') after?: string): Promise<EndpointView[]> {
    // Endpoints are written as they are registered; `?after=` still waits, as on every query.
    await this.readYourWrites.waitFor(after);
    const now = Date.now();
    return (await this.endpoints.store.endpoints()).map((e) => viewOf(e, now));
  }
}
