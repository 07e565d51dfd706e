import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';

/** HTTP settings shared by every way of starting the api (its own process, all-in-one, tests). */
export const configureHttp = (app: INestApplication): void => {
  const express = app as NestExpressApplication;
  express.disable('x-powered-by');
  // Small bodies only: the largest legitimate body is a red packet with its recipient list.
  express.useBodyParser('json', { limit: '64kb', strict: true });
  app.enableShutdownHooks();
};
