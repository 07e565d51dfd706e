import { walletStream } from '@zan/contracts';
import { CHECKPOINT_STORE, type CheckpointStore, PROCESS_MANAGER_CHECKPOINTS } from '@zan/event-store';
import { Client as PgClient } from 'pg';
import { CreditsProcessManager } from '../../apps/api/src/process-managers/credits.process-manager';
import type { INestApplication } from '@nestjs/common';
import { loadConfig } from '@zan/platform';
import { createZanApp } from '../../apps/zan/src/zan.app';
import { holdFirstAppend } from '../support/api-replicas';
import { eventually } from '../support/eventually';
import { clientFor, fundedUser } from '../support/http-client';
import { type AppProcess, startApp } from '../support/processes';
import { dropIsolated, fullStackEnv } from '../support/stacks';

const CHECKPOINT = PROCESS_MANAGER_CHECKPOINTS.credits;

/**
 * Two api replicas. A is deposed as leader of the credits (its lock's session ends) while one of its
 * reactions is still on its way to the store; B takes over from the checkpoint, makes that credit
 * and more, and the deployment goes quiet. A's reaction then lands (a duplicate) and A, stopping,
 * saves the checkpoint it had reached: behind B's. B, the leader, must put it back where it is: a
 * standby answers read-your-writes (`?after=`) and its credits-in-flight gauge from the stored
 * checkpoint, and one left behind makes both wait there (503, credits ageing) for as long as nothing
 * new happens.
 */
describe('the credits checkpoint across a handover', () => {
  const env: Record<string, string> = { ...fullStackEnv('cphand'), ZAN_RATE_LIMIT_PER_MINUTE: '0' };
  let a: INestApplication;
  let b: INestApplication;
  const others: AppProcess[] = [];

  beforeAll(async () => {
    const config = loadConfig(env);
    a = await createZanApp({ config, roles: ['api'], logger: ['error', 'fatal'] });
    await a.init();
    b = await createZanApp({ config, roles: ['api'], logger: ['error', 'fatal'] });
    await b.init();
    others.push(await startApp('relay', env, /relaying from position/), await startApp('projector', env, /health and metrics on http:/));
  }, 120_000);
  afterAll(async () => {
    await Promise.allSettled(others.map((app) => app.kill('SIGTERM')));
    await b?.close();
    await a?.close();
    await dropIsolated(env);
  }, 60_000);

  it('is not left behind by the deposed leader: a standby answers a read of what the new leader credited', async () => {
    expect([a.get(CreditsProcessManager).leading, b.get(CreditsProcessManager).leading]).toEqual([true, false]);
    const payer = (await fundedUser(a, 'cp-payer', 10_000)).client;
    await fundedUser(a, 'cp-slow', 0);
    await fundedUser(a, 'cp-other', 0);
    const checkpoints = a.get<CheckpointStore>(CHECKPOINT_STORE);

    // A's credit of the slow payee is held on its way to the store.
    const held = holdFirstAppend(a, walletStream('cp-slow'));
    await payer.post('/v1/transfers', { toUserId: 'cp-slow', amount: 10 }).expect(201);
    await held.reached;

    // A loses its lock (its session ends, as when PostgreSQL ends it); B takes the credits over.
    const admin = new PgClient({ connectionString: env.ZAN_EVENT_STORE });
    await admin.connect();
    try {
      const ended = await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_locks
          WHERE locktype = 'advisory' AND granted AND objsubid = 2
            AND classid = (hashtext($1)::bigint & 4294967295)::oid AND objid = (hashtext($2)::bigint & 4294967295)::oid`,
        [env.ZAN_PG_SCHEMA, CHECKPOINT],
      );
      expect(ended.rowCount).toBe(1);
    } finally {
      await admin.end();
    }
    await eventually('B to lead the credits', async () => b.get(CreditsProcessManager).leading && !a.get(CreditsProcessManager).leading, 15_000, 50);

    // B credits the slow payee and three more transfers, and saves its checkpoint past them.
    let last = '0';
    const viaB = clientFor(b, 'cp-payer');
    for (let i = 0; i < 3; i++) last = (await viaB.post('/v1/transfers', { toUserId: 'cp-other', amount: 20 + i }).expect(201)).body.position as string;
    const leader = b.get(CreditsProcessManager);
    await eventually('B to credit them all', async () => leader.handledThrough >= BigInt(last), 15_000, 50);
    await eventually('B to save its checkpoint', async () => ((await checkpoints.load(CHECKPOINT)) ?? 0n) >= leader.handledThrough, 15_000, 50);

    // A's held credit lands (a duplicate of B's), and A finishes stopping: it saves what it reached.
    const save = checkpoints.save.bind(checkpoints);
    let savedByA = false;
    a.get<CheckpointStore>(CHECKPOINT_STORE).save = async (name, position) => {
      await save(name, position);
      if (name === CHECKPOINT) savedByA = true;
    };
    held.release();
    await eventually('A to save the checkpoint it reached, stopping', async () => savedByA, 15_000, 50);
    held.restore();

    // Quiet: the stored checkpoint is the leader's again, and A (a standby, which reads it) answers a
    // read of the last credit and sees no credit in flight.
    await eventually(
      'the stored checkpoint back at the leader’s watermark',
      async () => ((await checkpoints.load(CHECKPOINT)) ?? 0n) >= leader.handledThrough,
      10_000,
      100,
    );
    const read = await clientFor(a, 'cp-other').get(`/v1/wallets/me?after=${last}`);
    expect({ status: read.status, balance: read.body.balance }).toEqual({ status: 200, balance: 20 + 21 + 22 });
    expect(await a.get(CreditsProcessManager).oldestInFlightSeconds()).toBe(0);
    const credits = (await held.store.readStream(walletStream('cp-slow'))).filter((event) => event.type === 'TransferReceived');
    expect(credits).toHaveLength(1);
  }, 60_000);
});
