import { type DynamicModule, type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { LoggerModule, PinoLogger } from 'nestjs-pino';
import { ZAN_CONFIG, type ZanConfig } from '../zan.config';
import { HealthController, ReadinessChecks } from './health';
import { HttpMetricsMiddleware } from './http-metrics.middleware';
import { loggingParams } from './logging';
import { requestLogging } from './request-logging';
import { MetricsController } from './metrics.controller';
import { ZanMetrics } from './metrics';

export interface ObservabilityOptions {
  /** Overrides ZAN_LOG_LEVEL (tests keep their output quiet). */
  logLevel?: string;
}

/**
 * What every Zan process serves and writes, whatever its roles: `/health/live`, `/health/ready`,
 * `/metrics` and JSON logs (nestjs-pino). Apps add their metrics to ZanMetrics and their readiness
 * probes to ReadinessChecks.
 */
@Module({})
export class ObservabilityModule implements NestModule {
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
      providers: [ZanMetrics, ReadinessChecks, HttpMetricsMiddleware],
      exports: [ZanMetrics, ReadinessChecks],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(
        HttpMetricsMiddleware,
        requestLogging(() => PinoLogger.root),
      )
      .forRoutes('{*path}');
  }
}
