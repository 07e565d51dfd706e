import { Controller, Get, Param, Query, Inject } from '@nestjs/common';
import { RedPacketNotFound } from '@zan/domain';
import { InvalidFeedCursor, READ_MODEL_STORE, type ReadModelStore } from '@zan/read-models';
import { AdminOnly, CurrentUser, type Principal } from '../auth/auth.guard';
import { ProblemException, problem } from '../http/problem';
import { pageSize } from '../http/query-params';
import { ID_MESSAGE, ID_PATTERN, badRequest } from '../http/validation';
import { ReadYourWrites } from './read-your-writes';

const requireId = (value: string, field: string): string => {
  if (!ID_PATTERN.test(value)) throw badRequest(field, ID_MESSAGE);
  return value;
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Every query of the contract. Read models are eventually consistent; `?after=` waits for a write. */
@Controller('v1')
export class QueriesController {
  constructor(
    @Inject(READ_MODEL_STORE) private readonly store: ReadModelStore,
    private readonly readYourWrites: ReadYourWrites,
  ) {}

  @Get('wallets/me')
  async myWallet(@CurrentUser() user: Principal, @Query('after') after?: string) {
    await this.readYourWrites.waitFor(after);
    return this.walletOf(user.userId);
  }

  @Get('wallets/:userId')
  @AdminOnly()
  async wallet(@Param('userId') userId: string, @Query('after') after?: string) {
    requireId(userId, 'userId');
    await this.readYourWrites.waitFor(after);
    return this.walletOf(userId);
  }

  @Get('authors/:authorId/earnings')
  async earnings(@Param('authorId') authorId: string, @Query('after') after?: string) {
    requireId(authorId, 'authorId');
    await this.readYourWrites.waitFor(after);
    return this.store.earnings(authorId);
  }

  @Get('leaderboards/authors')
  async leaderboard(@Query('limit') limit?: string, @Query('after') after?: string) {
    const size = pageSize(limit, 10, 100);
    await this.readYourWrites.waitFor(after);
    return this.store.leaderboard(size);
  }

  @Get('red-packets/:id')
  async redPacket(@Param('id') id: string, @Query('after') after?: string) {
    if (!UUID.test(id)) throw new RedPacketNotFound(`no red packet ${id.slice(0, 64)}`);
    await this.readYourWrites.waitFor(after);
    const view = await this.store.redPacket(id);
    if (!view) throw new ProblemException(problem(404, 'red-packet-not-found', 'Red packet not found', `no red packet ${id}`));
    return view;
  }

  @Get('feeds/me')
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
