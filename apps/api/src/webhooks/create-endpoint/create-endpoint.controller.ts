import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { EVENT_STORE, type EventStore } from '@zan/event-store';
import { CLOCK, type Clock } from '@zan/platform';
import { isForbiddenAddress, newEndpointSecret, queueMissed, type WebhookEndpoint } from '@zan/webhooks';
import { AdminOnly } from '../../auth/auth.guard';
import { AUTHENTICATED, ApiProblems } from '../../http/openapi';
import { badRequest } from '../../http/validation';
import { WebhookEndpoints } from '../webhook-endpoints';
import { CreateEndpointBody, CreatedEndpointDoc } from './create-endpoint.dto';

/** The URL as it must be; a private address written in it is refused here (names are checked at each delivery). */
const checkUrl = (text: string, allowPrivate: boolean): string => {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw badRequest('url', 'must be an absolute URL');
  }
  if (url.protocol !== 'https:' && !(allowPrivate && url.protocol === 'http:')) throw badRequest('url', 'must be https');
  // An empty fragment (`https://a.example/#`) has an empty `hash` but is a fragment all the same: the
  // serialized URL keeps its `#` (a `#` in a path or query is always percent-encoded, so this finds only a fragment).
  if (url.username || url.password || url.hash || url.href.includes('#')) throw badRequest('url', 'must have no credentials and no fragment');
  // A fully qualified name's trailing dot names the same host (`localhost.` is localhost).
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1').replace(/\.+$/, '');
  if (!allowPrivate && (host === 'localhost' || host.endsWith('.localhost') || (isIP(host) !== 0 && isForbiddenAddress(host)))) {
    throw badRequest('url', 'must not be a private, loopback or link-local address');
  }
  return url.toString();
};

@ApiTags('webhooks')
@ApiBearerAuth('bearer')
@Controller('v1/webhooks/endpoints')
export class CreateEndpointController {
  constructor(
    private readonly endpoints: WebhookEndpoints,
    @Inject(EVENT_STORE) private readonly events: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post()
  @AdminOnly()
  @HttpCode(201)
  @ApiOperation({ summary: 'Subscribe an endpoint to event types (admin); its signing secret is shown once' })
  @ApiCreatedResponse({ type: CreatedEndpointDoc })
  @ApiProblems(...AUTHENTICATED, 'forbidden', 'validation')
  async create(@Body() body: CreateEndpointBody): Promise<CreatedEndpointDoc> {
    const url = checkUrl(body.url, this.endpoints.config.webhooks.allowPrivate);
    const store = this.endpoints.store;
    const secret = newEndpointSecret();
    const endpointId = randomUUID();
    // Events after the head as it is now are this endpoint's; earlier ones only by a replay.
    const fromPosition = (await this.events.headPosition()) ?? 0n;
    const endpoint: WebhookEndpoint = {
      id: endpointId,
      url,
      events: body.events,
      ...(body.description !== undefined && { description: body.description }),
      status: 'enabled',
      fromPosition,
      createdAt: new Date().toISOString(),
      secrets: [{ secret }],
    };
    await store.createEndpoint(endpoint);
    // An event stored after that head and consumed by the webhooks app before the row existed was
    // queued for no one; every later one finds the row. Those few are queued here, each once (the
    // app's own queueing of one is the same delivery).
    const head = (await this.events.headPosition()) ?? 0n;
    if (head > fromPosition) await queueMissed(this.events, store, endpoint, fromPosition, head, () => this.clock.now());
    return { endpointId, secret };
  }
}
