import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { wallet } from '@zan/domain';
import { maskName } from '@zan/platform';
import type { CommandContext } from '../../command-path/command-context';
import { WalletStreams } from '../../command-path/wallet-streams';
import { positionOf } from '../../command-path/execution';
import { Verifications } from '../../verification/verifications';
import type { CardLinkedDoc } from './link-bank-card.dto';

const { isPersonalHolder } = wallet;

export class LinkBankCardCommand extends Command<CardLinkedDoc> {
  constructor(
    readonly context: CommandContext,
    readonly cardId: string,
    readonly holderName: string,
  ) {
    super();
  }
}

/**
 * The holder's name never reaches the event log: masked, and hashed under the install's key. The card
 * is personal when that hash is the verified individual's name hash (decided, not declared).
 */
@CommandHandler(LinkBankCardCommand)
export class LinkBankCardHandler implements ICommandHandler<LinkBankCardCommand> {
  constructor(
    private readonly wallets: WalletStreams,
    private readonly verifications: Verifications,
  ) {}

  async execute({ context, cardId, holderName }: LinkBankCardCommand): Promise<CardLinkedDoc> {
    const { userId } = context;
    const holderNameHash = this.verifications.nameHash(holderName);
    const done = await this.wallets.decide(
      userId,
      { type: 'LinkBankCard', data: { userId, cardId, holderName: maskName(holderName), holderNameHash } },
      context,
    );
    const personal = done.state.cards.get(cardId)?.holderNameHash === holderNameHash && isPersonalHolder(done.state, holderNameHash);
    return { userId, cardId, personal, position: positionOf(done) };
  }
}
