import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandContext } from '../../command-path/command-context';
import { positionOf } from '../../command-path/execution';
import { ArticleStreams } from '../../command-path/article-streams';
import type { ArticleLikedDoc } from './like-article.dto';

/** The answer, and whether this like is new (201) or stood already (200). */
export class LikeArticleCommand extends Command<ArticleLikedDoc & { created: boolean }> {
  constructor(
    readonly context: CommandContext,
    readonly articleId: string,
  ) {
    super();
  }
}

@CommandHandler(LikeArticleCommand)
export class LikeArticleHandler implements ICommandHandler<LikeArticleCommand> {
  constructor(private readonly articles: ArticleStreams) {}

  async execute({ context, articleId }: LikeArticleCommand) {
    const done = await this.articles.decide(articleId, { type: 'LikeArticle', data: { articleId, userId: context.userId } }, context);
    const likes = done.state.status === 'published' ? done.state.likers.size : 0;
    return { likes, position: positionOf(done), created: done.events.length > 0 };
  }
}
