import { DEFAULT_LIMITS, type MoneyLimits } from '@zan/contracts';

/** A command: a discriminated union member, like an event. Time, ids and randomness travel in `data`. */
export interface Command<Type extends string = string, Data = unknown> {
  type: Type;
  data: Data;
}

/** An event as read from a stream: `evolve` accepts stored events without a cast. */
export interface EventLike {
  type: string;
  data: unknown;
  /** Present on stored events: the daily spending limit counts debits by the day they happened. */
  occurredAt?: string;
}

/** What a decision may depend on besides the command and the state: configuration and the time. */
export interface DecideContext {
  limits: MoneyLimits;
  /** ISO instant of the decision; without it the daily spending limit is not checked. */
  now?: string;
}

export const DEFAULT_CONTEXT: DecideContext = Object.freeze({ limits: DEFAULT_LIMITS });

/**
 * A feature's decider. `initialState` is a value and `evolve` never mutates its input, so a state
 * may be cached and shared by callers.
 */
export interface Decider<C, S, E> {
  initialState: S;
  evolve: (state: S, event: EventLike) => S;
  decide: (command: C, state: S, context?: DecideContext) => E[];
}

/** The state after a stream's events. */
export const fold = <S>(decider: Pick<Decider<unknown, S, unknown>, 'initialState' | 'evolve'>, events: readonly EventLike[]): S =>
  events.reduce<S>((state, event) => decider.evolve(state, event), decider.initialState);
