/**
 * A peer baseline: Emmett's PostgreSQL event store (`@event-driven-io/emmett-postgresql`) doing the
 * append scenario's read-then-append commands, in a child process (bench/baselines/emmett-process.ts)
 * on a database of its own, created here and dropped at the end even when it fails. A database and
 * not a schema: Emmett's migration creates its functions only if no function of that name exists
 * anywhere in the database, so beside another Emmett schema it would find them missing in its own.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Client } from 'pg';
import { isolation } from '../../test/support/isolation';
import type { EmmettPhaseRequest, EmmettReply, EmmettStreamsCheck } from './emmett-process';
import type { ReadThenAppendResult } from '../lib/read-then-append';

export interface EmmettPeer {
  /** Runs `commands` read-then-append commands over `streams` (fresh names) with `writers` loops. */
  readThenAppend(request: Omit<EmmettPhaseRequest, 'type'>): Promise<{ result: ReadThenAppendResult; check: EmmettStreamsCheck }>;
  close(): Promise<void>;
}

/** The version installed (its package.json is not among the package's exports). */
export const emmettVersion = (): string =>
  (JSON.parse(readFileSync(join(dirname(require.resolve('@event-driven-io/emmett-postgresql')), '..', 'package.json'), 'utf8')) as { version: string }).version;

export const startEmmett = async (options: { databaseUrl: string; poolSize: number }): Promise<EmmettPeer> => {
  const database = isolation('emmett').pgSchema;
  const admin = new Client({ connectionString: options.databaseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${database}"`);
  const url = new URL(options.databaseUrl);
  url.pathname = `/${database}`;
  let child: ChildProcess | undefined;
  const drop = async () => {
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`).catch(() => undefined);
    await admin.end().catch(() => undefined);
  };
  try {
    child = fork(join(__dirname, 'emmett-process.ts'), [], {
      execArgv: ['--require', join(__dirname, '..', '..', 'infra', 'register-ts.js')],
      env: { ...process.env, EMMETT_DATABASE_URL: url.toString(), EMMETT_POOL_SIZE: String(options.poolSize) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const running = child;
    const next = () =>
      new Promise<EmmettReply>((resolve, reject) => {
        const onExit = (code: number | null) => reject(new Error(`the Emmett process exited (${code})`));
        running.once('exit', onExit);
        running.once('message', (reply: EmmettReply) => {
          running.off('exit', onExit);
          if (reply.type === 'error') reject(new Error(`Emmett: ${reply.message}`));
          else resolve(reply);
        });
      });
    await next();
    return {
      readThenAppend: async (request) => {
        const reply = next();
        running.send({ type: 'phase', ...request } satisfies EmmettPhaseRequest);
        const answer = await reply;
        if (answer.type !== 'phase') throw new Error(`unexpected reply from the Emmett process: ${answer.type}`);
        return { result: answer.result, check: answer.check };
      },
      close: async () => {
        if (running.exitCode === null) {
          const exited = new Promise((resolve) => running.once('exit', resolve));
          running.send({ type: 'close' });
          await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
          if (running.exitCode === null) running.kill();
        }
        await drop();
      },
    };
  } catch (error) {
    child?.kill();
    await drop();
    throw error;
  }
};
