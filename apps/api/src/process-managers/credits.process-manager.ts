import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy, Optional } from '@nestjs/common';
import { CorruptEvent, UnknownEventType, type StoredEvent } from '@zan/contracts';
import { InvalidCommand } from '@zan/domain';
import {
  CHECKPOINT_STORE,
  type CheckpointStore,
  EVENT_STORE,
  type EventStore,
  PROCESS_MANAGER_CHECKPOINTS,
  type ResilientSubscription,
  redriveRequestOf,
  subscribeResiliently,
} from '@zan/event-store';
import { type Campaign, InProcessLeaderElection, LEADER_ELECTION, type LeaderElection } from '@zan/platform';
import { GroupBuyStreams } from '../command-path/group-buy-streams';
import { OrderSaga } from '../command-path/order-saga';
import { PaymentCodeStreams } from '../command-path/payment-code-streams';
import { RedPacketStreams } from '../command-path/red-packet-streams';
import { WalletStreams } from '../command-path/wallet-streams';
import { ConcurrentReactions } from './concurrent-reactions';
import { type ReactionEffects, reactTo, reactionKey } from './credit-reactions';
import { ExpiryScheduler } from './expiry.scheduler';

const CHECKPOINT = PROCESS_MANAGER_CHECKPOINTS.credits;
const CHECKPOINT_EVERY_MS = 100;
/**
 * The leader saves its watermark at least this often, moved or not: a deposed leader finishing its
 * last reactions (or a frozen one waking) may save the checkpoint it had reached after the new leader
 * saved further, and a quiet leader would otherwise leave it there, behind which every standby's
 * read-your-writes of the last credits waits until 503.
 */
const RESAVE_EVERY_MS = 1_000;
/** An operator's request to react again from an earlier position (`zan process-managers redrive credits`). */
const REDRIVE = redriveRequestOf(CHECKPOINT);
const REDRIVE_POLL_MS = 1_000;
/** Events past the watermark looked at for the oldest one in flight (one bounded read per scrape). */
const IN_FLIGHT_SCAN = 1_000;

/**
 * Second legs of every payment, reacting to stored events in global order from a durable checkpoint
 * (what each event type causes: CREDIT_REACTIONS in credit-reactions.ts): the payee of a transfer,
 * the author of a tip, the claimer of a packet share and the sender of an expired packet are
 * credited, and sent packets are escrowed. Each reaction's event ids derive
 * from the causing event's id, so redelivery after a crash finds them stored and does nothing:
 * every credit happens exactly once, never zero times.
 *
 * Every api replica has one, but only the elected leader of CHECKPOINT reacts; the others stand by
 * and take over from the stored checkpoint within seconds of the leader's death.
 */
