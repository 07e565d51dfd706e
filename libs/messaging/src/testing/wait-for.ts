/** Polls until `condition` holds; fails with `what` and the last observed state after `timeoutMs`. */
export const waitFor = async (what: string, condition: () => boolean, timeoutMs = 10_000, describe: () => unknown = () => undefined): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      const state = describe();
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${state === undefined ? '' : `; last seen: ${JSON.stringify(state)}`}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};
