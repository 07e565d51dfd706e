import type { INestApplicationContext, LoggerService } from '@nestjs/common';
import { Logger } from 'nestjs-pino';

/** Nest's own start-up narration (every module initialised, every route mapped): debug, not info. */
const BOOTSTRAP_CONTEXTS = new Set(['NestFactory', 'InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestApplication']);

const quietBootstrap = (logger: Logger): LoggerService => ({
  log: (message: unknown, ...params: unknown[]) =>
    BOOTSTRAP_CONTEXTS.has(params[params.length - 1] as string) ? logger.debug(message, ...params) : logger.log(message, ...params),
  error: (message: unknown, ...params: unknown[]) => logger.error(message, ...params),
  warn: (message: unknown, ...params: unknown[]) => logger.warn(message, ...params),
  debug: (message: unknown, ...params: unknown[]) => logger.debug(message, ...params),
  verbose: (message: unknown, ...params: unknown[]) => logger.verbose(message, ...params),
  fatal: (message: unknown, ...params: unknown[]) => logger.fatal(message, ...params),
});

/** Routes Nest's own logs and every `new Logger(...)` through pino (created with bufferLogs: true). */
export const useZanLogger = (app: INestApplicationContext): void => {
  app.useLogger(quietBootstrap(app.get(Logger)));
  app.flushLogs();
};
