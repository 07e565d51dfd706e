import { DEFAULT_LIMITS, walletStream } from '@zan/contracts';
import { PROCESS_MANAGER_CHECKPOINTS, createPostgresEventStore, redriveRequestOf, type PostgresEventStore } from '@zan/event-store';
import { ZanMetrics, systemClock, type ZanConfig } from '@zan/platform';
import { CommandRunner } from '../../apps/api/src/command-path/command-runner';
import { CommandMetrics } from '../../apps/api/src/observability/command-metrics';
import { CreditsProcessManager } from '../../apps/api/src/process-managers/credits.process-manager';
import { RedPacketStreams } from '../../apps/api/src/command-path/red-packet-streams';
import { WalletStreams } from '../../apps/api/src/command-path/wallet-streams';
import { HistoryBuilder } from '../../apps/cli/src/testing/history';
import { testServers } from '../support/isolation';
import { cliStack, type CliStack } from './cli-harness';

jest.setTimeout(120_000);

const CHECKPOINT = PROCESS_MANAGER_CHECKPOINTS.credits;

/**
 * A store hit by issue 13: tips debited whose credits never came, the credits checkpoint already
 * past them. `zan audit` finds them; `zan process-managers redrive credits` has the running leader
 * react again from before them; every credit then exists exactly once, and re-driving again
 * changes nothing (each credit's event id derives from its debit's).
 */
