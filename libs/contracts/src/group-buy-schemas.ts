/**
 * Payload schemas of group buys' events, by type and version: part of EVENT_SCHEMAS (schemas.ts).
 */
import type { ZanEventType } from './events';
import { fen, id, uuid, object, type JsonSchema } from './schema-parts';

const groupMemberFields = (): Record<string, JsonSchema> => ({
  buyerId: id('the member'),
  joinId: id('the join; the order id once the group completes'),
  amount: fen('the group price held'),
  holdId: uuid('the event id of the GroupBuyFundsHeld that holds the money'),
});
const groupMember = (description: string, extra: Record<string, JsonSchema>): JsonSchema =>
  object(description, { groupBuyId: uuid('the group buy'), ...groupMemberFields(), ...extra });
const groupClose = (description: string): JsonSchema =>
  object(description, {
    groupBuyId: uuid('the group buy'),
    productId: id('the product'),
    merchantId: id('who sells it'),
    members: { type: 'array', items: object('a member', groupMemberFields()), description: 'every member, in join order' },
  });

type GroupBuyEventType = Extract<ZanEventType, `GroupBuy${string}`>;

export const GROUP_BUY_EVENT_SCHEMAS: { [T in GroupBuyEventType]: Record<number, JsonSchema> } = {
  GroupBuyOpened: {
    1: object('A merchant opened a group deal on its product (first event of `group-buy-<groupBuyId>`)', {
      groupBuyId: uuid('the group buy'),
      productId: id('the product'),
      merchantId: id('who sells it'),
      groupPrice: fen('what each member pays'),
      groupSize: { type: 'integer', minimum: 2, maximum: 100, description: 'members needed to complete' },
      expiresAt: { type: 'string', format: 'date-time', description: 'the deadline: unfilled then, the group fails' },
    }),
  },
  GroupBuyFundsHeld: {
    1: object(
      "Debit of the buyer's wallet: the group price held for a group buy; GroupBuyPaymentReceived (completed) or GroupBuyFundsReturned (failed, refused) credits it",
      {
        groupBuyId: uuid('the group buy'),
        joinId: id('the join; the order id once the group completes'),
        productId: id('the product'),
        merchantId: id('who sells it'),
        buyerId: id('who joins'),
        amount: fen('the group price held'),
      },
    ),
  },
  GroupBuyJoined: {
    1: groupMember('A held buyer joined the group (caused by GroupBuyFundsHeld)', {
      members: { type: 'integer', minimum: 1, maximum: 100, description: 'members so far, this one included' },
    }),
  },
  GroupBuyJoinRefused: {
    1: groupMember('A hold could not join (the group is full, closed, or the buyer a member already): its money returns', {
      reason: { type: 'string', description: 'the problem code of the refusal (group-buy-full, group-buy-closed, already-joined, product-delisted)' },
    }),
  },
  GroupBuyCompleted: { 1: groupClose('The group filled: one order per member (orderId = joinId), each credited to the merchant (GroupBuyPaymentReceived)') },
  GroupBuyFailed: { 1: groupClose("The deadline passed unfilled: every member's hold returns (GroupBuyFundsReturned)") },
  GroupBuyFundsReturned: {
    1: object(
      "Credit of the buyer's wallet: a hold given back (caused by the GroupBuyFailed or GroupBuyJoinRefused that returns it; its join names the hold)",
      {
        groupBuyId: uuid('the group buy'),
        joinId: id('the join'),
        buyerId: id('whose money returns'),
        amount: fen('the hold'),
        reason: { type: 'string', enum: ['failed', 'refused'], description: 'failed: the group expired unfilled; refused: the join was refused' },
      },
    ),
  },
  GroupBuyPaymentReceived: {
    1: object(
      "Credit of the merchant's wallet: one member's order of a completed group (caused by the GroupBuyCompleted; orderId, the join, names the hold it pays)",
      {
        groupBuyId: uuid('the group buy'),
        orderId: id('the order (the join id)'),
        productId: id('the product'),
        merchantId: id('who sells'),
        buyerId: id('who bought'),
        amount: fen('the group price'),
      },
    ),
  },
};
