import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/** Where `npm run build` puts the page (vite, apps/dashboard): dist/dashboard at the project root. */
export const findDashboardDir = (from = __dirname): string | undefined => {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'dist', 'dashboard');
    if (existsSync(join(candidate, 'index.html'))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
};

/**
 * Serves the dashboard's static files at /dashboard. The page holds no data: every figure comes from
 * the admin-only /v1/admin/stats routes, with the token the person signs in with. Not built (a
 * checkout without `npm run build`): /dashboard is a 404 like any unknown path.
 */
export const serveDashboard = (app: NestFastifyApplication, dir = findDashboardDir()): boolean => {
  if (!dir) return false;
  // Its files (decorateReply off: the api docs' Swagger UI registers the same plugin for its own)...
  app.useStaticAssets({ root: dir, prefix: '/dashboard/', index: false, redirect: false, decorateReply: false });
  // ...and the page at /dashboard, with or without its slash: @fastify/static's directory redirect
  // loops where trailing slashes are ignored.
  const page = readFileSync(join(dir, 'index.html'));
  app
    .getHttpAdapter()
    .getInstance()
    .get('/dashboard', (_request, reply) => reply.type('text/html; charset=utf-8').send(page));
  return true;
};
