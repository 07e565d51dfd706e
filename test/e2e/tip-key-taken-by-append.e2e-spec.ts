import type { INestApplication } from '@nestjs/common';
import { walletStream } from '@zan/contracts';
import { EVENT_STORE, SQL_CLIENT, type EventStore, type SqlClient } from '@zan/event-store';
import { ManualClock, loadConfig } from '@zan/platform';
import { createZanApp } from '../../apps/zan/src/zan.app';
import { holdFirstAppend, twoApiReplicas } from '../support/api-replicas';
import { clientFor, fundedUser, publishArticle } from '../support/http-client';
import { dropIsolated, fullStackEnv } from '../support/stacks';

/**
 * A tip's Idempotency-Key is taken by the append that stores the tip (`claimedByAppend`), not by a
 * write before the command: no round trip of its own. Two api replicas on one PostgreSQL store, the
 * tip held on its way to the append on replica A: every way two requests of one key can meet must
 * still give one effect, and every request the answer of that effect or a 409.
 */
describe('a tip whose key its append takes', () => {
  const replicas = twoApiReplicas('tipkey');

  const recordOf = async (userId: string, key: string) => {
    const sql = replicas.a.get<SqlClient>(SQL_CLIENT);
    const { rows } = await sql.query<{ state: string }>(`SELECT state FROM "${replicas.env.ZAN_PG_SCHEMA}".idempotency WHERE scope = $1 AND key = $2`, [
      userId,
      key,
    ]);
    return rows[0]?.state;
  };
  const tipsOf = async (userId: string) =>
    (await replicas.a.get<EventStore>(EVENT_STORE).readStream(walletStream(userId))).filter((event) => event.type === 'TipPraised');
  const setUp = async (name: string, funds = 10_000) => {
    await fundedUser(replicas.a, `${name}-author`, 0);
    await fundedUser(replicas.a, `${name}-reader`, funds);
    await publishArticle(replicas.a, `${name}-author`, `${name}-post`);
    return { authorId: `${name}-author`, articleId: `${name}-post`, reader: `${name}-reader` };
  };

  /**
   * A tip of 500 fen by `reader` under `key` on replica A, held right before its append while
   * `meanwhile` runs (on replica B); then released. Answers A's answer and what `meanwhile` gave.
   */
  const heldWhile = async <T>(tip: { authorId: string; articleId: string; reader: string }, key: string, meanwhile: () => Promise<T>) => {
    const held = holdFirstAppend(replicas.a, walletStream(tip.reader));
    const first = clientFor(replicas.a, tip.reader)
      .post('/v1/tips', { authorId: tip.authorId, articleId: tip.articleId, amount: 500 }, key)
      .then((answer) => answer);
    await held.reached;
    try {
      return { during: await meanwhile(), answer: await (held.release(), first) };
    } finally {
      held.release();
      held.restore();
    }
  };
  const tipOnB = (tip: { authorId: string; articleId: string; reader: string }, key: string, amount = 500) =>
    clientFor(replicas.b, tip.reader)
      .post('/v1/tips', { authorId: tip.authorId, articleId: tip.articleId, amount }, key)
      .then((answer) => answer);

  it('writes no record before the append, and the record with the tip', async () => {
    const tip = await setUp('tk1');
    const { during: before, answer } = await heldWhile(tip, 'tk1-key', () => recordOf(tip.reader, 'tk1-key'));
    expect(before).toBeUndefined();
    expect(answer.status).toBe(201);
    expect(await recordOf(tip.reader, 'tk1-key')).toBeDefined();
    const replay = await tipOnB(tip, 'tk1-key');
    expect(replay.status).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.text).toBe(answer.text);
    expect(await tipsOf(tip.reader)).toHaveLength(1);
  });

  it('answers a twin on another replica, stored first, and the held request the same 201: one tip', async () => {
    const tip = await setUp('tk2');
    const { during: twin, answer } = await heldWhile(tip, 'tk2-key', () => tipOnB(tip, 'tk2-key'));
    expect([twin.status, answer.status]).toEqual([201, 201]);
    expect(answer.text).toBe(twin.text);
    expect(await tipsOf(tip.reader)).toHaveLength(1);
  });

  it('answers 409 to the held request when another request under its key was stored first: one tip', async () => {
    const tip = await setUp('tk3');
    const { during: other, answer } = await heldWhile(tip, 'tk3-key', () => tipOnB(tip, 'tk3-key', 700));
    expect(other.status).toBe(201);
    expect({ status: answer.status, type: answer.body.type }).toEqual({ status: 409, type: expect.stringMatching(/idempotency-key-reused$/) });
    expect((await tipsOf(tip.reader)).map((event) => (event.data as { amount: number }).amount)).toEqual([700]);
  });

  it('answers copies sent at once to one replica, with funds for one tip, the same 201: one tip', async () => {
    const tip = await setUp('tk6', 500);
    const client = clientFor(replicas.a, tip.reader);
    const copies = await Promise.all(
      Array.from({ length: 6 }, () =>
        client.post('/v1/tips', { authorId: tip.authorId, articleId: tip.articleId, amount: 500 }, 'tk6-key').then((answer) => answer),
      ),
    );
    expect(copies.map((copy) => copy.status)).toEqual([201, 201, 201, 201, 201, 201]);
    expect(new Set(copies.map((copy) => copy.text)).size).toBe(1);
    const replay = await tipOnB(tip, 'tk6-key');
    expect(replay.status).toBe(201);
    expect(replay.text).toBe(copies[0]!.text);
    expect(await tipsOf(tip.reader)).toHaveLength(1);
  });

  it('answers a retry after a lost answer with the stored tip at once', async () => {
    const { authorId, articleId, reader } = await setUp('tk4');
    const store = replicas.a.get<EventStore>(EVENT_STORE);
    const append = store.append.bind(store);
    store.append = async (...args) => {
      store.append = append;
      await append(...args);
      throw new Error('Connection terminated unexpectedly'); // committed; the answer never came back
    };
    const client = clientFor(replicas.a, reader);
    await client.post('/v1/tips', { authorId, articleId, amount: 500 }, 'tk4-key').expect(503);
    const retry = await client.post('/v1/tips', { authorId, articleId, amount: 500 }, 'tk4-key').expect(201);
    const [stored] = await tipsOf(reader);
    expect(retry.body).toEqual({ tipId: (stored!.data as { tipId: string }).tipId, balance: 9_500, position: stored!.position.toString() });
    expect(await tipsOf(reader)).toHaveLength(1);
  });

  it('keeps a refusal as the key answer, and refuses the key with another body 409', async () => {
    const { authorId, articleId, reader } = await setUp('tk5', 300);
    const client = clientFor(replicas.a, reader);
    const refused = await client.post('/v1/tips', { authorId, articleId, amount: 500 }, 'tk5-key').expect(422);
    await client.post('/v1/wallets/me/fundings', { amount: 1_000, cardId: `card-${reader}` }).expect(201);
    const again = await clientFor(replicas.b, reader).post('/v1/tips', { authorId, articleId, amount: 500 }, 'tk5-key').expect(422);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.text).toBe(refused.text);
    await client.post('/v1/tips', { authorId, articleId, amount: 600 }, 'tk5-key').expect(409);
    expect(await tipsOf(reader)).toEqual([]);
  });
});

