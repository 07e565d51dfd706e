import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy, Optional } from '@nestjs/common';
import { EVENT_CATEGORIES, type StoredEvent } from '@zan/contracts';
import { CHECKPOINT_STORE, type CheckpointStore, EVENT_STORE, type EventStore, type Subscription, subscribeResiliently } from '@zan/event-store';
import {
  EVENT_BUS,
  PartitionsChanged,
  type EventBus,
  type EventPublisher,
  type OutgoingEvent,
  categoryOf,
  partitionsChangedIn,
  relayPartitionsName,
} from '@zan/messaging';
import {
  type Campaign,
  InProcessLeaderElection,
  LEADER_ELECTION,
  type LeaderElection,
  SpanKind,
  eventLogFields,
  contextOfEvent,
  startSpan,
  traceparentOf,
} from '@zan/platform';
import type { Span } from '@opentelemetry/api';

/** /metrics and /health/ready count the events behind up to this many (one bounded read). */
export const LAG_COUNT_LIMIT = 1000;

export const RELAY_OPTIONS = Symbol('RELAY_OPTIONS');
export interface RelayOptions {
  /** Checkpoint name; include the bus's identity so a new bus starts from the beginning. */
  checkpointName: string;
  /** False for the in-process bus: its log lives in memory, so every start republishes everything. */
  durableCheckpoint: boolean;
  batchSize?: number;
  lingerMs?: number;
  /**
   * The shortest time between two checkpoint saves (default 200 ms; 0 saves after every batch). Each
   * save is a statement; a crash republishes at most this long's events, which consumers drop as repeats.
   */
  checkpointIntervalMs?: number;
}

const DEFAULT_CHECKPOINT_INTERVAL_MS = 200;
/**
 * How long a check that the brokers are still the cluster and the topics this term publishes to
 * stays good (see lostLog). A cluster that lost its data is down for longer than this before it
 * comes back new.
 */
const LOG_CHECK_MS = 500;

/**
 * Event store -> bus. The event store is the outbox: the relay reads every event in global order
 * from its checkpoint, publishes in batches, and saves the checkpoint only after the bus has
 * acknowledged them, so a crash republishes (at least once) and never skips. Saves are spaced by
 * checkpointIntervalMs (each is a statement): a crash republishes at most that long's events more.
 * Each message carries the position of the event published before it, so consumers can tell
 * when they have seen every event up to a position, across partitions and topics.
 *
 * Several relays may run (a standby, or one started by mistake): only the elected leader of the
 * checkpoint's name reads and publishes; deposed, it stops reading, flushes what it holds and stops
 * publishing; elected again, it resumes from the stored checkpoint.
 */
