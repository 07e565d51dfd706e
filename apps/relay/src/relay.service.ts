import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { EVENT_CATEGORIES, type StoredEvent } from '@zan/contracts';
import { CHECKPOINT_STORE, type CheckpointStore, EVENT_STORE, type EventStore, type Subscription } from '@zan/event-store';
import { EVENT_BUS, type EventBus, type EventPublisher, type OutgoingEvent } from '@zan/messaging';

export const RELAY_OPTIONS = Symbol('RELAY_OPTIONS');
export interface RelayOptions {
  /** Checkpoint name; include the bus's identity so a new bus starts from the beginning. */
  checkpointName: string;
  /** False for the in-process bus: its log lives in memory, so every start republishes everything. */
  durableCheckpoint: boolean;
  batchSize?: number;
  lingerMs?: number;
}

/**
 * Event store -> bus. The event store is the outbox: the relay reads every event in global order
 * from its checkpoint, publishes in batches, and saves the checkpoint only after the bus has
 * acknowledged them, so a crash republishes (at least once) and never skips.
 * Each message carries the position of the event published before it, so consumers can tell
 * when they have seen every event up to a position, across partitions and topics.
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
  private stopped = false;
  private memoryCheckpoint: bigint | undefined;
  published = 0;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CHECKPOINT_STORE) private readonly checkpoints: CheckpointStore,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(RELAY_OPTIONS) private readonly options: RelayOptions,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.stop();
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.bus.ensureTopics(EVENT_CATEGORIES);
    this.publisher = this.bus.publisher();
    const checkpoint = await this.loadCheckpoint();
    this.lastQueued = checkpoint ?? 0n;
    this.logger.log(`relaying from position ${checkpoint ?? 'start'}`);
    this.subscription = this.store.subscribeToAll({
      after: checkpoint,
      onEvent: (event) => this.enqueue(event),
      onError: (error) => this.logger.error(`subscription failed: ${String(error)}`),
    });
  }

  /** Stops reading, publishes what is buffered and saves the checkpoint. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.subscription?.stop();
    clearTimeout(this.timer);
    await this.flush().catch((error) => this.logger.warn(`final flush failed: ${String(error)}`));
    await this.publisher?.close();
  }

  private async enqueue(event: StoredEvent): Promise<void> {
    this.buffer.push({ event, prevPosition: this.lastQueued });
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

  /** Publishes the buffer; retried until the bus takes it, since order forbids skipping ahead. */
  private flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      while (this.buffer.length > 0) {
        const batch = this.buffer;
        this.buffer = [];
        for (let attempt = 1; ; attempt++) {
          try {
            await this.publisher!.publish(batch);
            break;
          } catch (error) {
            if (this.stopped && attempt >= 3) {
              this.buffer = [...batch, ...this.buffer];
              throw error;
            }
            this.logger.warn(`publish failed (attempt ${attempt}): ${String(error)}`);
            await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 100 * attempt)));
          }
        }
        this.published += batch.length;
        await this.saveCheckpoint(batch[batch.length - 1]!.event.position);
      }
    });
    return this.flushing;
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
