import { Body, Controller, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { EVENT_STORE, type EventStore } from '@zan/event-store';
import { AdminOnly } from '../../auth/auth.guard';
import { AUTHENTICATED, ApiProblems } from '../../http/openapi';
import { badRequest } from '../../http/validation';
import { WebhookEndpoints } from '../webhook-endpoints';
import { ReplayAcceptedDoc, ReplayBody } from './replay-deliveries.dto';
import { ReplayDeliveriesHandler } from './replay-deliveries.handler';

@ApiTags('webhooks')
@ApiBearerAuth('bearer')
@Controller('v1/webhooks/endpoints')
export class ReplayDeliveriesController {
  constructor(
    private readonly endpoints: WebhookEndpoints,
    private readonly replays: ReplayDeliveriesHandler,
    @Inject(EVENT_STORE) private readonly events: EventStore,
  ) {}

  @Post(':id/replays')
  @AdminOnly()
  @HttpCode(202)
  @ApiOperation({ summary: "Deliver again an endpoint's events in a position range (admin); in order per stream, with their original webhook-id" })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiAcceptedResponse({ type: ReplayAcceptedDoc })
  @ApiProblems(...AUTHENTICATED, 'forbidden', 'validation', 'webhook-endpoint-not-found')
  async replay(@Param('id') id: string, @Body() body: ReplayBody): Promise<ReplayAcceptedDoc> {
    const endpoint = await this.endpoints.find(id);
    const after = BigInt(body.after);
    const head = (await this.events.headPosition()) ?? 0n;
    const asked = body.until !== undefined ? BigInt(body.until) : head;
    // Without `until` the range ends at the head: reversed by an `after` past it, a field the request did send.
    if (body.until === undefined && asked < after) throw badRequest('after', `must not be past the head (${head}) when until is not given`);
    if (asked < after) throw badRequest('until', 'must not be before after');
    // Nothing exists past the head yet: a later `until` replays up to it (a 31-digit position never reaches a store's bigint).
    const until = asked > head ? (head > after ? head : after) : asked;
    this.replays.start(this.endpoints.store, endpoint, after, until);
    return { endpointId: id, after: after.toString(), until: until.toString() };
  }
}
