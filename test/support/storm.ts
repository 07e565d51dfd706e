/**
 * The payments of the reliability specs' storms, drawn from the request's number `i` alone (so a
 * failing run says which request did what), among users readied by prepareStormUser (verified,
 * their card linked, funded, and `articles` articles of their own named `<user>-a-<n>`).
 */

/** One POST of a storm: what was sent, and the last answer (status 0 while none came). */
export interface StormCall {
  path: string;
  userId: string;
  key: string;
  body?: object;
  status: number;
  answer?: Record<string, unknown>;
}

/** Request `i` of a storm of tips and transfers only, alternating: every one is a debit with a credit to follow. */
export const tipOrTransfer = (users: readonly string[], i: number, articles = 3): StormCall & { body: object } => {
  const from = users[i % users.length]!;
  const to = users[(i + 1 + (i % 3)) % users.length]!;
  const call = (path: string, body: object): StormCall & { body: object } => ({ path, userId: from, key: `k-${i}`, body, status: 0 });
  return i % 2
    ? call('/v1/tips', { authorId: to, articleId: `${to}-a-${i % articles}`, amount: 500 + (i % 100) })
    : call('/v1/transfers', { toUserId: to, amount: 1 + (i % 300) });
};

/**
 * Request `i` of a storm of every money-moving command: 30% tips, 20% transfers, 20% red packets
 * (always while none was sent yet), 10% withdrawals to the payer's own card, 20% claims of the
 * packets sent so far.
 */
export const anyPayment = (users: readonly string[], i: number, packets: readonly string[], articles = 4): StormCall => {
  const from = users[i % users.length]!;
  const drawn = users[(i * 7 + 1) % users.length]!;
  const to = drawn === from ? users[(i + 1) % users.length]! : drawn;
  const kind = i % 10;
  const call = (path: string, body?: object): StormCall => ({ path, userId: from, key: `k-${i}`, body, status: 0 });
  if (kind < 3) return call('/v1/tips', { authorId: to, articleId: `${to}-a-${i % articles}`, amount: 500 + (i % 300) });
  if (kind < 5) return call('/v1/transfers', { toUserId: to, amount: 1 + (i % 700) });
  if (kind < 7 || packets.length === 0) return call('/v1/red-packets', { amount: 100 + (i % 900), shares: 1 + (i % 5), mode: i % 2 ? 'lucky' : 'equal' });
  if (kind < 8) return call('/v1/wallets/me/withdrawals', { amount: 1 + (i % 200), cardId: `card-${from}` });
  return call(`/v1/red-packets/${packets[i % packets.length]}/claims`);
};

/**
 * Sends `call` once to the api at `base` as its user (bearer `token`), with its Idempotency-Key, and
 * records the answer on it; no answer in `timeoutMs` (or a dead server) leaves status 0.
 */
export const sendOnce = async (base: string, token: string, call: StormCall, timeoutMs = 30_000): Promise<void> => {
  try {
    const response = await fetch(`${base}${call.path}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Idempotency-Key': call.key, ...(call.body && { 'Content-Type': 'application/json' }) },
      body: call.body && JSON.stringify(call.body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    call.answer = (await response.json()) as Record<string, unknown>;
    call.status = response.status;
  } catch {
    call.status = 0;
  }
};

/** An answer of the api: status 0 when none came. */
export interface ApiAnswer {
  status: number;
  body: Record<string, any>;
}

/**
 * A JSON caller of the api at `base()` as the storm's users (their bearer `tokens`), for the outage
 * specs: every 5xx answer is noted in `failures` (method, status, problem type, Retry-After), and no
 * answer within 30 s (or a dead server) is status 0.
 */
export const apiCaller =
  (base: () => string, tokens: ReadonlyMap<string, string>, failures: string[]) =>
  async (method: 'GET' | 'POST', userId: string, path: string, body?: object, key?: string): Promise<ApiAnswer> => {
    try {
      const response = await fetch(`${base()}${path}`, {
        method,
        headers: {
          Authorization: `Bearer ${tokens.get(userId)}`,
          ...(key && { 'Idempotency-Key': key }),
          ...(body && { 'Content-Type': 'application/json' }),
        },
        body: body && JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
      const answer: ApiAnswer = { status: response.status, body: (await response.json()) as Record<string, unknown> };
      if (answer.status >= 500) failures.push(`${method} ${answer.status} ${answer.body.type} Retry-After ${response.headers.get('retry-after')}`);
      return answer;
    } catch (error) {
      return { status: 0, body: { error: String(error) } };
    }
  };

export type StormPhase = 'before' | 'outage' | 'after';

/**
 * The outage specs' load: `workers` loops sending tipOrTransfer(users, i) for i = 0, 1, ..., each
 * retried by its key (100 ms apart, at most `maxTries` times) until it answers below 500 and not 429,
 * which must then be a 201, followed by a read of the payer's wallet ?after= its position. Every
 * answer is counted under the phase it came in (`statuses`, e.g. `post 503`, `read 200`).
 */
export const phasedStorm = (call: ReturnType<typeof apiCaller>, users: readonly string[], options: { maxTries: number; workers?: number }) => {
  let phase: StormPhase = 'before';
  const statuses: Record<StormPhase, Record<string, number>> = { before: {}, outage: {}, after: {} };
  const count = (what: string, status: number) => (statuses[phase][`${what} ${status}`] = (statuses[phase][`${what} ${status}`] ?? 0) + 1);
  /** `<payer>/<Idempotency-Key>` of every command answered 201, in the order they were. */
  const acknowledged: string[] = [];
  /** When each acknowledged command's last try was sent, and when its 201 came. */
  const timings: { sentAt: number; answeredAt: number }[] = [];
  let next = 0;
  let stopped = false;
  const worker = async () => {
    while (!stopped) {
      const i = next++;
      const { userId: from, path, body } = tipOrTransfer(users, i);
      const key = `k-${i}`;
      let sentAt = Date.now();
      let answer = await call('POST', from, path, body, key);
      count('post', answer.status);
      for (let tries = 0; answer.status === 0 || answer.status >= 500 || answer.status === 429; tries++) {
        if (tries > options.maxTries) throw new Error(`${path} ${key} never answered: ${answer.status} ${JSON.stringify(answer.body)}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
        sentAt = Date.now();
        answer = await call('POST', from, path, body, key);
        count('post', answer.status);
      }
      if (answer.status !== 201) throw new Error(`${path} ${key} answered ${answer.status} ${JSON.stringify(answer.body)}`);
      acknowledged.push(`${from}/${key}`);
      timings.push({ sentAt, answeredAt: Date.now() });
      const read = await call('GET', from, `/v1/wallets/me?after=${answer.body.position}`);
      count('read', read.status);
    }
  };
  const running = Promise.all(Array.from({ length: options.workers ?? 6 }, worker));
  running.catch(() => undefined); // rethrown by stop()
  return {
    statuses,
    acknowledged,
    answered: (): number => acknowledged.length,
    /** Counts the answers from now on under `next`. */
    enter: (next: StormPhase): void => void (phase = next),
    /** When the first command sent at `since` or later was acknowledged; 0 while none was. */
    firstAcknowledgedSentSince: (since: number): number =>
      timings.filter((t) => t.sentAt >= since).reduce((first, t) => (first === 0 || t.answeredAt < first ? t.answeredAt : first), 0),
    /** Stops sending and waits for the commands in flight; throws what a worker threw. */
    stop: async (): Promise<void> => {
      stopped = true;
      await running;
    },
  };
};
