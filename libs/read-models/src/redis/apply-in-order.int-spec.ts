import Redis from 'ioredis';
import type { StoredEvent } from '@zan/contracts';
import { isolation, testServers } from '../../../../test/support/isolation';
import { projectAll } from '../projection';
import { createProjections } from '../projections';
import type { Applied } from '../read-model-store.port';
import { applyOrSkip } from '../rebuild/rebuild';
import { Workload, seededRandom } from '../testing/workload';
import { GenerationFold } from './generation-fold';
import { RedisReadModelStore } from './redis-read-model-store';

jest.setTimeout(60_000);

const { redisPrefix } = isolation('inorder');
const { redisUrl } = testServers();
let admin: Redis;
const opened: RedisReadModelStore[] = [];

/** A store with short feeds, so trimming happens all the time. */
const newStore = (name: string) => {
  const store = new RedisReadModelStore({ redis: admin, prefix: `${redisPrefix}${name}:`, feedLength: 4 });
  opened.push(store);
  return store;
};

/**
 * A realistic mixed history: many wallets and authors, fundings, tips on several articles,
 * transfers, red packets claimed, exhausted or expired and refunded, withdrawals, and a few events
 * no projection can apply, interleaved as commands would come.
 */
const history = (size: number, seed: number, userCount = 40): { deliveries: Applied[]; poison: Set<string> } => {
  const random = seededRandom(seed);
  const users = Array.from({ length: userCount }, (_, i) => `u${i}`);
  const pick = () => users[Math.floor(random() * users.length)]!;
  const w = new Workload();
  users.forEach((u) =>
    w
      .open(u, random() < 0.1 ? 'business' : 'individual')
      .linkCard(u)
      .fund(u, 1_000_000),
  );
  for (let k = 0; k < 7; k++) w.publish(users[k]!, `article-${k}`);
  const likes = new Set<string>();
  const open: string[] = [];
  const poison = new Set<string>();
  for (let i = 0; w.events.length < size; i++) {
    const [a, b] = [pick(), pick()];
    const roll = random();
    if (roll < 0.4 && a !== b) w.tip(a, b, `article-${i % 7}`, 1 + Math.floor(random() * 5000));
    else if (roll < 0.6 && a !== b) w.transfer(a, b, 1 + Math.floor(random() * 3000));
    else if (roll < 0.7) {
      w.sendRedPacket(a, `rp-${i}`, 1000, 2 + Math.floor(random() * 4), random() < 0.5 ? '恭喜发财' : undefined);
      open.push(`rp-${i}`);
    } else if (roll < 0.85 && open.length > 0) {
      const packet = open[Math.floor(random() * open.length)]!;
      w.claim(packet, b, 1 + Math.floor(random() * 300));
      if (!w.canClaim(packet)) open.splice(open.indexOf(packet), 1);
    } else if (roll < 0.9 && open.length > 0) {
      const packet = open.shift()!;
      w.expire(packet);
    } else if (roll < 0.95) w.fund(a, 100 + i);
    else if (roll < 0.97) w.withdraw(a, 1 + (i % 50));
    else if (roll < 0.99) {
      // Likes come and go: a like's member stays in the praisers set, its standing in article-likes.
      const article = `article-${i % 7}`;
      if (likes.delete(`${article}/${a}`)) w.unlike(article, a);
      else {
        w.like(article, a);
        likes.add(`${article}/${a}`);
      }
    } else {
      w.fund(a, 10);
      const event = w.events[w.events.length - 1]!;
      (event.data as { amount: number }).amount = 0.5; // no projection can count half a fen
      poison.add(event.id);
    }
  }
  return { deliveries: w.deliveries(), poison };
};

/** Every key of a generation with its whole content, by logical name. */
const dump = async (store: RedisReadModelStore, generation: string) => {
  const base = `${store.prefix}${generation}:`;
  const names = (await admin.keys(`${base}*`)).sort();
  const out: Record<string, unknown> = {};
  for (const name of names) {
    const type = await admin.type(name);
    const logical = name.slice(base.length);
    if (type === 'hash') out[logical] = await admin.hgetall(name);
    else if (type === 'zset') out[logical] = await admin.zrange(name, 0, -1, 'WITHSCORES');
    else if (type === 'string') out[logical] = await admin.get(name);
    else out[logical] = `unexpected ${type}`;
  }
  return out;
};

beforeAll(() => {
  admin = new Redis(redisUrl);
});

afterAll(async () => {
  for (const store of opened) await store.clear();
  const left = await admin.keys(`${redisPrefix}*`);
  await admin.quit();
  expect(left).toEqual([]);
});

