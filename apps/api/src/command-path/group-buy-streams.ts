import { Inject, Injectable } from '@nestjs/common';
import {
  groupBuyStream,
  orderStream,
  productStream,
  type EventMetadata,
  type GroupBuyCompleted,
  type GroupBuyFailed,
  type GroupBuyFundsHeld,
  type GroupBuyJoinRefused,
  type OrderPlaced,
  type StoredEvent,
} from '@zan/contracts';
import { DomainError, groupBuyDecider, orderDecider, productDecider, type GroupBuyCommand, type GroupBuyState, type ProductState } from '@zan/domain';
import { DuplicateEventError, EVENT_STORE, type EventStore } from '@zan/event-store';
import { type CommandContext, eventIdsOf, metadataOf } from './command-context';
import { CommandRunner } from './command-runner';
import type { Executed, Loaded } from './execution';
import { deterministicIds } from './ids';
import { WalletStreams } from './wallet-streams';

/** What the credits process manager asks of the group-buy saga (its ReactionEffects.groupBuys). */
export interface GroupBuySteps {
  join(held: StoredEvent<GroupBuyFundsHeld>): Promise<void>;
  returnRefused(refused: StoredEvent<GroupBuyJoinRefused>): Promise<void>;
  settle(closed: StoredEvent<GroupBuyCompleted | GroupBuyFailed>): Promise<void>;
}

/**
 * The one way into `group-buy-<id>` streams, and the group-buy saga's later steps (docs/commerce.md,
 * "Group buys"): a hold joins (or is refused at the same event id), a closed group settles every
 * member's hold. Each step's ids derive from its cause, so the api (inline) and the credits process
 * manager (after a crash) may both run it: one stores it, the other finds it stored.
 */
