/**
 * HTTP load through autocannon's programmatic API: a closed loop of `connections` keep-alive
 * connections, each sending its next request as soon as the previous one is answered. Every request
 * is built by `next()` (its own Idempotency-Key, user and body), so no two requests are alike.
 *
 * Latencies are taken from autocannon's per-response timer (sub-millisecond, from the request's write
 * to its last byte); its own histogram rounds to whole milliseconds, too coarse for a 3 ms p50.
 */
import autocannon from 'autocannon';

export interface LoadRequest {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** Handed back with the response (e.g. the amount a tip carried, the claimer). */
  tag?: unknown;
}

export interface LoadOptions {
  url: string;
  connections: number;
  /** A measured window: runs this long, and only responses inside it count. */
  durationMs?: number;
  /** Or exactly this many requests (then the run lasts until the last one is answered). */
  amount?: number;
  /** Requests per second over all connections (autocannon's overallRate); as fast as they answer when unset. */
  rate?: number;
  /** Seconds before a request counts as timed out (its connection is then replaced). */
  timeoutS?: number;
  next: () => LoadRequest;
  /** Called for every answer, also those after the window (a request sent is a request done). */
  onResponse?: (status: number, body: string, tag: unknown) => void;
}

export interface LoadResult {
  /** From the start to the end of the window (duration) or to the last answer (amount). */
  elapsedMs: number;
  /** Answers by status code, inside the window. */
  byStatus: Record<number, number>;
  ok: number;
  non2xx: number;
  timeouts: number;
  /** Connection errors other than timeouts. */
  errors: number;
  /** Latency of each 2xx answer inside the window, in milliseconds. */
  latencies: number[];
  /** Latency of every answer, whatever its status, for scenarios where refusals are the normal outcome. */
  allLatencies: number[];
}

interface Context {
  tag?: unknown;
}

export const runLoad = (options: LoadOptions): Promise<LoadResult> =>
  new Promise((resolve, reject) => {
    if (!options.durationMs === !options.amount) throw new Error('runLoad: give durationMs or amount');
    const url = new URL(options.url);
    const result: LoadResult = { elapsedMs: 0, byStatus: {}, ok: 0, non2xx: 0, timeouts: 0, errors: 0, latencies: [], allLatencies: [] };
    // Clients connect and send as soon as autocannon() returns, before its 'start' event.
    const started = performance.now();
    let lastAnswer = started;
    const windowEnd = options.durationMs ? started + options.durationMs : Infinity;
    const inWindow = () => performance.now() <= windowEnd;
    const instance = autocannon(
      {
        url: url.origin,
        connections: options.connections,
        // autocannon stops only at its next sample tick after the duration; the window is ours.
        ...(options.durationMs ? { duration: Math.ceil(options.durationMs / 1000) } : { amount: options.amount }),
        ...(options.rate ? { overallRate: options.rate } : {}),
        timeout: options.timeoutS ?? 10,
        requests: [
          {
            setupRequest: (request, context: Context) => {
              const next = options.next();
              context.tag = next.tag;
              return {
                ...request,
                method: next.method,
                path: next.path,
                headers: { ...next.headers, ...(next.body !== undefined && { 'content-type': 'application/json' }) },
                ...(next.body !== undefined && { body: next.body }),
              } as autocannon.Request;
            },
            // Every answer, in the window or not: what was done counts for the checks, not for the figures.
            onResponse: (status: number, body: string, context: Context) => options.onResponse?.(status, body, context.tag),
          } as autocannon.Request,
        ],
      },
      (error: Error | null) => {
        if (error) reject(error);
      },
    );
    instance.on('response', (_client, status, _bytes, latencyMs) => {
      if (!inWindow()) return;
      lastAnswer = performance.now();
      result.byStatus[status] = (result.byStatus[status] ?? 0) + 1;
      result.allLatencies.push(latencyMs);
      if (status >= 200 && status < 300) {
        result.ok++;
        result.latencies.push(latencyMs);
      } else result.non2xx++;
    });
    instance.on('reqError', (error: Error) => {
      if (!inWindow()) return;
      lastAnswer = performance.now();
      if (/timed out/.test(error.message)) result.timeouts++;
      else result.errors++;
    });
    instance.on('done', () => {
      result.elapsedMs = options.durationMs ?? lastAnswer - started;
      resolve(result);
    });
  });

/** `201 x 100, 410 x 9900` */
export const describeStatuses = (byStatus: Record<number, number>): string =>
  Object.entries(byStatus)
    .map(([status, count]) => `${status} x ${count}`)
    .join(', ') || 'none';
