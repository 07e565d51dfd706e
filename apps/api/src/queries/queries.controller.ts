import { Controller, Get, Param, Query, Inject } from '@nestjs/common';
import { ApiBearerAuth, ApiExtraModels, ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { InvalidFeedCursor, READ_MODEL_STORE, type ReadModelStore } from '@zan/read-models';
import { AdminOnly, CurrentUser, type Principal } from '../auth/auth.guard';
import { AUTHENTICATED, ApiProblems } from '../http/openapi';
import { ProblemException, problem } from '../http/problem';
import { ArticleEarningsDoc, EarningsDoc, FeedPageDoc, LeaderboardEntryDoc, RedPacketDoc, WalletDoc } from '../http/responses';
import { pageSize } from '../http/query-params';
import { ID_MESSAGE, ID_PATTERN, badRequest, requireRedPacketId } from '../http/validation';
import { ReadYourWrites } from './read-your-writes';

const requireId = (value: string, field: string): string => {
  if (!ID_PATTERN.test(value)) throw badRequest(field, ID_MESSAGE);
  return value;
};


const AFTER =
  'A position from a command answer: wait (up to 5 s, else 503 with Retry-After) until the read models have applied it, and at a transfer, tip, red packet or claim the credits and escrow that follow it';
const READ = [...AUTHENTICATED, 'validation', 'read-model-behind'];

/** Every query of the contract. Read models are eventually consistent; `?after=` waits for a write. */
@ApiTags('queries')
@ApiBearerAuth('bearer')
@Controller('v1')
export class QueriesController {
  constructor(
    @Inject(READ_MODEL_STORE) private readonly store: ReadModelStore,
    private readonly readYourWrites: ReadYourWrites,
  ) {}

  @Get('wallets/me')
  @ApiOperation({ summary: 'Your wallet and balance' })
  @ApiQuery({ name: 'after', required: false, type: String, description: AFTER, example: '74800000' })
  @ApiOkResponse({ type: WalletDoc })
  @ApiProblems(...READ, 'wallet-not-found')
  async myWallet(@CurrentUser() user: Principal, @Query('after') after?: string) {
    await this.readYourWrites.waitFor(after);
    return this.walletOf(user.userId);
  }

  @Get('wallets/:userId')
  @AdminOnly()
  @ApiOperation({ summary: "A user's wallet (admin only)" })
  @ApiParam({ name: 'userId', example: 'alice' })
  @ApiQuery({ name: 'after', required: false, type: String, description: AFTER, example: '74800000' })
  @ApiOkResponse({ type: WalletDoc })
  @ApiProblems(...READ, 'forbidden', 'wallet-not-found')
  async wallet(@Param('userId') userId: string, @Query('after') after?: string) {
    requireId(userId, 'userId');
    await this.readYourWrites.waitFor(after);
    return this.walletOf(userId);
  }

  @Get('authors/:authorId/earnings')
  @ApiOperation({ summary: "An author's tip earnings, in total and by article" })
  @ApiParam({ name: 'authorId', example: 'bob' })
  @ApiQuery({ name: 'after', required: false, type: String, description: AFTER, example: '74800000' })
  @ApiExtraModels(ArticleEarningsDoc)
  @ApiOkResponse({ type: EarningsDoc })
  @ApiProblems(...READ)
  async earnings(@Param('authorId') authorId: string, @Query('after') after?: string) {
    requireId(authorId, 'authorId');
    await this.readYourWrites.waitFor(after);
    return this.store.earnings(authorId);
  }

  @Get('leaderboards/authors')
  @ApiOperation({ summary: 'Authors by tip earnings, highest first' })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 100, default: 10 } })
  @ApiQuery({ name: 'after', required: false, type: String, description: AFTER, example: '74800000' })
  @ApiOkResponse({ type: [LeaderboardEntryDoc] })
  @ApiProblems(...READ)
  async leaderboard(@Query('limit') limit?: string, @Query('after') after?: string) {
    const size = pageSize(limit, 10, 100);
    await this.readYourWrites.waitFor(after);
    return this.store.leaderboard(size);
  }

  @Get('red-packets/:id')
  @ApiOperation({ summary: 'A red packet: its claims, what remains and its status' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiQuery({ name: 'after', required: false, type: String, description: AFTER, example: '74800000' })
  @ApiOkResponse({ type: RedPacketDoc })
  @ApiProblems(...READ, 'red-packet-not-found')
  async redPacket(@Param('id') id: string, @Query('after') after?: string) {
    requireRedPacketId(id);
    await this.readYourWrites.waitFor(after);
    const view = await this.store.redPacket(id);
    if (!view) throw new ProblemException(problem(404, 'red-packet-not-found', 'Red packet not found', `no red packet ${id}`));
    return view;
  }

  @Get('feeds/me')
  @ApiOperation({ summary: 'Your activity, newest first' })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } })
  @ApiQuery({ name: 'before', required: false, type: String, description: 'The nextCursor of the previous page' })
  @ApiQuery({ name: 'after', required: false, type: String, description: AFTER, example: '74800000' })
  @ApiOkResponse({ type: FeedPageDoc })
  @ApiProblems(...READ)
  async feed(
    @CurrentUser() user: Principal,
    @Query('limit') limit?: string,
    @Query('before') before?: string,
    @Query('after') after?: string,
  ) {
    const size = pageSize(limit, 20, 100);
    if (before !== undefined && !/^[A-Za-z0-9_.:-]{1,64}$/.test(before)) throw badRequest('before', 'must be a cursor from a previous page');
    await this.readYourWrites.waitFor(after);
    try {
      return await this.store.feed(user.userId, { limit: size, before });
    } catch (error) {
      if (error instanceof InvalidFeedCursor) throw badRequest('before', 'must be a cursor from a previous page');
      throw error;
    }
  }

  private async walletOf(userId: string) {
    const view = await this.store.wallet(userId);
    if (!view) throw new ProblemException(problem(404, 'wallet-not-found', 'Wallet not found', `no wallet for user ${userId}`));
    return view;
  }
}
