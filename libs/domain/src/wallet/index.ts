export {
  initialState,
  evolve,
  hasPersonalCard,
  type BankCard,
  type WalletEvent,
  type WalletState,
} from './wallet.state';
export { decide, walletDecider } from './wallet.decider';
export type {
  CreditWallet,
  FundWallet,
  LinkBankCard,
  OpenWallet,
  TransferFunds,
  WalletCommand,
  WalletCredit,
  WithdrawFunds,
} from './wallet.commands';
