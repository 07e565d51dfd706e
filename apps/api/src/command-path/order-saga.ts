import { Injectable } from '@nestjs/common';
import {
  productStream,
  orderStream,
  walletStream,
  type OrderPaymentDeclined,
  type OrderPlaced,
  type OrderRefundDeclined,
  type OrderRefunded,
  type OrderRefundRequested,
  type ProductStockReserved,
  type DomainEvent,
  type StoredEvent,
} from '@zan/contracts';
import { DomainError, orderDecider, productDecider, walletDecider, type OrderCommand, type ProductCommand, type WalletCommand } from '@zan/domain';
import { DuplicateEventError } from '@zan/event-store';
import { CommandRunner } from './command-runner';
import type { Executed, StateFolder } from './execution';
import { deterministicIds } from './ids';
import { WalletStreams } from './wallet-streams';

/** What the credits process manager asks of the sagas (its ReactionEffects.commerce). */
export interface CommerceSteps {
  payOrder(reserved: StoredEvent<ProductStockReserved>): Promise<void>;
  releaseStock(declined: StoredEvent<OrderPaymentDeclined>): Promise<void>;
  openOrder(placed: StoredEvent<OrderPlaced>): Promise<void>;
  payRefund(requested: StoredEvent<OrderRefundRequested>): Promise<void>;
  releaseRefund(declined: StoredEvent<OrderRefundDeclined>): Promise<void>;
}

/**
 * The second step's outcome: the debit stored, or its decline (then the first step is compensated),
 * with the paying wallet's balance right after it (whoever stored it: an order's answer, replayed after
 * a crash, says the same balance as the first time).
 */
export type SagaOutcome<Paid, Declined> = ({ paid: StoredEvent<Paid> } | { declined: StoredEvent<Declined> }) & { position: bigint; balance: number };

/**
 * The steps of the order and refund sagas after the first (docs/commerce.md). Each step's event ids
 * derive from the event it follows, so the api (inline, to answer at once) and the credits process
 * manager (after a crash) may both run it: one of them stores it, the other finds it stored. A debit
 * and its decline share their event id: a reservation is paid or declined, never both.
 */
@Injectable()
export class OrderSaga {
  constructor(
    private readonly runner: CommandRunner,
    private readonly wallets: WalletStreams,
  ) {}

  /** The steps as the credits process manager runs them: no outcome needed, a duplicate is done. */
  steps(): CommerceSteps {
    return {
      payOrder: async (reserved) => void (await this.payOrder(reserved, false)),
      releaseStock: (declined) => this.releaseStock(declined),
      openOrder: (placed) => this.openOrder(placed),
      payRefund: async (requested) => void (await this.payRefund(requested, false)),
      releaseRefund: (declined) => this.releaseRefund(declined),
    };
  }

  /**
   * Order step 2: the buyer pays the reserved units, or the payment is declined. `outcome`: the api
   * needs it, the process manager not. Decided (and stamped) at the instant the units were reserved,
   * never by the clock of the process that runs it: the credits process manager races the api's
   * inline payment of every reservation, maybe on a replica whose clock is fast or after a crash, and
   * by its own clock past Beijing midnight it paid against a new day's spending limit an order the
   * api declined against the old one's. Both now decide it alike.
   */
  async payOrder(reserved: StoredEvent<ProductStockReserved>, outcome = true): Promise<SagaOutcome<OrderPlaced, OrderPaymentDeclined> | undefined> {
    const buyerId = reserved.data.buyerId;
    const done = await this.decideOrDecline(
      reserved,
      walletStream(buyerId),
      walletDecider,
      { type: 'PayOrder', data: { reserved: reserved.data } } as WalletCommand,
      (reason): WalletCommand => ({ type: 'DeclineOrderPayment', data: { reserved: reserved.data, reason } }),
      (command, state, now) => walletDecider.decide(command, state, { ...this.wallets.decideContext, now: now.toISOString() }),
      outcome,
      new Date(reserved.occurredAt),
    );
    return done && this.outcomeOf(done, 'OrderPlaced');
  }

