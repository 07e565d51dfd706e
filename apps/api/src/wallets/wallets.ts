import { FundWalletController } from './fund-wallet/fund-wallet.controller';
import { FundWalletHandler } from './fund-wallet/fund-wallet.handler';
import { LinkBankCardController } from './link-bank-card/link-bank-card.controller';
import { LinkBankCardHandler } from './link-bank-card/link-bank-card.handler';
import { OpenWalletController } from './open-wallet/open-wallet.controller';
import { OpenWalletHandler } from './open-wallet/open-wallet.handler';
import { ReadFeedController } from './read-feed/read-feed.controller';
import { ReadWalletController } from './read-wallet/read-wallet.controller';
import { WithdrawFundsController } from './withdraw-funds/withdraw-funds.controller';
import { WithdrawFundsHandler } from './withdraw-funds/withdraw-funds.handler';

/** What the api module registers for wallets: a controller and a handler per use case. */
export const WALLET_CONTROLLERS = [
  OpenWalletController,
  LinkBankCardController,
  FundWalletController,
  WithdrawFundsController,
  ReadWalletController,
  ReadFeedController,
];
export const WALLET_PROVIDERS = [OpenWalletHandler, LinkBankCardHandler, FundWalletHandler, WithdrawFundsHandler];
