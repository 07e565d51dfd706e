import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

// Integration specs talk to real servers. PostgreSQL and Redis run on the machine; Kafka is started
// here from the Apache jars when no broker answers (infra/kafka/start.sh is idempotent).
export default async function globalSetup(): Promise<void> {
  process.env.ZAN_TEST_RUN ??= Date.now().toString(36);
  if (process.env.ZAN_SKIP_KAFKA_START === '1') return;
  execFileSync('bash', [join(__dirname, '../../infra/kafka/start.sh')], { stdio: 'inherit' });
}
