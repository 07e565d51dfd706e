import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOperation, ApiParam, ApiProperty, ApiTags } from '@nestjs/swagger';
import { newEndpointSecret } from '@zan/webhooks';
import { AdminOnly } from '../../auth/auth.guard';
import { AUTHENTICATED, ApiProblems } from '../../http/openapi';
import { WebhookEndpoints } from '../webhook-endpoints';
import { requireNoBody } from '../../http/validation';

export class RotatedSecretDoc {
  @ApiProperty({ example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', description: 'The new secret, shown this once' }) secret!: string;
  @ApiProperty({ format: 'date-time', description: 'Until then each delivery carries a signature with the previous secret too' })
  previousSecretRetiresAt!: string;
}

@ApiTags('webhooks')
@ApiBearerAuth('bearer')
@Controller('v1/webhooks/endpoints')
export class RotateSecretController {
  constructor(private readonly endpoints: WebhookEndpoints) {}

  @Post(':id/secret-rotations')
  @AdminOnly()
  @HttpCode(201)
  @ApiOperation({ summary: "Rotate an endpoint's secret (admin): both sign every delivery during the overlap (ZAN_WEBHOOKS_SECRET_OVERLAP_MS, 24 h)" })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiCreatedResponse({ type: RotatedSecretDoc })
  @ApiProblems(...AUTHENTICATED, 'forbidden', 'validation', 'webhook-endpoint-not-found')
  async rotate(@Param('id') id: string, @Body() body: unknown): Promise<RotatedSecretDoc> {
    requireNoBody(body);
    await this.endpoints.find(id);
    const secret = newEndpointSecret();
    const retiresAt = new Date(Date.now() + this.endpoints.config.webhooks.secretOverlapMs);
    await this.endpoints.store.rotateSecret(id, secret, retiresAt);
    return { secret, previousSecretRetiresAt: retiresAt.toISOString() };
  }
}
