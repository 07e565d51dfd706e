import { Kafka, logLevel } from 'kafkajs';
import { isolation, testServers } from '../../../../test/support/isolation';
import { eventLog, walletFunded } from '../testing/events';
import { KafkaEventBus } from './kafka-event-bus';
import { PATCHED_KAFKAJS_VERSION, type KafkajsRequestQueue } from './request-queue';

jest.setTimeout(30_000);

// eslint-disable-next-line @typescript-eslint/no-require-imports -- kafkajs's internals have no types
const RequestQueue = require('kafkajs/src/network/requestQueue') as { prototype: KafkajsRequestQueue };

describe("an idle bus against a real broker: kafkajs's request queues do not spin", () => {
  it('is the kafkajs version the fix was written for (upgrading kafkajs: check issue #1556 again)', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    expect((require('kafkajs/package.json') as { version: string }).version).toBe(PATCHED_KAFKAJS_VERSION);
  });

  it('after a publish, the connections check their queues only while requests are pending', async () => {
    const prefix = isolation('request-queue').topicPrefix;
    const bus = new KafkaEventBus({ brokers: testServers().kafkaBrokers, clientId: 'int-request-queue', topicPrefix: prefix, partitions: 1 });
    const check = jest.spyOn(RequestQueue.prototype, 'checkPendingRequests');
    try {
      const publisher = bus.publisher();
      const log = eventLog();
      const funded = (user: string) => {
        const { type, data } = walletFunded(user);
        return log.next(`wallet-${user}`, type, data);
      };
      await publisher.publish([funded('u-idle')]);
      // Several publishes at once on a producer with one request in flight: the others wait in the queue.
      await Promise.all(Array.from({ length: 5 }, (_, i) => publisher.publish([funded(`u-idle-${i}`)])));
      check.mockClear();
      await new Promise((resolve) => setTimeout(resolve, 500));
      // kafkajs 2.2.4 as released: several hundred checks in these 500 ms, per connection.
      expect(check.mock.calls.length).toBeLessThan(10);
    } finally {
      check.mockRestore();
      await bus.close();
      const client = new Kafka({ brokers: testServers().kafkaBrokers, logLevel: logLevel.NOTHING }).admin();
      await client.connect();
      const topics = (await client.listTopics()).filter((t) => t.startsWith(`${prefix}.`));
      if (topics.length > 0) await client.deleteTopics({ topics });
      await client.disconnect();
    }
  });
});
