import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EVENT_CATEGORIES } from '@zan/contracts';
import { KafkaEventBus } from '@zan/messaging';
import { fundingRounds } from '../support/funding-rounds';
import { startFullStackInProcess } from '../support/stacks';
import { expectEveryStreamWholeAndInOrder, readAsSubscriber, storedStreams } from '../support/subscriber';

const KAFKA = join(__dirname, '../../infra/kafka');

/**
 * A private Kafka broker loses its data folder while Zan runs (a disk replaced, a volume recreated):
 * it comes back as a new, empty cluster, without the topics, their messages or the groups' offsets.
 * The event store is the outbox and the topics are the replayable history, so nothing may be skipped:
 * the relay notices the topics lost what it had published and publishes everything again from the
 * start (subscribers reading from the beginning find every event, repeats only with the same ce_id),
 * and the projector's read models reach every acknowledged command, with nobody restarting anything.
 */
describe('Kafka broker restarted with its data folder wiped', () => {
  const port = 19400 + Math.floor(Math.random() * 50) * 2; // clear of broker-restart's ports and of the three-broker cluster
  const brokerEnv = { ...process.env, KAFKA_PORT: String(port), KAFKA_RUN_DIR: mkdtempSync(join(tmpdir(), 'zan-kafka-wiped-')) };
  const broker = (...args: string[]) => execFileSync('bash', [join(KAFKA, args[0]!), ...args.slice(1)], { env: brokerEnv, stdio: 'pipe', timeout: 120_000 });
  let zan: Awaited<ReturnType<typeof startFullStackInProcess>> | undefined;

  beforeAll(async () => {
    broker('start.sh');
    zan = await startFullStackInProcess('kafkawiped', { kafkaBrokers: `127.0.0.1:${port}`, env: { KAFKA_SESSION_TIMEOUT_MS: '10000' } });
  }, 180_000);

  afterAll(async () => {
    await zan?.close();
    broker('stop.sh', '--clean');
  }, 120_000);

  /** The topics created on the new cluster, as the other services' consumers do when they restart. */
  const makeTopicsAgain = async () => {
    const bus = new KafkaEventBus({ brokers: [`127.0.0.1:${port}`], clientId: 'wiped-spec', topicPrefix: zan!.env.ZAN_TOPIC_PREFIX! });
    try {
      await bus.ensureTopics(EVENT_CATEGORIES);
    } finally {
      await bus.close();
    }
  };

  /**
   * A subscriber of the new cluster reading from the beginning sees every stored event of every
   * stream, in revision order, repeats only as redeliveries of the same ce_id.
   */
  const expectWholeStreams = async () => {
    const messages = await readAsSubscriber(zan!.env);
    expectEveryStreamWholeAndInOrder(messages, await storedStreams(zan!.env), zan!.env.ZAN_TOPIC_PREFIX!);
  };

  it('publishes the whole history again to the new cluster and the read models reach every command', async () => {
    const { round, expectProjected } = await fundingRounds(zan!.app, ['kw-a', 'kw-b']);
    for (let n = 0; n < 10; n++) await round(n);
    await expectProjected(30_000, 'read model never reached the last position before the broker was wiped'); // published to the first cluster and projected

    broker('stop.sh', '--clean'); // topics, messages, offsets and the cluster id gone
    for (let n = 10; n < 15; n++) await round(n); // commands need no Kafka
    broker('start.sh'); // a new cluster on the same address
    // The other services' consumers create the topics again as they restart (ensureTopics), before or
    // after the relay's next attempt: here before it, every run. The relay's publishes now succeed on
    // the new cluster; what it published there first must still be every stream's history, not the
    // events of the outage (found in CI: revisions 14.. of each wallet ahead of 0..13).
    await makeTopicsAgain();
    for (let n = 15; n < 20; n++) await round(n);

    await expectProjected(45_000, 'read model never reached the last position after the broker was wiped');
    await expectWholeStreams();
  }, 240_000);

  it('publishes the whole history again when the brokers were wiped while Zan was idle, its topics already made again', async () => {
    // No publish fails: the relay's producer reconnects to the new cluster, whose topics another
    // service's consumer has created again, and its next publish succeeds. Before the relay asked
    // the brokers who they are, that publish went in ahead of every stream's history, which never
    // followed (nothing failed to tell the topics were new): the read models stopped at it.
    const { round, expectProjected } = await fundingRounds(zan!.app, ['kw-c', 'kw-d']);
    for (let n = 0; n < 5; n++) await round(n);
    await expectProjected(30_000, 'read model never reached the last position before the broker was wiped');

    broker('stop.sh', '--clean');
    broker('start.sh');
    await makeTopicsAgain();
    for (let n = 5; n < 10; n++) await round(n);

    await expectProjected(45_000, 'read model never reached the last position after the broker was wiped while idle');
    await expectWholeStreams();
  }, 240_000);
});
