import { runInNewContext } from 'node:vm';
import { BadRequestException, HttpException, NotFoundException } from '@nestjs/common';
import { KurrentDBClient, jsonEvent } from '@kurrent/kurrentdb-client';
import { EventStoreDbEventStore } from '@zan/event-store';
import { InvalidCommand, WalletAlreadyOpen } from '@zan/domain';
import { PROBLEM_CATALOG } from './openapi';
import { toProblem } from './problem.filter';

/** Header names and acronyms keep their case inside a sentence-case title. */
const NAMES = new Set(['Idempotency-Key', 'JSON']);
const sentenceCase = (title: string): boolean =>
  title.split(' ').every((word, i) => NAMES.has(word) || word === (i === 0 ? word[0]!.toUpperCase() + word.slice(1).toLowerCase() : word.toLowerCase()));

describe('problem titles', () => {
  it('are in sentence case for every problem type Zan answers', () => {
    const titles = Object.values(PROBLEM_CATALOG).map((p) => p.title);
    expect(titles.filter((title) => !sentenceCase(title))).toEqual([]);
    expect(titles).toContain('Not found');
  });

  it.each([
    ['an unknown route', new NotFoundException('Cannot GET /nope'), 404, 'not-found', 'Not found'],
    ['a body that is not JSON', new BadRequestException("Expected property name or '}' in JSON at position 1"), 400, 'bad-request', 'Bad request'],
    ["a body over the limit, as Nest maps Fastify's error", new HttpException('Request body is too large', 413), 413, 'payload-too-large', 'Payload too large'],
    [
      'an error that says it may be shown, with its status',
      Object.assign(new Error('request entity too large'), { status: 413, expose: true, type: 'entity.too.large' }),
      413,
      'payload-too-large',
      'Payload too large',
    ],
    ['a domain refusal', new WalletAlreadyOpen('bob already has an individual wallet'), 409, 'wallet-already-open', 'Wallet already open'],
  ])('titles %s like the document does', (_case, error, status, code, title) => {
    const { problem } = toProblem(error);
    expect(problem).toMatchObject({ status, type: `https://zan.dev/problems/${code}`, title });
    expect(PROBLEM_CATALOG[code]).toEqual({ status, title });
  });

  it('names an unknown route by its path, never its query (a token sent there is not said back)', () => {
    expect(toProblem(new NotFoundException('Cannot GET /v1/nope?access_token=SECRET123&x=1')).problem.detail).toBe('Cannot GET /v1/nope');
    expect(toProblem(new NotFoundException('Cannot POST /v1/nope')).problem.detail).toBe('Cannot POST /v1/nope');
  });
});

describe('a backing service out of reach', () => {
  it.each([
    [
      'ioredis giving up on a command',
      Object.assign(new Error('Reached the max retries per request limit (which is 2).'), { name: 'MaxRetriesPerRequestError' }),
    ],
    ['ioredis with its connection closed', new Error('Connection is closed.')],
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' })],
    // As Node's own errors reach a spec's sandbox: made in another realm, no instance of this one's Error.
    ['a refused connection, its error from another realm', runInNewContext("Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })")],
    ['a PostgreSQL backend terminated', Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' })],
    ['a PostgreSQL connection lost', new Error('Connection terminated unexpectedly')],
    ['a PostgreSQL connection exception', Object.assign(new Error('connection failure'), { code: '08006' })],
    ['PostgreSQL at its connection limit', Object.assign(new Error('sorry, too many clients already'), { code: '53300' })],
    ['a PostgreSQL role at its connection limit', Object.assign(new Error('too many connections for role "zan"'), { code: '53300' })],
    ['PostgreSQL out of memory', Object.assign(new Error('out of memory'), { code: '53200' })],
    ["a statement cancelled by the server's statement_timeout", Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' })],
    ['a lock not granted within lock_timeout', Object.assign(new Error('canceling statement due to lock timeout'), { code: '55P03' })],
    ['a Redis Cluster with no node answering', Object.assign(new Error('Failed to refresh slots cache.'), { name: 'ClusterAllFailedError' })],
    ['a Redis Cluster slot whose primary is being replaced', new Error('CLUSTERDOWN The cluster is down')],
  ])('is a 503 unavailable with Retry-After: %s', (_case, error) => {
    const { problem, headers } = toProblem(error);
    expect(problem).toMatchObject({ status: 503, type: 'https://zan.dev/problems/unavailable', title: 'Service unavailable' });
    expect(headers).toEqual({ 'Retry-After': '1' });
  });

  describe('an EventStoreDB that cannot be reached (nothing listens on port 1)', () => {
    // The client's own errors, as it throws them: no server is faked, the connection is refused.
    let client: KurrentDBClient;
    const failure = (promise: Promise<unknown>): Promise<unknown> =>
      promise.then(
        () => {
          throw new Error('expected a failure');
        },
        (error: unknown) => error,
      );
    const opened = {
      id: '3f2b1a00-0000-4000-8000-000000000001',
      type: 'WalletOpened',
      data: { userId: 'u1', kind: 'individual' },
      metadata: { correlationId: 'c-1', causationId: 'c-1', userId: 'u1' },
      occurredAt: '2026-01-01T00:00:00.000Z',
    };
    const drain = async (reading: AsyncIterable<unknown>): Promise<void> => {
      for await (const _ of reading);
    };

    beforeAll(() => {
      client = KurrentDBClient.connectionString('kurrentdb://127.0.0.1:1?tls=false');
    });
    afterAll(() => client.dispose());

    it.each([
      [
        'an append (grpc-js 14 UNAVAILABLE)',
        () => failure(client.appendToStream('wallet-u1', jsonEvent({ type: 'T', data: {} }), { streamState: 'no_stream' })),
      ],
      ['a stream read (UnavailableError)', () => failure(drain(client.readStream('wallet-u1')))],
      ['a read of $all (UnavailableError)', () => failure(drain(client.readAll({ maxCount: 1 })))],
      ["the adapter's append, as the api calls it", () => failure(new EventStoreDbEventStore(client).append('wallet-u1', [opened], 'no_stream'))],
    ])('is a 503 unavailable with Retry-After: %s', async (_case, fail) => {
      const { problem, headers } = toProblem(await fail());
      expect(problem).toMatchObject({ status: 503, type: 'https://zan.dev/problems/unavailable' });
      expect(headers).toEqual({ 'Retry-After': '1' });
    });
  });

  it('leaves any other failure an internal error', () => {
    expect(toProblem(new Error('boom')).problem).toMatchObject({ status: 500, type: 'https://zan.dev/problems/internal' });
    // A constraint or a syntax error is not an outage.
    expect(toProblem(Object.assign(new Error('duplicate key'), { code: '23505' })).problem).toMatchObject({ status: 500 });
  });
});

describe('a malformed command the domain refuses', () => {
  // "errors: [{ field, message }] for validation": an order whose total passes 2^53 - 1 fen was a 400 without them.
  it.each([
    ['quantity x price is too large', 'quantity'],
    ['stars must be between 1 and 5', 'stars'],
    ['packet.mode must be lucky or equal', 'packet.mode'],
    ['expiresInSeconds applies to dynamic codes only (give an amount)', 'expiresInSeconds'],
    ['no product p1 to release units of', 'body'],
  ])('%s: a validation problem naming %s', (message, field) => {
    const { problem } = toProblem(new InvalidCommand(message));
    expect(problem).toMatchObject({ status: 400, errors: [{ field, message }] });
  });
});
