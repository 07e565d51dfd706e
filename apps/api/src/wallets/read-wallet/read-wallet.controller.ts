import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { READ_MODEL_STORE, type ReadModelStore } from '@zan/read-models';
import { AdminOnly, CurrentUser, type Principal } from '../../auth/auth.guard';
import { ApiProblems } from '../../http/openapi';
import { ProblemException, problem } from '../../http/problem';
import { AFTER_QUERY, READ_PROBLEMS } from '../../http/query-params';
import { requireId } from '../../http/validation';
import { ReadYourWrites } from '../../queries/read-your-writes';
import { WalletDoc } from './read-wallet.dto';

/** A wallet as the read models hold it (eventually consistent; `?after=` waits for a write). */
@ApiTags('queries')
@ApiBearerAuth('bearer')
@Controller('v1')
export class ReadWalletController {
  constructor(
    @Inject(READ_MODEL_STORE) private readonly store: ReadModelStore,
    private readonly readYourWrites: ReadYourWrites,
  ) {}

  @Get('wallets/me')
  @ApiOperation({ operationId: 'Queries_myWallet', summary: 'Your wallet and balance' })
  @ApiQuery(AFTER_QUERY)
  @ApiOkResponse({ type: WalletDoc })
  @ApiProblems(...READ_PROBLEMS, 'wallet-not-found')
  async myWallet(@CurrentUser() user: Principal, @Query('after') after?: string): Promise<WalletDoc> {
    await this.readYourWrites.waitFor(after);
    return this.walletOf(user.userId);
  }

  @Get('wallets/:userId')
  @AdminOnly()
  @ApiOperation({ operationId: 'Queries_wallet', summary: "A user's wallet (admin only)" })
  @ApiParam({ name: 'userId', example: 'alice' })
  @ApiQuery(AFTER_QUERY)
  @ApiOkResponse({ type: WalletDoc })
  @ApiProblems(...READ_PROBLEMS, 'forbidden', 'wallet-not-found')
  async wallet(@Param('userId') userId: string, @Query('after') after?: string): Promise<WalletDoc> {
    requireId(userId, 'userId');
    await this.readYourWrites.waitFor(after);
    return this.walletOf(userId);
  }

  private async walletOf(userId: string): Promise<WalletDoc> {
    const view = await this.store.wallet(userId);
    if (!view) throw new ProblemException(problem(404, 'wallet-not-found', 'Wallet not found', `no wallet for user ${userId}`));
    return view;
  }
}
