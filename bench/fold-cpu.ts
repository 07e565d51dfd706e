/**
 * The rebuild's CPU per event without PostgreSQL: reads N events of a seeded schema into memory once
 * (as the rebuild reads them, without metadata), then times, pass after pass, the projections alone
 * and the projections folded into windows (GenerationFold, as GenerationBuild.foldInOrder does, the
 * commands of each full window generated and dropped). WRITE=1: instead, each full window's script
 * arguments are built as GenerationBuild.writeWindow builds them and sent to a script that only
 * returns (the client's side of the write, CPU of this process); BYTES=1 counts their bytes.
 * Run: BENCH_SCHEMA=<schema> [EVENTS=200000] [PASSES=5] [WRITE=1] node --require ./infra/register-ts.js bench/fold-cpu.ts
 */
import Redis from 'ioredis';
import { streamCategory, type StoredEvent } from '@zan/contracts';
import { createPostgresEventStore } from '@zan/event-store';
import { createProjections, projectAll } from '@zan/read-models';
import { GenerationFold, WrittenKeys } from '../libs/read-models/src/redis/generation-fold';
import { benchEnv } from './lib/servers';

const main = async (): Promise<void> => {
  const schema = process.env.BENCH_SCHEMA;
  if (!schema) throw new Error('BENCH_SCHEMA=<a seeded schema> is required');
  const wanted = Number(process.env.EVENTS ?? 200_000);
  const store = await createPostgresEventStore({ connectionString: benchEnv().DATABASE_URL!, schema, poolSize: 1 });
  const events: StoredEvent[] = [];
  let after: bigint | undefined;
  while (events.length < wanted) {
    const page = await store.eventStore.readAll({ after, maxCount: Math.min(1000, wanted - events.length), withoutMetadata: true });
    if (page.length === 0) break;
    after = page[page.length - 1]!.position;
    events.push(...page);
  }
  await store.eventStore.close();
  const projections = createProjections();
  const categories = events.map((e) => streamCategory(e.streamId));
  const usPerEvent = (start: number) => (((performance.now() - start) * 1000) / events.length).toFixed(2);
  // The write side, as GenerationBuild.writeWindow builds it, sent to a script that only returns.
  const redis = new Redis(benchEnv().REDIS_URL!);
  redis.defineCommand('foldCpuNoop', { lua: 'return 1' });
  const noop = (redis as unknown as { foldCpuNoop(...args: string[]): Promise<number> }).foldCpuNoop.bind(redis);
  const prefixes = Array.from({ length: 16 }, (_, shard) => `zt:replay_bench_0123456789:rebuild:g0123456789ab:{s${shard}-1}:`);
  let writeUs = 0;
  let buildUs = 0;
  let bytes = 0;
  const write = async (fold: GenerationFold, written: WrittenKeys): Promise<number> => {
    const started = process.cpuUsage();
    const scriptArgs: string[][] = [];
    let chunk = { keys: [] as string[], commands: [] as unknown[] };
    const close = () => {
      if (chunk.commands.length === 0) return;
      scriptArgs.push([String(chunk.keys.length + 1), chunk.keys[0]!, ...chunk.keys, '', JSON.stringify(chunk.commands)]);
      chunk = { keys: [], commands: [] };
    };
    fold.commands(
      {
        key: (shard, logical) => {
          if (chunk.commands.length >= 2000) close();
          return chunk.keys.push(prefixes[shard] + logical) + 1;
        },
        command: (command) => void chunk.commands.push(command),
      },
      (shard, logical) => written.fresh(shard, logical),
    );
    close();
    const built = process.cpuUsage(started);
    buildUs += built.user + built.system;
    if (process.env.BYTES) for (const args of scriptArgs) for (const arg of args) bytes += Buffer.byteLength(arg);
    await Promise.all(scriptArgs.map((args) => noop(...args)));
    const used = process.cpuUsage(started);
    writeUs += used.user + used.system;
    return scriptArgs.length;
  };
  for (let pass = 0; pass < Number(process.env.PASSES ?? 5); pass++) {
    if (process.env.WRITE) {
      writeUs = 0;
      buildUs = 0;
      bytes = 0;
      const started = process.cpuUsage();
      let fold = new GenerationFold();
      const written = new WrittenKeys();
      for (let i = 0; i < events.length; i++) {
        const event = events[i]!;
        if (!fold.addEvent(categories[i]!, event, projectAll(projections, event))) throw new Error('did not fold');
        if (fold.entries >= 100_000) {
          await write(fold, written);
          fold = new GenerationFold();
        }
      }
      await write(fold, written);
      const all = process.cpuUsage(started);
      console.log(
        `pass ${pass}: CPU us/event: all ${((all.user + all.system) / events.length).toFixed(2)}, of which the write ${(writeUs / events.length).toFixed(2)} (building the arguments ${(buildUs / events.length).toFixed(2)}); ${(bytes / events.length).toFixed(0)} bytes/event`,
      );
      continue;
    }
    let start = performance.now();
    let changes = 0;
    for (const event of events) changes += projectAll(projections, event).length;
    const project = usPerEvent(start);
    start = performance.now();
    let fold = new GenerationFold();
    const written = new WrittenKeys();
    let commands = 0;
    const flush = () => {
      fold.commands({ key: () => 0, command: () => void commands++ }, (shard, logical) => written.fresh(shard, logical));
      fold = new GenerationFold();
    };
    for (let i = 0; i < events.length; i++) {
      const event = events[i]!;
      if (!fold.addEvent(categories[i]!, event, projectAll(projections, event))) throw new Error('did not fold');
      if (fold.entries >= 100_000) flush();
    }
    flush();
    console.log(
      `pass ${pass}: ${events.length} events, ${(changes / events.length).toFixed(2)} changes/event; us/event: project ${project}, project+fold+commands ${usPerEvent(start)} (${(commands / events.length).toFixed(2)} commands/event)`,
    );
  }
  await redis.quit();
};

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
