import * as contracts from '@zan/contracts';
import type { StoredEvent } from '@zan/contracts';
import { decodeEvent, encodeEvent, HEADER, UndecodableMessageError, type EncodedMessage } from './cloud-events';

// upcast is wrapped (still the real one by default) so a test can show decode runs it.
jest.mock('@zan/contracts', () => {
  const actual = jest.requireActual('@zan/contracts');
  return { ...actual, upcast: jest.fn(actual.upcast) };
});
const upcast = contracts.upcast as jest.MockedFunction<typeof contracts.upcast>;

const tipPraised: StoredEvent = {
  id: '6f1c1f0e-8a43-4c3e-9d55-0c3f2b7a9e11',
  type: 'TipPraised',
  version: 1,
  streamId: 'wallet-reader-1',
  revision: 7,
  position: 9007199254740993n, // beyond 2^53: positions must never pass through a JS number
  occurredAt: '2026-11-25T10:11:12.345Z',
  data: { tipId: 't-1', readerId: 'reader-1', authorId: 'author-1', articleId: 'a-1', amount: 500, message: '赞!' },
  metadata: { correlationId: 'corr-1', causationId: 'cmd-1', userId: 'reader-1', idempotencyKey: 'key-1', traceId: 'abc' },
};

const redPacketClaimed: StoredEvent = {
  ...tipPraised,
  id: '0b0e3a4c-2c55-4d39-b2f1-6a3f7e1c2d99',
  type: 'RedPacketClaimed',
  streamId: 'red-packet-rp-1',
  revision: 0,
  position: 12n,
  data: { redPacketId: 'rp-1', senderId: 's', userId: 'u', amount: 3, remainingAmount: 7, remainingShares: 1 },
  metadata: { correlationId: 'c', causationId: 'c', userId: 'u' },
};

const asMessage = (record: ReturnType<typeof encodeEvent>): EncodedMessage => ({
  key: record.key,
  headers: { ...record.headers },
  value: record.value,
});

const decodeError = (message: EncodedMessage): UndecodableMessageError => {
  try {
    decodeEvent(message);
  } catch (error) {
    expect(error).toBeInstanceOf(UndecodableMessageError);
    return error as UndecodableMessageError;
  }
  throw new Error('decodeEvent accepted a malformed message');
};

