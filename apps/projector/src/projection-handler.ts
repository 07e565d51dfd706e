import { parsePosition } from '@zan/contracts';
import { HEADER, revisionOf, type DeliveredEvent, type EventPublisher, type RawDelivery } from '@zan/messaging';
import { isPoison, type Applied, type ApplyTarget, type Skipped } from '@zan/read-models';

/** The projector's dead letters go to `<prefix>.dead-letter.projector`, created like the other topics. */
export const DEAD_LETTER_CATEGORY = 'dead-letter.projector';

/** Headers a dead letter carries besides the original ones. */
export const DEAD_LETTER_HEADER = {
  error: 'zan_dlq_error',
  errorName: 'zan_dlq_error_name',
  topic: 'zan_dlq_topic',
  partition: 'zan_dlq_partition',
  offset: 'zan_dlq_offset',
  group: 'zan_dlq_group',
  attempts: 'zan_dlq_attempts',
  at: 'zan_dlq_at',
} as const;

/** Writes a message set aside to the dead-letter topic: its key, headers and value as they came, plus why and from where. */
export class DeadLetters {
  constructor(
    private readonly publisher: EventPublisher,
    private readonly topic: string,
    private readonly groupId: string,
  ) {}

  async send(raw: RawDelivery, error: unknown, attempts: number): Promise<void> {
    const failure = error instanceof Error ? error : new Error(String(error));
    await this.publisher.publishRecords([
      {
        topic: this.topic,
        key: raw.key,
        value: raw.value,
        headers: {
          ...raw.headers,
          [DEAD_LETTER_HEADER.error]: failure.message.slice(0, 4000),
          [DEAD_LETTER_HEADER.errorName]: failure.name,
          [DEAD_LETTER_HEADER.topic]: raw.topic,
          [DEAD_LETTER_HEADER.partition]: String(raw.partition),
          [DEAD_LETTER_HEADER.offset]: raw.offset,
          [DEAD_LETTER_HEADER.group]: this.groupId,
          [DEAD_LETTER_HEADER.attempts]: String(attempts),
          [DEAD_LETTER_HEADER.at]: new Date().toISOString(),
        },
      },
    ]);
  }
}

export interface ProjectionHandlerOptions {
  /** The live store, or a generation a rebuild fills. */
  target: ApplyTarget;
  deadLetters: DeadLetters;
  /** The category a topic carries (for messages that cannot be decoded). */
  categoryOf(topic: string): string;
  /** Tries of a message that cannot be decoded or applied before it is dead-lettered (at least 1). */
  maxAttempts: number;
  /** Wraps each delivery's apply (tracing, debug logs); given `apply`, returns what it returns. */
  observe?: (delivery: DeliveredEvent, apply: () => Promise<boolean>) => Promise<boolean>;
  /** Told of each message dead-lettered. */
  onDeadLetter?: (raw: RawDelivery, error: unknown) => void;
}

/**
 * What the projector does with what the bus delivers. A run of events is applied with one
 * applyMany (each event still atomic with its dedupe record and the watermark); the bus commits the
 * offsets only after it resolves. When the run fails because of an event (not of Redis), its events
 * are applied one by one: the one that fails throws, so the bus delivers the run again after a
 * backoff (what was applied is then a duplicate), until the event has failed maxAttempts times. It then
 * goes to the dead-letter topic, and is recorded in the store as applied with no changes, so the
 * watermark passes it and its partition goes on. A message that cannot be decoded is treated the same
 * way; its place in the position chain is taken when its ce_zanposition and zan_prev_position headers
 * can be read.
 */
export class ProjectionHandler {
  applied = 0;
  duplicates = 0;
  /** The highest global position delivered to this handler (applied or already applied). */
  highestPosition = 0n;
  deadLettered = 0;
  undecodable = 0;
  private readonly attempts = new Map<string, number>();
  /**
   * Messages dead-lettered from a run that then failed on a later event: the bus delivers the whole
   * run again, and these are passed over (recorded as skipped already) instead of failing again and
   * going to the dead-letter topic once more per later poison event of the run.
   */
  private readonly setAside = new Set<string>();

  constructor(private readonly options: ProjectionHandlerOptions) {
    if (!Number.isSafeInteger(options.maxAttempts) || options.maxAttempts < 1) throw new RangeError('maxAttempts must be a positive integer');
  }

  readonly handle = (delivery: DeliveredEvent): Promise<void> => this.handleBatch([delivery]);

  readonly handleBatch = (deliveries: DeliveredEvent[]): Promise<void> => this.applyRun(deliveries);

