import { decodeEvent, encodeEvent, InProcessEventBus, type DeliveredEvent, type RawDelivery } from '@zan/messaging';
import { MemoryReadModelStore } from '@zan/read-models';
import { Workload } from '../../../libs/read-models/src/testing/workload';
import { DEAD_LETTER_CATEGORY, DEAD_LETTER_HEADER, DeadLetters, ProjectionHandler, chainLinkOf } from './projection-handler';

const PREFIX = 'zt';

/** The deliveries a consumer would hand over for a workload, one partition, offsets from 0. */
const deliveriesOf = (workload: Workload): DeliveredEvent[] =>
  workload.deliveries().map(({ event, prevPosition, category }, i) => {
    const record = encodeEvent(event, prevPosition, PREFIX);
    const raw: RawDelivery = { topic: record.topic, partition: 0, offset: String(i), key: record.key, headers: record.headers, value: record.value };
    return { ...decodeEvent(raw), category, topic: raw.topic, partition: 0, offset: raw.offset, raw };
  });

const setup = (options: { maxAttempts?: number } = {}) => {
  const bus = new InProcessEventBus({ topicPrefix: PREFIX });
  const store = new MemoryReadModelStore();
  const handler = new ProjectionHandler({
    target: store,
    deadLetters: new DeadLetters(bus.publisher(), bus.topicFor(DEAD_LETTER_CATEGORY), 'group-1'),
    categoryOf: (topic) => topic.slice(PREFIX.length + 1),
    maxAttempts: options.maxAttempts ?? 3,
  });
  const deadLetters = () => Array.from({ length: bus.end(bus.topicFor(DEAD_LETTER_CATEGORY)) }, (_, i) => bus.read(bus.topicFor(DEAD_LETTER_CATEGORY), i)!);
  return { store, handler, deadLetters };
};

