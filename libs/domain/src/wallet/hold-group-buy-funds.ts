import type { DomainEvent } from '@zan/contracts';
import { DEFAULT_CONTEXT, type Command, type DecideContext } from '../decider';
import { NotAMerchant, SelfPayment, WalletNotFound } from '../errors';
import { requireId, requirePayable } from '../validation';
import { requireWithinLimits } from './limits';
import { requireFunds, requireOwnStream, type WalletState } from './wallet.state';

/**
 * Step 1 of joining a group buy: the group price leaves the buyer's balance and is held for the group
 * (GroupBuyFundsHeld), so it cannot be spent twice. The group's stream decides the join next; the
 * hold's money is then paid to the merchant (the group completes) or returned (it fails, or the join
 * is refused), exactly once (docs/commerce.md, "Group buys"). `merchant`: whether the group's merchant
 * is still a verified business wallet, read by the handler at decision time (as a payment by code's).
 */
export type HoldGroupBuyFunds = Command<
  'HoldGroupBuyFunds',
  { groupBuyId: string; joinId: string; productId: string; merchantId: string; buyerId: string; amount: number; merchant?: boolean }
>;

export const decideHoldGroupBuyFunds = (
  { data }: HoldGroupBuyFunds,
  state: WalletState,
  context: DecideContext = DEFAULT_CONTEXT,
): DomainEvent<'GroupBuyFundsHeld'>[] => {
  const groupBuyId = requireId(data.groupBuyId, 'groupBuyId');
  const joinId = requireId(data.joinId, 'joinId');
  const productId = requireId(data.productId, 'productId');
  const merchantId = requireId(data.merchantId, 'merchantId');
  const buyerId = requireId(data.buyerId, 'buyerId');
  const amount = requirePayable(data.amount);
  requireOwnStream(state, buyerId);
  if (data.merchant === false) throw new NotAMerchant(`${merchantId} is no longer a verified business wallet`);
  if (buyerId === merchantId) throw new SelfPayment('a merchant cannot join its own group buy');
  if (!state.exists) throw new WalletNotFound(`${buyerId} has no wallet`);
  requireFunds(state, amount);
  requireWithinLimits(state, amount, context);
  return [{ type: 'GroupBuyFundsHeld', data: { groupBuyId, joinId, productId, merchantId, buyerId, amount } }];
};
