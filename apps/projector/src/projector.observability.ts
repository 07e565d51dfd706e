import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { EVENT_CATEGORIES } from '@zan/contracts';
import { EVENT_BUS, type EventBus } from '@zan/messaging';
import { ReadinessChecks, ZanMetrics } from '@zan/platform';
import { READ_MODEL_STORE, type ReadModelStore } from '@zan/read-models';
import { PROJECTOR_OPTIONS, type ProjectorOptions, ProjectorService } from './projector.service';

/** How often the watermark is read to notice read models lost between probes. */
const WATERMARK_WATCH_MS = 5_000;
const DEFAULT_HOLE_AFTER_MS = 30_000;

/** The projector's metrics and readiness: events applied, dead letters, and its lag behind Kafka. */
@Injectable()
export class ProjectorObservability implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('projector');
  /** The highest watermark this process has read: it never goes back unless the read models were lost. */
  private highest = 0n;
  private lossLogged = false;
  private watch?: NodeJS.Timeout;
  /** The watermark seen stuck behind applied events with nothing left to read, and since when. */
  private stuck?: { watermark: bigint; since: number };
  /** Set once the read models are known to miss events (see watchForHole); cleared when the watermark moves. */
  private hole?: string;

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

  /**
   * The store's watermark, refused once it is below one read before: Redis restarted empty (it keeps
   * nothing on disk) or its keys were deleted under the projector, which goes on applying new events
   * over nothing. Wallets then answer 404, earnings and the money totals count from zero, `?after=`
   * waits in vain: the projector is not ready until the read models are rebuilt.
   */
  private async watermark(): Promise<bigint> {
    const watermark = await this.store.watermark();
    if (watermark >= this.highest) {
      this.highest = watermark;
      this.lossLogged = false;
      return watermark;
    }
    const message = `the read models lost what they held: their watermark went back from ${this.highest} to ${watermark} (Redis restarted empty, or its keys were deleted); rebuild them (zan projections rebuild)`;
    if (!this.lossLogged) this.logger.error(message);
    this.lossLogged = true;
    throw new Error(message);
  }

  /**
   * Events this projector will never be given: the watermark stays below a position it applied, and
   * the group has nothing left to read on any partition, for holeAfterMs. The chain of positions is
   * broken for good: the group's offsets were moved past unread messages (reset to latest, to a time)
   * or the topics deleted them before they were read (retention lowered, a topic recreated). Balances
   * lack those events and `?after=` beyond the watermark answers 503; only a rebuild from the event
   * store mends them. (While another projector of the group is behind or dead, the lag is not 0.)
   */
  private async watchForHole(): Promise<void> {
    const watermark = await this.store.watermark();
    const ahead = this.projector.highestPosition;
    if (ahead <= watermark || (await this.lag()) > 0) {
      this.stuck = undefined;
      this.hole = undefined;
      return;
    }
    if (this.stuck?.watermark !== watermark) {
      this.stuck = { watermark, since: Date.now() };
      this.hole = undefined;
      return;
    }
    if (this.hole || Date.now() - this.stuck.since < (this.options.holeAfterMs ?? DEFAULT_HOLE_AFTER_MS)) return;
    this.hole =
      `the read models miss events: their watermark stays at ${watermark} while events through ${ahead} are applied and group ` +
      `${this.options.groupId} has nothing left to read (its offsets were moved past unread messages, or the topics deleted them ` +
      `before they were read); balances lack those events and ?after= beyond ${watermark} answers 503; rebuild them (zan projections rebuild)`;
    this.logger.error(this.hole);
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
    metrics.counterOf(
      'zan_projector_revision_gaps_total',
      "Events past a gap in their stream's revisions (an event missing before it, or a forged ce_sequence): logged, see zan projections status",
      () => projector.revisionGaps,
    );
    metrics.gauge('zan_projector_lag_messages', 'Messages on the Zan topics not yet committed by the projector group (Kafka consumer lag)', () => this.lag());
    metrics.gauge('zan_projector_watermark_position', 'Every event up to this global position is applied to the read models', async () =>
      Number(await this.store.watermark()),
    );
    this.checks.add('projector', async () => {
      if (this.hole) throw new Error(this.hole);
      return {
        group: this.options.groupId,
        lagMessages: await this.lag(),
        watermark: (await this.watermark()).toString(),
        revisionGaps: this.projector.revisionGaps,
      };
    });
    const every = Math.min(WATERMARK_WATCH_MS, this.options.holeAfterMs ?? DEFAULT_HOLE_AFTER_MS);
    this.watch = setInterval(() => {
      void this.watermark().catch(() => undefined);
      void this.watchForHole().catch(() => undefined);
    }, every);
    this.watch.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.watch);
  }
}
