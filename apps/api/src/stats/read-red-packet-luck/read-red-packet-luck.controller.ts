import { Controller, Get, Inject } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { LUCK_BUCKETS, READ_MODEL_STORE, type ReadModelStore } from '@zan/read-models';
import { AdminOnly } from '../../auth/auth.guard';
import { AUTHENTICATED, ApiProblems } from '../../http/openapi';
import { StatsRangeQuery, type StatsRange } from '../stats-range';
import { RedPacketLuckDoc } from './read-red-packet-luck.dto';

const BEST = 5;

/**
 * How lucky red-packet shares fall: luck is a share ÷ the mean share left when it was claimed (what
 * was left ÷ the shares left), the figure the double-mean draw is made from (uniform below twice it).
 */
@ApiTags('admin: stats')
@ApiBearerAuth('bearer')
@AdminOnly()
@Controller('v1/admin/stats')
export class ReadRedPacketLuckController {
  constructor(@Inject(READ_MODEL_STORE) private readonly store: ReadModelStore) {}

  @Get('red-packet-luck')
  @ApiOperation({ summary: 'Red-packet luck in the range: a histogram of share ÷ mean share left, and the luckiest claims (admin only)' })
  @ApiOkResponse({ type: RedPacketLuckDoc })
  @ApiProblems(...AUTHENTICATED, 'forbidden', 'validation', 'read-model-behind')
  async luck(@StatsRangeQuery('day') range: StatsRange) {
    const [days, best] = await Promise.all([this.store.stats({ unit: 'day', ...range }), this.store.luckiestClaims(range.from, range.to, BEST)]);
    const counts = new Array<number>(LUCK_BUCKETS).fill(0);
    for (const day of days) day.luck?.forEach((claims, i) => (counts[i]! += claims));
    return {
      ...range,
      claims: counts.reduce((a, b) => a + b, 0),
      histogram: counts.map((claims, i) => ({ from: i / 10, to: i === LUCK_BUCKETS - 1 ? null : (i + 1) / 10, claims })),
      best: best.map(({ day, redPacketId, userId, amount, luckPermille }) => ({ day, redPacketId, userId, amount, luck: luckPermille / 1000 })),
    };
  }
}
