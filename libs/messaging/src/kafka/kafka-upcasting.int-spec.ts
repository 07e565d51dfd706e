import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { isolation, testServers } from '../../../../test/support/isolation';
import type { DeliveredEvent } from '../event-bus.port';
import { waitFor } from '../testing/wait-for';
import { KafkaEventBus } from './kafka-event-bus';

jest.setTimeout(30_000);

/**
 * A WalletFunded v1 message as the relay published it before v2 existed, written to a real topic by a
 * plain producer, reaches a Zan consumer as v2: Kafka history is upcast on read, never rewritten.
 */
describe('Kafka consumers read old event versions upcast', () => {
  const brokers = testServers().kafkaBrokers;
  const kafka = new Kafka({ clientId: 'upcasting-int-spec', brokers, logLevel: logLevel.WARN });
  const { id, topicPrefix } = isolation('upcast');
  const bus = new KafkaEventBus({ brokers, clientId: 'int-upcast', topicPrefix, partitions: 1 });

  afterAll(async () => {
    await bus.close();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [bus.topicFor('wallet')] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('delivers a stored WalletFunded v1 message as v2', async () => {
    await bus.ensureTopics(['wallet']);
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({
      topic: bus.topicFor('wallet'),
      messages: [
        {
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
            zan_prev_position: '0',
            zan_metadata: JSON.stringify({ correlationId: 'c', causationId: 'c', userId: 'alice' }),
          },
          value: JSON.stringify({ userId: 'alice', fundingId: 'f-1', cardId: 'icbc-6222', amount: 50_000 }),
        },
      ],
    });
    await producer.disconnect();

    const delivered: DeliveredEvent[] = [];
    const consumer = bus.consumer({ groupId: `${id}-group`, categories: ['wallet'], handle: async (d) => void delivered.push(d) });
    await consumer.start();
    try {
      await waitFor('the old message', () => delivered.length === 1, 15_000);
    } finally {
      await consumer.stop();
    }
    expect(delivered[0].event).toMatchObject({
      id: '0d9f3c1e-7a43-4c3e-9d55-0c3f2b7a9e11',
      type: 'WalletFunded',
      version: 2,
      position: 74_800_000n,
      data: { userId: 'alice', fundingId: 'f-1', amount: 50_000, source: { kind: 'card', cardId: 'icbc-6222' } },
    });
    expect(delivered[0].event.data).not.toHaveProperty('cardId');
    expect(delivered[0].raw).toBeDefined();
  });
});
