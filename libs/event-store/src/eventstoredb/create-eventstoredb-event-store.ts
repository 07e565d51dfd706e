import { BACKWARDS, END, KurrentDBClient } from '@kurrent/kurrentdb-client';
import { EventStoreDbCheckpointStore } from './eventstoredb-checkpoint-store';
import { EventStoreDbEventStore, type EventStoreDbEventStoreOptions } from './eventstoredb-event-store';
import { ZAN_STREAM_PREFIXES, normaliseConnectionString } from './records';

export interface CreateEventStoreDbOptions extends Omit<EventStoreDbEventStoreOptions, 'ownsClient'> {
  /** `kurrentdb://host:2113?tls=false`, `esdb://...`, or the `+discover` forms for a cluster. */
  connectionString: string;
  /** Prefix of the checkpoint streams (default `zan-checkpoint-`); must not be one of streamPrefixes. */
  checkpointStreamPrefix?: string;
}

export interface EventStoreDbStores {
  eventStore: EventStoreDbEventStore;
  checkpoints: EventStoreDbCheckpointStore;
  client: KurrentDBClient;
}

/**
 * Connects and checks that $all answers, so a wrong address or missing rights stop the start with
 * one message. eventStore.close() also disposes of the client.
 */
export const createEventStoreDbEventStore = async (options: CreateEventStoreDbOptions): Promise<EventStoreDbStores> => {
  // The adapter knows a conflict by the client's WrongExpectedVersionError; with this option the
  // client answers a conflict as a success ({ success: false }) instead, and conflicts would be 500s.
  if (/[?&]throwOnAppendFailure=false(&|$)/i.test(options.connectionString)) {
    throw new Error(`EventStoreDB at ${redact(options.connectionString)}: throwOnAppendFailure=false is not supported (conflicts must throw)`);
  }
  const client = KurrentDBClient.connectionString(normaliseConnectionString(options.connectionString));
  try {
    const eventStore = new EventStoreDbEventStore(client, { ...options, ownsClient: true });
    const checkpoints = new EventStoreDbCheckpointStore(client, { streamPrefix: options.checkpointStreamPrefix });
    const checkpointPrefix = checkpoints.streamOf('');
    if ((options.streamPrefixes ?? ZAN_STREAM_PREFIXES).some((prefix) => checkpointPrefix.startsWith(prefix))) {
      throw new RangeError(`checkpoint streams (${checkpointPrefix}...) would match Zan's stream prefixes`);
    }
    const probe = client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 });
    try {
      await probe.next();
    } finally {
      await probe.return?.(undefined);
    }
    return { eventStore, checkpoints, client };
  } catch (error) {
    await client.dispose().catch(() => undefined);
    throw new Error(`EventStoreDB at ${redact(options.connectionString)} is not usable: ${describe(error)}`);
  }
};

const describe = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error);
  const type = (error as { type?: string }).type;
  return type && !error.message.includes(type) ? `${type}: ${error.message}` : error.message;
};

const redact = (url: string): string => url.replace(/\/\/[^@/]*@/, '//***@');