describe('zan process-managers redrive (PostgreSQL, a running credits leader)', () => {
  let stack: CliStack;
  let pg: PostgresEventStore;
  let credits: CreditsProcessManager | undefined;

  const startCredits = async (): Promise<CreditsProcessManager> => {
    const runner = new CommandRunner(pg.eventStore, new CommandMetrics(new ZanMetrics()), systemClock);
    // No red packets here: the expiry timers are never reached.
    const manager = new CreditsProcessManager(
      pg.eventStore,
      pg.checkpoints,
      new WalletStreams(runner, { limits: DEFAULT_LIMITS } as ZanConfig),
      new RedPacketStreams(runner),
      undefined as never,
    );
    await manager.onApplicationBootstrap();
    return manager;
  };
  const handledThrough = async (manager: CreditsProcessManager, position: bigint): Promise<void> => {
    for (let i = 0; i < 3000 && manager.handledThrough < position; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(manager.handledThrough).toBeGreaterThanOrEqual(position);
  };
  const tipsReceived = async (authorId: string): Promise<Map<string, number>> => {
    const counts = new Map<string, number>();
    for (const event of await pg.eventStore.readStream(walletStream(authorId))) {
      if (event.type === 'TipReceived') counts.set((event.data as { tipId: string }).tipId, (counts.get((event.data as { tipId: string }).tipId) ?? 0) + 1);
    }
    return counts;
  };

  beforeAll(async () => {
    stack = cliStack('cli-redrive');
    await stack.eventStore();
    pg = await createPostgresEventStore({ connectionString: testServers().databaseUrl, schema: stack.iso.pgSchema, poolSize: 4 });
  });
  afterAll(async () => {
    await credits?.onModuleDestroy();
    await pg?.eventStore.close();
    await stack?.dispose();
  });

  it('finds the lost credits, re-drives them exactly once, and a second re-drive changes nothing', async () => {
    // Healthy tips, credited by the process manager itself.
    const healthy = new HistoryBuilder(new Date('2026-12-01T00:00:00Z'));
    for (const u of ['reader', 'author']) healthy.open(u);
    healthy.fund('reader', 50_000);
    for (let i = 0; i < 3; i++) healthy.tip('reader', 'author', 'why-zan', 500, { credit: false });
    credits = await startCredits();
    await handledThrough(credits, await stack.append(healthy));
    await credits.onModuleDestroy();
    credits = undefined;

    // The incident: debits stored, their credits never made, the checkpoint moved past them.
    const lost = new HistoryBuilder(new Date('2026-12-01T01:00:00Z'));
    for (let i = 0; i < 4; i++) lost.tip('reader', 'author', 'why-zan', 600 + i, { credit: false });
    const lastLost = await stack.append(lost);
    const firstLost = (await pg.eventStore.readAll()).find((e) => e.type === 'TipPraised' && (e.data as { amount: number }).amount === 600)!.position;
    await pg.checkpoints.save(CHECKPOINT, lastLost);
    credits = await startCredits();
    const later = new HistoryBuilder(new Date('2026-12-01T02:00:00Z'));
    later.tip('reader', 'author', 'why-zan', 700, { credit: false });
    await handledThrough(credits, await stack.append(later));
    expect([...(await tipsReceived('author')).values()]).toEqual([1, 1, 1, 1]);

    const before = await stack.zan(['audit', '--no-read-models']);
    expect(before.code).toBe(1);
    expect(before.stdout.match(/missing-credit: TipPraised at \d+/g)).toHaveLength(4);
    expect(before.stdout).toContain(`missing-credit: TipPraised at ${firstLost} `);

    // Forward past the checkpoint: refused, nothing requested.
    const forward = await stack.zan(['process-managers', 'redrive', 'credits', '--from', String(((await pg.eventStore.headPosition()) ?? 0n) * 2n)]);
    expect(forward.code).toBe(2);
    expect(await pg.checkpoints.load(redriveRequestOf(CHECKPOINT))).toBeUndefined();

    // From a time before the first lost debit: the lost credits are made, once each.
    const redrive = await stack.zan(['process-managers', 'redrive', 'credits', '--from', '2026-12-01T01:00:00Z']);
    expect(redrive.stderr).toBe('');
    expect(redrive.code).toBe(0);
    expect(redrive.stdout).toMatch(/credits: re-driven; checkpoint now \d+/);
    const received = await tipsReceived('author');
    expect(received.size).toBe(8);
    expect([...received.values()].every((n) => n === 1)).toBe(true);
    const after = await stack.zan(['audit', '--no-read-models']);
    expect(after.code).toBe(0);
    expect(after.stdout.trim().endsWith('CLEAN')).toBe(true);

    // Again, from the very start: every credit is found stored, nothing new is appended.
    const head = await pg.eventStore.headPosition();
    const again = await stack.zan(['process-managers', 'redrive', 'credits', '--from', '1']);
    expect(again.code).toBe(0);
    expect(await pg.eventStore.headPosition()).toBe(head);
    expect((await stack.zan(['audit', '--no-read-models'])).code).toBe(0);
  });

  it('reports the age of the oldest debit it has not credited, and a re-drive requested with no leader is carried out by the next one', async () => {
    expect(credits).toBeDefined();
    await handledThrough(credits!, (await pg.eventStore.headPosition())!);
    expect(await credits!.oldestInFlightSeconds()).toBe(0);
    // Stopped (a leader gone): the next debit waits, and its age grows from when it occurred.
    await credits!.onModuleDestroy();
    credits = undefined;
    const standby = await startCredits().then(async (m) => {
      await m.onModuleDestroy(); // not leading: measured from the stored checkpoint
      return m;
    });
    // Events with nothing to react to (a wallet opened and funded) are not in flight, however old.
    await stack.append(new HistoryBuilder(new Date(Date.now() - 120_000)).open('late-reader').fund('late-reader', 1_000));
    expect(await standby.oldestInFlightSeconds()).toBe(0);
    const waiting = new HistoryBuilder(new Date(Date.now() - 90_000));
    waiting.tip('reader', 'author', 'why-zan', 800, { credit: false });
    await stack.append(waiting);
    expect(await standby.oldestInFlightSeconds()).toBeGreaterThanOrEqual(90);
    expect(await standby.oldestInFlightSeconds()).toBeLessThan(120);

    // Requested while no leader runs (the embedded store's way): the next leader carries it out.
    const requested = await stack.zan(['process-managers', 'redrive', 'credits', '--from', '1', '--no-wait']);
    expect(requested.code).toBe(0);
    expect(await pg.checkpoints.load(redriveRequestOf(CHECKPOINT))).toBeDefined();
    credits = await startCredits();
    await handledThrough(credits, (await pg.eventStore.headPosition())!);
    for (let i = 0; i < 500 && (await pg.checkpoints.load(redriveRequestOf(CHECKPOINT))) !== undefined; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await pg.checkpoints.load(redriveRequestOf(CHECKPOINT))).toBeUndefined();
    expect(await credits.oldestInFlightSeconds()).toBe(0);
    const received = await tipsReceived('author');
    expect(received.size).toBe(9);
    expect([...received.values()].every((n) => n === 1)).toBe(true);
  });
});
