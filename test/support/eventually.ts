/** Polls an async condition until it holds; fails naming `what` after `timeoutMs` (30 s by default: CI machines are slow and busy). */
export const eventually = async (what: string, condition: () => Promise<boolean>, timeoutMs = 30_000, pauseMs = 100): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
};
