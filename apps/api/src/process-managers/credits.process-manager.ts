import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy, Optional } from '@nestjs/common';
import type {
  FundsTransferred,
  RedPacketClaimed,
  RedPacketEscrowed,
  RedPacketExpired,
  RedPacketSent,
  StoredEvent,
  TipPraised,
} from '@zan/contracts';
import { walletStream } from '@zan/contracts';
import { walletDecider, type WalletCredit } from '@zan/domain';
import { CHECKPOINT_STORE, type CheckpointStore, DuplicateEventError, EVENT_STORE, type EventStore, type Subscription, subscribeResiliently } from '@zan/event-store';
import { type Campaign, InProcessLeaderElection, LEADER_ELECTION, type LeaderElection } from '@zan/platform';
import { CommandRunner, deterministicId } from '../command-path/command-runner';
import { RedPacketStreams } from '../red-packets/red-packet-streams';
import { ConcurrentReactions } from './concurrent-reactions';
import { ExpiryScheduler } from './expiry.scheduler';

const CHECKPOINT = 'process-manager:credits';
const CHECKPOINT_EVERY_MS = 100;

/**
 * Which reactions must run in order: a packet's lifecycle (escrow, expiry timer, claims, refund) in
 * the packet's order, a credit behind the earlier credits of its wallet. Other events need nothing.
 */
export const reactionKey = (event: StoredEvent): string | undefined => {
  switch (event.type) {
    case 'FundsTransferred':
      return `wallet:${(event.data as FundsTransferred).toUserId}`;
    case 'TipPraised':
      return `wallet:${(event.data as TipPraised).authorId}`;
    case 'RedPacketSent':
    case 'RedPacketEscrowed':
    case 'RedPacketClaimed':
    case 'RedPacketExpired':
      return `packet:${(event.data as { redPacketId: string }).redPacketId}`;
    default:
      return undefined;
  }
};

/**
 * Second legs of every payment, reacting to stored events in global order from a durable checkpoint:
 * the payee of a transfer, the author of a tip, the claimer of a packet share and the sender of an
 * expired packet are credited, and sent packets are escrowed. Each reaction's event ids derive
 * from the causing event's id, so redelivery after a crash finds them stored and does nothing:
 * every credit happens exactly once, never zero times.
 *
 * Every api replica has one, but only the elected leader of CHECKPOINT reacts; the others stand by
 * and take over from the stored checkpoint within seconds of the leader's death.
 */
@Injectable()
export class CreditsProcessManager implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('credits');
  private subscription?: Subscription;
  private reactions?: ConcurrentReactions;
  private saving?: ReturnType<typeof setInterval>;
  private saved?: bigint;
  private campaign?: Campaign;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CHECKPOINT_STORE) private readonly checkpoints: CheckpointStore,
    private readonly runner: CommandRunner,
    private readonly packets: RedPacketStreams,
    private readonly expiries: ExpiryScheduler,
    @Optional() @Inject(LEADER_ELECTION) private readonly election: LeaderElection = new InProcessLeaderElection(),
  ) {}

  /** False on a standby replica: another one reacts. */
  get leading(): boolean {
    return this.campaign?.leading ?? false;
  }

  /** Position up to which every event has been handled (the checkpoint moves to it), for tests and health. */
  get handledThrough(): bigint {
    return this.reactions?.watermark ?? 0n;
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
    const after = await this.checkpoints.load(CHECKPOINT);
    this.saved = after;
    const reactions = new ConcurrentReactions({ react: (event) => this.handle(event), keyOf: reactionKey }, after);
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
    this.saving = setInterval(() => void this.saveCheckpoint().catch((error: unknown) => this.logger.warn(`credits checkpoint not saved: ${String(error)}`)), CHECKPOINT_EVERY_MS);
  }

  /** Stops reading, lets the reactions in flight finish and saves the checkpoint (deposed, or shutting down). */
  private async stop(): Promise<void> {
    clearInterval(this.saving);
    this.saving = undefined;
    const subscription = this.subscription;
    this.subscription = undefined;
    if (!subscription) return;
    await subscription.stop();
    await this.reactions?.settle();
    await this.saveCheckpoint().catch((error: unknown) => this.logger.warn(`credits checkpoint not saved on stopping: ${String(error)}`));
  }

  private checkpointSave?: Promise<void>;

  /** Saves the watermark if it moved; one save at a time. */
  private async saveCheckpoint(): Promise<void> {
    await this.checkpointSave;
    const mark = this.reactions?.watermark;
    if (mark === undefined || mark === this.saved) return;
    this.checkpointSave = this.checkpoints.save(CHECKPOINT, mark).then(() => {
      this.saved = mark;
    });
    try {
      await this.checkpointSave;
    } finally {
      this.checkpointSave = undefined;
    }
  }

  async handle(event: StoredEvent): Promise<void> {
    switch (event.type) {
      case 'FundsTransferred': {
        const data = event.data as FundsTransferred;
        return this.credit(event, data.toUserId, {
          type: 'TransferReceived',
          data: { transferId: data.transferId, fromUserId: data.fromUserId, toUserId: data.toUserId, amount: data.amount },
        });
      }
      case 'TipPraised': {
        const data = event.data as TipPraised;
        return this.credit(event, data.authorId, {
          type: 'TipReceived',
          data: { tipId: data.tipId, readerId: data.readerId, authorId: data.authorId, articleId: data.articleId, amount: data.amount },
        });
      }
      case 'RedPacketSent':
        await this.packets.escrow(event as StoredEvent<RedPacketSent>);
        return;
      case 'RedPacketEscrowed':
        return this.expiries.schedule(event as StoredEvent<RedPacketEscrowed>);
      case 'RedPacketClaimed': {
        const data = event.data as RedPacketClaimed;
        await this.credit(event, data.userId, {
          type: 'RedPacketShareReceived',
          data: { redPacketId: data.redPacketId, senderId: data.senderId, userId: data.userId, amount: data.amount },
        });
        if (data.remainingShares === 0) await this.expiries.cancel(data.redPacketId);
        return;
      }
      case 'RedPacketExpired': {
        const data = event.data as RedPacketExpired;
        await this.expiries.cancel(data.redPacketId);
        if (data.amount === 0) return;
        return this.credit(event, data.senderId, {
          type: 'RedPacketRefunded',
          data: { redPacketId: data.redPacketId, senderId: data.senderId, amount: data.amount },
        });
      }
      default:
        return;
    }
  }

  /** Credits a wallet once: redelivered, the credit's deterministic id is refused as a duplicate. */
  private async credit(cause: StoredEvent, userId: string, credit: WalletCredit): Promise<void> {
    try {
      await this.runner.execute({
        command: 'CreditWallet',
        streamId: walletStream(userId),
        folder: walletDecider,
        decide: (state) => walletDecider.decide({ type: 'CreditWallet', data: { userId, credit } }, state),
        metadata: { ...cause.metadata, causationId: cause.id },
        eventId: (index) => deterministicId(cause.id, 'credit', String(index)),
      });
    } catch (error) {
      // Redelivered: this credit is stored already (its events went in with one append), and that is
      // all a reaction needs to know; no search of a long wallet stream for the earlier outcome.
      if (error instanceof DuplicateEventError) return;
      throw error;
    }
  }
}
