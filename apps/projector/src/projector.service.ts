import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { EVENT_CATEGORIES } from '@zan/contracts';
import { EVENT_BUS, type EventBus, type EventConsumer, type EventPublisher, type RetryBackoff } from '@zan/messaging';
import { READ_MODEL_STORE, type ReadModelStore, type RevisionGap } from '@zan/read-models';
import { observeDelivery } from './observe-delivery';
import { DEAD_LETTER_CATEGORY, DeadLetters, ProjectionHandler } from './projection-handler';

export const PROJECTOR_OPTIONS = Symbol('PROJECTOR_OPTIONS');
export interface ProjectorOptions {
  groupId: string;
  /** Tries of a message that cannot be decoded or applied before it is dead-lettered (default 5). */
  maxAttempts?: number;
  /** Wait before each redelivery of a failed message (default 200 ms doubling to 5 s). */
  retryBackoff?: RetryBackoff;
  /** Events applied per Redis round trip at most (default 500). */
  maxBatchSize?: number;
  /**
   * How long the watermark may stay behind what this projector applied while the group has nothing
   * left to read, before the read models are said to miss events (default 30 s; see ProjectorObservability).
   */
  holeAfterMs?: number;
}

/**
 * Bus -> read models. Runs of events are applied with one applyMany (each event atomic with its dedupe
 * record and the watermark), and their offsets are committed after, so a crash in between redelivers
 * events the store then skips. A message that keeps failing goes to `<prefix>.dead-letter.projector`
 * and is recorded as skipped (see ProjectionHandler).
 */
@Injectable()
export class ProjectorService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('projector');
  private consumer?: EventConsumer;
  private publisher?: EventPublisher;
  private handler?: ProjectionHandler;
  private stopTelling?: () => void;
  private gaps = 0;

  constructor(
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(READ_MODEL_STORE) private readonly store: ReadModelStore,
    @Inject(PROJECTOR_OPTIONS) private readonly options: ProjectorOptions,
  ) {}

  /** Events applied since start. */
  get applied(): number {
    return this.handler?.applied ?? 0;
  }

  /** Deliveries that were already applied (redeliveries, re-sends). */
  get skipped(): number {
    return this.handler?.duplicates ?? 0;
  }

  /** The highest global position this projector was delivered since start (0n before the first). */
  get highestPosition(): bigint {
    return this.handler?.highestPosition ?? 0n;
  }

  /** Messages sent to the dead-letter topic (undecodable, or failing maxAttempts times). */
  get deadLetters(): number {
    return this.handler?.deadLettered ?? 0;
  }

  /** Events met past a gap in their stream's revisions since start (see RevisionGap): missing or forged. */
  get revisionGaps(): number {
    return this.gaps;
  }

  /** Of the dead letters, those that could not be decoded. */
  get undecodable(): number {
    return this.handler?.undecodable ?? 0;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.stop();
  }

  async start(): Promise<void> {
    await this.bus.ensureTopics([...EVENT_CATEGORIES, DEAD_LETTER_CATEGORY]);
    this.publisher = this.bus.publisher();
    const { groupId } = this.options;
    const handler = new ProjectionHandler({
      target: this.store,
      deadLetters: new DeadLetters(this.publisher, this.bus.topicFor(DEAD_LETTER_CATEGORY), groupId),
      categoryOf: (topic) => EVENT_CATEGORIES.find((c) => this.bus.topicFor(c) === topic) ?? topic,
      maxAttempts: this.options.maxAttempts ?? 5,
      observe: (delivery, apply) => observeDelivery(this.logger, delivery, apply),
      onDeadLetter: (raw, error) =>
        this.logger.error(`dead-lettered ${raw.topic}[${raw.partition}]@${raw.offset} (${raw.headers.ce_id ?? 'no ce_id'}): ${String(error)}`),
    });
    this.handler = handler;
    this.stopTelling = this.store.onRevisionGap?.((gap) => this.revisionGap(gap));
    this.consumer = this.bus.consumer({
      groupId,
      categories: EVENT_CATEGORIES,
      fromBeginning: true,
      retryBackoff: this.options.retryBackoff,
      maxBatchSize: this.options.maxBatchSize,
      handle: handler.handle,
      handleBatch: handler.handleBatch,
      onUndecodable: handler.onUndecodable,
      onError: (error, raw, attempt) =>
        this.logger.warn(`${raw.topic}[${raw.partition}]@${raw.offset} failed (attempt ${attempt}), will be delivered again: ${String(error)}`),
    });
    await this.consumer.start();
    this.logger.log(`projecting as group ${groupId}`);
  }

  /**
   * A jump in a stream's revisions is never passed quietly: refusing it would stall the stream behind
   * a dead-lettered event, waiting for the missing ones would stall the partition on a forged message.
   */
  private revisionGap({ category, streamId, revision, last, applied }: RevisionGap): void {
    this.gaps++;
    const after = last === undefined ? 'none applied before it' : `the last applied was ${last}`;
    const then = applied
      ? `applied: later events of ${streamId} up to revision ${revision} will be taken as already applied`
      : 'dead-lettered and not recorded: the stream goes on';
    this.logger.error(
      `revision gap on ${streamId} (${category}): revision ${revision} came, ${after}; an event missing before it, or a message Zan never published; ` +
        `${then}; compare with the event store (zan audit) and rebuild from it (zan projections rebuild)`,
    );
  }

  async stop(): Promise<void> {
    this.stopTelling?.();
    this.stopTelling = undefined;
    await this.consumer?.stop();
    this.consumer = undefined;
    await this.publisher?.close();
    this.publisher = undefined;
  }
}
