import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { EVENT_CATEGORIES } from '@zan/contracts';
import { EVENT_BUS, type EventBus, type EventConsumer } from '@zan/messaging';
import { READ_MODEL_STORE, type ReadModelStore } from '@zan/read-models';
import { observeDelivery } from './observe-delivery';

export const PROJECTOR_OPTIONS = Symbol('PROJECTOR_OPTIONS');
export interface ProjectorOptions {
  groupId: string;
}

/**
 * Bus -> read models. Each event is applied together with its dedupe record and the watermark in
 * one atomic step of the store, and its offset is committed after, so a crash in between
 * redelivers an event the store then skips.
 */
@Injectable()
export class ProjectorService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('projector');
  private consumer?: EventConsumer;
  applied = 0;
  skipped = 0;
  undecodable = 0;

  /** Messages set aside instead of applied (/metrics: zan_projector_dead_letters_total). */
  get deadLetters(): number {
    return this.undecodable;
  }

  constructor(
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(READ_MODEL_STORE) private readonly store: ReadModelStore,
    @Inject(PROJECTOR_OPTIONS) private readonly options: ProjectorOptions,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.stop();
  }

  async start(): Promise<void> {
    await this.bus.ensureTopics(EVENT_CATEGORIES);
    this.consumer = this.bus.consumer({
      groupId: this.options.groupId,
      categories: EVENT_CATEGORIES,
      fromBeginning: true,
      handle: async (delivery) => {
        const fresh = await observeDelivery(this.logger, delivery, () =>
          this.store.apply({ category: delivery.category, event: delivery.event, prevPosition: delivery.prevPosition }),
        );
        if (fresh) this.applied++;
        else this.skipped++;
      },
      onUndecodable: async (raw, error) => {
        this.undecodable++;
        this.logger.error(`undecodable message ${raw.topic}/${raw.partition}@${raw.offset} skipped: ${String(error)}`);
      },
    });
    await this.consumer.start();
    this.logger.log(`projecting as group ${this.options.groupId}`);
  }

  async stop(): Promise<void> {
    await this.consumer?.stop();
    this.consumer = undefined;
  }
}
