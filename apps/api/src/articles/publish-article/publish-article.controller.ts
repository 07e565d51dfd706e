import { Body, Controller, HttpCode, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { type CommandContext, Ctx } from '../../command-path/command-context';
import { AUTHENTICATED, ApiProblems } from '../../http/openapi';
import { ArticlePublishedDoc, PublishArticleBody } from './publish-article.dto';
import { PublishArticleCommand } from './publish-article.handler';
import { RateLimited } from '../../http/rate-limit';

@ApiTags('articles')
@ApiBearerAuth('bearer')
@Controller('v1/articles')
export class PublishArticleController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @RateLimited()
  @HttpCode(201)
  @ApiOperation({ summary: 'Publish an article: you become its author, and readers may like it and tip you for it (ArticlePublished)' })
  @ApiCreatedResponse({ type: ArticlePublishedDoc, description: 'Published' })
  @ApiOkResponse({ type: ArticlePublishedDoc, description: 'You had published it already: unchanged (the first title stays)' })
  @ApiProblems(...AUTHENTICATED, 'validation', 'article-id-taken', 'rate-limited')
  async publish(@Ctx() context: CommandContext, @Body() body: PublishArticleBody, @Res({ passthrough: true }) response: FastifyReply) {
    const { created, ...answer } = await this.commands.execute(new PublishArticleCommand(context, body.articleId, body.title));
    if (!created) response.status(200);
    return answer;
  }
}
