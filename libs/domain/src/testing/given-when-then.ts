import { fold, type DecideContext, type Decider, type EventLike } from '../decider';

type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * Given / When / Then over events, for one decider:
 *   const given = specFor(walletDecider);
 *   given([walletOpened]).when(fundWallet).then([walletFunded]);
 * `then` and `thenNothing` return the events and the state after them, for further checks.
 */
export const specFor =
  <C, S, E extends EventLike>(decider: Decider<C, S, E>) =>
  (events: readonly EventLike[] = []) => ({
    when: (command: C, context?: DecideContext) => {
      const state = fold(decider, events);
      const run = () => decider.decide(command, state, context);
      const then = (expected: readonly E[]) => {
        const decided = run();
        expect(decided).toEqual(expected);
        return { events: decided, state: fold(decider, [...events, ...decided]) };
      };
      return {
        then,
        thenNothing: () => then([]),
        thenThrows: (errorClass: ErrorClass, detail?: string | RegExp) => {
          let thrown: unknown;
          try {
            run();
          } catch (error) {
            thrown = error;
          }
          expect(thrown).toBeInstanceOf(errorClass);
          if (detail !== undefined) expect((thrown as Error).message).toMatch(detail);
        },
      };
    },
  });
