import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fundingRounds } from '../support/funding-rounds';
import { startFullStackInProcess } from '../support/stacks';

const KAFKA = join(__dirname, '../../infra/kafka');

/**
 * A private Kafka broker (its own port and folder, so other suites keep theirs) is stopped and
 * started again while fundings keep arriving: every acknowledged funding reaches the read model
 * exactly once.
 */
describe('Kafka broker restart during load', () => {
  const port = 19300 + Math.floor(Math.random() * 50) * 2; // clear of the three-broker cluster (19092-19094, 19192-19194)
  const brokerEnv = { ...process.env, KAFKA_PORT: String(port), KAFKA_RUN_DIR: mkdtempSync(join(tmpdir(), 'zan-kafka-')) };
  const broker = (script: 'start.sh' | 'stop.sh') => execFileSync('bash', [join(KAFKA, script)], { env: brokerEnv, stdio: 'pipe', timeout: 120_000 });
  let zan: Awaited<ReturnType<typeof startFullStackInProcess>> | undefined;

  beforeAll(async () => {
    broker('start.sh');
    zan = await startFullStackInProcess('brokerrestart', { kafkaBrokers: `127.0.0.1:${port}` });
  }, 180_000);

  afterAll(async () => {
    await zan?.close();
    execFileSync('bash', [join(KAFKA, 'stop.sh'), '--clean'], { env: brokerEnv, stdio: 'pipe' });
  }, 120_000);

  it('loses and doubles nothing', async () => {
    const { round, expectProjected } = await fundingRounds(zan!.app, ['kb-a', 'kb-b']);
    for (let n = 0; n < 10; n++) await round(n);
    broker('stop.sh');
    for (let n = 10; n < 20; n++) await round(n); // the api does not need Kafka: commands keep working
    broker('start.sh');
    for (let n = 20; n < 30; n++) await round(n);

    // The relay and projector reconnect on their own; give them the time a reconnect takes.
    await expectProjected(90_000, 'read model never caught up after the broker restart');
  }, 240_000);
});
