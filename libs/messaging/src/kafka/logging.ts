import { logLevel, type logCreator } from 'kafkajs';

/** kafkajs's messages for the errors a moving or new leader answers, as its connection logs them. */
const TRANSIENT_RESPONSE_ERRORS = new Set([
  'This server does not host this topic-partition',
  'There is no leader for this topic-partition as we are in the middle of a leadership election',
  'This server is not the leader for that topic-partition',
]);

/**
 * kafkajs's console output as JSON lines, less the error kafkajs logs for every response a moving
 * or new leader answers (a publish that fails for it is retried whole by the relay; a failure that
 * lasts still rejects the publish or crashes the consumer).
 */
export const kafkajsLogs: logCreator =
  () =>
  ({ namespace, level, label, log }) => {
    const { message, ...extra } = log;
    if (namespace === 'Connection' && typeof extra.error === 'string' && TRANSIENT_RESPONSE_ERRORS.has(extra.error)) return;
    const line = JSON.stringify({ level: label, logger: 'kafkajs', namespace, message, ...extra });
    if (level === logLevel.ERROR || level === logLevel.NOTHING) console.error(line);
    else console.warn(line);
  };