// A stopped clock: every request is at the same instant, as copies of one request within a millisecond
// are. Each copy's claim still holds its own lease, or the refusal of a later copy (no funds left after
// the first's tip) would be stored over the first's record as the key's answer.
describe('copies of a tip at the same instant, with funds for one', () => {
  const { KAFKA_BROKERS: _kafka, ...env } = fullStackEnv('tipkeyclock');
  let app: INestApplication;

  beforeAll(async () => {
    const clock = new ManualClock(new Date('2026-03-01T10:00:00Z'));
    app = await createZanApp({ config: loadConfig({ ...env, ZAN_RATE_LIMIT_PER_MINUTE: '0' }), roles: ['api'], clock, logger: ['error', 'fatal'] });
    await app.init();
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await dropIsolated(env);
  }, 60_000);

  it('answer the one tip 201, and so does every replay after', async () => {
    await fundedUser(app, 'tk7-author', 0);
    await fundedUser(app, 'tk7-reader', 500);
    await publishArticle(app, 'tk7-author', 'tk7-post');
    const client = clientFor(app, 'tk7-reader');
    const body = { authorId: 'tk7-author', articleId: 'tk7-post', amount: 500 };
    const copies = await Promise.all(Array.from({ length: 12 }, () => client.post('/v1/tips', body, 'tk7-key').then((answer) => answer)));
    expect(copies.map((copy) => copy.status)).toEqual(copies.map(() => 201));
    for (let i = 0; i < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 30)); // the first's record completed meanwhile
      const replay = await client.post('/v1/tips', body, 'tk7-key');
      expect({ status: replay.status, text: replay.text }).toEqual({ status: 201, text: copies[0]!.text });
    }
    const tips = (await app.get<EventStore>(EVENT_STORE).readStream(walletStream('tk7-reader'))).filter((event) => event.type === 'TipPraised');
    expect(tips).toHaveLength(1);
  });
});
