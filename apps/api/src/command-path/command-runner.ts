import { Inject, Injectable, Logger } from '@nestjs/common';
import type { DomainEvent, EventMetadata, NewEvent, StoredEvent } from '@zan/contracts';
import { currentVersion } from '@zan/contracts';
import { DomainError } from '@zan/domain';
import { DuplicateEventError, EVENT_STORE, EventStore, WrongExpectedRevisionError } from '@zan/event-store';
import { CLOCK, type Clock, inSpan, withTraceparent } from '@zan/platform';
import { CommandMetrics, type CommandOutcome } from '../observability/command-metrics';
import { randomId } from './ids';

/** What the runner needs of a decider to rebuild a stream's state. */
export interface StateFolder<S> {
  initialState: S;
  evolve: (state: S, event: { type: string; data: unknown }) => S;
}

export interface Loaded<S> {
  state: S;
  /** Revision of the last event, -1 when the stream does not exist. */
  revision: number;
  /** Global position of the last event, undefined when the stream does not exist. */
  position?: bigint;
}

export interface Execution<S> {
  /** The command's type, for metrics and traces (FundWallet, CreditWallet, ...). */
  command?: string;
  streamId: string;
  folder: StateFolder<S>;
  /** `now`: the time of this decision, the very instant its events record as `occurredAt`. */
  decide: (state: S, now: Date) => DomainEvent[];
  metadata: EventMetadata;
  /** Deterministic event ids make a retried command a duplicate instead of a second effect. */
  eventId?: (index: number) => string;
  /** The time of the decision when the caller read it already (a command carrying it); else the runner reads the clock once. */
  now?: Date;
}

export interface Executed<S> {
  events: StoredEvent[];
  state: S;
  revision: number;
  /** Position of the last event appended, or of the stream's last event when nothing was appended. */
  position?: bigint;
}

/** A command waiting on its stream's lane. */
interface Decision<S> {
  execution: Execution<S>;
  /** Deterministic ids: a duplicate means the command is already stored (see executeOnce). */
  once: boolean;
  recovering?: boolean;
  resolve: (executed: Executed<S> & { replayed?: boolean }) => void;
  reject: (error: unknown) => void;
}

/** Random event ids, each index drawn the first time it is asked for and the same ever after. */
const drawnOnce = (): ((index: number) => string) => {
  const ids: string[] = [];
  return (index) => (ids[index] ??= randomId());
};

const MAX_ATTEMPTS = 25;
/** Commands of one stream decided and appended together at most. */
const MAX_BATCH = 200;
const CACHE_LIMIT = 50_000;

/**
 * The one command loop: decide on the stream's state, append at the expected revision, retry on
 * a conflict. Commands on one stream wait in its lane in this process (a single writer per stream,
 * as hot red packets need) and those waiting together are decided and appended together, so
 * conflicts only come from other processes. States are cached with their revision; the expected
 * revision of the append, and a read before any refusal that a newer state could undo, keep a
 * stale cache from ever deciding wrongly.
 */
@Injectable()
export class CommandRunner {
  private readonly logger = new Logger(CommandRunner.name);
  private readonly cache = new Map<string, Loaded<unknown>>();
  private readonly lanes = new Map<string, Decision<unknown>[]>();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly metrics: CommandMetrics,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /**
   * Current state of a stream (read-only use: other aggregates' facts at decision time), caught up
   * from the store. With `settled`, a cached state for which it holds is answered without a read:
   * for facts that never turn false again once true (a wallet exists, a card is linked).
   */
  async load<S>(streamId: string, folder: StateFolder<S>, options: { settled?: (state: S) => boolean } = {}): Promise<Loaded<S>> {
    const cached = this.cache.get(streamId) as Loaded<S> | undefined;
    if (cached && options.settled?.(cached.state)) return cached;
    let state = cached?.state ?? folder.initialState;
    let revision = cached?.revision ?? -1;
    let position = cached?.position;
    for (;;) {
      const page = await this.store.readStream(streamId, { fromRevision: revision + 1, maxCount: 1000 });
      for (const event of page) {
        state = folder.evolve(state, event);
        revision = event.revision;
        position = event.position;
      }
      if (page.length < 1000) break;
    }
    this.remember(streamId, { state, revision, position });
    return { state, revision, position };
  }

  execute<S>(execution: Execution<S>): Promise<Executed<S>> {
    // Random ids are drawn once per command: decided again (a conflict, or an append whose answer a
    // lost connection swallowed after it committed), it keeps them, so its stored attempt is a
    // duplicate, never a second effect.
    const stable = execution.eventId ? execution : { ...execution, eventId: drawnOnce() };
    return this.measured(stable, () => this.queued(stable.streamId, { execution: stable, once: false }));
  }

  /**
   * Runs a command whose event ids are deterministic (derived from an idempotency key or a causing
   * event) exactly once: when its first event is already stored, the stored outcome is returned
   * instead of deciding again on a state that has moved on.
   */
  executeOnce<S>(execution: Execution<S> & { eventId: (index: number) => string; recovering?: boolean }): Promise<Executed<S>> {
    return this.measured(execution, () => this.queued(execution.streamId, { execution, once: true, recovering: execution.recovering }));
  }

