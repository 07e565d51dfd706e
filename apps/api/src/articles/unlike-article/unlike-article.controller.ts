import { Body, Controller, Delete, HttpCode, Param, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiNoContentResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { type CommandContext, Ctx } from '../../command-path/command-context';
import { AUTHENTICATED, ApiProblems } from '../../http/openapi';
import { requireArticleId } from '../article-id';
import { UnlikeArticleCommand } from './unlike-article.handler';
import { requireNoBody } from '../../http/validation';
import { RateLimited } from '../../http/rate-limit';

/** A 204 has no body: the command's position travels in this header instead. */
export const POSITION_HEADER = 'Zan-Position';

@ApiTags('articles')
@ApiBearerAuth('bearer')
@Controller('v1/articles')
export class UnlikeArticleController {
  constructor(private readonly commands: CommandBus) {}

  @Delete(':id/likes/me')
  @RateLimited()
  @HttpCode(204)
  @ApiOperation({ summary: 'Take your like back (ArticleUnliked); without a like, 204 and nothing changes' })
  @ApiParam({ name: 'id', description: 'The article id', example: 'why-zan' })
  @ApiNoContentResponse({
    description: 'Not liked (any more)',
    headers: {
      [POSITION_HEADER]: {
        description: 'Global position of the unlike (or of the article’s last event); pass it as `?after=`',
        schema: { type: 'string', example: '74800000' },
      },
    },
  })
  @ApiProblems(...AUTHENTICATED, 'validation', 'article-not-found', 'rate-limited')
  async unlike(
    @Ctx() context: CommandContext,
    @Param('id') id: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<void> {
    requireNoBody(body);
    const { position } = await this.commands.execute(new UnlikeArticleCommand(context, requireArticleId(id)));
    response.header(POSITION_HEADER, position);
  }
}
