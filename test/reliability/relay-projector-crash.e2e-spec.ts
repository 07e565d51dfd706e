import { createZanApp } from '../../apps/zan/src/zan.app';
import { loadConfig } from '@zan/platform';
import type { INestApplication } from '@nestjs/common';
import { clientFor, fundedUser, type Client } from '../support/http-client';
import { type AppProcess, startApp } from '../support/processes';
import { dropIsolated, fullStackEnv } from '../support/stacks';

/**
 * The relay and the projector are SIGKILLed mid-stream (no graceful shutdown, no final commit)
 * and restarted while fundings keep arriving: every balance ends exactly right, nothing lost,
 * nothing doubled.
 */
describe('relay and projector killed mid-stream', () => {
  // A consumer SIGKILLed holds its partitions until its session expires: 6 s instead of kafkajs's 30 s.
  const env = { ...fullStackEnv('crash'), KAFKA_SESSION_TIMEOUT_MS: '6000' };
  let api: INestApplication;
  let relay: AppProcess | undefined;
  let projector: AppProcess | undefined;

  const startRelay = () => startApp('relay', env, /relaying from position/);
  const startProjector = () => startApp('projector', env, /projecting as group/);

  beforeAll(async () => {
    api = await createZanApp({ config: loadConfig(env), roles: ['api'], logger: ['error', 'fatal'] });
    await api.init();
    [relay, projector] = await Promise.all([startRelay(), startProjector()]);
  }, 120_000);

  afterAll(async () => {
    await Promise.allSettled([relay?.kill(), projector?.kill()]);
    await api?.close();
    await dropIsolated(env);
  }, 60_000);

  it('keeps every balance exact across SIGKILLs of both', async () => {
    const users: Client[] = [];
    for (const name of ['ann', 'ben', 'cat']) users.push((await fundedUser(api, name, 0)).client);
    const expected = new Map<string, number>(users.map((u) => [u.userId, 0]));
    let lastPosition = '0';

    const fundRound = async (round: number) => {
      const results = await Promise.all(
        users.map((user, i) => {
          const amount = 100 + round * 7 + i;
          expected.set(user.userId, expected.get(user.userId)! + amount);
          return user.post('/v1/wallets/me/fundings', { amount, cardId: `card-${user.userId}` }).expect(201);
        }),
      );
      for (const r of results) if (BigInt(r.body.position) > BigInt(lastPosition)) lastPosition = r.body.position;
    };

    for (let round = 0; round < 30; round++) {
      await fundRound(round);
      if (round === 8) await relay!.kill('SIGKILL');
      if (round === 12) relay = await startRelay();
      if (round === 16) await projector!.kill('SIGKILL');
      if (round === 20) projector = await startProjector();
      if (round === 24) {
        // Both at once, then back.
        await Promise.all([relay!.kill('SIGKILL'), projector!.kill('SIGKILL')]);
        [relay, projector] = await Promise.all([startRelay(), startProjector()]);
      }
    }

    for (const user of users) {
      const wallet = await user.get(`/v1/wallets/me?after=${lastPosition}`).expect(200);
      expect(wallet.body.balance).toBe(expected.get(user.userId));
    }
    const admin = clientFor(api, 'ops', { roles: ['admin'] });
    const total = (await Promise.all(users.map((u) => admin.get(`/v1/wallets/${u.userId}`)))).reduce((sum, r) => sum + r.body.balance, 0);
    expect(total).toBe([...expected.values()].reduce((a, b) => a + b, 0));
  }, 240_000);
});
