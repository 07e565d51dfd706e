import { Logger, Module, type DynamicModule, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ApiModule } from '../../api/src/api.module';
import { configureHttp } from '../../api/src/http/configure-http';
import { ProjectorModule } from '../../projector/src/projector.module';
import { RelayModule } from '../../relay/src/relay.module';
import { PlatformModule, type PlatformOptions, type Role, type ZanConfig, loadConfig } from '@zan/platform';

export interface ZanAppOptions extends PlatformOptions {
  config?: ZanConfig;
  roles?: Role[];
  logger?: false | ('log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal')[];
}

/**
 * The composition root: the api, relay and projector that this process plays (ZAN_ROLES), on the
 * adapters the configuration selects. `npm start` runs all three on the embedded adapters.
 */
export const createZanApp = async (options: ZanAppOptions = {}): Promise<INestApplication> => {
  const config = options.config ?? loadConfig();
  const roles = options.roles ?? config.roles;
  const imports: DynamicModule['imports'] = [PlatformModule.forRoot({ ...options, config, roles })];
  if (roles.includes('api')) imports.push(ApiModule);
  if (roles.includes('relay')) imports.push(RelayModule);
  if (roles.includes('projector')) imports.push(ProjectorModule);

  @Module({ imports })
  class ZanModule {}

  const app = await NestFactory.create(ZanModule, {
    logger: options.logger ?? ['log', 'warn', 'error', 'fatal'],
    bodyParser: true,
  });
  configureHttp(app);
  if (config.jwtSecretIsDefault) {
    new Logger('zan').warn('ZAN_JWT_SECRET is not set: using the development secret. Never do this in production.');
  }
  return app;
};
