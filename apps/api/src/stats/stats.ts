import { ReadMerchantSalesController } from './read-merchant-sales/read-merchant-sales.controller';
import { ReadMoneyEquationController } from './read-money-equation/read-money-equation.controller';
import { ReadRedPacketLuckController } from './read-red-packet-luck/read-red-packet-luck.controller';
import { ReadStatsController } from './read-stats/read-stats.controller';
import { ReadThroughputController } from './read-throughput/read-throughput.controller';
import { ReadTopPraisedController } from './read-top-praised/read-top-praised.controller';

/** The dashboard's admin-only routes under /v1/admin/stats, a controller per use case. */
export const STATS_CONTROLLERS = [
  ReadStatsController,
  ReadTopPraisedController,
  ReadRedPacketLuckController,
  ReadMerchantSalesController,
  ReadMoneyEquationController,
  ReadThroughputController,
];