describe('CloudEvents mapping (CONTRACT.md, "Kafka")', () => {
  it('puts an event on <prefix>.<stream category>, keyed by its stream, with every header of the contract', () => {
    const record = encodeEvent(tipPraised, 9007199254740990n, 'zan');

    // v1 put TipPraised on zan.tip, splitting a wallet's history over three topics (CHANGED in v1.1).
    expect(record.topic).toBe('zan.wallet');
    expect(record.key).toBe('wallet-reader-1');
    expect(record.headers).toEqual({
      ce_specversion: '1.0',
      ce_id: '6f1c1f0e-8a43-4c3e-9d55-0c3f2b7a9e11',
      ce_type: 'zan.TipPraised.v1',
      ce_source: 'urn:zan:wallet',
      ce_subject: 'wallet-reader-1',
      ce_time: '2026-11-25T10:11:12.345Z',
      'content-type': 'application/json',
      ce_sequence: '7', // the stream revision, as zan_revision
      ce_zanposition: '9007199254740993',
      ce_correlationid: 'corr-1',
      ce_causationid: 'cmd-1',
      zan_position: '9007199254740993',
      zan_revision: '7',
      zan_prev_position: '9007199254740990',
      zan_metadata: '{"correlationId":"corr-1","causationId":"cmd-1","userId":"reader-1","idempotencyKey":"key-1","traceId":"abc"}',
    });
    expect(JSON.parse(record.value)).toEqual(tipPraised.data);
  });

  it('names topic and source from the stream category', () => {
    const record = encodeEvent(redPacketClaimed, 0n, 'zt.x');
    expect(record.topic).toBe('zt.x.red-packet');
    expect(record.headers.ce_source).toBe('urn:zan:red-packet');
    expect(record.headers.ce_type).toBe('zan.RedPacketClaimed.v1');
  });

  it('puts every event of a wallet stream on the wallet topic, whatever its type', () => {
    const onWallet = ['TipPraised', 'TipReceived', 'RedPacketSent', 'RedPacketShareReceived', 'RedPacketRefunded', 'FundsTransferred'];
    for (const type of onWallet) expect(encodeEvent({ ...tipPraised, type }, 0n, 'zan').topic).toBe('zan.wallet');
  });

  it('catalogues every event type under the category of the stream that holds it: a topic is a stream category', () => {
    for (const category of contracts.EVENT_CATEGORIES) expect(contracts.STREAM_CATEGORIES).toContain(category);
  });

  it('sends an event type it does not know to its stream category', () => {
    const record = encodeEvent({ ...redPacketClaimed, type: 'RedPacketDecorated' }, 0n, 'zan');
    expect(record.topic).toBe('zan.red-packet');
  });

  it('decodes what it encodes, exactly', () => {
    for (const [event, prev] of [
      [tipPraised, 9007199254740990n],
      [redPacketClaimed, 0n],
    ] as const) {
      expect(decodeEvent(asMessage(encodeEvent(event, prev, 'zan')))).toEqual({ event, prevPosition: prev });
    }
  });

  it('upcasts the stored payload on decode', () => {
    upcast.mockReturnValueOnce({ version: 2, data: { upgraded: true } });
    const decoded = decodeEvent(asMessage(encodeEvent(tipPraised, 1n, 'zan')));
    expect(upcast).toHaveBeenLastCalledWith('TipPraised', 1, tipPraised.data);
    expect(decoded.event).toMatchObject({ version: 2, data: { upgraded: true } });
  });

  it('reads a WalletFunded v1 message, as published before v2, as v2 (the real upcaster)', () => {
    const v1: EncodedMessage = {
      key: 'wallet-alice',
      headers: {
        ce_specversion: '1.0',
        ce_id: '0d9f3c1e-7a43-4c3e-9d55-0c3f2b7a9e11',
        ce_type: 'zan.WalletFunded.v1',
        ce_source: 'urn:zan:wallet',
        ce_subject: 'wallet-alice',
        ce_time: '2025-06-01T10:00:00.000Z',
        'content-type': 'application/json',
        zan_position: '74800000',
        zan_revision: '2',
        zan_prev_position: '74700000',
        zan_metadata: JSON.stringify({ correlationId: 'c', causationId: 'c', userId: 'alice' }),
      },
      value: JSON.stringify({ userId: 'alice', fundingId: 'f-1', cardId: 'icbc-6222', amount: 50_000 }),
    };
    const { event } = decodeEvent(v1);
    expect(event).toMatchObject({
      type: 'WalletFunded',
      version: 2,
      data: { userId: 'alice', fundingId: 'f-1', amount: 50_000, source: { kind: 'card', cardId: 'icbc-6222' } },
    });
    expect(event.data).not.toHaveProperty('cardId');
    // Published again today, it is a v2 message.
    expect(encodeEvent(event, 74_700_000n, 'zan').headers.ce_type).toBe('zan.WalletFunded.v2');
  });

  it('passes an event type it does not know through as it is', () => {
    const unknown = { ...tipPraised, type: 'TipFramed', version: 3 };
    expect(decodeEvent(asMessage(encodeEvent(unknown, 1n, 'zan'))).event).toEqual(unknown);
  });

  it('refuses to encode a prevPosition that is not below the position', () => {
    expect(() => encodeEvent(redPacketClaimed, 12n, 'zan')).toThrow(RangeError);
    expect(() => encodeEvent(redPacketClaimed, -1n, 'zan')).toThrow(RangeError);
  });

  describe('rejects a malformed message with UndecodableMessageError', () => {
    const valid = (): EncodedMessage => asMessage(encodeEvent(tipPraised, 5n, 'zan'));
    const withHeader = (name: string, value: string | undefined): EncodedMessage => {
      const message = valid();
      message.headers[name] = value;
      return message;
    };

    // A v1 message has no ce_sequence, ce_zanposition, ce_correlationid, ce_causationid: see below.
    const V1_1_ONLY: string[] = [HEADER.sequence, HEADER.zanPosition, HEADER.correlationId, HEADER.causationId];
    const V2_DROPS: string[] = [HEADER.position, HEADER.revision];
    it.each(Object.values(HEADER).filter((h) => !V1_1_ONLY.includes(h) && !V2_DROPS.includes(h)))('missing %s', (name) => {
      expect(decodeError(withHeader(name, undefined)).header).toBe(name);
      expect(decodeError(withHeader(name, '')).header).toBe(name);
    });

    it.each([...V1_1_ONLY, ...V2_DROPS])('empty %s', (name) => {
      expect(decodeError(withHeader(name, '')).header).toBe(name);
    });

    it.each([
      [HEADER.sequence, '8', HEADER.revision],
      [HEADER.revision, '8', HEADER.revision],
      [HEADER.zanPosition, '9007199254740994', HEADER.position],
      [HEADER.position, '9007199254740994', HEADER.position],
      [HEADER.correlationId, 'corr-2', HEADER.correlationId],
      [HEADER.causationId, 'cmd-2', HEADER.causationId],
    ])('%s = %s disagreeing with its twin (named: %s)', (name, value, named) => {
      expect(decodeError(withHeader(name, value)).header).toBe(named);
    });

    it.each([
      [HEADER.specVersion, '0.3'],
      [HEADER.type, 'TipPraised'],
      [HEADER.type, 'zan.TipPraised'],
      [HEADER.type, 'zan.TipPraised.v0'],
      [HEADER.type, 'com.example.TipPraised.v1'],
      [HEADER.time, 'yesterday'],
      [HEADER.time, '2026-11-25'],
      [HEADER.contentType, 'text/plain'],
      [HEADER.position, '-1'],
      [HEADER.position, '0'],
      [HEADER.position, '12.5'],
      [HEADER.position, '0x10'],
      [HEADER.revision, '-1'],
      [HEADER.revision, '1e3'],
      [HEADER.revision, '99999999999999999'],
      [HEADER.sequence, '-1'],
      [HEADER.sequence, '07'],
      [HEADER.sequence, '99999999999999999'],
      [HEADER.zanPosition, '0'],
      [HEADER.prevPosition, 'abc'],
      [HEADER.prevPosition, '9007199254740993'],
      [HEADER.metadata, '{not json'],
      [HEADER.metadata, '[]'],
      [HEADER.metadata, '{"causationId":"c","userId":"u"}'],
      [HEADER.metadata, '{"correlationId":"c","causationId":"c","userId":7}'],
      [HEADER.metadata, '{"correlationId":"c","causationId":"c","userId":"u","idempotencyKey":1}'],
    ])('%s = %s', (name, value) => {
      expect(decodeError(withHeader(name, value)).header).toBe(name);
    });

    it('reads a v1 message (zan_position and zan_revision only) and a v2 one (the extension attributes only)', () => {
      const v1 = valid();
      for (const name of [HEADER.sequence, HEADER.zanPosition, HEADER.correlationId, HEADER.causationId]) delete v1.headers[name];
      expect(decodeEvent(v1).event).toEqual(tipPraised);
      const v2 = valid();
      for (const name of [HEADER.position, HEADER.revision]) delete v2.headers[name];
      expect(decodeEvent(v2).event).toEqual(tipPraised);
    });

    it('accepts content-type parameters', () => {
      expect(() => decodeEvent(withHeader(HEADER.contentType, 'application/json; charset=utf-8'))).not.toThrow();
    });

    it('a version newer than this code knows', () => {
      const error = decodeError(withHeader(HEADER.type, 'zan.TipPraised.v2'));
      expect(error.header).toBe(HEADER.type);
      expect(error.message).toMatch(/newer/);
    });

    it('a version that cannot be upcast', () => {
      upcast.mockImplementationOnce(() => {
        throw new Error('no upcaster for TipPraised v1');
      });
      expect(decodeError(valid()).message).toMatch(/cannot upcast/);
    });

    it('a value that is not JSON, not an object, or absent', () => {
      for (const value of ['{"tipId":', 'not json', '[1,2]', 'null', '"text"', null]) {
        expect(decodeError({ ...valid(), value }).message).toMatch(/value/);
      }
    });

    it('a key that is not the stream id', () => {
      expect(decodeError({ ...valid(), key: 'wallet-someone-else' }).message).toMatch(/key/);
      expect(decodeError({ ...valid(), key: null }).message).toMatch(/key/);
    });
  });
});
