import { Inject, Injectable, Logger } from '@nestjs/common';
import type { NewEvent, StoredEvent } from '@zan/contracts';
import { DomainError } from '@zan/domain';
import {
  type AppendGuard,
  DuplicateEventError,
  EVENT_STORE,
  EventStore,
  KeyClaimedError,
  type KeyClaim,
  StreamChangedError,
  WrongExpectedRevisionError,
} from '@zan/event-store';
import { CLOCK, type Clock, inSpan } from '@zan/platform';
import { CommandMetrics, type CommandOutcome } from '../observability/command-metrics';
import { type Answer, answersOf, decideBatch } from './batch-decision';
import type { Execution, Executed, Loaded, StateFolder } from './execution';
import { legacyEventIdsOf } from './command-context';
import { drawnOnce } from './ids';
import { StreamLanes } from './stream-lanes';
import { type LoadOptions, StreamStateCache, findStoredOutcome } from './stream-state-cache';

/** A command waiting on its stream's lane. */
interface Decision<S> {
  execution: Execution<S>;
  /** Deterministic ids: a duplicate means the command is already stored (see executeOnce). */
  once: boolean;
  recovering?: boolean;
  resolve: (executed: Executed<S> & { replayed?: boolean }) => void;
  reject: (error: unknown) => void;
}

/**
 * A batch decided and appended (each command's answer), or refused whole by a duplicate event id or
 * a key with a record already (Execution.claim): its commands go again one by one.
 */
type BatchResult<S> = { kind: 'answered'; answers: Answer<S>[] } | { kind: 'alone'; error: DuplicateEventError | KeyClaimedError };

const MAX_ATTEMPTS = 25;

/** How old an attempt found under a request's legacy ids may be and still be its own (the shortest retention of a record). */
const LEGACY_ATTEMPT_MS = 24 * 3_600_000;

/**
 * The one command loop: decide on the stream's state, append at the expected revision, retry on
 * a conflict. Commands on one stream wait in its lane (StreamLanes) and those waiting together are
 * decided together (decideBatch) and appended in one append, so conflicts only come from other
 * processes. States are cached with their revision (StreamStateCache); the expected revision of the
 * append, and a read before any refusal that a newer state could undo, keep a stale cache from ever
 * deciding wrongly.
 */
