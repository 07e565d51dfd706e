import { Injectable } from '@nestjs/common';
import { articleStream } from '@zan/contracts';
import { articleDecider, isPublished, type ArticleCommand, type ArticleState } from '@zan/domain';
import { commandIdOf, eventIdsOf, metadataOf, type CommandContext } from './command-context';
import { CommandRunner, type Executed, type Loaded } from './command-runner';

/** Deciding article commands on `article-<articleId>` streams. */
@Injectable()
export class ArticleStreams {
  constructor(private readonly runner: CommandRunner) {}

  /** An article as a tip sees it: once published its author never changes, so a cached publication stands. */
  load(articleId: string): Promise<Loaded<ArticleState>> {
    return this.runner.load(articleStream(articleId), articleDecider, { settled: isPublished });
  }

  /** The caller's command on an article; nothing appended (a repeat) is a no-op, told by `events`. */
  decide(articleId: string, command: ArticleCommand, context: CommandContext): Promise<Executed<ArticleState>> {
    const commandId = commandIdOf(context);
    return this.runner.executeOnce({
      command: command.type,
      streamId: articleStream(articleId),
      folder: articleDecider,
      decide: (state) => articleDecider.decide(command, state),
      metadata: metadataOf(context, commandId),
      eventId: eventIdsOf(commandId),
      recovering: context.idempotency?.recovering ?? false,
    });
  }
}
