import type { DomainEvent, Fen } from '@zan/contracts';
import { DEFAULT_CONTEXT, type Command, type DecideContext } from '../decider';
import { SelfPayment, WalletNotFound } from '../errors';
import { optionalText, requireAmountWithin, requireId } from '../validation';
import { requireFunds, requireOwnStream, type WalletState } from './wallet.state';
import { requireWithinLimits } from './limits';

/** Decided on the payer's stream; payeeExists is read by the handler from the payee's stream. */
export type TransferFunds = Command<
  'TransferFunds',
  { transferId: string; fromUserId: string; toUserId: string; amount: Fen; note?: string; payeeExists: boolean }
>;

/** The payer's debit; the payee's TransferReceived follows as CreditWallet. */
export const decideTransferFunds = (
  { data }: TransferFunds,
  state: WalletState,
  context: DecideContext = DEFAULT_CONTEXT,
): DomainEvent<'FundsTransferred'>[] => {
  const transferId = requireId(data.transferId, 'transferId');
  const fromUserId = requireId(data.fromUserId, 'fromUserId');
  const toUserId = requireId(data.toUserId, 'toUserId');
  const note = optionalText(data.note, 'note');
  requireOwnStream(state, fromUserId);
  if (fromUserId === toUserId) throw new SelfPayment('a transfer needs another user as payee');
  const amount = requireAmountWithin(data.amount, context.limits.transfer, 'a transfer');
  if (data.payeeExists !== true) throw new WalletNotFound(`${toUserId} has no wallet`);
  requireFunds(state, amount);
  requireWithinLimits(state, amount, context);
  return [{ type: 'FundsTransferred', data: { transferId, fromUserId, toUserId, amount, ...(note !== undefined && { note }) } }];
};
