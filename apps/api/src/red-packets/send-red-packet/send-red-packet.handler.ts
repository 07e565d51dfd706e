import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { RedPacketEscrowed, RedPacketMode, RedPacketSent, StoredEvent } from '@zan/contracts';
import { redPacketExpiresAt } from '@zan/domain';
import { CLOCK, type Clock, ZAN_SECRETS, type ZanSecrets, unguessableId } from '@zan/platform';
import type { CommandContext } from '../../command-path/command-context';
import { RedPacketStreams } from '../../command-path/red-packet-streams';
import { WalletStreams } from '../../command-path/wallet-streams';
import { positionOf } from '../../command-path/execution';
import { ExpiryScheduler } from '../../process-managers/expiry.scheduler';
import type { RedPacketSentDoc } from './send-red-packet.dto';

export class SendRedPacketCommand extends Command<RedPacketSentDoc> {
  constructor(
    readonly context: CommandContext,
    readonly amount: number,
    readonly shares: number,
    readonly mode: RedPacketMode,
    readonly greeting: string | undefined,
    readonly recipients: string[] | undefined,
  ) {
    super();
  }
}

/**
 * Debited on the sender's wallet (RedPacketSent), then escrowed on the packet's own stream at once,
 * so the packet can be claimed as soon as the sender hears back; the credits process manager escrows
 * it too, should this process die in between.
 */
@CommandHandler(SendRedPacketCommand)
export class SendRedPacketHandler implements ICommandHandler<SendRedPacketCommand> {
  constructor(
    private readonly wallets: WalletStreams,
    private readonly packets: RedPacketStreams,
    private readonly expiries: ExpiryScheduler,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ZAN_SECRETS) private readonly secrets: ZanSecrets,
  ) {}

  async execute({ context, amount, shares, mode, greeting, recipients }: SendRedPacketCommand): Promise<RedPacketSentDoc> {
    const senderId = context.userId;
    // Whoever knows a packet's id can claim it: keyed, so the sender and Idempotency-Key alone do not
    // give it away; the same command still finds the same packet when retried.
    const redPacketId = unguessableId(this.secrets.idKey, 'red-packet', senderId, context.commandId);
    // One reading: the expiry, the decision and the event's occurredAt all start from it.
    const now = this.clock.now();
    const expiresAt = redPacketExpiresAt(now.toISOString(), this.wallets.decideContext.limits);
    const done = await this.wallets.decide(
      senderId,
      {
        type: 'SendRedPacket',
        data: {
          redPacketId,
          senderId,
          amount,
          shares,
          mode,
          ...(greeting !== undefined && { greeting }),
          ...(recipients !== undefined && { recipients }),
          expiresAt,
        },
      },
      context,
      context.commandId,
      now,
    );
    const sent = done.events.find((event) => event.type === 'RedPacketSent') as StoredEvent<RedPacketSent>;
    const escrow = await this.packets.escrow(sent);
    const escrowed = escrow.events.find((event) => event.type === 'RedPacketEscrowed') as StoredEvent<RedPacketEscrowed> | undefined;
    // Without it (never expected: escrow answers the stored outcome), the credits process manager sets the timer.
    if (escrowed) await this.expiries.schedule(escrowed);
    // The stored event's id: a retry of a command stored under an older id key answers that packet.
    return { redPacketId: sent.data.redPacketId, expiresAt: sent.data.expiresAt, balance: done.state.balance, position: positionOf(done) };
  }
}
