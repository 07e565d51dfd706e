import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { GroupBuyFundsHeld, GroupBuyJoinRefused, StoredEvent } from '@zan/contracts';
import {
  AlreadyJoined,
  GroupBuyClosed,
  GroupBuyFull,
  GroupBuyNotFound,
  GroupBuyProductDelisted,
  assertMerchant,
  isMerchant,
  joinRefusal,
  InsufficientFunds,
  SelfPayment,
  type DomainError,
  type HoldGroupBuyFunds,
  type WalletCommand,
} from '@zan/domain';
import { CLOCK, type Clock, ZAN_SECRETS, unguessableId, type ZanSecrets } from '@zan/platform';
import type { CommandContext } from '../../command-path/command-context';
import { positionOf } from '../../command-path/execution';
import { GroupBuyStreams } from '../../command-path/group-buy-streams';
import { WalletStreams } from '../../command-path/wallet-streams';
import { refusalOf } from '../../orders/declined';
import type { GroupBuyJoinedDoc } from './join-group-buy.dto';

export class JoinGroupBuyCommand extends Command<GroupBuyJoinedDoc> {
  constructor(
    readonly context: CommandContext,
    readonly groupBuyId: string,
  ) {
    super();
  }
}

const REFUSALS: Record<string, new (detail: string) => DomainError> = {
  'already-joined': AlreadyJoined,
  'group-buy-full': GroupBuyFull,
  'group-buy-closed': GroupBuyClosed,
  'group-buy-not-found': GroupBuyNotFound,
  'product-delisted': GroupBuyProductDelisted,
};

/**
 * Joining a group buy (docs/commerce.md, "Group buys"): (1) the group price is held on the buyer's
 * wallet (GroupBuyFundsHeld), (2) the hold joins the group, completing it when it is the last member,
 * or is refused at the same event id and returned. The credits process manager redoes step 2 after a
 * crash, and settles the holds when the group closes. Refusals the group or the wallet can give
 * before anything is stored are given first.
 */
@CommandHandler(JoinGroupBuyCommand)
export class JoinGroupBuyHandler implements ICommandHandler<JoinGroupBuyCommand> {
  constructor(
    private readonly wallets: WalletStreams,
    private readonly groupBuys: GroupBuyStreams,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ZAN_SECRETS) private readonly secrets: ZanSecrets,
  ) {}

  async execute({ context, groupBuyId }: JoinGroupBuyCommand): Promise<GroupBuyJoinedDoc> {
    const buyerId = context.userId;
    const group = (await this.groupBuys.load(groupBuyId)).state;
    if (group.status === 'none') throw new GroupBuyNotFound(`no group buy ${groupBuyId}`);
    const joinId = unguessableId(this.secrets.idKey, 'group-buy-join', buyerId, context.commandId);
    const { productId, merchantId, groupPrice: amount } = group;
    const recovering = context.idempotency?.recovering ?? false;
    if (!recovering) {
      const refusal = joinRefusal(group, buyerId, this.clock.now().getTime(), await this.groupBuys.productDelisted(productId));
      if (refusal) throw refusal;
    }
    // A group order is an order: a merchant an admin has since rejected sells no more (422 not-a-merchant, as
    // POST /v1/orders). A fact of the hold's decision, so that a recovery that finds nothing stored asks it too.
    const merchant = (await this.wallets.load(merchantId)).state;
    const hold: HoldGroupBuyFunds = {
      type: 'HoldGroupBuyFunds',
      data: { groupBuyId, joinId, productId, merchantId, buyerId, amount, merchant: isMerchant(merchant) },
    };
    const holdFunds: WalletCommand = hold;
    // Read again before each decision of the hold (one made after a conflict included), as an order's.
    const readMerchant = async () => {
      hold.data.merchant = isMerchant((await this.wallets.load(merchantId, { whileFresh: isMerchant })).state);
    };
    if (!recovering) {
      assertMerchant(merchant);
      // The hold's refusals before anything is stored: its own group buy first, whatever the balance (as the hold decides).
      if (buyerId === merchantId) throw new SelfPayment('a merchant cannot join its own group buy');
      const wallet = await this.wallets.load(buyerId);
      if (wallet.state.balance < amount) throw new InsufficientFunds(`balance is ${wallet.state.balance} fen, ${amount} fen needed`);
    }
    const holding = await this.wallets.decide(buyerId, holdFunds, context, context.commandId, undefined, { readFacts: readMerchant });
    const held = holding.events.find((event) => event.type === 'GroupBuyFundsHeld') as StoredEvent<GroupBuyFundsHeld> | undefined;
    if (!held) throw new Error('the hold answered no GroupBuyFundsHeld');
    const joined = await this.groupBuys.join(held);
    const refused = joined.events.find((event) => event.type === 'GroupBuyJoinRefused') as StoredEvent<GroupBuyJoinRefused> | undefined;
    if (refused) {
      await this.groupBuys.returnRefused(refused);
      const Refusal = REFUSALS[refused.data.reason];
      const detail = `the group buy refused the join (${refused.data.reason}); your money was returned`;
      throw Refusal ? new Refusal(detail) : refusalOf(refused.data.reason, detail);
    }
    const state = joined.state;
    if (state.status === 'none') throw new Error('the group buy vanished');
    const completed = state.status === 'completed';
    const member = state.members.findIndex((m) => m.holdId === held.id);
    return {
      joined: member >= 0 ? member + 1 : state.members.length,
      groupSize: state.groupSize,
      status: completed ? 'completed' : 'open',
      position: positionOf(joined),
    };
  }
}
