import { Controller, Get, Inject, Injectable, Res, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService, type HealthIndicatorFunction } from '@nestjs/terminus';
import { ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ADAPTERS, type Adapters } from '../platform.module';
import { ZAN_CONFIG, type ZanConfig } from '../zan.config';
import { Public } from './public-route';

const PROBE_TIMEOUT_MS = 3000;

const withTimeout = <T>(work: Promise<T>, ms: number): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
    work.then(
      (value) => (clearTimeout(timer), resolve(value)),
      (error) => (clearTimeout(timer), reject(error)),
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
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  @Public()
  @Get('ready')
  @HealthCheck()
  async ready(@Res({ passthrough: true }) res: Response) {
    try {
      return await this.health.check(this.readinessIndicators());
    } catch (error) {
      // Terminus's own body (status, info, error, details), not a problem document: it is what probes read.
      if (!(error instanceof ServiceUnavailableException)) throw error;
      res.status(503);
      return error.getResponse();
    }
  }

  private readinessIndicators(): HealthIndicatorFunction[] {
    const { eventStore, bus, readModels } = this.adapters;
    const config = this.config;
    const indicators: HealthIndicatorFunction[] = [];
    if (eventStore) {
      const adapter = config.eventStore.kind;
      indicators.push(() =>
        this.probe('eventStore', async () => ({ adapter, head: ((await eventStore.headPosition()) ?? 0n).toString() })),
      );
    }
    if (bus) {
      const adapter = config.kafka ? 'kafka' : 'in-process';
      indicators.push(() => this.probe('bus', async () => (await bus.ping(), { adapter })));
    }
    if (readModels) {
      const adapter = config.redis ? 'redis' : 'memory';
      indicators.push(() =>
        this.probe('readModels', async () => ({ adapter, watermark: (await readModels.watermark()).toString() })),
      );
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