  /** One command alone: decide and append, or for a deterministic one, find its stored outcome. */
  private async runOne<S>(decision: Decision<S>): Promise<Executed<S> & { replayed?: boolean }> {
    const { execution } = decision;
    if (!decision.once) return this.decideAndAppend(execution);
    const once = execution as Execution<S> & { eventId: (index: number) => string };
    if (decision.recovering) {
      const earlier = await this.findOutcome(once);
      if (earlier) return { ...earlier, replayed: true };
    }
    try {
      return await this.decideAndAppend(execution);
    } catch (error) {
      // A recovery refused: the twin it took over from may have stored the effect meanwhile (its
      // debit is what makes the funds insufficient now). That is the answer, not the refusal.
      if (!(error instanceof DuplicateEventError) && !(decision.recovering && error instanceof DomainError)) throw error;
      const earlier = await this.findOutcome(once);
      if (!earlier) throw error;
      return { ...earlier, replayed: true };
    }
  }

  /**
   * Commands waiting on one stream are decided together: one state, each decision made on the
   * state the earlier ones leave, and ONE append of all their events at the stream's revision. A
   * hot stream (a red packet claimed by thousands, an author credited by every tip) costs one round
   * trip per batch instead of one per command. A duplicate (a retried command already stored) sends
   * each command back alone, where the single path finds its stored outcome.
   */
  private async runBatch<S>(decisions: Decision<S>[]): Promise<void> {
    if (decisions.length > 1) {
      const duplicate = await this.decideAll(decisions);
      if (!duplicate) return;
    }
    for (const decision of decisions) await this.runOne(decision).then(decision.resolve, decision.reject);
  }

  /** One command decided and appended alone (see decideAll). */
  private decideAndAppend<S>(execution: Execution<S>): Promise<Executed<S>> {
    return new Promise((resolve, reject) => {
      void this.decideAll([{ execution, once: false, resolve, reject }]).then((duplicate) => duplicate && reject(duplicate), reject);
    });
  }