  /** Order compensation: a declined order's units go back to the product. */
  releaseStock(declined: StoredEvent<OrderPaymentDeclined>): Promise<void> {
    const { productId, orderId, quantity, reason } = declined.data;
    return this.step(declined, productStream(productId), productDecider, 'release', {
      type: 'ReleaseStock',
      data: { productId, orderId, quantity, reason },
    } satisfies ProductCommand);
  }

  /** The order's own stream, for its refunds and rating (a copy of the paid order). */
  openOrder(placed: StoredEvent<OrderPlaced>): Promise<void> {
    return this.step(placed, orderStream(placed.data.orderId), orderDecider, 'open', {
      type: 'OpenOrder',
      data: { placed: placed.data },
    } satisfies OrderCommand);
  }

  /** Refund step 2: the merchant's wallet pays the reserved refund, or declines it. */
  async payRefund(requested: StoredEvent<OrderRefundRequested>, outcome = true): Promise<SagaOutcome<OrderRefunded, OrderRefundDeclined> | undefined> {
    const done = await this.decideOrDecline(
      requested,
      walletStream(requested.data.merchantId),
      walletDecider,
      { type: 'PayRefund', data: { requested: requested.data } } as WalletCommand,
      (reason): WalletCommand => ({ type: 'DeclineRefund', data: { requested: requested.data, reason } }),
      (command, state) => walletDecider.decide(command, state, this.wallets.decideContext),
      outcome,
    );
    return done && this.outcomeOf(done, 'OrderRefunded');
  }

  /** Refund compensation: a declined refund's amount is free again on the order. */
  releaseRefund(declined: StoredEvent<OrderRefundDeclined>): Promise<void> {
    const { orderId, refundId, amount, reason } = declined.data;
    return this.step(declined, orderStream(orderId), orderDecider, 'release', {
      type: 'ReleaseRefund',
      data: { orderId, refundId, amount, reason },
    } satisfies OrderCommand);
  }

  private outcomeOf<P, D>(done: Executed<{ balance: number }>, paidType: string): SagaOutcome<P, D> {
    const event = done.events[0]!;
    const position = done.position ?? event.position;
    const balance = done.state.balance;
    return event.type === paidType ? { paid: event as StoredEvent<P>, position, balance } : { declined: event as StoredEvent<D>, position, balance };
  }

  /**
   * Decides `command` at the event id derived from `cause`; refused for a business reason, records
   * `decline(code)` at the same id instead. With `outcome`, answers what is stored there (whoever stored
   * it); without, a duplicate is simply done (no search of the stream). `now`: the instant to decide at, when not the runner's clock.
   */
  private async decideOrDecline<C extends { type: string }, S>(
    cause: StoredEvent,
    streamId: string,
    folder: StateFolder<S>,
    command: C,
    decline: (reason: string) => C,
    decide: (command: C, state: S, now: Date) => DomainEvent[],
    outcome: boolean,
    now?: Date,
  ): Promise<Executed<S> | undefined> {
    const run = (c: C) => {
      const execution = {
        command: c.type,
        streamId,
        folder,
        decide: (state: S, now: Date) => decide(c, state, now),
        metadata: { ...cause.metadata, causationId: cause.id },
        eventId: deterministicIds(cause.id, 'settle'),
        now,
      };
      return outcome ? this.runner.executeOnce(execution) : this.runner.execute(execution);
    };
    try {
      try {
        return await run(command);
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        return await run(decline(error.code));
      }
    } catch (error) {
      if (!outcome && error instanceof DuplicateEventError) return undefined;
      throw error;
    }
  }

  /** One step at an id derived from its cause: stored once, a duplicate is done. */
  private async step<C extends { type: string }, S>(
    cause: StoredEvent,
    streamId: string,
    decider: StateFolder<S> & { decide: (command: C, state: S) => DomainEvent[] },
    name: string,
    command: C,
  ): Promise<void> {
    try {
      await this.runner.execute({
        command: command.type,
        streamId,
        folder: decider,
        decide: (state) => decider.decide(command, state),
        metadata: { ...cause.metadata, causationId: cause.id },
        eventId: deterministicIds(cause.id, name),
      });
    } catch (error) {
      if (error instanceof DuplicateEventError) return;
      throw error;
    }
  }
}