  readonly onUndecodable = async (raw: RawDelivery, error: unknown): Promise<void> => {
    if (this.failed(raw) < this.options.maxAttempts) throw error;
    await this.deadLetter(raw, error, chainLinkOf(raw, this.options.categoryOf(raw.topic)));
    this.undecodable++;
  };

  private async applyRun(deliveries: DeliveredEvent[]): Promise<void> {
    if (deliveries.length === 0) return;
    const { target, observe } = this.options;
    let results: boolean[];
    try {
      const applied = deliveries.map(toApplied);
      results = target.applyMany ? await target.applyMany(applied) : await sequentially(applied, (d) => target.apply(d));
    } catch (error) {
      if (!isPoison(error)) throw error;
      for (const delivery of deliveries) await this.applyOne(delivery);
      // The whole run is handled: none of it comes again.
      if (this.setAside.size > 0) for (const delivery of deliveries) this.setAside.delete(attemptKey(delivery.raw));
      return;
    }
    for (let i = 0; i < deliveries.length; i++) {
      const fresh = observe ? await observe(deliveries[i]!, async () => results[i]!) : results[i]!;
      this.counted(deliveries[i]!, fresh);
    }
  }

  private async applyOne(delivery: DeliveredEvent): Promise<void> {
    if (this.setAside.has(attemptKey(delivery.raw))) return;
    const apply = () => this.options.target.apply(toApplied(delivery));
    let fresh: boolean;
    try {
      fresh = this.options.observe ? await this.options.observe(delivery, apply) : await apply();
    } catch (error) {
      if (!isPoison(error) || this.failed(delivery.raw) < this.options.maxAttempts) throw error;
      const { category, event, prevPosition } = delivery;
      await this.deadLetter(delivery.raw, error, { category, streamId: event.streamId, revision: event.revision, position: event.position, prevPosition });
      // Bounded like attempts: a message whose partition moved never comes back here.
      if (this.setAside.size > 10_000) this.setAside.clear();
      this.setAside.add(attemptKey(delivery.raw));
      return;
    }
    this.counted(delivery, fresh);
  }

  /** Dead letter first, then the skip: a crash in between redelivers it, and the worst is a second dead letter. */
  private async deadLetter(raw: RawDelivery, error: unknown, link: Skipped | undefined): Promise<void> {
    await this.options.deadLetters.send(raw, error, this.attempts.get(attemptKey(raw)) ?? 1);
    if (link) await this.options.target.skip(link);
    this.attempts.delete(attemptKey(raw));
    this.deadLettered++;
    this.options.onDeadLetter?.(raw, error);
  }

  private counted(delivery: DeliveredEvent, fresh: boolean): void {
    if (delivery.event.position > this.highestPosition) this.highestPosition = delivery.event.position;
    if (fresh) this.applied++;
    else this.duplicates++;
    if (this.attempts.size > 0) this.attempts.delete(attemptKey(delivery.raw));
  }

  /** Counts a failed try of this message; returns how many it has had. */
  private failed(raw: RawDelivery): number {
    const key = attemptKey(raw);
    const attempts = (this.attempts.get(key) ?? 0) + 1;
    // Messages whose partition moved to another consumer never come back here: keep the map bounded.
    if (this.attempts.size > 10_000) this.attempts.clear();
    this.attempts.set(key, attempts);
    return attempts;
  }
}

const toApplied = ({ category, event, prevPosition }: DeliveredEvent): Applied => ({ category, event, prevPosition });

const attemptKey = (raw: RawDelivery): string => `${raw.topic}\u0000${raw.partition}\u0000${raw.offset}`;

const sequentially = async <T, R>(items: T[], fn: (item: T) => Promise<R>): Promise<R[]> => {
  const results: R[] = [];
  for (const item of items) results.push(await fn(item));
  return results;
};

/**
 * The place in the position chain of a message that cannot be decoded, from its headers when they can
 * be read; with its stream and revision too when those can be.
 */
export const chainLinkOf = (raw: RawDelivery, category: string): Skipped | undefined => {
  // ce_zanposition and ce_sequence since v1.1; v1 messages have zan_position and zan_revision only.
  const position = parsePosition(raw.headers[HEADER.zanPosition] ?? raw.headers[HEADER.position]);
  const prevPosition = parsePosition(raw.headers[HEADER.prevPosition]);
  if (position === undefined || prevPosition === undefined || prevPosition >= position) return undefined;
  const streamId = raw.headers[HEADER.subject];
  const revision = revisionOf(raw.headers);
  const known = streamId && raw.key === streamId && revision !== undefined;
  return known ? { category, streamId, revision, position, prevPosition } : { category, position, prevPosition };
};
