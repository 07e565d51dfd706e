// A child process for embedded-durability.e2e-spec: one embedded store operation per run.
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { createEmbeddedEventStore } from '@zan/event-store';
import { readOrCreateSecretFile } from '@zan/platform';

const [mode, dataDir] = process.argv.slice(2) as [string, string];
const event = (size: number) =>
  ({
    id: randomUUID(),
    type: 'Durable',
    occurredAt: new Date().toISOString(),
    data: { blob: randomBytes(size).toString('base64') },
    metadata: { correlationId: 'c', causationId: 'c', userId: 'u' },
  }) as never;

(async () => {
  if (mode === 'append-once') {
    const store = await createEmbeddedEventStore({ dataDir });
    await store.eventStore.append(`durable-${randomUUID()}`, [event(100)], 'no_stream');
    writeSync(1, 'APPENDED\n');
    await store.eventStore.close();
  } else if (mode === 'fill') {
    // Appends 20 KB events until one fails; then one more read, so a wedged store shows as a timeout.
    const store = await createEmbeddedEventStore({ dataDir });
    // Opened (migrated) while there is room; the spec fills the disk, then says go.
    console.log('OPENED');
    while (!existsSync(join(dataDir, '..', 'go'))) await new Promise((resolve) => setTimeout(resolve, 50));
    let stored = 0;
    let error: { code?: string; message?: string } | undefined;
    for (let i = 0; i < 3000 && !error; i++) {
      await store.eventStore.append(`fill-${i}`, [event(15_000)], 'no_stream').then(
        () => stored++,
        // The port's word for "stored" (an error came after the commit; retried alone, the append found its events).
        (e: Error) => (e.name === 'DuplicateEventError' ? stored++ : (error = e)),
      );
    }
    const head = await store.eventStore.headPosition();
    const count = (await store.eventStore.readAll({ maxCount: 100_000 })).length;
    console.log(`RESULT ${JSON.stringify({ stored, count, head: String(head), code: error?.code, message: error?.message?.slice(0, 200) })}`);
    await store.eventStore.close();
  } else if (mode === 'secret') {
    readOrCreateSecretFile(join(dataDir, 'jwt-secret'));
    writeSync(1, 'SECRET\n');
  } else if (mode === 'hold') {
    const store = await createEmbeddedEventStore({ dataDir });
    console.log('OPENED');
    setInterval(() => undefined, 1_000);
    process.on('SIGTERM', () => void store.eventStore.close().then(() => process.exit(0)));
  }
})().catch((error) => {
  console.log(`FAILED ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
  process.exit(2);
});
