import type { INestApplication } from '@nestjs/common';
import { seededRandom } from '@zan/platform';
import { type Client, fundedUser, publishArticle } from './http-client';

export interface HttpWorkloadOptions {
  seed: number;
  /** User ids are `<prefix>-u<i>`. */
  prefix: string;
  users: number;
  /** Commands sent after the users are set up. */
  steps: number;
  /** Commands in flight at once (default 4). */
  concurrency?: number;
}

export interface HttpWorkload {
  users: string[];
  packets: string[];
  /** Answers by status. */
  statuses: Record<number, number>;
  /** The highest position any answer carried. */
  lastPosition: bigint;
}

/** Refusals the rules allow under a random workload: gone, already claimed, insufficient funds... */
const REFUSALS = new Set([403, 404, 409, 410, 422]);

/**
 * A seeded random workload over HTTP, as clients would send it: fundings, tips, transfers, red packets
 * and claims between a few users, a handful in flight at once. The same seed sends the same commands
 * (their interleaving may differ). Anything but a success or an allowed refusal throws.
 */
export const runHttpWorkload = async (target: INestApplication | string, options: HttpWorkloadOptions): Promise<HttpWorkload> => {
  const draw = seededRandom(options.seed);
  const between = (min: number, max: number) => min + Math.floor(draw() * (max - min + 1));
  const result: HttpWorkload = { users: [], packets: [], statuses: {}, lastPosition: 0n };
  const clients: Client[] = [];
  for (let i = 0; i < options.users; i++) {
    const id = `${options.prefix}-u${i}`;
    const { client, position } = await fundedUser(target, id, between(20_000, 200_000));
    clients.push(client);
    result.users.push(id);
    if (BigInt(position) > result.lastPosition) result.lastPosition = BigInt(position);
    // Tips name a published article of their author (v1.1): three each.
    for (let n = 1; n <= 3; n++) {
      const published = await publishArticle(target, id, `${id}-art-${n}`);
      if (BigInt(published.position) > result.lastPosition) result.lastPosition = BigInt(published.position);
    }
  }
  const open: string[] = [];

  const send = async (client: Client, path: string, body?: object) => {
    const response = await client.post(path, body);
    result.statuses[response.status] = (result.statuses[response.status] ?? 0) + 1;
    if (response.status !== 201 && !REFUSALS.has(response.status)) {
      throw new Error(`${client.userId} POST ${path} ${JSON.stringify(body)}: ${response.status} ${JSON.stringify(response.body)}`);
    }
    const position = response.body?.position;
    if (response.status === 201 && typeof position === 'string' && BigInt(position) > result.lastPosition) result.lastPosition = BigInt(position);
    return response;
  };

  const step = (): (() => Promise<unknown>) => {
    const from = clients[between(0, clients.length - 1)]!;
    let to = clients[between(0, clients.length - 1)]!;
    if (to === from) to = clients[(clients.indexOf(from) + 1) % clients.length]!;
    const kind = draw();
    if (kind < 0.2) return () => send(from, '/v1/wallets/me/fundings', { amount: between(1, 50_000), cardId: `card-${from.userId}` });
    if (kind < 0.45) return () => send(from, '/v1/tips', { authorId: to.userId, articleId: `${to.userId}-art-${between(1, 3)}`, amount: between(500, 3_000) });
    if (kind < 0.65) return () => send(from, '/v1/transfers', { toUserId: to.userId, amount: between(1, 5_000) });
    if (kind < 0.8 || open.length === 0) {
      const shares = between(1, 4);
      const body = { amount: between(shares, 5_000), shares, mode: draw() < 0.5 ? 'lucky' : 'equal' };
      return async () => {
        const response = await send(from, '/v1/red-packets', body);
        if (response.status === 201) {
          result.packets.push(response.body.redPacketId);
          open.push(response.body.redPacketId);
        }
      };
    }
    const packet = open[between(0, open.length - 1)]!;
    return async () => {
      const response = await send(to, `/v1/red-packets/${packet}/claims`);
      if (response.status === 410 && open.includes(packet)) open.splice(open.indexOf(packet), 1);
    };
  };

  const concurrency = options.concurrency ?? 4;
  for (let done = 0; done < options.steps; done += concurrency) {
    const burst = Array.from({ length: Math.min(concurrency, options.steps - done) }, step);
    await Promise.all(burst.map((run) => run()));
  }
  return result;
};
