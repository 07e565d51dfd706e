import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy, Optional } from '@nestjs/common';
import { groupBuyStream, redPacketStream, type GroupBuyOpened, type RedPacketEscrowed, type StoredEvent } from '@zan/contracts';
import { GroupBuyNotFound, RedPacketNotFound } from '@zan/domain';
import { EVENT_STORE, type EventStore } from '@zan/event-store';
import { CLOCK, type Campaign, type Clock, InProcessLeaderElection, LEADER_ELECTION, type LeaderElection, SharedClock, systemClock } from '@zan/platform';
import { GroupBuyStreams } from '../command-path/group-buy-streams';
import { RedPacketStreams } from '../command-path/red-packet-streams';
import { TIMER_STORE, type DueTimer, type TimerCause, type TimerStore } from '@zan/stores';

export const EXPIRY_OPTIONS = Symbol('EXPIRY_OPTIONS');
/** The leader-election name of the timer loop: one replica runs the timers, any replica schedules them. */
const LEADERSHIP = 'expiry-timers';
/** How long a timer whose expiry failed waits before it is tried again. */
export const RETRY_FAILED_AFTER_MS = 10_000;
/** Timers run per tick at most. */
const DUE_PER_TICK = 100;
export interface ExpiryOptions {
  tickMs: number;
}

/**
 * Gives unclaimed red packet money back to the sender once a packet expires. Timers are durable, so
 * a restart loses none; the decider refunds only an open, expired packet, so running a timer twice
 * refunds once. Every api replica schedules and cancels timers; only the elected leader runs them.
 *
 * A packet's timer is set by its RedPacketEscrowed and keeps that event's cause: RedPacketExpired
 * carries the correlation id of the send command and names the RedPacketEscrowed as its causation,
 * so send, escrow, expiry and refund are one chain (CONTRACT.md, "Kafka").
 */
