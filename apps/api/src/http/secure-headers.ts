import helmet from 'helmet';

/**
 * The headers helmet's default middleware sets, recorded from one run of it. With no nonce or
 * per-request directive configured it sets the same headers on every answer, so setting them from
 * this list gives each answer the same headers without running its chain of fourteen middlewares.
 * Anything else it does (removing a header, failing) is refused here at start-up, not ignored.
 */
export const helmetHeaders = (): [string, string][] => {
  const headers: [string, string][] = [];
  const recorder = {
    setHeader: (name: string, value: unknown) => {
      if (typeof value !== 'string') throw new Error(`helmet set ${name} to a ${typeof value}; expected a string`);
      headers.push([name, value]);
    },
    removeHeader: (name: string) => {
      // X-Powered-By: neither Fastify nor Node sets it, so there is nothing to remove on an answer.
      if (name.toLowerCase() !== 'x-powered-by') throw new Error(`helmet removed ${name}; expected only X-Powered-By`);
    },
  };
  let finished = false;
  helmet()({} as never, recorder as never, (error?: unknown) => {
    if (error) throw error instanceof Error ? error : new Error('helmet failed');
    finished = true;
  });
  if (!finished) throw new Error('helmet did not finish synchronously');
  return headers;
};
