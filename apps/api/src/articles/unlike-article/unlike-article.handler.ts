import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandContext } from '../../command-path/command-context';
import { positionOf } from '../../command-path/execution';
import { ArticleStreams } from '../../command-path/article-streams';

export class UnlikeArticleCommand extends Command<{ position: string }> {
  constructor(
    readonly context: CommandContext,
    readonly articleId: string,
  ) {
    super();
  }
}

@CommandHandler(UnlikeArticleCommand)
export class UnlikeArticleHandler implements ICommandHandler<UnlikeArticleCommand> {
  constructor(private readonly articles: ArticleStreams) {}

  async execute({ context, articleId }: UnlikeArticleCommand) {
    const done = await this.articles.decide(articleId, { type: 'UnlikeArticle', data: { articleId, userId: context.userId } }, context);
    return { position: positionOf(done) };
  }
}
