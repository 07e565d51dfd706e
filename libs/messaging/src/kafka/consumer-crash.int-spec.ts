import { Kafka, logLevel, type Consumer, type ConsumerRunConfig } from 'kafkajs';
import { isolation, testServers } from '../../../../test/support/isolation';
import { eventually } from '../../../../test/support/eventually';
import { eventLog, walletFunded } from '../testing/events';
import type { DeliveredEvent } from '../event-bus.port';
import { KafkaEventBus } from './kafka-event-bus';

jest.setTimeout(60_000);

/**
 * kafkajs restarts a crashed consumer only for errors it counts as retriable. Any other leaves it
 * stopped for good while the process runs on: in a Kafka outage under load, "Broker not connected"
 * from a broker kafkajs had not reconnected yet stopped the projector's consumer, and nothing was
 * projected again (test/reliability/kafka-outage, in a clean-clone CI run). The crash is made here
 * on purpose: the first batch the consumer is handed throws a TypeError, which kafkajs never retries.
 */
describe('a Kafka consumer that kafkajs gave up after a crash', () => {
  const prefix = isolation('consumer-crash').topicPrefix;
  let bus: KafkaEventBus;
  let crashes = 0;
  let spy: jest.SpyInstance;

  beforeEach(() => {
    crashes = 0;
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called below with the Kafka it belongs to
    const consumerOf = Kafka.prototype.consumer;
    // The kafkajs consumer the bus creates, with its first batch made to fail as kafkajs never retries.
    spy = jest.spyOn(Kafka.prototype, 'consumer').mockImplementation(function (this: Kafka, config) {
      const consumer: Consumer = consumerOf.call(this, config);
      const run = consumer.run.bind(consumer);
      consumer.run = (runConfig?: ConsumerRunConfig) =>
        run({
          ...runConfig,
          eachBatch: async (payload) => {
            if (crashes === 0) {
              crashes += 1;
              throw new TypeError('a batch handler bug, for the test');
            }
            await runConfig!.eachBatch!(payload);
          },
        });
      return consumer;
    });
    bus = new KafkaEventBus({ brokers: testServers().kafkaBrokers, clientId: 'int-consumer-crash', topicPrefix: prefix, partitions: 1 });
  });

  afterEach(async () => {
    spy.mockRestore();
    await bus.close();
  });

  afterAll(async () => {
    const admin = new Kafka({ brokers: testServers().kafkaBrokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${prefix}.`));
    if (topics.length > 0) await admin.deleteTopics({ topics });
    await admin.disconnect();
  });

  it('is started again, and delivers what it had not handled', async () => {
    const log = eventLog();
    const handled: DeliveredEvent[] = [];
    const consumer = bus.consumer({ groupId: `${prefix}.crashing`, categories: ['wallet'], handle: async (delivery) => void handled.push(delivery) });
    await consumer.start();
    const { type, data } = walletFunded('u-crash');
    await bus.publisher().publish([log.next('wallet-u-crash', type, data)]);
    await eventually('the event handled after the crash', async () => handled.length > 0, 30_000, 50);
    expect(crashes).toBe(1);
    expect(handled.map((delivery) => delivery.event.streamId)).toEqual(['wallet-u-crash']);
  });

  it('is not started again once stopped while it waits', async () => {
    const consumer = bus.consumer({ groupId: `${prefix}.stopped`, categories: ['wallet'], handle: async () => undefined });
    await consumer.start();
    const log = eventLog();
    const { type, data } = walletFunded('u-stop');
    await bus.publisher().publish([log.next('wallet-u-stop', type, data)]);
    await eventually('the crash', async () => crashes === 1, 30_000, 20);
    const consumersBefore = spy.mock.calls.length;
    await consumer.stop();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(spy.mock.calls.length).toBe(consumersBefore);
  });
});
