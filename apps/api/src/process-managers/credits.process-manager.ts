import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type {
  FundsTransferred,
  RedPacketClaimed,
  RedPacketExpired,
  RedPacketSent,
  StoredEvent,
  TipPraised,
} from '@zan/contracts';
import { walletStream } from '@zan/contracts';
import { walletDecider, type WalletCredit } from '@zan/domain';
import { CHECKPOINT_STORE, type CheckpointStore, EVENT_STORE, type EventStore, type Subscription, subscribeResiliently } from '@zan/event-store';
import { CommandRunner, deterministicId } from '../command-path/command-runner';
import { RedPacketStreams } from '../red-packets/red-packet-streams';
import { ExpiryScheduler } from './expiry.scheduler';

const CHECKPOINT = 'process-manager:credits';

/**
 * Second legs of every payment, reacting to stored events in global order from a durable checkpoint:
 * the payee of a transfer, the author of a tip, the claimer of a packet share and the sender of an
 * expired packet are credited, and sent packets are escrowed. Each reaction's event ids derive
 * from the causing event's id, so redelivery after a crash finds them stored and does nothing:
 * every credit happens exactly once, never zero times.
 */
@Injectable()
export class CreditsProcessManager implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('credits');
  private subscription?: Subscription;
  /** Position of the last event handled, for tests and health. */
  handledThrough = 0n;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CHECKPOINT_STORE) private readonly checkpoints: CheckpointStore,
    private readonly runner: CommandRunner,
    private readonly packets: RedPacketStreams,
    private readonly expiries: ExpiryScheduler,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const after = await this.checkpoints.load(CHECKPOINT);
    this.handledThrough = after ?? 0n;
    this.subscription = subscribeResiliently(this.store, {
      after,
      onEvent: async (event) => {
        await this.handle(event);
        this.handledThrough = event.position;
        await this.checkpoints.save(CHECKPOINT, event.position);
      },
      onRetry: (error, attempt) => this.logger.warn(`credits subscription failed (attempt ${attempt}), restarting: ${String(error)}`),
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.subscription?.stop();
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
      case 'RedPacketEscrowed': {
        const data = event.data as RedPacketSent;
        return this.expiries.schedule(data.redPacketId, new Date(data.expiresAt));
      }
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

  private async credit(cause: StoredEvent, userId: string, credit: WalletCredit): Promise<void> {
    await this.runner.executeOnce({
      command: 'CreditWallet',
      streamId: walletStream(userId),
      folder: walletDecider,
      decide: (state) => walletDecider.decide({ type: 'CreditWallet', data: { userId, credit } }, state),
      metadata: { ...cause.metadata, causationId: cause.id },
      eventId: (index) => deterministicId(cause.id, 'credit', String(index)),
    });
  }
}
