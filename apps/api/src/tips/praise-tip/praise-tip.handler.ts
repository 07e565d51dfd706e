import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { walletStream } from '@zan/contracts';
import { requireTippableArticle, TIP_AUTHOR_UNCHANGED_BY, tipAuthor, walletDecider, type WalletState } from '@zan/domain';
import { ArticleStreams } from '../../command-path/article-streams';
import type { CommandContext } from '../../command-path/command-context';
import { deterministicId } from '../../command-path/ids';
import { WalletStreams } from '../../command-path/wallet-streams';
import { positionOf, storedIdOf } from '../../command-path/execution';
import type { TipPraisedDoc } from './praise-tip.dto';

export class PraiseTipCommand extends Command<TipPraisedDoc> {
  constructor(
    readonly context: CommandContext,
    readonly authorId: string,
    readonly articleId: string,
    readonly amount: number,
    readonly message: string | undefined,
  ) {
    super();
  }
}

/**
 * The reader's wallet pays (decided on the reader's stream); the author is credited by the
 * credits process manager reacting to TipPraised.
 */
@CommandHandler(PraiseTipCommand)
export class PraiseTipHandler implements ICommandHandler<PraiseTipCommand> {
  constructor(
    private readonly wallets: WalletStreams,
    private readonly articles: ArticleStreams,
  ) {}

  async execute({ context, authorId, articleId, amount, message }: PraiseTipCommand): Promise<TipPraisedDoc> {
    const readerId = context.userId;
    // The article must be published (404) and by the author named (422), before anything is debited.
    requireTippableArticle((await this.articles.load(articleId)).state, articleId, authorId);
    const tipId = deterministicId(context.commandId, 'tip');
    // Eligibility is a fact of the author's wallet at decision time: an admin may revoke a verification
    // (maybe on another replica) while the tip waits in the reader's lane, or before it is decided again
    // after a conflict. Taken from this process's fresh state of the author's wallet, it is checked by
    // the append itself: any event on it since, but money moving, and the tip is decided again on it read afresh.
    const data = { tipId, readerId, authorId, articleId, amount, ...(message !== undefined && { message }), author: tipAuthor(walletDecider.initialState) };
    const author = {
      streamId: walletStream(authorId),
      folder: walletDecider,
      unless: TIP_AUTHOR_UNCHANGED_BY,
      use: (state: WalletState) => (data.author = tipAuthor(state)),
    };
    const done = await this.wallets.decide(readerId, { type: 'PraiseTip', data }, context, context.commandId, undefined, { guardedFacts: [author] });
    return { tipId: storedIdOf(done, 'TipPraised', 'tipId', tipId), balance: done.state.balance, position: positionOf(done) };
  }
}