describe('GenerationBuild.applyInOrder', () => {
  it('leaves exactly what applying the events one by one leaves, key for key, on a realistic mixed history', async () => {
    const { deliveries, poison } = history(4000, 7);
    expect(poison.size).toBeGreaterThan(3);

    const reference = newStore('one-by-one');
    const slow = await reference.beginRebuild();
    const skippedSlowly: string[] = [];
    for (const delivery of deliveries) await applyOrSkip(slow, [delivery], (event) => skippedSlowly.push(event.id));

    const fast = newStore('in-order');
    const build = await fast.beginRebuild();
    const skippedFast: string[] = [];
    // Batches of every size, so they cut streams, packets and feeds anywhere.
    const random = seededRandom(11);
    const writes: Promise<number>[] = [];
    for (let start = 0; start < deliveries.length;) {
      const size = 1 + Math.floor(random() * 600);
      writes.push(build.applyInOrder(deliveries.slice(start, start + size), (event) => skippedFast.push(event.id)));
      start += size;
    }
    expect((await Promise.all(writes)).reduce((a, b) => a + b, 0)).toBe(poison.size);

    expect(skippedFast).toEqual(skippedSlowly);
    expect(new Set(skippedFast)).toEqual(poison);
    const expected = await dump(reference, slow.generation);
    expect(Object.keys(expected).length).toBeGreaterThan(200);
    expect(await dump(fast, build.generation)).toEqual(expected);
    expect(await build.status()).toEqual(await slow.status());
    await build.abort();
    await slow.abort();
  });

  it('splits a batch too big for one script into several, with the same result', async () => {
    const { deliveries } = history(6000, 5, 1000);
    const reference = newStore('big-one-by-one');
    const slow = await reference.beginRebuild();
    await applyOrSkip(slow, deliveries, () => undefined);

    const fast = newStore('big-in-order');
    const build = await fast.beginRebuild();
    const fold = new GenerationFold();
    const projections = createProjections({ feedLength: 4 });
    const changesOf = (event: StoredEvent) => {
      try {
        return projectAll(projections, event);
      } catch {
        return undefined; // a poison event: skipped
      }
    };
    for (const { category, event } of deliveries) expect(fold.addEvent(category, event, changesOf(event))).toBe(true);
    let commands = 0;
    fold.commands({ key: () => 0, command: () => commands++ }, () => true);
    expect(commands).toBeGreaterThan(2000); // two scripts at least
    await build.applyInOrder(deliveries);
    expect(await dump(fast, build.generation)).toEqual(await dump(reference, slow.generation));
    await build.abort();
    await slow.abort();
  });

  it('folds batches into a window written when full and at the flush, with the same result and watermark', async () => {
    const { deliveries, poison } = history(4000, 9, 200);
    const reference = newStore('window-one-by-one');
    const slow = await reference.beginRebuild();
    for (let start = 0; start < deliveries.length; start += 100) await applyOrSkip(slow, deliveries.slice(start, start + 100), () => undefined);

    const fast = newStore('window');
    const build = await fast.beginRebuild();
    const random = seededRandom(13);
    let skipped = 0;
    let start = 0;
    while (start < deliveries.length) {
      const size = 1 + Math.floor(random() * 300);
      // A small window, so it is written many times over, between batches and at the flush.
      skipped += await build.foldInOrder(deliveries.slice(start, start + size), undefined, 500);
      start += size;
      if (start > deliveries.length / 2 && start - size <= deliveries.length / 2) {
        // Mid-way: what is written is behind or at what is folded, never ahead.
        expect(await build.watermark()).toBeLessThanOrEqual(deliveries[start - 1]!.event.position);
      }
    }
    await build.flushInOrder();
    expect(skipped).toBe(poison.size);
    expect(await build.watermark()).toBe(deliveries[deliveries.length - 1]!.event.position);
    expect(await dump(fast, build.generation)).toEqual(await dump(reference, slow.generation));
    expect(await build.status()).toEqual(await slow.status());
    await build.abort();
    await slow.abort();
  });

  it('refuses a batch that does not continue the chain or repeats an event, and any after another write', async () => {
    const { deliveries } = history(50, 3);
    const store = newStore('refusals');
    const build = await store.beginRebuild();
    await expect(build.applyInOrder(deliveries.slice(1, 5))).rejects.toThrow('does not continue the chain');
    await build.applyInOrder(deliveries.slice(0, 10));
    await expect(build.applyInOrder([{ ...deliveries[10]!, event: { ...deliveries[10]!.event, revision: 0 } }])).rejects.toThrow('already applied');
    expect(await build.watermark()).toBe(deliveries[9]!.event.position);
    await build.applyMany(deliveries.slice(10, 20));
    await expect(build.applyInOrder(deliveries.slice(20, 30))).rejects.toThrow('after apply, applyMany or skip');
    await build.abort();
  });

  it('stops with GenerationLost when the lease is gone', async () => {
    const { deliveries } = history(50, 4);
    const store = newStore('lease');
    const build = await store.beginRebuild();
    await admin.del(`${store.prefix}{zan-ctl}rebuild`);
    await expect(build.applyInOrder(deliveries.slice(0, 10))).rejects.toMatchObject({ name: 'GenerationLost' });
    await build.abort();
  });
});
