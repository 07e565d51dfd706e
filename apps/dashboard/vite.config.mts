import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The page is served by the api role at /dashboard from dist/dashboard (apps/api/src/http/dashboard-page.ts).
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/dashboard/',
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../../dist/dashboard', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // Chart.js is the bulk; one file keeps the page to three requests.
    chunkSizeWarningLimit: 400,
  },
});
