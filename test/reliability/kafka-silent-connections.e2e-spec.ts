import { join } from 'node:path';
import { createPostgresEventStore, type PostgresEventStore } from '@zan/event-store';
import { type AppProcess, type SpawnedApp, spawnApp, startApp } from '../support/processes';
import { dropIsolated, fullStackEnv } from '../support/stacks';
import { expectEveryStreamWholeAndInOrder, readAsSubscriber, storedStreams } from '../support/subscriber';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';
import { TEST_JWT_SECRET, tokenFor } from '../support/tokens';

const LISTENING = /zan api: listening on (http:\/\/127\.0\.0\.1:\d+)/;

/**
 * The relay's connections to the broker go silent (no reset: every byte swallowed, as after a
 * failover or a lost NAT entry) while fundings keep arriving. kafkajs alone would wait out a 30 s
 * request timeout per retry on the dead sockets, minutes in all; the publisher's deadline
 * (KAFKA_SEND_TIMEOUT_MS) drops them and retries on new connections, so once the network lets new
 * connections through the relay publishes everything, every stream whole and in order.
 */
describe("full stack: the relay's broker connections go silent", () => {
  const env: Record<string, string> = {
    ...fullStackEnv('kafkasilent'),
    ZAN_RATE_LIMIT_PER_MINUTE: '0',
    KAFKA_SEND_TIMEOUT_MS: '3000',
  };
  let proxy: TcpProxy;
  let api: AppProcess;
  let relay: SpawnedApp;
  let base = '';
  let pg: PostgresEventStore;

  beforeAll(async () => {
    const broker = env.KAFKA_BROKERS!.split(',')[0]!;
    const [host, port] = broker.split(':') as [string, string];
    proxy = await startTcpProxy({ host, port: Number(port) });
    api = await startApp('api', env, LISTENING);
    base = LISTENING.exec(api.output())![1]!;
    relay = spawnApp(
      'relay',
      { ...env, ZAN_TEST_APP: 'relay', ZAN_TEST_KAFKA_BROKER: broker, ZAN_TEST_KAFKA_PROXY: proxy.address },
      join(__dirname, '../support/kafka-through-proxy.main.ts'),
    );
    await relay.ready(/relaying from position/);
    pg = await createPostgresEventStore({ connectionString: env.ZAN_EVENT_STORE!, schema: env.ZAN_PG_SCHEMA });
  }, 180_000);

  afterAll(async () => {
    await Promise.allSettled([api?.kill('SIGKILL'), relay?.kill('SIGKILL')]);
    await proxy?.close();
    await pg?.eventStore.close();
    await dropIsolated(env);
  }, 60_000);

  const fund = async (userId: string, i: number): Promise<void> => {
    const response = await fetch(`${base}/v1/wallets/me/fundings`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${tokenFor(userId, TEST_JWT_SECRET)}`, 'Idempotency-Key': `f-${i}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ amount: 100 + i, cardId: `card-${userId}` }),
    });
    expect(response.status).toBe(201);
  };
  const linkCard = async (userId: string): Promise<void> => {
    const response = await fetch(`${base}/v1/wallets/me/cards`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${tokenFor(userId, TEST_JWT_SECRET)}`, 'Content-Type': 'application/json', 'Idempotency-Key': `card-${userId}` },
      body: JSON.stringify({ cardId: `card-${userId}`, holderName: 'Silent Tester' }),
    });
    expect([200, 201]).toContain(response.status);
  };

  it('publishes everything soon after new connections are let through', async () => {
    const users = ['sia', 'tom'];
    for (const user of users) {
      const opened = await fetch(`${base}/v1/wallets`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${tokenFor(user, TEST_JWT_SECRET)}`, 'Content-Type': 'application/json', 'Idempotency-Key': `open-${user}` },
        body: JSON.stringify({ kind: 'individual' }),
      });
      expect([200, 201]).toContain(opened.status);
      await linkCard(user);
    }
    for (let i = 0; i < 20; i++) await fund(users[i % 2]!, i);
    await readAsSubscriber(env); // every stored event on the topics (it waits up to 60 s for them)

    proxy.silence();
    for (let i = 20; i < 60; i++) await fund(users[i % 2]!, i); // commands never need Kafka
    // New connections are let through again; the ones open at the silence stay dead.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    proxy.restore();
    const restoredAt = Date.now();
    const head = (await pg.eventStore.headPosition()) ?? 0n;
    // kafkajs alone publishes nothing more for minutes; the subscriber gives up after 60 s.
    const messages = await readAsSubscriber(env);
    expect(relay.child.exitCode).toBeNull();
    expectEveryStreamWholeAndInOrder(messages, await storedStreams(env), env.ZAN_TOPIC_PREFIX!);
    console.log(`kafka silent connections: relayed through position ${head} ${Date.now() - restoredAt} ms after new connections were let through`);
  }, 180_000);
});