@Injectable()
export class RelayService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('relay');
  private subscription?: Subscription;
  private publisher?: EventPublisher;
  private buffer: OutgoingEvent[] = [];
  private lastQueued = 0n;
  private flushing: Promise<void> = Promise.resolve();
  private timer?: NodeJS.Timeout;
  private stopped = true;
  private memoryCheckpoint: bigint | undefined;
  /** Open PRODUCER spans of buffered events, ended when Kafka has acknowledged them (tracing on). */
  private readonly spans = new WeakMap<OutgoingEvent, Span>();
  private campaign?: Campaign;
  /** Position of the last event published whose checkpoint waits for the interval (see saveLater). */
  private unsaved?: bigint;
  private savedAt = 0;
  private saveTimer?: NodeJS.Timeout;
  /** Set while the term is cut short to publish everything again (see republishFromStart): nothing more is published. */
  private rewinding = false;
  private topicsCheckedAt = 0;
  /** The cluster and the topics' ends this term publishes to, and when a broker last said so (see lostLog). */
  private log?: { clusterId: string; ends: Map<string, bigint>; checkedAt: number };
  /** The partitions of the topics this term publishes to, by category (see keptPartitions). */
  private kept?: Map<string, number>;
  published = 0;
  /** Set while the relay refuses to publish because a topic's partitions changed (see keptPartitions); cleared by a publish. */
  refusal?: PartitionsChanged;
  /** Position of the last event published and checkpointed. */
  publishedThrough = 0n;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CHECKPOINT_STORE) private readonly checkpoints: CheckpointStore,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(RELAY_OPTIONS) private readonly options: RelayOptions,
    @Optional() @Inject(LEADER_ELECTION) private readonly election: LeaderElection = new InProcessLeaderElection(),
  ) {}

  /** False on a standby relay: another instance publishes. */
  get leading(): boolean {
    return this.campaign?.leading ?? false;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.campaign = await this.election.campaign(this.options.checkpointName, {
      onElected: () => this.start(),
      onDeposed: () => this.stop(),
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.campaign?.resign();
    await this.stop();
  }

  async start(): Promise<void> {
    this.stopped = false;
    // Whatever a previous term could not publish is read again from the checkpoint.
    this.buffer = [];
    this.unsaved = undefined;
    this.savedAt = 0;
    let checkpoint = await this.loadCheckpoint();
    // Brokers that lost their data (a new cluster) or deleted topics hold none of what the checkpoint
    // says was published: the event store is the outbox, so all of it is published again.
    if (
      checkpoint !== undefined &&
      checkpoint > 0n &&
      this.options.durableCheckpoint &&
      (await this.bus.topicsLost(EVENT_CATEGORIES, await this.recordedCategories()))
    ) {
      this.logger.warn(
        `the topics lost events published through position ${checkpoint} (a new or wiped Kafka cluster, or a topic deleted?): publishing from the start`,
      );
      await this.checkpoints.delete(this.options.checkpointName);
      checkpoint = undefined;
    }
    await this.bus.ensureTopics(EVENT_CATEGORIES);
    const askedAt = performance.now();
    this.log = this.options.durableCheckpoint
      ? { clusterId: await this.bus.clusterId(), ends: await this.bus.logEnds(EVENT_CATEGORIES), checkedAt: askedAt }
      : undefined;
    this.kept = await this.keptPartitions(checkpoint);
    this.publisher = this.bus.publisher({ partitions: this.kept });
    this.lastQueued = checkpoint ?? 0n;
    this.publishedThrough = checkpoint ?? 0n;
    this.logger.log(`relaying from position ${checkpoint ?? 'start'}`);
    this.subscription = subscribeResiliently(this.store, {
      after: checkpoint,
      // Read what committed in the same few milliseconds together: the batch waits that long anyway.
      lingerMs: this.options.lingerMs ?? 5,
      onEvent: (event) => this.enqueue(event),
      onRetry: (error, attempt) => this.logger.warn(`event store subscription failed (attempt ${attempt}), restarting: ${String(error)}`),
    });
  }

  /**
   * The partitions each topic's history was published with: recorded when nothing was published yet
   * (a new deployment, or publishing from the start), else read back. A topic that has others now (an
   * operator added partitions) is refused, here and by the publisher if it changes while the relay
   * runs: a stream's next events would go to another partition than its earlier ones (PartitionsChanged).
   * A checkpoint kept from before this record existed records the topics as they are.
   */
  private async keptPartitions(checkpoint: bigint | undefined): Promise<Map<string, number> | undefined> {
    if (!this.options.durableCheckpoint) return undefined;
    const now = await this.bus.partitions(EVENT_CATEGORIES);
    if (!now) return undefined;
    const kept = new Map<string, number>();
    for (const [category, count] of now) {
      const name = relayPartitionsName(this.options.checkpointName, category);
      const recorded = checkpoint ? await this.checkpoints.load(name) : undefined;
      if (recorded === undefined) {
        // Not recorded (the checkpoint store refuses writes for now): this term's publisher still holds
        // the count, and the next start records it.
        await this.checkpoints.save(name, BigInt(count)).catch((error) => this.logger.warn(`recording ${name} failed: ${String(error)}`));
      } else if (recorded !== BigInt(count)) {
        this.refusal = new PartitionsChanged(this.bus.topicFor(category), Number(recorded), count);
        this.logger.error(this.refusal.message);
        throw this.refusal;
      }
      kept.set(category, count);
    }
    this.refusal = undefined;
    return kept;
  }

  /** The categories whose topics held what was published before (their partitions are recorded). */
  private async recordedCategories(): Promise<string[]> {
    const recorded = await Promise.all(
      EVENT_CATEGORIES.map(async (category) =>
        (await this.checkpoints.load(relayPartitionsName(this.options.checkpointName, category))) === undefined ? [] : [category],
      ),
    );
    return recorded.flat();
  }

  /** Stops reading, publishes what is buffered and saves the checkpoint. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.subscription?.stop();
    // Forget the pending linger, not just cancel it: a next term (re-elected) would otherwise see a
    // timer still "set", never arm its own, and leave every batch short of full unpublished.
    clearTimeout(this.timer);
    this.timer = undefined;
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    // Publishes what is buffered; the checkpoint of what was published is saved at once when stopped.
    await this.flush().catch((error) => this.logger.warn(`final flush failed: ${String(error)}`));
    await this.inOrder(() => this.saveUnsaved()).catch((error) => this.logger.warn(`final checkpoint save failed: ${String(error)}`));
    await this.publisher?.close();
  }

  /** Events stored but not yet published (counted up to LAG_COUNT_LIMIT), and the head they lead to. */
  async lag(): Promise<{ events: number; positions: bigint; head: bigint }> {
    const through = this.publishedThrough;
    const head = (await this.store.headPosition()) ?? 0n;
    if (head <= through) return { events: 0, positions: 0n, head };
    const behind = await this.store.readAll({ after: through, maxCount: LAG_COUNT_LIMIT });
    return { events: behind.length, positions: head - through, head };
  }

  private async enqueue(event: StoredEvent): Promise<void> {
    this.buffer.push(this.outgoing(event, this.lastQueued));
    this.lastQueued = event.position;
    const batchSize = this.options.batchSize ?? 500;
    if (this.buffer.length >= batchSize) {
      await this.flush(); // back-pressure: the subscription waits while a full batch is published
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.flush().catch(() => undefined);
      }, this.options.lingerMs ?? 5);
    }
  }

  /**
   * With tracing on, each event gets a PRODUCER span, child of the span that decided it, and travels
   * with that span's traceparent in its metadata, so the projector's span is the relay's child.
   */
  private outgoing(event: StoredEvent, prevPosition: bigint): OutgoingEvent {
    const topic = this.bus.topicFor(categoryOf(event));
    const span = startSpan(`publish ${topic}`, {
      kind: SpanKind.PRODUCER,
      parent: contextOfEvent(event.metadata),
      attributes: { 'messaging.destination.name': topic, 'zan.event_id': event.id, 'zan.event_type': event.type, 'zan.position': event.position.toString() },
    });
    const traceparent = traceparentOf(span);
    const item: OutgoingEvent = { event: traceparent ? { ...event, metadata: { ...event.metadata, traceparent } } : event, prevPosition };
    this.spans.set(item, span);
    return item;
  }

  /** Publishes the buffer; retried until the bus takes it, since order forbids skipping ahead. */
  private flush(): Promise<void> {
    // A failed flush must not poison the chain: the next one starts afresh (a rejected promise's
    // then() would skip every later flush, and the relay would stall for good).
    this.flushing = this.flushing
      .catch(() => undefined)
      .then(async () => {
        while (this.buffer.length > 0 && !this.rewinding) {
          const batch = this.buffer;
          this.buffer = [];
          for (let attempt = 1; ; attempt++) {
            // Cut short to publish from the start: this batch goes again in its turn.
            if (this.rewinding) return;
            try {
              const lost = await this.lostLog();
              if (lost) {
                // Not one event of this term may reach a new cluster or topic before its history: publish from the start.
                void this.republishFromStart(lost).catch((error: unknown) => this.logger.warn(`publishing from the start failed: ${String(error)}`));
                return;
              }
              await this.publisher!.publish(batch);
              break;
            } catch (error) {
              // Whatever failed, the next attempt asks the brokers first (see lostLog).
              if (this.log) this.log.checkedAt = -Infinity;
              if (this.stopped && attempt >= 3) {
                this.buffer = [...batch, ...this.buffer];
                throw error;
              }
              // Partitions added while running: refused until an operator acts (docs/operations.md).
              this.refusal = partitionsChangedIn(error);
              if (this.refusal) this.logger.error(`publish refused (attempt ${attempt}): ${this.refusal.message}`);
              else this.logger.warn(`publish failed (attempt ${attempt}): ${String(error)}`);
              this.checkTopicsLost();
              await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 100 * attempt)));
            }
          }
          if (this.rewinding) return;
          this.refusal = undefined;
          this.published += batch.length;
          // Each topic now ends at least this much further on (see lostLog).
          const ends = this.log?.ends;
          if (ends) for (const { event } of batch) ends.set(categoryOf(event), (ends.get(categoryOf(event)) ?? 0n) + 1n);
          for (const item of batch) {
            this.spans.get(item)?.end();
            this.logger.debug({ msg: 'published', ...eventLogFields(item.event) });
          }
          // Published: the checkpoint must follow, or a restart republishes (harmless). Saves are spaced
          // by the interval; the one that waits is saved by a timer, or at once by the next batch after it.
          this.unsaved = batch[batch.length - 1]!.event.position;
          const interval = this.options.checkpointIntervalMs ?? DEFAULT_CHECKPOINT_INTERVAL_MS;
          if (this.stopped || Date.now() - this.savedAt >= interval) await this.saveUnsaved();
          else this.saveLater(interval);
        }
      });
    return this.flushing;
  }

  /**
   * Why what this term published is gone, if it is: the brokers are another cluster (they came back
   * with their data wiped), or a topic ends before where it ended at the last answer plus what this
   * term published there since (deleted and created again: Zan's topics keep every message and only
   * the relay writes them, so an end never falls short of that otherwise). Asked of a broker when the last
   * answer is older than LOG_CHECK_MS or a publish failed since (a broker that cannot be reached, or
   * a topic missing, fails the attempt, which is retried; checkTopicsLost sees a missing topic). The
   * other services' consumers create missing topics again as they restart, so the next publish would
   * succeed there and put this term's next events ahead of every stream's history, which would never
   * follow. The wiped brokers were down for longer than LOG_CHECK_MS, so an answer that recent came
   * from the cluster a publish now reaches. Left: a topic deleted and created again within
   * LOG_CHECK_MS of an answer (the next check then finds it, after one publish went ahead), and a
   * publish that waited for a connection through a whole wipe (bounded by the publish deadline).
   */
  private async lostLog(): Promise<string | undefined> {
    const log = this.log;
    if (!log) return undefined;
    const askedAt = performance.now();
    if (askedAt - log.checkedAt < LOG_CHECK_MS) return undefined;
    if ((await this.bus.clusterId()) !== log.clusterId) return 'the brokers are a new cluster: their data wiped?';
    const ends = await this.bus.logEnds(EVENT_CATEGORIES);
    for (const [category, end] of ends) {
      const before = log.ends.get(category) ?? 0n;
      if (end < before) return `${this.bus.topicFor(category)} ends at ${end}, before ${before}: deleted and created again?`;
    }
    this.log = { ...log, ends, checkedAt: askedAt };
    return undefined;
  }

  /**
   * After a failed publish, at most once a second: have the topics lost what was published (the
   * brokers came back empty, or one topic was deleted)? A publish to a topic that no longer exists
   * fails until it is created again (publishing in order, the relay cannot go past it), and the events
   * before the checkpoint would never reach the new topic: publish from the start.
   */
  private checkTopicsLost(): void {
    if (!this.options.durableCheckpoint || this.rewinding || Date.now() - this.topicsCheckedAt < 1000) return;
    this.topicsCheckedAt = Date.now();
    void this.bus
      .topicsLost(EVENT_CATEGORIES, this.kept ? [...this.kept.keys()] : [])
      .catch(() => false) // the brokers cannot be reached yet: the next failed publish asks again
      .then((lost) => (lost ? this.republishFromStart() : undefined))
      .catch((error) => this.logger.warn(`publishing from the start failed: ${String(error)}`));
  }

  /**
   * Ends the term's reading and publishing without publishing what it holds, forgets the checkpoint
   * and starts again from the first event. Consumers drop what they already had (by event id, by
   * stream revision); a subscriber of the new cluster gets every stream whole.
   */
  private async republishFromStart(why = 'a new or wiped Kafka cluster, or a topic deleted?'): Promise<void> {
    if (this.stopped || this.rewinding) return;
    this.rewinding = true;
    this.logger.warn(`the topics lost events published through position ${this.publishedThrough} (${why}): publishing from the start`);
    try {
      await this.subscription?.stop();
      clearTimeout(this.timer);
      this.timer = undefined;
      clearTimeout(this.saveTimer);
      this.saveTimer = undefined;
      this.buffer = [];
      await this.flushing.catch(() => undefined);
      this.unsaved = undefined;
      await this.publisher?.close().catch(() => undefined);
      for (let attempt = 1; !this.stopped; attempt++) {
        try {
          if (this.options.durableCheckpoint) await this.checkpoints.delete(this.options.checkpointName);
          break;
        } catch (error) {
          this.logger.warn(`forgetting the checkpoint failed (attempt ${attempt}): ${String(error)}`);
          await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 100 * attempt)));
        }
      }
    } finally {
      this.rewinding = false;
    }
    for (let attempt = 1; !this.stopped && this.leading; attempt++) {
      try {
        await this.start();
        return;
      } catch (error) {
        this.logger.warn(`relaying from the start failed (attempt ${attempt}): ${String(error)}`);
        await this.publisher?.close().catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 200 * attempt)));
      }
    }
  }

  /** Runs `work` after the flushes and saves before it, so saves never overtake each other or a publish. */
  private inOrder(work: () => Promise<void>): Promise<void> {
    this.flushing = this.flushing.catch(() => undefined).then(work);
    return this.flushing;
  }

  private saveLater(interval: number): void {
    if (this.saveTimer) return;
    this.saveTimer = setTimeout(
      () => {
        this.saveTimer = undefined;
        void this.inOrder(() => this.saveUnsaved()).catch(() => undefined);
      },
      Math.max(0, this.savedAt + interval - Date.now()),
    );
  }

  /** Saves the checkpoint of what was published, retried while running; publishedThrough follows it. */
  private async saveUnsaved(): Promise<void> {
    const position = this.unsaved;
    if (position === undefined) return;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.saveCheckpoint(position);
        break;
      } catch (error) {
        if (this.stopped && attempt >= 3) throw error;
        this.logger.warn(`checkpoint save failed (attempt ${attempt}): ${String(error)}`);
        await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 100 * attempt)));
      }
    }
    this.savedAt = Date.now();
    this.publishedThrough = position;
    if (this.unsaved === position) this.unsaved = undefined;
  }

  private async loadCheckpoint(): Promise<bigint | undefined> {
    if (!this.options.durableCheckpoint) return this.memoryCheckpoint;
    return this.checkpoints.load(this.options.checkpointName);
  }

  private async saveCheckpoint(position: bigint): Promise<void> {
    if (!this.options.durableCheckpoint) {
      this.memoryCheckpoint = position;
      return;
    }
    await this.checkpoints.save(this.options.checkpointName, position);
  }
}
