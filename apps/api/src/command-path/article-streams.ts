import { Injectable } from '@nestjs/common';
import { articleStream } from '@zan/contracts';
import { articleDecider, isPublished, type ArticleCommand, type ArticleState } from '@zan/domain';
import { type CommandContext, eventIdsOf, metadataOf } from './command-context';
import { CommandRunner } from './command-runner';
import type { Executed, Loaded } from './execution';

/** The one way into `article-<articleId>` streams: a caller's command, and an article as a tip reads it. */
@Injectable()
export class ArticleStreams {
  constructor(private readonly runner: CommandRunner) {}

  /** An article as a tip sees it: once published its author never changes, so a cached publication stands. */
  load(articleId: string): Promise<Loaded<ArticleState>> {
    return this.runner.load(articleStream(articleId), articleDecider, { settled: isPublished });
  }

  /** A caller's command on an article; nothing appended (a repeat) is a no-op, told by `events`. */
  decide(articleId: string, command: ArticleCommand, context: CommandContext, commandId = context.commandId): Promise<Executed<ArticleState>> {
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
