import { TransferFundsController } from './transfer-funds/transfer-funds.controller';
import { TransferFundsHandler } from './transfer-funds/transfer-funds.handler';

/** What the api module registers for transfers. */
export const TRANSFER_CONTROLLERS = [TransferFundsController];
export const TRANSFER_PROVIDERS = [TransferFundsHandler];