@Injectable()
export class GroupBuyStreams {
  constructor(
    private readonly runner: CommandRunner,
    private readonly wallets: WalletStreams,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  load(groupBuyId: string): Promise<Loaded<GroupBuyState>> {
    return this.runner.load(groupBuyStream(groupBuyId), groupBuyDecider);
  }

  /** A caller's command (opening a deal); its ids derive from `commandId`. */
  decide(groupBuyId: string, command: GroupBuyCommand, context: CommandContext, commandId = context.commandId): Promise<Executed<GroupBuyState>> {
    return this.run(groupBuyId, command.type, () => command, metadataOf(context, commandId), eventIdsOf(commandId), context.idempotency?.recovering ?? false);
  }

  /**
   * Whether the deal's product was delisted: a join is then refused (product-delisted). Delisting is
   * for good, so a delisted state is answered from the cache; a listed one is caught up.
   */
  async productDelisted(productId: string): Promise<boolean> {
    const delisted = (state: ProductState) => state.status === 'delisted';
    return delisted((await this.runner.load(productStream(productId), productDecider, { settled: delisted })).state);
  }

  steps(): GroupBuySteps {
    return {
      join: (held) => this.joinUnlessDecided(held),
      returnRefused: (refused) => this.returnRefused(refused),
      settle: (closed) => this.settle(closed),
    };
  }

  /**
   * Join step: the hold joins the group (completing it when it is the last member), or, refused for
   * a business reason, GroupBuyJoinRefused is stored at the same event id. Answers what is stored there.
   */
  async join(held: StoredEvent<GroupBuyFundsHeld>): Promise<Executed<GroupBuyState>> {
    const { groupBuyId } = held.data;
    const metadata = { ...held.metadata, causationId: held.id };
    const ids = deterministicIds(held.id, 'join');
    const productDelisted = await this.productDelisted(held.data.productId);
    try {
      return await this.run(
        groupBuyId,
        'JoinGroupBuy',
        (now) => ({ type: 'JoinGroupBuy', data: { held: held.data, holdId: held.id, now: now.toISOString(), productDelisted } }),
        metadata,
        ids,
      );
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const refused = await this.run(
        groupBuyId,
        'RefuseGroupBuyJoin',
        () => ({ type: 'RefuseGroupBuyJoin', data: { held: held.data, holdId: held.id, reason: error.code } }),
        metadata,
        ids,
      );
      if (refused.events.length > 0) return refused;
      // The hold was decided before (a retry, or the process manager got there first): answer what
      // is stored at its id, joined or refused, not the refusal the group gives a new hold now.
      return this.run(
        groupBuyId,
        'JoinGroupBuy',
        () => ({ type: 'RefuseGroupBuyJoin', data: { held: held.data, holdId: held.id, reason: error.code } }),
        metadata,
        ids,
        true,
      );
    }
  }

  /**
   * The process manager's join step. Most holds were joined (or refused) by the api inline before
   * the process manager sees them: the group's state, cached (no read) or else caught up, names the
   * hold, and there is nothing to do. A hold it does not name (the api died after the hold) is
   * decided in ONE pass on the group's lane, joined or refused at the same event id, instead of the
   * api's join, refusal and stored-outcome passes (no caller waits for the outcome here).
   */
  async joinUnlessDecided(held: StoredEvent<GroupBuyFundsHeld>): Promise<void> {
    const decided = (state: GroupBuyState) => state.status !== 'none' && state.holds.has(held.id);
    const group = await this.runner.load(groupBuyStream(held.data.groupBuyId), groupBuyDecider, { settled: decided });
    if (decided(group.state)) return;
    const productDelisted = await this.productDelisted(held.data.productId);
    const join = (now: Date): GroupBuyCommand => ({
      type: 'JoinGroupBuy',
      data: { held: held.data, holdId: held.id, now: now.toISOString(), productDelisted },
    });
    try {
      await this.runner.execute({
        command: 'JoinGroupBuy',
        streamId: groupBuyStream(held.data.groupBuyId),
        folder: groupBuyDecider,
        decide: (state, now) => {
          if (decided(state)) return [];
          try {
            return groupBuyDecider.decide(join(now), state);
          } catch (error) {
            if (!(error instanceof DomainError)) throw error;
            return groupBuyDecider.decide({ type: 'RefuseGroupBuyJoin', data: { held: held.data, holdId: held.id, reason: error.code } }, state);
          }
        },
        metadata: { ...held.metadata, causationId: held.id },
        eventId: deterministicIds(held.id, 'join'),
      });
    } catch (error) {
      if (!(error instanceof DuplicateEventError)) throw error;
    }
  }

  /** Expires a group at `now` (its timer fired); the group's id makes it happen once. */
  expire(groupBuyId: string, now: Date, cause: { correlationId: string; causationId: string }): Promise<Executed<GroupBuyState>> {
    return this.run(
      groupBuyId,
      'ExpireGroupBuy',
      () => ({ type: 'ExpireGroupBuy', data: { groupBuyId, now: now.toISOString() } }),
      { ...cause, userId: 'system:expiry' },
      deterministicIds('expire', 'group-buy', groupBuyId),
      false,
      now,
    );
  }

  /** A refused join's hold goes back to the buyer: caused by the refusal, made once per hold. */
  returnRefused(refused: StoredEvent<GroupBuyJoinRefused>): Promise<void> {
    const { groupBuyId, joinId, buyerId, amount, holdId } = refused.data;
    return this.wallets.credit(
      refused,
      buyerId,
      { type: 'GroupBuyFundsReturned', data: { groupBuyId, joinId, buyerId, amount, reason: 'refused' } },
      'credit',
      holdId,
    );
  }

  /**
   * A completed group pays each member's hold to the merchant and opens the member's order stream
   * (one order each, refundable and rateable through the order routes); a failed one returns every
   * hold. Each step names the completion or the failure as its cause (the event it reacts to,
   * CONTRACT.md "Kafka") and keeps the correlation id of the member's join; its ids derive from
   * the member's hold, so a hold is credited once, to the merchant or back to the buyer, whichever
   * event settles it.
   */
  async settle(closed: StoredEvent<GroupBuyCompleted | GroupBuyFailed>): Promise<void> {
    const { groupBuyId, productId, merchantId } = closed.data;
    const correlations = await this.holdCorrelations(groupBuyId);
    for (const member of closed.data.members) {
      const { buyerId, joinId, amount, holdId } = member;
      const cause = { ...closed, metadata: { ...closed.metadata, correlationId: correlations.get(holdId) ?? closed.metadata.correlationId } };
      if (closed.type === 'GroupBuyCompleted') {
        await this.wallets.credit(
          cause,
          merchantId,
          { type: 'GroupBuyPaymentReceived', data: { groupBuyId, orderId: joinId, productId, merchantId, buyerId, amount } },
          'credit',
          holdId,
        );
        // After the credit: an order is never refundable before its merchant holds its money.
        await this.openOrder(cause, holdId, { orderId: joinId, productId, merchantId, buyerId, quantity: 1, unitPrice: amount, amount });
      } else {
        await this.wallets.credit(
          cause,
          buyerId,
          { type: 'GroupBuyFundsReturned', data: { groupBuyId, joinId, buyerId, amount, reason: 'failed' } },
          'credit',
          holdId,
        );
      }
    }
    if (closed.type === 'GroupBuyFailed') await this.releaseStock(closed);
  }

  /** A failed deal's units go back to the product's stock (ProductGroupStockReleased), once, caused by the failure. */
  private async releaseStock(failed: StoredEvent<GroupBuyFailed>): Promise<void> {
    const { productId, groupBuyId } = failed.data;
    try {
      await this.runner.execute({
        command: 'ReleaseGroupStock',
        streamId: productStream(productId),
        folder: productDecider,
        decide: (state) => productDecider.decide({ type: 'ReleaseGroupStock', data: { productId, groupBuyId } }, state),
        metadata: { ...failed.metadata, causationId: failed.id },
        eventId: deterministicIds(failed.id, 'release-group-stock'),
      });
    } catch (error) {
      if (!(error instanceof DuplicateEventError)) throw error;
    }
  }

  /** The member's `order-<joinId>` stream (OrderOpened, its id derived from the hold): opened once, a duplicate is done. */
  private async openOrder(cause: StoredEvent, holdId: string, order: OrderPlaced): Promise<void> {
    try {
      await this.runner.execute({
        command: 'OpenOrder',
        streamId: orderStream(order.orderId),
        folder: orderDecider,
        decide: (state) => orderDecider.decide({ type: 'OpenOrder', data: { placed: order } }, state),
        metadata: { ...cause.metadata, causationId: cause.id },
        eventId: deterministicIds(holdId, 'open-order'),
      });
    } catch (error) {
      if (!(error instanceof DuplicateEventError)) throw error;
    }
  }

  /**
   * The correlation id of each member's hold, as its GroupBuyJoined kept it (caused by the hold): a
   * member's settlement keeps the correlation id of the join that started its chain (CONTRACT.md, "Kafka").
   */
  private async holdCorrelations(groupBuyId: string): Promise<Map<string, string>> {
    const events = await this.store.readStream(groupBuyStream(groupBuyId));
    const byHold = new Map<string, string>();
    for (const event of events) if (event.type === 'GroupBuyJoined') byHold.set(event.metadata.causationId, event.metadata.correlationId);
    return byHold;
  }

  private run(
    groupBuyId: string,
    type: string,
    command: (now: Date) => GroupBuyCommand,
    metadata: EventMetadata,
    eventId: (index: number) => string,
    recovering = false,
    now?: Date,
  ): Promise<Executed<GroupBuyState>> {
    return this.runner.executeOnce({
      command: type,
      streamId: groupBuyStream(groupBuyId),
      folder: groupBuyDecider,
      decide: (state, decidedAt) => groupBuyDecider.decide(command(decidedAt), state),
      metadata,
      eventId,
      now,
      recovering,
    });
  }
}
