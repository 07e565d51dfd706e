import { type AppProcess, startApp } from './processes';
import { type StormCall, sendOnce } from './storm';

const LISTENING = /zan api: listening on (http:\/\/127\.0\.0\.1:\d+)/;

/**
 * Api replicas as processes, and a client that sends to whichever is up, as a load balancer would:
 * the fault specs kill replicas under it. `send` retries a call by its key, as a client would, while
 * it gets no answer, a 5xx or "request in progress".
 */
export const apiReplicas = (env: Record<string, string>, tokens: ReadonlyMap<string, string>) => {
  /** Every process started (replicas and whatever the spec adds), for afterAll to kill. */
  const apps: AppProcess[] = [];
  /** Base urls of the replicas that are up. */
  const live = new Map<AppProcess, string>();
  let turn = 0;
  /** Attempts that got no answer: the replica died under them. */
  let lost = 0;

  const start = async (): Promise<AppProcess> => {
    const api = await startApp('api', env, LISTENING);
    apps.push(api);
    live.set(api, LISTENING.exec(api.output())![1]!);
    return api;
  };
  const kill = async (api: AppProcess): Promise<void> => {
    live.delete(api);
    await api.kill('SIGKILL');
  };
  /** One attempt, on the next replica that is up; status 0 if none answered. */
  const attempt = async (call: StormCall): Promise<void> => {
    const bases = [...live.values()];
    call.status = 0;
    if (bases.length === 0) return;
    await sendOnce(bases[turn++ % bases.length]!, tokens.get(call.userId)!, call, 15_000);
    if (call.status === 0) lost += 1;
  };
  const settled = (call: StormCall) =>
    call.status !== 0 && call.status < 500 && !(call.status === 409 && String(call.answer?.type).endsWith('request-in-progress'));
  const send = async (call: StormCall, tries = 40): Promise<void> => {
    for (let i = 0; i < tries; i++) {
      await attempt(call);
      if (settled(call)) return;
      await new Promise((resolve) => setTimeout(resolve, 100 * Math.min(i + 1, 5)));
    }
  };
  return { apps, live, start, kill, attempt, settled, send, lost: () => lost };
};