@Injectable()
export class CreditsProcessManager implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('credits');
  private subscription?: ResilientSubscription;
  private reactions?: ConcurrentReactions;
  private saving?: ReturnType<typeof setInterval>;
  private saved?: bigint;
  private savedAt = 0;
  private campaign?: Campaign;
  private active = false;
  private ticking?: Promise<void>;
  private polledAt = 0;
  /** A re-drive being carried out: its request is deleted once the watermark reaches `until`. */
  private redrive?: { from: bigint; until: bigint };
  private readonly handledListeners = new Set<() => void>();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CHECKPOINT_STORE) private readonly checkpoints: CheckpointStore,
    private readonly wallets: WalletStreams,
    private readonly packets: RedPacketStreams,
    private readonly expiries: ExpiryScheduler,
    @Optional() @Inject(LEADER_ELECTION) private readonly election: LeaderElection = new InProcessLeaderElection(),
    /** The commerce sagas' later steps; without it (a harness that sells nothing) their events are passed over. */
    @Optional() private readonly orders?: OrderSaga,
    /** Settles payments by dynamic code; without it (a harness where nobody pays by code) a dynamic payment's reaction fails. */
    @Optional() private readonly paymentCodes?: PaymentCodeStreams,
    /** The group-buy saga's later steps; without it their events are passed over. */
    @Optional() private readonly groupBuys?: GroupBuyStreams,
  ) {}

  /** False on a standby replica: another one reacts. */
  get leading(): boolean {
    return this.campaign?.leading ?? false;
  }

  /** Position up to which every event has been handled (the checkpoint moves to it), for tests and health. */
  get handledThrough(): bigint {
    return this.reactions?.watermark ?? 0n;
  }

  /** Calls `listener` whenever handledThrough moves (read-your-writes waits on it); answers how to stop. */
  onHandled(listener: () => void): () => void {
    this.handledListeners.add(listener);
    return () => this.handledListeners.delete(listener);
  }

  async onApplicationBootstrap(): Promise<void> {
    this.campaign = await this.election.campaign(CHECKPOINT, { onElected: () => this.start(), onDeposed: () => this.stop() });
  }

  async onModuleDestroy(): Promise<void> {
    await this.campaign?.resign();
    await this.stop();
  }

  /**
   * Reactions run concurrently, one after another per credited wallet or per packet (see
   * reactionKey), so a busy author or a hot packet does not hold up everyone else's credits. The
   * checkpoint is saved every CHECKPOINT_EVERY_MS at the position every reaction before it has
   * finished: a crash redoes at most that much, and every reaction is idempotent.
   */
  private async start(): Promise<void> {
    this.active = true;
    // A re-drive not yet finished (requested while no leader ran, or cut short) starts over from its position.
    const requested = await this.checkpoints.load(REDRIVE);
    if (requested !== undefined) {
      await this.checkpoints.save(CHECKPOINT, requested);
      this.redrive = { from: requested, until: (await this.store.headPosition()) ?? 0n };
      this.logger.warn(`re-driving from position ${requested} through ${this.redrive.until} (requested by an operator)`);
    }
    const after = requested ?? (await this.checkpoints.load(CHECKPOINT));
    this.saved = after;
    this.read(after);
    this.saving = setInterval(() => this.tick(), CHECKPOINT_EVERY_MS);
  }

  private read(after: bigint | undefined): void {
    const reactions = new ConcurrentReactions(
      // A failed reaction restarts the subscription at once, not at the next event (none may come).
      {
        react: (event) => this.handle(event),
        keyOf: reactionKey,
        onFailure: (error) => this.subscription?.restart(error),
        // An event this Zan does not know waits for a Zan that does; a credit to a wallet whose history
        // holds a corrupt amount, or one its command refuses as invalid (a cause stored by hand with a
        // 0-fen amount), cannot be decided by any retry: it waits for an operator. Every other credit goes on.
        leavesUndone: (error) => error instanceof UnknownEventType || error instanceof CorruptEvent || error instanceof InvalidCommand,
        onLeftUndone: (_, error) => this.logger.error(`credit left undone: ${String(error)}`),
        onAdvance: () => this.handledListeners.forEach((listener) => listener()),
      },
      after,
    );
    this.reactions = reactions;
    this.logger.log(`reacting from position ${after ?? 'start'}`);
    this.subscription = subscribeResiliently(this.store, {
      after,
      // Under load, one read for the commits of the next few milliseconds instead of one per commit.
      lingerMs: 3,
      onEvent: (event) => reactions.offer(event),
      resumeAfter: () => reactions.settle(),
      onRetry: (error, attempt) => this.logger.warn(`credits subscription failed (attempt ${attempt}), restarting: ${String(error)}`),
    });
  }

  /** Stops reading, lets the reactions in flight finish and saves the checkpoint (deposed, or shutting down). */
  private async stop(): Promise<void> {
    this.active = false;
    clearInterval(this.saving);
    this.saving = undefined;
    await this.ticking; // it may be restarting the subscription for a re-drive
    const subscription = this.subscription;
    this.subscription = undefined;
    if (!subscription) return;
    await subscription.stop();
    await this.reactions?.settle();
    await this.saveCheckpoint().catch((error: unknown) => this.logger.warn(`credits checkpoint not saved on stopping: ${String(error)}`));
  }

  /** Every CHECKPOINT_EVERY_MS: saves the watermark, and carries out an operator's re-drive request. One at a time. */
  private tick(): void {
    if (this.ticking) return;
    this.ticking = this.saveCheckpoint()
      .then(() => this.followRedrive())
      .catch((error: unknown) => this.logger.warn(`credits checkpoint not saved, or re-drive request not followed: ${String(error)}`))
      .finally(() => (this.ticking = undefined));
  }

  /**
   * A re-drive request (written by `zan process-managers redrive credits`) makes the leader read again
   * from the requested position: every reaction after it runs again, and finds its deterministic
   * event ids stored where it had run. The request stays until the watermark has passed the head
   * the re-drive started at, so a leader that dies meanwhile is followed by one that starts over.
   */
  private async followRedrive(): Promise<void> {
    const mark = this.reactions?.watermark;
    if (this.redrive && mark !== undefined && mark >= this.redrive.until && mark >= this.redrive.from) {
      // A request made meanwhile (another position) stays for the poll below.
      if ((await this.checkpoints.load(REDRIVE)) === this.redrive.from) await this.checkpoints.delete(REDRIVE);
      this.logger.log(`re-drive from position ${this.redrive.from} done through ${mark}`);
      this.redrive = undefined;
    }
    if (Date.now() - this.polledAt < REDRIVE_POLL_MS) return;
    this.polledAt = Date.now();
    const requested = await this.checkpoints.load(REDRIVE);
    if (requested === undefined || requested === this.redrive?.from || !this.active) return;
    const subscription = this.subscription;
    this.subscription = undefined;
    await subscription?.stop();
    const reached = await this.reactions?.settle();
    // Reading resumes whatever happens: from the request once it is saved, else where it was (the
    // request stays, and the next poll tries again).
    let from = reached;
    try {
      const head = (await this.store.headPosition()) ?? 0n;
      await this.checkpoints.save(CHECKPOINT, requested);
      this.saved = requested;
      this.redrive = { from: requested, until: reached !== undefined && reached > head ? reached : head };
      from = requested;
      this.logger.warn(`re-driving from position ${requested} through ${this.redrive.until} (requested by an operator; had reached ${reached ?? 'start'})`);
    } finally {
      if (this.active) this.read(from);
    }
  }

  /**
   * Seconds since the oldest event this process manager has not finished with was stored (a debit
   * whose credit is not stored yet, a packet not yet escrowed); 0 when it is caught up. The leader
   * looks past its watermark, a standby past the stored checkpoint (so a deployment with no leader
   * shows its credits ageing too).
   */
  async oldestInFlightSeconds(now = Date.now()): Promise<number> {
    const after = this.leading ? this.reactions?.watermark : await this.checkpoints.load(CHECKPOINT);
    const behind = await this.store.readAll({ after, maxCount: IN_FLIGHT_SCAN });
    // Past the watermark, only an event with a reaction is unfinished: the credits' own events, just
    // stored and not yet read back, are not. A full scan with none is measured from its last event,
    // as the oldest unfinished one, if any, lies beyond it.
    const oldest = behind.find((event) => reactionKey(event) !== undefined) ?? (behind.length === IN_FLIGHT_SCAN ? behind.at(-1) : undefined);
    return oldest === undefined ? 0 : Math.max(0, (now - Date.parse(oldest.occurredAt)) / 1000);
  }

  private checkpointSave?: Promise<void>;

  /** Saves the watermark if it moved, or again after RESAVE_EVERY_MS; one save at a time. */
  private async saveCheckpoint(): Promise<void> {
    await this.checkpointSave;
    const mark = this.reactions?.watermark;
    if (mark === undefined || (mark === this.saved && Date.now() - this.savedAt < RESAVE_EVERY_MS)) return;
    this.checkpointSave = this.checkpoints.save(CHECKPOINT, mark).then(() => {
      this.saved = mark;
      this.savedAt = Date.now();
    });
    try {
      await this.checkpointSave;
    } finally {
      this.checkpointSave = undefined;
    }
  }

  /** The effects the reactions use (credit-reactions.ts). */
  private effectsWithCommerce?: ReactionEffects;
  private get effects(): ReactionEffects {
    return (this.effectsWithCommerce ??= {
      ...this.baseEffects,
      ...(this.orders && { commerce: this.orders.steps() }),
      ...(this.groupBuys && { groupBuys: this.groupBuys.steps() }),
    });
  }

  private readonly baseEffects: ReactionEffects = {
    credit: (cause, userId, credit) => this.wallets.credit(cause, userId, credit),
    escrowPacket: async (sent) => void (await this.packets.escrow(sent)),
    scheduleExpiry: (escrowed) => this.expiries.schedule(escrowed),
    cancelExpiry: (redPacketId) => this.expiries.cancel(redPacketId),
    settlePayment: async (paid) => {
      if (!this.paymentCodes) throw new Error(`payment ${paid.data.paymentId} by a dynamic code, and no PaymentCodeStreams to settle it`);
      return (await this.paymentCodes.settle(paid)).redeemed;
    },
    scheduleGroupBuyExpiry: (opened) => this.expiries.scheduleGroupBuy(opened),
    cancelGroupBuyExpiry: (groupBuyId) => this.expiries.cancelGroupBuy(groupBuyId),
  };

  handle(event: StoredEvent): Promise<void> {
    return reactTo(event, this.effects);
  }
}
