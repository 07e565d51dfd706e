import { Logger, Module, type DynamicModule, type INestApplication } from '@nestjs/common';
import { ApiModule } from '../../api/src/api.module';
import { configureHttp } from '../../api/src/http/configure-http';
import { ProjectorModule } from '../../projector/src/projector.module';
import { RelayModule } from '../../relay/src/relay.module';
import { WebhooksModule } from '../../webhooks/src/webhooks.module';
import {
  ObservabilityModule,
  PlatformModule,
  type PlatformOptions,
  type Role,
  type ZanConfig,
  type ZanSecrets,
  ZAN_SECRETS,
  loadConfig,
  useZanLogger,
  createHttpApp,
} from '@zan/platform';

type NestLogLevel = 'log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal';
const PINO_LEVEL: Record<NestLogLevel, string> = { verbose: 'trace', debug: 'debug', log: 'info', warn: 'warn', error: 'error', fatal: 'fatal' };
const ORDER: NestLogLevel[] = ['verbose', 'debug', 'log', 'warn', 'error', 'fatal'];

/** The pino level for Nest's `logger` option: its most verbose level, or silent. */
const pinoLevel = (logger: ZanAppOptions['logger']): string | undefined =>
  logger === undefined ? undefined : logger === false ? 'silent' : PINO_LEVEL[ORDER.find((level) => logger.includes(level)) ?? 'fatal'];

export interface ZanAppOptions extends PlatformOptions {
  config?: ZanConfig;
  roles?: Role[];
  /** Log levels as Nest names them (tests keep quiet); default ZAN_LOG_LEVEL. */
  logger?: false | NestLogLevel[];
}

/**
 * The composition root: the api, relay, projector and webhook dispatcher that this process plays
 * (ZAN_ROLES), on the adapters the configuration selects. `npm start` runs all four on the embedded adapters.
 */
export const createZanApp = async (options: ZanAppOptions = {}): Promise<INestApplication> => {
  const config = options.config ?? loadConfig();
  const roles = options.roles ?? config.roles;
  const imports: DynamicModule['imports'] = [
    PlatformModule.forRoot({ ...options, config, roles }),
    ObservabilityModule.forRoot({ logLevel: pinoLevel(options.logger) }),
  ];
  if (roles.includes('api')) imports.push(ApiModule);
  if (roles.includes('relay')) imports.push(RelayModule);
  if (roles.includes('projector')) imports.push(ProjectorModule);
  if (roles.includes('webhooks')) imports.push(WebhooksModule);

  @Module({ imports })
  class ZanModule {}

  const app = await createHttpApp(ZanModule);
  useZanLogger(app);
  if (roles.includes('api')) configureHttp(app);
  const secrets = roles.includes('api') ? app.get<ZanSecrets>(ZAN_SECRETS, { strict: false }) : undefined;
  if (secrets && secrets.source !== 'ZAN_JWT_SECRET') {
    new Logger('zan').warn(
      `ZAN_JWT_SECRET is not set: tokens are signed with the secret ${secrets.source.created ? 'just generated in' : 'kept in'} ${secrets.source.file} (\`npx zan token <user>\` reads it). Set ZAN_JWT_SECRET when more than one machine serves the api.`,
    );
  }
  return app;
};
