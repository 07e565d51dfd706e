import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../../auth/auth.guard';
import { AUTHENTICATED, ApiProblems } from '../../http/openapi';
import { WebhookEndpoints } from '../webhook-endpoints';
import { requireNoBody } from '../../http/validation';

@ApiTags('webhooks')
@ApiBearerAuth('bearer')
@Controller('v1/webhooks/endpoints')
export class EnableEndpointController {
  constructor(private readonly endpoints: WebhookEndpoints) {}

  @Post(':id/enable')
  @AdminOnly()
  @HttpCode(204)
  @ApiOperation({ summary: 'Enable a disabled endpoint again (admin): what it missed is still queued and goes out in order' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiNoContentResponse({ description: 'Enabled' })
  @ApiProblems(...AUTHENTICATED, 'forbidden', 'validation', 'webhook-endpoint-not-found')
  async enable(@Param('id') id: string, @Body() body: unknown): Promise<void> {
    requireNoBody(body);
    await this.endpoints.find(id);
    await this.endpoints.store.enableEndpoint(id);
  }
}
