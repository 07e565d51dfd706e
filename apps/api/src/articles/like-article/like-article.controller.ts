import { Body, Controller, HttpCode, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { type CommandContext, Ctx } from '../../command-path/command-context';
import { AUTHENTICATED, ApiProblems } from '../../http/openapi';
import { requireArticleId } from '../article-id';
import { ArticleLikedDoc } from './like-article.dto';
import { LikeArticleCommand } from './like-article.handler';
import { requireNoBody } from '../../http/validation';
import { RateLimited } from '../../http/rate-limit';

@ApiTags('articles')
@ApiBearerAuth('bearer')
@Controller('v1/articles')
export class LikeArticleController {
  constructor(private readonly commands: CommandBus) {}

  @Post(':id/likes')
  @RateLimited()
  @HttpCode(201)
  @ApiOperation({ summary: 'Like an article, without cash (ArticleLiked); once per reader' })
  @ApiParam({ name: 'id', description: 'The article id', example: 'why-zan' })
  @ApiCreatedResponse({ type: ArticleLikedDoc, description: 'Liked' })
  @ApiOkResponse({ type: ArticleLikedDoc, description: 'You liked it already: no new event' })
  @ApiProblems(...AUTHENTICATED, 'validation', 'article-not-found', 'rate-limited')
  async like(@Ctx() context: CommandContext, @Param('id') id: string, @Body() body: unknown, @Res({ passthrough: true }) response: FastifyReply) {
    requireNoBody(body);
    const { created, ...answer } = await this.commands.execute(new LikeArticleCommand(context, requireArticleId(id)));
    if (!created) response.status(200);
    return answer;
  }
}
