import type { INestApplicationContext } from '@nestjs/common';
import { Logger } from 'nestjs-pino';

/** Routes Nest's own logs and every `new Logger(...)` through pino (created with bufferLogs: true). */
export const useZanLogger = (app: INestApplicationContext): void => {
  app.useLogger(app.get(Logger));
  app.flushLogs();
};
