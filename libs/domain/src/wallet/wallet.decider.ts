import { DEFAULT_CONTEXT, type DecideContext, type Decider } from '../decider';
import { InvalidCommand } from '../errors';
import { decideCreditWallet, type CreditWallet } from './credit-wallet';
import { decideDeclineOrderPayment, type DeclineOrderPayment } from './decline-order-payment';
import { decideDeclineRefund, type DeclineRefund } from './decline-refund';
import { decideFundWallet, type FundWallet } from './fund-wallet';
import { decideLinkBankCard, type LinkBankCard } from './link-bank-card';
import { decideOpenWallet, type OpenWallet } from './open-wallet';
import { decidePayOrder, type PayOrder } from './pay-order';
import { decideHoldGroupBuyFunds, type HoldGroupBuyFunds } from './hold-group-buy-funds';
import { decidePayRefund, type PayRefund } from './pay-refund';
import { decidePayMerchant, type PayMerchant } from './pay-merchant';
import { decidePraiseTip, type PraiseTip } from './praise-tip';
import { decideRecordVerification, type RecordVerification } from './record-verification';
import { decideRequestVerification, type RequestVerification } from './request-verification';
import { decideSendRedPacket, type SendRedPacket } from './send-red-packet';
import { decideTransferFunds, type TransferFunds } from './transfer-funds';
import { evolve, initialState, type WalletEvent, type WalletState } from './wallet.state';
import { decideWithdrawFunds, type WithdrawFunds } from './withdraw-funds';

/** Every command decided on a `wallet-<userId>` stream, one file each in this folder. */
export type WalletCommand =
  | OpenWallet
  | LinkBankCard
  | RequestVerification
  | RecordVerification
  | FundWallet
  | WithdrawFunds
  | TransferFunds
  | PraiseTip
  | SendRedPacket
  | CreditWallet
  | PayOrder
  | DeclineOrderPayment
  | PayRefund
  | DeclineRefund
  | HoldGroupBuyFunds
  | PayMerchant;

export const decide = (command: WalletCommand, state: WalletState, context: DecideContext = DEFAULT_CONTEXT): WalletEvent[] => {
  switch (command.type) {
    case 'OpenWallet':
      return decideOpenWallet(command, state);
    case 'LinkBankCard':
      return decideLinkBankCard(command, state, context);
    case 'RequestVerification':
      return decideRequestVerification(command, state);
    case 'RecordVerification':
      return decideRecordVerification(command, state);
    case 'FundWallet':
      return decideFundWallet(command, state, context);
    case 'WithdrawFunds':
      return decideWithdrawFunds(command, state, context);
    case 'TransferFunds':
      return decideTransferFunds(command, state, context);
    case 'PraiseTip':
      return decidePraiseTip(command, state, context);
    case 'SendRedPacket':
      return decideSendRedPacket(command, state, context);
    case 'CreditWallet':
      return decideCreditWallet(command, state);
    case 'PayOrder':
      return decidePayOrder(command, state, context);
    case 'HoldGroupBuyFunds':
      return decideHoldGroupBuyFunds(command, state, context);
    case 'DeclineOrderPayment':
      return decideDeclineOrderPayment(command, state);
    case 'PayRefund':
      return decidePayRefund(command, state);
    case 'DeclineRefund':
      return decideDeclineRefund(command, state);
    case 'PayMerchant':
      return decidePayMerchant(command, state, context);
    default:
      throw new InvalidCommand(`unknown wallet command ${(command as { type?: unknown }).type as string}`);
  }
};

export const walletDecider: Decider<WalletCommand, WalletState, WalletEvent> = { initialState, evolve, decide };
