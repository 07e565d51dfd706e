import { Controller, Get, Inject, Injectable, Res, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService, type HealthIndicatorFunction } from '@nestjs/terminus';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ADAPTERS, type Adapters } from '../adapters';
import { ZAN_CONFIG, type ZanConfig } from '../zan.config';
import { Public } from './public-route';

const PROBE_TIMEOUT_MS = 3000;

const withTimeout = <T>(work: Promise<T>, ms: number): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
    work.then(
      (value) => (clearTimeout(timer), resolve(value)),
      (error: unknown) => (clearTimeout(timer), reject(error)),
    );
  });

/** A readiness check an app adds for what only it knows (the relay's and the projector's lag). */
export type ReadinessProbe = () => Promise<Record<string, unknown>>;

/** The checks /health/ready runs beyond the adapters: apps register theirs at start. */
@Injectable()
export class ReadinessChecks {
  readonly probes = new Map<string, ReadinessProbe>();

  add(name: string, probe: ReadinessProbe): void {
    this.probes.set(name, probe);
  }
}

const POSITION = { type: 'string', pattern: '^\\d+$', description: 'a global position (decimal string)' };
/** One component's check: `up` with what it reports, or `down` with why. */
const component = (properties: Record<string, object>) => ({
  type: 'object',
  required: ['status'],
  properties: { status: { type: 'string', enum: ['up', 'down'] }, message: { type: 'string', description: 'why it is down' }, ...properties },
  additionalProperties: false,
});
const COMPONENTS = {
  type: 'object',
  description:
    'By component; a process lists only what it uses (the api: eventStore, readModels; the relay: eventStore, bus, relay; the projector: bus, readModels, projector; the webhook dispatcher: eventStore, bus, webhooks)',
  properties: {
    eventStore: component({ adapter: { type: 'string', enum: ['embedded', 'postgres', 'eventstoredb'] }, head: POSITION }),
    bus: component({ adapter: { type: 'string', enum: ['kafka', 'in-process'] } }),
    readModels: component({ adapter: { type: 'string', enum: ['redis', 'memory'] }, watermark: POSITION }),
    relay: component({
      role: { type: 'string', enum: ['leader', 'standby'] },
      lagEvents: { type: 'integer', description: 'events stored but not yet published' },
      publishedThrough: POSITION,
      head: POSITION,
    }),
    projector: component({
      group: { type: 'string' },
      lagMessages: { type: 'integer', description: 'Kafka consumer lag' },
      watermark: POSITION,
      revisionGaps: {
        type: 'integer',
        description: "events met past a gap in their stream's revisions since start (an event missing before it, or a forged ce_sequence); each is logged",
      },
    }),
    webhooks: component({
      role: { type: 'string', enum: ['leader', 'standby'] },
      group: { type: 'string' },
      pending: { type: 'integer', description: 'deliveries queued and not yet delivered or given up' },
    }),
  },
  additionalProperties: false,
};
const readiness = (status: string[]) => ({
  type: 'object',
  required: ['status', 'info', 'error', 'details'],
  properties: {
    status: { type: 'string', enum: status },
    info: { ...COMPONENTS, description: 'the components that are up' },
    error: { ...COMPONENTS, description: 'the components that are down' },
    details: COMPONENTS,
  },
  additionalProperties: false,
});
const READY_EXAMPLE = {
  status: 'ok',
  info: {
    eventStore: { status: 'up', adapter: 'embedded', head: '75900000' },
    readModels: { status: 'up', adapter: 'memory', watermark: '75900000' },
    relay: { status: 'up', role: 'leader', lagEvents: 0, publishedThrough: '75900000', head: '75900000' },
  },
  error: {},
  details: {
    eventStore: { status: 'up', adapter: 'embedded', head: '75900000' },
    readModels: { status: 'up', adapter: 'memory', watermark: '75900000' },
    relay: { status: 'up', role: 'leader', lagEvents: 0, publishedThrough: '75900000', head: '75900000' },
  },
};
const LIVE = {
  type: 'object',
  required: ['status', 'info', 'error', 'details'],
  properties: {
    status: { type: 'string', enum: ['ok'] },
    info: { type: 'object', additionalProperties: false },
    error: { type: 'object', additionalProperties: false },
    details: { type: 'object', additionalProperties: false },
  },
  additionalProperties: false,
  example: { status: 'ok', info: {}, error: {}, details: {} },
};

/**
 * `/health/live`: the process answers. `/health/ready`: every adapter this process really uses
 * answers (event store, bus, read models; embedded ones too, trivially), plus what its apps add.
 * 503 with the same body shape when one is down, so an orchestrator takes the process out of rotation.
 */
@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly checks: ReadinessChecks,
    @Inject(ADAPTERS) private readonly adapters: Adapters,
    @Inject(ZAN_CONFIG) private readonly config: ZanConfig,
  ) {}

  @Public()
  @Get('live')
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @ApiOkResponse({ description: 'The process answers', schema: LIVE })
  live() {
    return this.health.check([]);
  }

  @Public()
  @Get('ready')
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @ApiOkResponse({ description: 'Every component this process uses answers', schema: { ...readiness(['ok']), example: READY_EXAMPLE } })
  @ApiServiceUnavailableResponse({
    description: 'A component is down (listed in `error`), or the process is shutting down',
    schema: readiness(['error', 'shutting_down']),
  })
  async ready(@Res({ passthrough: true }) reply: FastifyReply) {
    try {
      return await this.health.check(this.readinessIndicators());
    } catch (error) {
      // Terminus's own body (status, info, error, details), not a problem document: it is what probes read.
      if (!(error instanceof ServiceUnavailableException)) throw error;
      reply.status(503);
      return error.getResponse();
    }
  }

  private readinessIndicators(): HealthIndicatorFunction[] {
    const { eventStore, bus, readModels } = this.adapters;
    const config = this.config;
    const indicators: HealthIndicatorFunction[] = [];
    if (eventStore) {
      const adapter = config.eventStore.kind;
      indicators.push(() => this.probe('eventStore', async () => ({ adapter, head: ((await eventStore.headPosition()) ?? 0n).toString() })));
    }
    if (bus) {
      const adapter = config.kafka ? 'kafka' : 'in-process';
      indicators.push(() => this.probe('bus', async () => (await bus.ping(), { adapter })));
    }
    if (readModels) {
      const adapter = config.redis ? 'redis' : 'memory';
      indicators.push(() => this.probe('readModels', async () => ({ adapter, watermark: (await readModels.watermark()).toString() })));
    }
    for (const [name, probe] of this.checks.probes) indicators.push(() => this.probe(name, probe));
    return indicators;
  }

  private async probe(key: string, check: () => Promise<Record<string, unknown>>) {
    const session = this.indicators.check(key);
    try {
      return session.up(await withTimeout(check(), PROBE_TIMEOUT_MS));
    } catch (error) {
      return session.down({ message: error instanceof Error ? error.message : String(error) });
    }
  }
}
