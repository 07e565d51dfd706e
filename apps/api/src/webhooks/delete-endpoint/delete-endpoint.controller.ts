import { Body, Controller, Delete, HttpCode, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../../auth/auth.guard';
import { AUTHENTICATED, ApiProblems } from '../../http/openapi';
import { WebhookEndpoints } from '../webhook-endpoints';
import { requireNoBody } from '../../http/validation';

@ApiTags('webhooks')
@ApiBearerAuth('bearer')
@Controller('v1/webhooks/endpoints')
export class DeleteEndpointController {
  constructor(private readonly endpoints: WebhookEndpoints) {}

  @Delete(':id')
  @AdminOnly()
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove an endpoint with its queue and delivery log (admin)' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiNoContentResponse({ description: 'Removed' })
  @ApiProblems(...AUTHENTICATED, 'forbidden', 'validation', 'webhook-endpoint-not-found')
  async remove(@Param('id') id: string, @Body() body: unknown): Promise<void> {
    requireNoBody(body);
    await this.endpoints.find(id);
    await this.endpoints.store.deleteEndpoint(id);
  }
}
