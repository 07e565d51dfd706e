import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy, Optional } from '@nestjs/common';
import { EVENT_CATEGORIES, type StoredEvent } from '@zan/contracts';
import { EVENT_BUS, type DeliveredEvent, type EventBus, type EventConsumer } from '@zan/messaging';
import { type Campaign, CLOCK, type Clock, InProcessLeaderElection, LEADER_ELECTION, type LeaderElection, ZAN_CONFIG, type ZanConfig } from '@zan/platform';
import { EVENT_STORE, type EventStore } from '@zan/event-store';
import { WEBHOOK_STORE, announceDisabled, subscribes, type WebhookStore } from '@zan/webhooks';
import { Dispatcher } from './dispatcher';
import { deliveriesOf } from './enqueue-deliveries';

export type DeliveryOutcome = 'delivered' | 'retrying' | 'failed' | 'refused';

/**
 * Bus -> integrators' endpoints. Every instance consumes (its own consumer group) and queues each
 * event for each subscribed endpoint, durably, before its offset is committed; the elected leader
 * sends what is queued (Dispatcher). A crash anywhere sends a delivery again, never loses one.
 */
@Injectable()
export class WebhooksService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('webhooks');
  private consumer?: EventConsumer;
  private campaign?: Campaign;
  readonly dispatcher: Dispatcher;
  readonly groupId: string;
  /** Attempts by endpoint and outcome since start. */
  readonly outcomes = new Map<string, number>();
  disabledEndpoints = 0;
  queued = 0;
  /** Messages that are no Zan CloudEvent, skipped. */
  undecodable = 0;
  /** Events for a subscribed endpoint that the event store does not hold as they came, never sent. */
  refused = 0;

  constructor(
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(WEBHOOK_STORE) readonly store: WebhookStore,
    @Inject(ZAN_CONFIG) config: ZanConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(EVENT_STORE) private readonly events: EventStore,
    @Optional() @Inject(LEADER_ELECTION) private readonly election: LeaderElection = new InProcessLeaderElection(),
  ) {
    this.groupId = `${config.topicPrefix}.webhooks`;
    const settings = config.webhooks;
    this.dispatcher = new Dispatcher(
      store,
      {
        retry: settings.retry,
        timeoutMs: settings.timeoutMs,
        allowPrivate: settings.allowPrivate,
        concurrency: settings.concurrency,
        pollMs: 250,
        now: () => clock.now(),
        onOutcome: (endpointId, outcome) => {
          const key = `${endpointId}\u0000${outcome}`;
          this.outcomes.set(key, (this.outcomes.get(key) ?? 0) + 1);
        },
        onDisabled: (endpoint) => {
          this.disabledEndpoints++;
          void this.announce(endpoint.id);
        },
      },
      this.logger,
    );
  }

  get leading(): boolean {
    return this.campaign?.leading ?? false;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.bus.ensureTopics(EVENT_CATEGORIES);
    this.consumer = this.bus.consumer({
      groupId: this.groupId,
      categories: EVENT_CATEGORIES,
      fromBeginning: true,
      handle: (delivery) => this.queue([delivery]),
      handleBatch: (deliveries) => this.queue(deliveries),
      onUndecodable: async (raw, error) => {
        this.undecodable++;
        this.logger.warn(`skipped ${raw.topic}[${raw.partition}]@${raw.offset} (${raw.headers.ce_id ?? 'no ce_id'}): not a Zan event: ${String(error)}`);
      },
      onError: (error, raw, attempt) =>
        this.logger.warn(`${raw.topic}[${raw.partition}]@${raw.offset} not queued (attempt ${attempt}), will be delivered again: ${String(error)}`),
    });
    await this.consumer.start();
    this.campaign = await this.election.campaign(`webhooks:${this.groupId}`, {
      onElected: () => {
        this.logger.log('delivering webhooks (leader)');
        this.dispatcher.start();
        void this.announceAll();
      },
      onDeposed: () => this.dispatcher.stop(),
    });
    this.logger.log(`queueing webhooks as group ${this.groupId}`);
  }

  async onModuleDestroy(): Promise<void> {
    await this.consumer?.stop();
    this.consumer = undefined;
    await this.campaign?.resign();
    await this.dispatcher.stop();
  }

  /** WebhookEndpointDisabled for an endpoint just disabled (stored once, whoever asks and how often). */
  private async announce(endpointId: string): Promise<void> {
    try {
      const endpoint = await this.store.endpoint(endpointId);
      if (endpoint && (await announceDisabled(this.events, this.store, endpoint)))
        this.logger.log({ msg: `WebhookEndpointDisabled stored for ${endpointId}`, endpointId });
    } catch (error) {
      // The next leader's start announces it (announceAll): a disabling is never left untold.
      this.logger.warn({ msg: `WebhookEndpointDisabled not stored yet for ${endpointId}: ${String(error)}`, endpointId });
    }
  }

  /** On election: a disabling whose event a crash kept from being stored is stored now; others are found there already. */
  private async announceAll(): Promise<void> {
    try {
      for (const endpoint of await this.store.endpoints()) if (endpoint.status === 'disabled') await this.announce(endpoint.id);
    } catch (error) {
      this.logger.warn(`reading the endpoints to announce their disabling failed: ${String(error)}`);
    }
  }

  /**
   * Endpoints are read for every run of events, not cached: one created a moment ago must get every
   * event after its starting position, whichever instance queues it.
   */
  private async queue(deliveries: DeliveredEvent[]): Promise<void> {
    const endpoints = await this.store.endpoints();
    if (endpoints.length === 0) return;
    const wanted = deliveries.filter(({ event }) => endpoints.some((endpoint) => subscribes(endpoint, event.type, event.position)));
    if (wanted.length === 0) return;
    const stored = await this.asStored(wanted);
    const queued = stored.flatMap((event) => deliveriesOf(event, endpoints));
    if (queued.length === 0) return;
    // Due by the dispatcher's clock (a SharedClock: a replica whose own clock is fast queued them late).
    await this.store.enqueue(queued, this.clock.now());
    this.queued += queued.length;
    for (const d of queued) this.logger.debug({ msg: 'webhook queued', eventId: d.eventId, endpointId: d.endpointId });
    this.dispatcher.poke();
  }

  /**
   * What is sent is signed with the endpoints' secrets, so an integrator takes it for Zan's word: only
   * what the event store holds is sent, as it holds it. Anyone (or any bug) that can produce to a topic
   * could otherwise have Zan sign a payment it never made, or another amount under a real event's id.
   * A message whose event the store does not hold at its stream and revision (same id, position, type
   * and data) is refused: logged, counted, never sent (the relay's own copy is). One read per event an
   * endpoint subscribed to, a batch's reads sent at once (the PostgreSQL store answers concurrent reads
   * in one statement), in the batch's order.
   */
  private async asStored(deliveries: DeliveredEvent[]): Promise<StoredEvent[]> {
    const stored: StoredEvent[] = [];
    const reads = await Promise.all(deliveries.map(({ event }) => this.events.readStream(event.streamId, { fromRevision: event.revision, maxCount: 1 })));
    for (const [index, { event, raw }] of deliveries.entries()) {
      const [held] = reads[index]!;
      if (held && held.id === event.id && held.position === event.position && held.type === event.type && sameJson(held.data, event.data)) {
        stored.push(held);
        continue;
      }
      this.refused++;
      this.logger.error(
        `refused ${raw.topic}[${raw.partition}]@${raw.offset}: ${event.type} ${event.id} (${event.streamId} at revision ${event.revision}) is not ` +
          `what the event store holds there (${held ? `${held.type} ${held.id} at ${held.position}` : 'nothing'}): not sent`,
      );
    }
    return stored;
  }
}

/** Equal as JSON, whatever the order of keys (JSONB reorders them) or the objects' prototypes (drivers differ). */
const sameJson = (a: unknown, b: unknown): boolean => canonical(a) === canonical(b);
const canonical = (value: unknown): string =>
  typeof value !== 'object' || value === null
    ? JSON.stringify(value)
    : Array.isArray(value)
      ? `[${value.map(canonical).join(',')}]`
      : `{${Object.keys(value)
          .sort()
          .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
          .join(',')}}`;
