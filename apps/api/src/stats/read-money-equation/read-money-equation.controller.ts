import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { READ_MODEL_STORE, type ReadModelStore } from '@zan/read-models';
import { AdminOnly } from '../../auth/auth.guard';
import { AUTHENTICATED, ApiProblems } from '../../http/openapi';
import { AFTER_QUERY } from '../../http/query-params';
import { ReadYourWrites } from '../../queries/read-your-writes';
import { MoneyEquationDoc } from './read-money-equation.dto';

/**
 * The conservation equation as the read models see it now, kept by the projector from the events the
 * balances come from. `zan audit` checks the same equation from the event store, event by event.
 */
@ApiTags('admin: stats')
@ApiBearerAuth('bearer')
@AdminOnly()
@Controller('v1/admin/stats')
export class ReadMoneyEquationController {
  constructor(
    @Inject(READ_MODEL_STORE) private readonly store: ReadModelStore,
    private readonly readYourWrites: ReadYourWrites,
  ) {}

  @Get('money')
  @ApiOperation({ summary: 'The money equation now: balances + held + in flight against fundings - withdrawals (admin only)' })
  @ApiOkResponse({ type: MoneyEquationDoc })
  @ApiQuery(AFTER_QUERY)
  @ApiProblems(...AUTHENTICATED, 'forbidden', 'validation', 'read-model-behind')
  async money(@Query('after') after?: string) {
    await this.readYourWrites.waitFor(after);
    // The watermark first: the totals read after it count at least every event up to it.
    const watermark = await this.store.watermark();
    const totals = await this.store.moneyTotals();
    const holdings = totals.balances + totals.held + totals.inFlight;
    const netInflow = totals.fundings - totals.withdrawals;
    return { ...totals, holdings, netInflow, difference: holdings - netInflow, watermark: watermark.toString() };
  }
}