@Injectable()
export class CommandRunner {
  private readonly logger = new Logger(CommandRunner.name);
  private readonly states: StreamStateCache;
  private readonly lanes = new StreamLanes<Decision<unknown>>((batch) => this.runBatch(batch));

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly metrics: CommandMetrics,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.states = new StreamStateCache(store);
  }

  /**
   * Current state of a stream (read-only use: other aggregates' facts at decision time), caught up
   * from the store. With `settled`, a cached state for which it holds is answered without a read:
   * for facts that never turn false again once true (a wallet exists, a card is linked); with
   * `whileFresh`, one the store confirmed moments ago (a sold-out product's pre-checks).
   */
  load<S>(streamId: string, folder: StateFolder<S>, options: LoadOptions<S> = {}): Promise<Loaded<S>> {
    return this.states.load(streamId, folder, options);
  }

  /**
   * The refusal `decide` gets on the stream's cached state, when `stands` says the usual way would
   * give that same answer without a read: a final refusal (DomainError.final: the lane lets one
   * decided on a cached state stand), or one a handler's pre-check would give from a state the store
   * confirmed within FRESH_MS (`fresh`). A crowd on a packet that is gone is answered without
   * queueing. Undefined when nothing is cached or the command is not refused so; nothing is read or
   * stored. `countAs`: the command it counts as rejected, where the usual way would have counted it.
   */
  refusalOnCache<S>(
    streamId: string,
    decide: (state: S) => unknown,
    stands: (error: DomainError, state: S, fresh: boolean) => boolean,
    countAs?: string,
  ): DomainError | undefined {
    const cached = this.states.cached<S>(streamId);
    if (!cached) return undefined;
    try {
      decide(cached.state);
    } catch (error) {
      if (error instanceof DomainError && stands(error, cached.state, this.states.fresh(streamId))) {
        if (countAs) this.metrics.commands.inc({ command: countAs, outcome: 'rejected' });
        return error;
      }
    }
    return undefined;
  }

  execute<S>(execution: Execution<S>): Promise<Executed<S>> {
    // Random ids are drawn once per command: decided again (a conflict, or an append whose answer a
    // lost connection swallowed after it committed), it keeps them, so its stored attempt is a
    // duplicate, never a second effect.
    const stable = execution.eventId ? execution : { ...execution, eventId: drawnOnce() };
    return this.measured(stable, () => this.queued({ execution: stable, once: false }));
  }

  /**
   * Runs a command whose event ids are deterministic (derived from an idempotency key or a causing
   * event) exactly once: when its first event is already stored, the stored outcome is returned
   * instead of deciding again on a state that has moved on.
   */
  executeOnce<S>(execution: Execution<S> & { eventId: (index: number) => string; recovering?: boolean }): Promise<Executed<S>> {
    return this.measured(execution, () => this.queued({ execution, once: true, recovering: execution.recovering }));
  }

  /** Queues a command on its stream's lane; the lane runs it in a batch (see runBatch). */
  private queued<S>(decision: Omit<Decision<S>, 'resolve' | 'reject'>): Promise<Executed<S> & { replayed?: boolean }> {
    return new Promise((resolve, reject) => this.lanes.push(decision.execution.streamId, { ...decision, resolve, reject } as Decision<unknown>));
  }

  /**
   * Commands waiting on one stream are decided together: one state, each decision made on the
   * state the earlier ones leave, and ONE append of all their events at the stream's revision. A
   * hot stream (a red packet claimed by thousands, an author credited by every tip) costs one round
   * trip per batch instead of one per command. A duplicate (a retried command already stored) sends
   * each command back alone, where the single path finds its stored outcome; so does a key claimed
   * already (a retry of a command in the batch, or of one stored before), which refuses only its own.
   */
  private async runBatch<S>(decisions: Decision<S>[]): Promise<void> {
    if (decisions.length > 1) {
      const result = await this.decideTogether(decisions.map((decision) => decision.execution));
      if (result.kind === 'answered') {
        result.answers.forEach((answer, i) => ('error' in answer ? decisions[i]!.reject(answer.error) : decisions[i]!.resolve(answer.executed)));
        return;
      }
    }
    for (const decision of decisions) await this.runOne(decision).then(decision.resolve, decision.reject);
  }

  /** One command alone: decide and append, or for a deterministic one, find its stored outcome. */
  private async runOne<S>(decision: Decision<S>): Promise<Executed<S> & { replayed?: boolean }> {
    const { execution } = decision;
    if (!decision.once) return this.decideAndAppend(execution);
    const once = execution as Execution<S> & { eventId: (index: number) => string };
    if (decision.recovering) {
      const earlier = await this.storedOutcome(once, true);
      if (earlier) return { ...earlier, replayed: true };
    }
    try {
      return await this.decideAndAppend(execution);
    } catch (error) {
      // A recovery refused: the twin it took over from may have stored the effect meanwhile (its
      // debit is what makes the funds insufficient now). That is the answer, not the refusal.
      if (!(error instanceof DuplicateEventError) && !(decision.recovering && error instanceof DomainError)) throw error;
      const earlier = await this.storedOutcome(once, decision.recovering === true);
      if (!earlier) throw error;
      return { ...earlier, replayed: true };
    }
  }

  /**
   * The stored outcome of a deterministic command. A recovery (its idempotency record taken over from
   * an attempt that never finished) also looks under the ids that attempt had if it ran before
   * command ids named the request (legacyEventIdsOf): the record's request hash matched, so they are
   * this request's.
   */
  private async storedOutcome<S>(once: Execution<S> & { eventId: (index: number) => string }, recovering: boolean): Promise<Executed<S> | undefined> {
    const found = await findStoredOutcome(this.store, once);
    if (found || !recovering) return found;
    const legacy = legacyEventIdsOf(once.metadata);
    if (!legacy || legacy(0) === once.eventId(0)) return undefined;
    const old = await findStoredOutcome(this.store, { ...once, eventId: legacy });
    // Only an attempt of the last day: an older one was an earlier use of the key, whose record has
    // been swept since (records are kept at least 24 h), not the attempt this record was taken over from.
    return old && this.clock.now().getTime() - Date.parse(old.events[0]!.occurredAt) < LEGACY_ATTEMPT_MS ? old : undefined;
  }

  /** One command decided and appended alone: its events, or its refusal thrown. */
  private async decideAndAppend<S>(execution: Execution<S>): Promise<Executed<S>> {
    const result = await this.decideTogether([execution]);
    if (result.kind === 'alone') throw result.error;
    const answer = result.answers[0]!;
    if ('error' in answer) throw answer.error;
    return answer.executed;
  }

  /**
   * Decides the commands on the stream's state, in order, and appends all their events at once.
   * The cached state is used without a read: the append's expected revision catches another
   * process's write (a conflict: catch up and decide them all again), and a decision the cache may
   * have got wrong is made again on the stored state (decideBatch's `stale`), unless the command
   * lets that refusal stand on a state the store confirmed moments ago (`standsWhileFresh`). Answers every command,
   * or `duplicate` when the append met a stored event id, for the caller to take the commands one by
   * one. Throws what fails the batch as a whole (a read, an append other than a conflict, too many conflicts).
   */
  private async decideTogether<S>(executions: Execution<S>[]): Promise<BatchResult<S>> {
    const { streamId, folder } = executions[0]!;
    let factsAfresh = false;
    for (let attempt = 1; ; attempt++) {
      const cached = attempt === 1 ? this.states.cached<S>(streamId) : undefined;
      const base = cached ?? (await this.states.load(streamId, folder));
      await Promise.all(executions.flatMap((execution) => (execution.readFacts ? [execution.readFacts()] : [])));
      const facts = await this.guardedFacts(executions, factsAfresh);
      const decision = decideBatch(executions, base.state, cached !== undefined, this.clock, cached !== undefined && this.states.fresh(streamId));
      if (decision.kind === 'stale') continue;
      if (facts.cached && decision.outcomes.some((outcome, i) => 'error' in outcome && executions[i]!.guardedFacts?.length)) {
        // A refusal on facts this process cached (a verification granted elsewhere moments ago): decided again on them read afresh.
        factsAfresh = true;
        continue;
      }
      let stored: StoredEvent[] = [];
      if (decision.events.length > 0) {
        const claims = executions.flatMap((execution, i) => (execution.claim && 'events' in decision.outcomes[i]! ? [execution.claim] : []));
        const twice = claims.find((claim, i) => claims.findIndex((other) => other.scope === claim.scope && other.key === claim.key) !== i);
        // Two requests of one key decided together (a retry while the first waits in the lane): one by one, the second finds the first's record.
        if (twice) return { kind: 'alone', error: new KeyClaimedError(twice.scope, twice.key) };
        for (const claim of claims) claim.tried = true;
        try {
          const appended = await this.append(streamId, decision.events, base.revision < 0 ? 'no_stream' : base.revision, facts.guards, claims);
          stored = appended.events;
          for (const claim of claims) claim.taken = true;
          this.states.remember(streamId, { state: decision.state, revision: appended.nextExpectedRevision, position: appended.position });
        } catch (error) {
          if (error instanceof DuplicateEventError || error instanceof KeyClaimedError) return { kind: 'alone', error };
          if (error instanceof StreamChangedError && attempt < MAX_ATTEMPTS) {
            this.logger.debug(`${error.streamId} changed after revision ${error.revision}: deciding ${streamId} again`);
            factsAfresh = true;
            continue;
          }
          if (!(error instanceof WrongExpectedRevisionError) || attempt >= MAX_ATTEMPTS) throw error;
          // Another process wrote first: the next load catches up from the store.
          this.logger.debug(`conflict on ${streamId} (attempt ${attempt})`);
          await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 * attempt)));
          continue;
        }
      }
      return { kind: 'answered', answers: answersOf(decision.outcomes, stored, base) };
    }
  }

  /**
   * The guarded facts of the commands (Execution.guardedFacts), each from this process's state of its
   * stream while fresh, else read; and the guards their append carries. `cached`: some were not read.
   */
  private async guardedFacts<S>(executions: Execution<S>[], afresh: boolean): Promise<{ guards: AppendGuard[]; cached: boolean }> {
    let cached = false;
    const guards = await Promise.all(
      executions.flatMap((execution) =>
        (execution.guardedFacts ?? []).map(async (fact): Promise<AppendGuard> => {
          const known = afresh || !this.states.fresh(fact.streamId) ? undefined : this.states.cached<unknown>(fact.streamId);
          const loaded = known ?? (await this.states.load(fact.streamId, fact.folder));
          cached ||= known !== undefined;
          fact.use(loaded.state);
          return { streamId: fact.streamId, revision: loaded.revision, unless: fact.unless };
        }),
      ),
    );
    return { guards, cached };
  }

  /** Counts, times and traces one command, from queueing for its stream to its outcome. */
  private async measured<S>(execution: Execution<S>, run: () => Promise<Executed<S> & { replayed?: boolean }>): Promise<Executed<S>> {
    const command = execution.command ?? 'unknown';
    const started = process.hrtime.bigint();
    let outcome: CommandOutcome = 'error';
    try {
      const { replayed, ...executed } = await inSpan(
        `command ${command}`,
        { attributes: { 'zan.command': command, 'zan.stream_id': execution.streamId } },
        run,
      );
      outcome = replayed ? 'replayed' : executed.events.length > 0 ? 'ok' : 'noop';
      return executed;
    } catch (error) {
      outcome =
        error instanceof DomainError
          ? 'rejected'
          : error instanceof WrongExpectedRevisionError
            ? 'conflict'
            : error instanceof DuplicateEventError || error instanceof KeyClaimedError
              ? 'replayed' // stored before (a redelivered reaction), or a key answered from its record: nothing new, nothing wrong
              : 'error';
      throw error;
    } finally {
      const labels = { command, outcome };
      this.metrics.commands.inc(labels);
      this.metrics.commandDuration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  /** One append, timed and traced. */
  private async append(streamId: string, events: NewEvent[], expected: number | 'no_stream', guards: AppendGuard[], claims: KeyClaim[]) {
    const started = process.hrtime.bigint();
    let outcome = 'error';
    try {
      const result = await inSpan('event-store append', { attributes: { 'zan.stream_id': streamId, 'zan.events': events.length } }, () =>
        this.store.append(
          streamId,
          events,
          expected,
          guards.length > 0 || claims.length > 0 ? { ...(guards.length > 0 && { guards }), ...(claims.length > 0 && { claims }) } : undefined,
        ),
      );
      outcome = 'ok';
      return result;
    } catch (error) {
      if (error instanceof WrongExpectedRevisionError) outcome = 'conflict';
      else if (error instanceof DuplicateEventError) outcome = 'duplicate';
      else if (error instanceof StreamChangedError) outcome = 'changed';
      else if (error instanceof KeyClaimedError) outcome = 'claimed';
      throw error;
    } finally {
      this.metrics.appendDuration.observe({ outcome }, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }
}
