import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import {
  DEFAULT_LIMITS,
  currentVersion,
  productStream,
  redPacketStream,
  walletStream,
  type DomainEvent,
  type NewEvent,
  type ProductStockReserved,
} from '@zan/contracts';
import { fold, productDecider, redPacketDecider, tipAuthor, walletDecider, type DecideContext } from '@zan/domain';
import { WrongExpectedRevisionError, type PostgresEventStore } from '@zan/event-store';

/**
 * The naive design the benchmark compares Zan with: a plain @nestjs/cqrs handler that reads the whole
 * stream from revision 0, folds it with the domain's decider, decides, and appends at the expected
 * revision in a transaction of its own, retrying on a conflict. No per-stream queue, no state cache,
 * no group commit, no idempotency store, no credits process manager (the author is never credited
 * here: the naive app does strictly less work than Zan per command).
 */
export const NAIVE_STORE = Symbol('NAIVE_STORE');

// Same limits as the api under the benchmark (no daily spending limit there either).
const CONTEXT: DecideContext = { limits: { ...DEFAULT_LIMITS, dailySpend: 0 } };
const MAX_ATTEMPTS = 25;

/** The naive command loop: load everything, decide, append at the expected revision, retry on conflict. */
const loadDecideAppend = async (
  store: PostgresEventStore,
  streamId: string,
  decide: (events: { type: string; data: unknown; occurredAt?: string }[]) => DomainEvent[],
  userId: string,
) => {
  for (let attempt = 1; ; attempt++) {
    const history = await store.eventStore.readStream(streamId, { fromRevision: 0 });
    const decided = decide(history);
    const occurredAt = new Date().toISOString();
    const events: NewEvent[] = decided.map((event) => {
      const id = randomUUID();
      return {
        id,
        type: event.type,
        version: currentVersion(event.type),
        data: event.data,
        metadata: { correlationId: id, causationId: id, userId },
        occurredAt,
      };
    });
    const expected = history.length === 0 ? 'no_stream' : history[history.length - 1]!.revision;
    try {
      return await store.sql.transaction((tx) => store.eventStore.appendWithin(tx, streamId, events, expected));
    } catch (error) {
      if (!(error instanceof WrongExpectedRevisionError) || attempt >= MAX_ATTEMPTS) throw error;
      // The same jittered pause as Zan's runner, so the comparison is about the design, not the backoff.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 * attempt)));
    }
  }
};

export class NaiveTipCommand extends Command<{ tipId: string; position: string }> {
  constructor(
    readonly readerId: string,
    readonly authorId: string,
    readonly articleId: string,
    readonly amount: number,
  ) {
    super();
  }
}

@CommandHandler(NaiveTipCommand)
export class NaiveTipHandler implements ICommandHandler<NaiveTipCommand> {
  constructor(@Inject(NAIVE_STORE) private readonly store: PostgresEventStore) {}

  async execute({ readerId, authorId, articleId, amount }: NaiveTipCommand) {
    const tipId = randomUUID();
    // Eligibility from the author's wallet, read whole, as Zan's handler reads it (from its cache).
    const author = tipAuthor(fold(walletDecider, await this.store.eventStore.readStream(walletStream(authorId), { fromRevision: 0 })));
    const result = await loadDecideAppend(
      this.store,
      walletStream(readerId),
      (history) =>
        walletDecider.decide({ type: 'PraiseTip', data: { tipId, readerId, authorId, articleId, amount, author } }, fold(walletDecider, history), {
          ...CONTEXT,
          now: new Date().toISOString(),
        }),
      readerId,
    );
    return { tipId, position: result.position.toString() };
  }
}

export class NaiveClaimCommand extends Command<{ redPacketId: string; amount: number; position: string }> {
  constructor(
    readonly userId: string,
    readonly redPacketId: string,
  ) {
    super();
  }
}

@CommandHandler(NaiveClaimCommand)
export class NaiveClaimHandler implements ICommandHandler<NaiveClaimCommand> {
  constructor(@Inject(NAIVE_STORE) private readonly store: PostgresEventStore) {}

  async execute({ userId, redPacketId }: NaiveClaimCommand) {
    const result = await loadDecideAppend(
      this.store,
      redPacketStream(redPacketId),
      (history) =>
        redPacketDecider.decide(
          { type: 'ClaimRedPacket', data: { redPacketId, userId, now: new Date().toISOString(), random: Math.random } },
          fold(redPacketDecider, history),
        ),
      userId,
    );
    const claimed = result.events[0]!.data as { amount: number };
    return { redPacketId, amount: claimed.amount, position: result.position.toString() };
  }
}

export class NaiveOrderCommand extends Command<{ orderId: string; amount: number; status: 'paid' }> {
  constructor(
    readonly buyerId: string,
    readonly productId: string,
    readonly quantity: number,
    readonly expectedPrice: number,
  ) {
    super();
  }
}

/**
 * The Buy button, naively: the product's whole stream read and folded for every buyer (also after
 * it sold out), the units reserved at its expected revision, then the buyer's wallet read and
 * debited the same way. No order stream, no merchant credit, no idempotency store.
 */
@CommandHandler(NaiveOrderCommand)
export class NaiveOrderHandler implements ICommandHandler<NaiveOrderCommand> {
  constructor(@Inject(NAIVE_STORE) private readonly store: PostgresEventStore) {}

  async execute({ buyerId, productId, quantity, expectedPrice }: NaiveOrderCommand) {
    const orderId = randomUUID();
    const reserved = await loadDecideAppend(
      this.store,
      productStream(productId),
      (history) =>
        productDecider.decide({ type: 'ReserveStock', data: { productId, orderId, buyerId, quantity, expectedPrice } }, fold(productDecider, history)),
      buyerId,
    );
    const reservation = reserved.events[0]!.data as ProductStockReserved;
    await loadDecideAppend(
      this.store,
      walletStream(buyerId),
      (history) =>
        walletDecider.decide({ type: 'PayOrder', data: { reserved: reservation } }, fold(walletDecider, history), {
          ...CONTEXT,
          now: new Date().toISOString(),
        }),
      buyerId,
    );
    return { orderId, amount: reservation.amount, status: 'paid' as const };
  }
}
