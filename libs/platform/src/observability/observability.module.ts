import { type DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { LoggerModule } from 'nestjs-pino';
import { ZAN_CONFIG, type ZanConfig } from '../zan.config';
import { HealthController, ReadinessChecks } from './health';
import { loggingParams } from './logging';
import { MetricsController } from './metrics.controller';
import { ZanMetrics } from './metrics';
import { HttpServerReady } from '../http-platform';

export interface ObservabilityOptions {
  /** Overrides ZAN_LOG_LEVEL (tests keep their output quiet). */
  logLevel?: string;
}

/**
 * What every Zan process serves and writes, whatever its roles: `/health/live`, `/health/ready`,
 * `/metrics` and JSON logs (nestjs-pino; each request's line and metrics are the hooks of
 * createHttpApp, http-platform.ts). Apps add their metrics to ZanMetrics and their readiness
 * probes to ReadinessChecks.
 */
@Module({})
export class ObservabilityModule {
  static forRoot(options: ObservabilityOptions = {}): DynamicModule {
    return {
      module: ObservabilityModule,
      global: true,
      imports: [
        TerminusModule.forRoot({ errorLogStyle: 'json' }),
        LoggerModule.forRootAsync({
          inject: [ZAN_CONFIG],
          useFactory: (config: ZanConfig) => loggingParams(config, options.logLevel ?? config.logLevel),
        }),
      ],
      controllers: [HealthController, MetricsController],
      providers: [ZanMetrics, ReadinessChecks, HttpServerReady],
      exports: [ZanMetrics, ReadinessChecks],
    };
  }
}
