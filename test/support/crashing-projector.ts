import type { Applied, ReadModelStore } from '@zan/read-models';

/** Where the projector kills itself: just before it applies its N-th event, or just after (before the offset commit). */
export interface CrashPoint {
  point: 'before-apply' | 'after-apply';
  /** 1-based, counted from the process's start. */
  delivery: number;
  crash(): void;
}

/**
 * `before-apply:37` or `after-apply:37` (ZAN_TEST_PROJECTOR_CRASH_AT) as a crash point that SIGKILLs
 * this process: no shutdown, no offset commit.
 */
export const crashPointFrom = (setting: string | undefined): CrashPoint | undefined => {
  if (!setting) return undefined;
  const match = /^(before-apply|after-apply):([1-9][0-9]*)$/.exec(setting);
  if (!match) throw new Error(`ZAN_TEST_PROJECTOR_CRASH_AT: expected before-apply:N or after-apply:N, not ${setting}`);
  return {
    point: match[1] as CrashPoint['point'],
    delivery: Number(match[2]),
    crash: () => {
      console.error(`projector: crash point ${setting} reached`);
      process.kill(process.pid, 'SIGKILL');
    },
  };
};

/**
 * The store with the crash point in front of its writes: the events before the N-th (and the N-th
 * itself, after-apply) are applied, then crash() runs. Events count once applied, as the projector
 * hands them over, in runs (applyMany) or one by one (apply).
 */
export const crashingStore = (store: ReadModelStore, crashAt: CrashPoint): ReadModelStore => {
  let applied = 0;
  const applyAll = async (events: Applied[]): Promise<unknown> => {
    if (store.applyMany) return store.applyMany(events);
    for (const event of events) await store.apply(event);
  };
  const write = async <R>(events: Applied[], write: (events: Applied[]) => Promise<R>): Promise<R> => {
    const at = crashAt.delivery - applied - 1;
    if (at >= 0 && at < events.length) {
      const before = events.slice(0, crashAt.point === 'before-apply' ? at : at + 1);
      if (before.length > 0) await applyAll(before);
      crashAt.crash();
      throw new Error(`crash point ${crashAt.point}:${crashAt.delivery} reached`);
    }
    const result = await write(events);
    applied += events.length;
    return result;
  };
  return new Proxy(store, {
    get(target, property) {
      if (property === 'applyMany' && target.applyMany) return (events: Applied[]) => write(events, (all) => target.applyMany!(all));
      if (property === 'apply') return async (event: Applied) => write([event], async ([one]) => target.apply(one!));
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
};