@Injectable()
export class ExpiryScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('expiry');
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = true;
  private campaign?: Campaign;

  constructor(
    @Inject(TIMER_STORE) private readonly timers: TimerStore,
    private readonly packets: RedPacketStreams,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(EXPIRY_OPTIONS) private readonly options: ExpiryOptions,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Optional() @Inject(LEADER_ELECTION) private readonly election: LeaderElection = new InProcessLeaderElection(),
    /** Group buys' deadlines run on the same timers (`group-buy:<id>`); absent in a harness without them. */
    @Optional() private readonly groupBuys?: GroupBuyStreams,
  ) {}

  /** False on a standby replica: another one runs the timers. */
  get leading(): boolean {
    return this.campaign?.leading ?? false;
  }

  /** Sets the packet's expiry timer, caused by its escrow (scheduling it again is harmless). */
  schedule(escrowed: StoredEvent<RedPacketEscrowed>): Promise<void> {
    return this.timers.schedule(`red-packet:${escrowed.data.redPacketId}`, new Date(escrowed.data.expiresAt), causeOf(escrowed));
  }

  cancel(redPacketId: string): Promise<void> {
    return this.timers.cancel(`red-packet:${redPacketId}`);
  }

  /** Sets a group buy's deadline timer, caused by its GroupBuyOpened (scheduling it again is harmless). */
  scheduleGroupBuy(opened: StoredEvent<GroupBuyOpened>): Promise<void> {
    return this.timers.schedule(`${GROUP_BUY}${opened.data.groupBuyId}`, new Date(opened.data.expiresAt), causeOf(opened));
  }

  cancelGroupBuy(groupBuyId: string): Promise<void> {
    return this.timers.cancel(`${GROUP_BUY}${groupBuyId}`);
  }

  async onApplicationBootstrap(): Promise<void> {
    this.campaign = await this.election.campaign(LEADERSHIP, { onElected: () => this.start(), onDeposed: () => this.stop() });
  }

  async onModuleDestroy(): Promise<void> {
    await this.campaign?.resign();
    await this.stop();
  }

  private start(): void {
    this.stopped = false;
    this.arm();
  }

  /** Stops ticking and waits for the tick in progress. */
  private async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Expires every packet due now; returns how many timers ran. Also called by tests. */
  async runDue(): Promise<number> {
    // The timer store's clock where it has one, shared by every replica: a leader whose own clock
    // runs fast must not fail a group or expire a packet before the expiresAt it announced. The
    // replicas' SharedClock follows it closely, the store's own reading is exact. An injected clock
    // (a test's, the simulation's) is the time itself.
    const shared = this.clock === systemClock || this.clock instanceof SharedClock;
    const now = shared && this.timers.now ? await this.timers.now() : this.clock.now();
    const due = await this.timers.due(now, DUE_PER_TICK);
    for (const timer of due) {
      const { id } = timer;
      if (id.startsWith(GROUP_BUY)) {
        await this.expireGroupBuy(timer, now);
        continue;
      }
      const redPacketId = id.slice('red-packet:'.length);
      try {
        await this.packets.expire(redPacketId, now, await this.causeOf(timer, redPacketId));
        // Only once the expiry (and so the refund's cause) is stored: a timer is never lost before its effect.
        await this.timers.cancel(id);
      } catch (error) {
        // Not escrowed yet: the process manager will escrow it, keep the timer.
        if (error instanceof RedPacketNotFound) continue;
        this.logger.error(`expiring ${redPacketId} failed, trying again in ${RETRY_FAILED_AFTER_MS / 1000} s: ${String(error)}`);
        // Kept, but moved behind the timers due now: due() answers the earliest first, and a few
        // packets that keep failing must not hold every other expiry up.
        await this.timers.schedule(id, new Date(now.getTime() + RETRY_FAILED_AFTER_MS), timer.cause).catch(() => undefined);
      }
    }
    return due.length;
  }

  /** Fails a group buy past its deadline (GroupBuyFailed, then every hold returns); a closed group changes nothing. */
  private async expireGroupBuy(timer: DueTimer, now: Date): Promise<void> {
    const groupBuyId = timer.id.slice(GROUP_BUY.length);
    try {
      if (!this.groupBuys) throw new Error('group buys are not served by this process');
      const cause = timer.cause ?? causeOf((await this.store.readStream(groupBuyStream(groupBuyId), { maxCount: 1 }))[0] ?? missing(groupBuyId));
      await this.groupBuys.expire(groupBuyId, now, cause);
      await this.timers.cancel(timer.id);
    } catch (error) {
      if (error instanceof GroupBuyNotFound) return void (await this.timers.cancel(timer.id));
      this.logger.error(`expiring group buy ${groupBuyId} failed, trying again in ${RETRY_FAILED_AFTER_MS / 1000} s: ${String(error)}`);
      await this.timers.schedule(timer.id, new Date(now.getTime() + RETRY_FAILED_AFTER_MS), timer.cause).catch(() => undefined);
    }
  }

  /**
   * The timer's stored cause; for a timer set before timers kept one, the same cause read from the
   * packet's first event, its RedPacketEscrowed.
   */
  private async causeOf(timer: DueTimer, redPacketId: string): Promise<TimerCause> {
    if (timer.cause) return timer.cause;
    const [escrowed] = await this.store.readStream(redPacketStream(redPacketId), { maxCount: 1 });
    if (!escrowed) throw new RedPacketNotFound(redPacketId);
    return causeOf(escrowed);
  }

  /** A tick that found a full batch due runs the next at once: a thousand deadlines at one instant wait no tick per hundred. */
  private arm(delayMs = this.options.tickMs): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      let ran = 0;
      this.running = this.runDue()
        .then((count) => void (ran = count))
        .catch((error) => this.logger.error(`expiry tick failed: ${String(error)}`))
        .finally(() => this.arm(ran >= DUE_PER_TICK ? 0 : this.options.tickMs));
    }, delayMs);
  }
}

const GROUP_BUY = 'group-buy:';
const missing = (groupBuyId: string): never => {
  throw new GroupBuyNotFound(`no group buy ${groupBuyId}`);
};

const causeOf = (escrowed: StoredEvent): TimerCause => ({ correlationId: escrowed.metadata.correlationId, causationId: escrowed.id });
