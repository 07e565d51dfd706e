import type { RecordedEvent } from '@kurrent/kurrentdb-client';
import { actualRevisionOf, fromRecorded, normaliseConnectionString, toEventData, toLogPosition, toStreamState } from './records';

const metadata = { correlationId: 'c-1', causationId: 'k-1', userId: '用户-1', idempotencyKey: 'key 🔑' };

/** What the client hands back for a JSON event written by toEventData (it parses data and metadata). */
const recorded = (overrides: Partial<Record<string, unknown>> = {}): RecordedEvent =>
  ({
    streamId: 'wallet-u1',
    id: '6F1C1F0E-8A43-4C3E-9D55-0C3F2B7A9E11',
    revision: 7n,
    type: 'TipPraised',
    isJson: true,
    created: new Date('2026-01-01T00:00:00.000Z'),
    data: { tipId: 't', amount: 500, message: '赞!' },
    metadata: { zan: { version: 1, occurredAt: '2025-12-31T16:00:00.000Z', appendId: 'a-1' }, metadata },
    position: { commit: 9_007_199_254_740_993n, prepare: 9_007_199_254_740_993n },
    ...overrides,
  }) as unknown as RecordedEvent;

describe('EventStoreDB records', () => {
  it("writes Zan's envelope into the event metadata, with the server's correlation fields", () => {
    const data = toEventData(
      { id: 'AB9F0000-0000-4000-8000-000000000001', type: 'TipPraised', data: { amount: 500 }, metadata, occurredAt: '2026-01-01T08:00:00+08:00' },
      'append-1',
    );
    expect(data).toEqual({
      id: 'ab9f0000-0000-4000-8000-000000000001',
      contentType: 'application/json',
      type: 'TipPraised',
      data: { amount: 500 },
      metadata: {
        zan: { version: 1, occurredAt: '2026-01-01T00:00:00.000Z', appendId: 'append-1' },
        metadata,
        $correlationId: 'c-1',
        $causationId: 'k-1',
      },
    });
    expect(
      (
        toEventData({ id: 'ab9f0000-0000-4000-8000-000000000001', type: 'WalletFunded', data: {}, metadata, occurredAt: '2026-01-01T00:00:00Z' }, 'a')
          .metadata as { zan: { version: number } }
      ).zan.version,
    ).toBe(2);
  });

  it('reads a record back as a StoredEvent: commit position, bigint revision as a number, lower-case id', () => {
    const { event, appendId } = fromRecorded(recorded());
    expect(appendId).toBe('a-1');
    expect(event).toEqual({
      id: '6f1c1f0e-8a43-4c3e-9d55-0c3f2b7a9e11',
      type: 'TipPraised',
      version: 1,
      streamId: 'wallet-u1',
      revision: 7,
      position: 9_007_199_254_740_993n,
      occurredAt: '2025-12-31T16:00:00.000Z',
      data: { tipId: 't', amount: 500, message: '赞!' },
      metadata,
    });
  });

  it('upcasts a stored v1 payload to the current version', () => {
    const { event } = fromRecorded(recorded({ type: 'WalletFunded', data: { userId: 'u1', fundingId: 'f', cardId: 'icbc', amount: 9 } }));
    expect(event).toMatchObject({ version: 2, data: { userId: 'u1', fundingId: 'f', amount: 9, source: { kind: 'card', cardId: 'icbc' } } });
  });

  it('reads an event Zan did not write as version 1 at its server time', () => {
    const { event, appendId } = fromRecorded(recorded({ metadata: undefined }));
    expect(appendId).toBeUndefined();
    expect(event).toMatchObject({ version: 1, occurredAt: '2026-01-01T00:00:00.000Z', metadata: {} });
  });

  it('refuses a record without a position (servers before 22.6 leave it out of stream reads)', () => {
    expect(() => fromRecorded(recorded({ position: undefined }))).toThrow(/22\.6/);
  });

  it('maps expected revisions to stream states and reported revisions back', () => {
    expect([toStreamState('no_stream'), toStreamState(-1), toStreamState('stream_exists'), toStreamState('any'), toStreamState(4)]).toEqual([
      'no_stream',
      'no_stream',
      'stream_exists',
      'any',
      4n,
    ]);
    expect([actualRevisionOf('no_stream'), actualRevisionOf(3n), actualRevisionOf(-5n), actualRevisionOf(undefined)]).toEqual([
      'no_stream',
      3,
      'no_stream',
      'unknown',
    ]);
    expect(toLogPosition(42n)).toEqual({ commit: 42n, prepare: 42n });
  });

  it('rewrites the deprecated esdb:// scheme to kurrentdb://, keeping the rest', () => {
    expect(normaliseConnectionString('esdb://admin:changeit@es:2113?tls=false')).toBe('kurrentdb://admin:changeit@es:2113?tls=false');
    expect(normaliseConnectionString('esdb+discover://es:2113')).toBe('kurrentdb+discover://es:2113');
    expect(normaliseConnectionString('kurrentdb://es:2113?tls=false')).toBe('kurrentdb://es:2113?tls=false');
  });
});
