/**
 * `work`'s answer, or a rejection with `timedOut()` once `ms` have passed without one. The work is not
 * stopped: what it does later is the caller's to make harmless (a new connection for the retry).
 */
export const within = <T>(work: Promise<T>, ms: number, timedOut: () => Error): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timedOut()), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
};