describe('ProjectionHandler', () => {
  it('applies a run, counts what was new and what was a duplicate', async () => {
    const { store, handler } = setup();
    const deliveries = deliveriesOf(new Workload().open('a').fund('a', 100).tip('a', 'b', 'x', 500));
    await handler.handleBatch(deliveries);
    await handler.handleBatch(deliveries.slice(1, 3));
    expect({ applied: handler.applied, duplicates: handler.duplicates, deadLettered: handler.deadLettered }).toEqual({
      applied: 4,
      duplicates: 2,
      deadLettered: 0,
    });
    expect(await store.watermark()).toBe(deliveries[3]!.event.position);
  });

  it('throws for a poison event until its last try, then dead-letters and skips it, and applies the rest of the run', async () => {
    const { store, handler, deadLetters } = setup({ maxAttempts: 3 });
    const deliveries = deliveriesOf(new Workload().open('a').fund('a', 100).fund('a', 200).fund('a', 300));
    (deliveries[2]!.event.data as { amount: number }).amount = 0.5;
    await expect(handler.handleBatch(deliveries)).rejects.toThrow(/moves 0.5, not a whole number of fen/);
    await expect(handler.handleBatch(deliveries)).rejects.toThrow(/moves 0.5, not a whole number of fen/);
    expect(deadLetters()).toHaveLength(0);
    await handler.handleBatch(deliveries); // the third try

    expect(deadLetters()).toHaveLength(1);
    expect(deadLetters()[0]!.headers).toMatchObject({
      ce_id: deliveries[2]!.event.id,
      [DEAD_LETTER_HEADER.attempts]: '3',
      [DEAD_LETTER_HEADER.errorName]: 'CorruptEvent',
      [DEAD_LETTER_HEADER.offset]: '2',
      [DEAD_LETTER_HEADER.group]: 'group-1',
    });
    expect(deadLetters()[0]!.value).toBe(deliveries[2]!.raw.value);
    expect(handler.deadLettered).toBe(1);
    expect(await store.watermark()).toBe(deliveries[3]!.event.position);
    expect(await store.wallet('a')).toMatchObject({ balance: 400 });
    expect(await store.status()).toMatchObject({ applied: 3, skipped: 1 });
  });

  it('dead-letters each of two poison events of one run once: the run delivered again passes the one set aside', async () => {
    const { store, handler, deadLetters } = setup({ maxAttempts: 2 });
    const deliveries = deliveriesOf(new Workload().open('a').fund('a', 100).fund('a', 200).fund('a', 300).fund('a', 400));
    (deliveries[2]!.event.data as { amount: number }).amount = 0.5;
    (deliveries[3]!.event.data as { amount: number }).amount = 1.5;
    // The bus delivers the whole run again after each failure, as the Kafka consumer does.
    for (let tries = 0; tries < 10; tries++) {
      try {
        await handler.handleBatch(deliveries);
        break;
      } catch {
        // delivered again
      }
    }
    expect(deadLetters().map((m) => m.headers.ce_id)).toEqual([deliveries[2]!.event.id, deliveries[3]!.event.id]);
    expect(handler.deadLettered).toBe(2);
    expect(await store.watermark()).toBe(deliveries[4]!.event.position);
    expect(await store.wallet('a')).toMatchObject({ balance: 500 });
  });

  it('never dead-letters what fails for want of the store', async () => {
    const { store, handler, deadLetters } = setup({ maxAttempts: 1 });
    const deliveries = deliveriesOf(new Workload().open('a'));
    const down = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const applyMany = store.applyMany.bind(store);
    store.applyMany = async () => {
      throw down;
    };
    for (let i = 0; i < 5; i++) await expect(handler.handleBatch(deliveries)).rejects.toBe(down);
    store.applyMany = applyMany;
    await handler.handleBatch(deliveries);
    expect(deadLetters()).toHaveLength(0);
    expect(handler.applied).toBe(1);
  });

  it('dead-letters an undecodable message after its tries and takes its place in the chain when its headers tell it', async () => {
    const { store, handler, deadLetters } = setup({ maxAttempts: 2 });
    const [first, second, third] = deliveriesOf(new Workload().open('a').open('b').open('c'));
    const broken = { ...second!.raw, value: '{' };
    await handler.handleBatch([first!]);
    await expect(handler.onUndecodable(broken, new Error('value is not JSON'))).rejects.toThrow('not JSON');
    await handler.onUndecodable(broken, new Error('value is not JSON'));
    await handler.handleBatch([third!]);
    expect(await store.watermark()).toBe(third!.event.position);
    expect({ deadLettered: handler.deadLettered, undecodable: handler.undecodable }).toEqual({ deadLettered: 1, undecodable: 1 });
    expect(deadLetters()[0]!.value).toBe('{');
    // Its stream and revision were read too: a good copy later is a duplicate.
    expect(await store.apply({ category: 'wallet', event: second!.event, prevPosition: second!.prevPosition })).toBe(false);
  });

  it('reads a chain link only from headers that make one', () => {
    const [delivery] = deliveriesOf(new Workload().open('a'));
    const raw = delivery!.raw;
    expect(chainLinkOf(raw, 'wallet')).toEqual({ category: 'wallet', streamId: 'wallet-a', revision: 0, position: delivery!.event.position, prevPosition: 0n });
    expect(chainLinkOf({ ...raw, key: 'other' }, 'wallet')).toEqual({ category: 'wallet', position: delivery!.event.position, prevPosition: 0n });
    expect(chainLinkOf({ ...raw, headers: { ...raw.headers, zan_prev_position: raw.headers.zan_position! } }, 'wallet')).toBeUndefined();
    expect(chainLinkOf({ ...raw, headers: {} }, 'wallet')).toBeUndefined();
    // A v1 message (before ce_sequence and ce_zanposition) still has its place in the chain.
    const { ce_sequence: _sequence, ce_zanposition: _position, ...v1 } = raw.headers;
    expect(chainLinkOf({ ...raw, headers: v1 }, 'wallet')).toEqual(chainLinkOf(raw, 'wallet'));
    expect(chainLinkOf({ ...raw, headers: { ...raw.headers, zan_revision: 'x', zan_position: 'y' } }, 'wallet')).toEqual(chainLinkOf(raw, 'wallet'));
  });
});
