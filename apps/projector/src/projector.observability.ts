import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { EVENT_CATEGORIES } from '@zan/contracts';
import { EVENT_BUS, type EventBus } from '@zan/messaging';
import { ReadinessChecks, ZanMetrics } from '@zan/platform';
import { READ_MODEL_STORE, type ReadModelStore } from '@zan/read-models';
import { PROJECTOR_OPTIONS, type ProjectorOptions, ProjectorService } from './projector.service';

/** The projector's metrics and readiness: events applied, dead letters, and its lag behind Kafka. */
@Injectable()
export class ProjectorObservability implements OnModuleInit {
  constructor(
    private readonly projector: ProjectorService,
    private readonly metrics: ZanMetrics,
    private readonly checks: ReadinessChecks,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(READ_MODEL_STORE) private readonly store: ReadModelStore,
    @Inject(PROJECTOR_OPTIONS) private readonly options: ProjectorOptions,
  ) {}

  private lag(): Promise<number> {
    return this.bus.lag(this.options.groupId, EVENT_CATEGORIES);
  }

  onModuleInit(): void {
    const { projector, metrics } = this;
    metrics.counterOf('zan_projector_events_applied_total', 'Events applied to the read models', () => projector.applied);
    metrics.counterOf('zan_projector_events_skipped_total', 'Deliveries skipped as already applied (at-least-once redeliveries)', () => projector.skipped);
    metrics.counterOf(
      'zan_projector_dead_letters_total',
      'Messages the projector could not apply and set aside (undecodable or dead-lettered)',
      () => projector.deadLetters,
    );
    metrics.gauge('zan_projector_lag_messages', 'Messages on the Zan topics not yet committed by the projector group (Kafka consumer lag)', () => this.lag());
    metrics.gauge('zan_projector_watermark_position', 'Every event up to this global position is applied to the read models', async () =>
      Number(await this.store.watermark()),
    );
    this.checks.add('projector', async () => ({
      group: this.options.groupId,
      lagMessages: await this.lag(),
      watermark: (await this.store.watermark()).toString(),
    }));
  }
}
