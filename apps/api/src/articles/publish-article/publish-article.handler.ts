import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandContext } from '../../command-path/command-context';
import { positionOf } from '../../command-path/execution';
import { ArticleStreams } from '../../command-path/article-streams';
import type { ArticlePublishedDoc } from './publish-article.dto';

/** The answer, and whether this publication is new (201) or the author's again (200). */
export class PublishArticleCommand extends Command<ArticlePublishedDoc & { created: boolean }> {
  constructor(
    readonly context: CommandContext,
    readonly articleId: string,
    readonly title: string,
  ) {
    super();
  }
}

@CommandHandler(PublishArticleCommand)
export class PublishArticleHandler implements ICommandHandler<PublishArticleCommand> {
  constructor(private readonly articles: ArticleStreams) {}

  async execute({ context, articleId, title }: PublishArticleCommand) {
    const authorId = context.userId;
    const done = await this.articles.decide(articleId, { type: 'PublishArticle', data: { articleId, authorId, title } }, context);
    return { articleId, authorId, position: positionOf(done), created: done.events.length > 0 };
  }
}
