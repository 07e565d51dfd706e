/**
 * kafkajs 2.2.4's request queue, less its idle spin. After a connection's first request, each
 * `checkPendingRequests` schedules the next one even with nothing pending: `throttledUntil` is -1
 * unless the broker throttles, so the timeout is negative, Node runs it after 1 ms, and every
 * connection wakes its process about 1,000 times a second for nothing (kafkajs issues #1556, #1604
 * and #1704, fix proposed in PR #1667, never released). Measured here: 30-35 ms of CPU per second
 * in an idle relay or projector, about a quarter of their CPU per tip at a few hundred tips/s.
 *
 * The replacement schedules the check only when it has something to do: requests pending (checked
 * when the throttle ends, or after 10 ms as kafkajs does), or a throttle still running. Nothing
 * is lost by not checking an empty queue: `push` schedules a check when it queues a request, and a
 * response or a timed-out request checks the queue at once.
 */

/** The fields of kafkajs's RequestQueue that scheduling reads and writes (src/network/requestQueue). */
export interface KafkajsRequestQueue {
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  pending: unknown[];
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

/** kafkajs's CHECK_PENDING_REQUESTS_INTERVAL. */
const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10;

/** The version whose scheduling this replaces; any other is left as it is (and the spec says so). */
export const PATCHED_KAFKAJS_VERSION = '2.2.4';

export function scheduleCheckPendingRequests(this: KafkajsRequestQueue): void {
  if (this.throttleCheckTimeoutId) return;
  const untilUnthrottled = this.throttledUntil - Date.now();
  let delay: number;
  if (this.pending.length > 0) delay = untilUnthrottled > 0 ? untilUnthrottled : CHECK_PENDING_REQUESTS_INTERVAL_MS;
  else if (untilUnthrottled > 0) delay = untilUnthrottled;
  else return;
  this.throttleCheckTimeoutId = setTimeout(() => {
    this.throttleCheckTimeoutId = null;
    this.checkPendingRequests();
  }, delay);
}

let installed: boolean | undefined;

/**
 * Puts the scheduling above on kafkajs's RequestQueue (every connection's queue, present and future)
 * when kafkajs is the version it was written for. Idempotent; returns whether it is in place.
 */
export const installRequestQueueFix = (): boolean => {
  if (installed !== undefined) return installed;
  /* eslint-disable @typescript-eslint/no-require-imports -- kafkajs's internals have no types and no exports map */
  const { version } = require('kafkajs/package.json') as { version: string };
  installed = version === PATCHED_KAFKAJS_VERSION;
  if (installed) {
    const RequestQueue = require('kafkajs/src/network/requestQueue') as { prototype: KafkajsRequestQueue };
    RequestQueue.prototype.scheduleCheckPendingRequests = scheduleCheckPendingRequests;
  }
  /* eslint-enable @typescript-eslint/no-require-imports */
  return installed;
};