  /**
   * Decides the commands on the stream's state, in order, and appends all their events at once.
   * The cached state is used without a read: the append's expected revision catches another
   * process's write (a conflict: catch up and decide them all again). A refusal or a no-op decided
   * on the cache is decided again on the stored state, unless the refusal is final (no later event
   * can undo it). Settles every command, except when the append met a DuplicateEventError: then it
   * settles none and answers the error, for the caller to take the commands one by one.
   */
  private async decideAll<S>(decisions: Decision<S>[]): Promise<DuplicateEventError | undefined> {
    const { streamId, folder } = decisions[0]!.execution;
    for (let attempt = 1; ; attempt++) {
      const cached = attempt === 1 ? (this.cache.get(streamId) as Loaded<S> | undefined) : undefined;
      let base: Loaded<S>;
      try {
        base = cached ?? (await this.load(streamId, folder));
      } catch (error) {
        for (const decision of decisions) decision.reject(error);
        return undefined;
      }
      const outcomes: ({ error: unknown } | { events: NewEvent[]; state: S })[] = [];
      let state = base.state;
      let stale = false;
      for (const { execution } of decisions) {
        let decided: DomainEvent[];
        // One clock reading per decision: the daily limit near midnight must judge the day the event says.
        const now = execution.now ?? this.clock.now();
        try {
          decided = execution.decide(state, now);
        } catch (error) {
          // A final refusal (a packet gone, a share already claimed) stands on any state of the stream.
          if (cached && error instanceof DomainError && !error.final) stale = true;
          if (stale) break;
          outcomes.push({ error });
          continue;
        }
        if (decided.length === 0 && cached) {
          stale = true;
          break;
        }
        const events = this.newEvents(execution, decided, now);
        state = events.reduce(folder.evolve, state);
        outcomes.push({ events, state });
      }
      if (stale) continue;
      const all = outcomes.flatMap((outcome) => ('events' in outcome ? outcome.events : []));
      let stored: StoredEvent[] = [];
      if (all.length > 0) {
        try {
          const result = await this.append(streamId, all, base.revision < 0 ? 'no_stream' : base.revision);
          stored = result.events;
          this.remember(streamId, { state, revision: result.nextExpectedRevision, position: result.position });
        } catch (error) {
          if (error instanceof DuplicateEventError) return error;
          if (!(error instanceof WrongExpectedRevisionError) || attempt >= MAX_ATTEMPTS) {
            for (const decision of decisions) decision.reject(error);
            return undefined;
          }
          // Another process wrote first: the next load catches up from the store.
          this.logger.debug(`conflict on ${streamId} (attempt ${attempt})`);
          await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 * attempt)));
          continue;
        }
      }
      let revision = base.revision;
      let position = base.position;
      let offset = 0;
      outcomes.forEach((outcome, i) => {
        const decision = decisions[i]!;
        if ('error' in outcome) return decision.reject(outcome.error);
        const mine = stored.slice(offset, offset + outcome.events.length);
        offset += mine.length;
        if (mine.length > 0) {
          revision = mine[mine.length - 1]!.revision;
          position = mine[mine.length - 1]!.position;
        }
        decision.resolve({ events: mine, state: outcome.state, revision, position });
      });
      return undefined;
    }
  }

  /** The events a decision appends: ids (deterministic or random), versions, metadata, the decision's time. */
  private newEvents<S>(execution: Execution<S>, decided: DomainEvent[], now: Date): NewEvent[] {
    const occurredAt = now.toISOString();
    return decided.map((event, index) => ({
      id: execution.eventId ? execution.eventId(index) : randomId(),
      type: event.type,
      version: currentVersion(event.type),
      data: event.data,
      // With tracing on, each event records the span that decided it (see trace-context.ts).
      metadata: withTraceparent(execution.metadata),
      occurredAt,
    }));
  }

  /** Counts, times and traces one command, from queueing for its stream to its outcome. */
  private async measured<S>(execution: Execution<S>, run: () => Promise<Executed<S> & { replayed?: boolean }>): Promise<Executed<S>> {
    const command = execution.command ?? 'unknown';
    const started = process.hrtime.bigint();
    let outcome: CommandOutcome = 'error';
    try {
      const { replayed, ...executed } = await inSpan(`command ${command}`, { attributes: { 'zan.command': command, 'zan.stream_id': execution.streamId } }, run);
      outcome = replayed ? 'replayed' : executed.events.length > 0 ? 'ok' : 'noop';
      return executed;
    } catch (error) {
      outcome =
        error instanceof DomainError
          ? 'rejected'
          : error instanceof WrongExpectedRevisionError
            ? 'conflict'
            : error instanceof DuplicateEventError
              ? 'replayed' // stored before (a redelivered reaction): nothing new, nothing wrong
              : 'error';
      throw error;
    } finally {
      const labels = { command, outcome };
      this.metrics.commands.inc(labels);
      this.metrics.commandDuration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  /** One append, timed and traced. */
  private async append(streamId: string, events: NewEvent[], expected: number | 'no_stream') {
    const started = process.hrtime.bigint();
    let outcome = 'error';
    try {
      const result = await inSpan('event-store append', { attributes: { 'zan.stream_id': streamId, 'zan.events': events.length } }, () =>
        this.store.append(streamId, events, expected),
      );
      outcome = 'ok';
      return result;
    } catch (error) {
      if (error instanceof WrongExpectedRevisionError) outcome = 'conflict';
      else if (error instanceof DuplicateEventError) outcome = 'duplicate';
      throw error;
    } finally {
      this.metrics.appendDuration.observe({ outcome }, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  /** The events a deterministic command stored earlier, and the stream's state right after them. */
  private async findOutcome<S>(execution: Execution<S> & { eventId: (index: number) => string }): Promise<Executed<S> | undefined> {
    let state = execution.folder.initialState;
    let revision = -1;
    const found: StoredEvent[] = [];
    for (;;) {
      const page = await this.store.readStream(execution.streamId, { fromRevision: revision + 1, maxCount: 1000 });
      for (const event of page) {
        if (event.id === execution.eventId(found.length)) found.push(event);
        else if (found.length > 0) return { events: found, state, revision, position: found[found.length - 1]!.position };
        state = execution.folder.evolve(state, event);
        revision = event.revision;
      }
      if (page.length < 1000) break;
    }
    return found.length > 0 ? { events: found, state, revision, position: found[found.length - 1]!.position } : undefined;
  }

  /** Queues a command on its stream's lane; the lane drains in order, in batches (see runBatch). */
  private queued<S>(streamId: string, decision: Omit<Decision<S>, 'resolve' | 'reject'>): Promise<Executed<S> & { replayed?: boolean }> {
    return new Promise((resolve, reject) => {
      let lane = this.lanes.get(streamId);
      if (!lane) {
        lane = [];
        this.lanes.set(streamId, lane);
        void this.drain(streamId, lane);
      }
      lane.push({ ...decision, resolve, reject } as Decision<unknown>);
    });
  }

  private async drain(streamId: string, lane: Decision<unknown>[]): Promise<void> {
    // Let the commands that arrive in the same turn join the first batch.
    await Promise.resolve();
    while (lane.length > 0) {
      // A recovering command looks for its earlier outcome first: it goes alone.
      const size = lane[0]!.recovering ? 1 : Math.min(MAX_BATCH, lane.findIndex((d) => d.recovering) === -1 ? lane.length : lane.findIndex((d) => d.recovering));
      const batch = lane.splice(0, size);
      await this.runBatch(batch).catch((error: unknown) => batch.forEach((decision) => decision.reject(error)));
    }
    this.lanes.delete(streamId);
  }

  private remember(streamId: string, loaded: Loaded<unknown>): void {
    // A slow read finishing after an append must not put an older state back.
    if ((this.cache.get(streamId)?.revision ?? -1) > loaded.revision) return;
    if (this.cache.size >= CACHE_LIMIT && !this.cache.has(streamId)) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.delete(streamId);
    this.cache.set(streamId, loaded);
  }
}
