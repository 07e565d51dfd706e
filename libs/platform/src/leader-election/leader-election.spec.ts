import { InProcessLeaderElection, type LeaderLock, LockLeaderElection } from './leader-election';

/** One lock table shared by several electors, as a database would be: the state machine, without a server. */
class TableLock implements LeaderLock {
  private listener?: (names: readonly string[] | 'all') => void;
  constructor(
    private readonly table: Map<string, TableLock>,
    private readonly refuse = { acquire: false },
  ) {}
  async acquire(name: string) {
    if (this.refuse.acquire || (this.table.get(name) ?? this) !== this) return false;
    this.table.set(name, this);
    return true;
  }
  async confirm(name: string) {
    return this.table.get(name) === this;
  }
  async release(name: string) {
    if (this.table.get(name) === this) this.table.delete(name);
  }
  onLost(listener: (names: readonly string[] | 'all') => void) {
    this.listener = listener;
  }
  /** The connection dropped: every lock of this one is gone. */
  drop() {
    for (const [name, holder] of this.table) if (holder === this) this.table.delete(name);
    this.listener?.('all');
  }
  async close() {
    for (const [name, holder] of this.table) if (holder === this) this.table.delete(name);
  }
}

const fast = { retryMs: 10, confirmMs: 10 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('LockLeaderElection', () => {
  it('runs onDeposed after onElected has finished, even when deposed while starting', async () => {
    const table = new Map<string, TableLock>();
    const lock = new TableLock(table);
    const election = new LockLeaderElection('test', lock, fast);
    const log: string[] = [];
    const campaign = election.campaign('relay', {
      onElected: async () => {
        log.push('starting');
        await sleep(30);
        log.push('started');
      },
      onDeposed: () => {
        log.push('stopped');
      },
    });
    while (!log.includes('starting')) await sleep(1);
    lock.drop();
    await campaign;
    while (log.length < 3) await sleep(1);
    // (It may be elected again afterwards: the table is free once it stood aside.)
    expect(log.slice(0, 3)).toEqual(['starting', 'started', 'stopped']);
    await election.close();
  });

  it('steps down when the work cannot start, and tries again later', async () => {
    const table = new Map<string, TableLock>();
    const election = new LockLeaderElection('test', new TableLock(table), fast);
    let attempts = 0;
    const stopped: number[] = [];
    const campaign = await election.campaign('credits', {
      onElected: () => {
        attempts += 1;
        if (attempts < 3) throw new Error('broker down');
      },
      onDeposed: () => {
        stopped.push(attempts);
      },
    });
    while (!campaign.leading) await sleep(5);
    expect(attempts).toBe(3);
    expect(stopped).toEqual([1, 2]); // each failed start was stopped before the next
    await election.close();
    expect(stopped).toEqual([1, 2, 3]);
  });

  it('hands the name to a standby when the leader resigns', async () => {
    const table = new Map<string, TableLock>();
    const [a, b] = [new LockLeaderElection('test', new TableLock(table), fast), new LockLeaderElection('test', new TableLock(table), fast)];
    const first = await a.campaign('expiry', { onElected: () => undefined, onDeposed: () => undefined });
    const second = await b.campaign('expiry', { onElected: () => undefined, onDeposed: () => undefined });
    expect([first.leading, second.leading]).toEqual([true, false]);
    await first.resign();
    while (!second.leading) await sleep(5);
    await Promise.all([a.close(), b.close()]);
    expect(table.size).toBe(0);
  });
});

describe('InProcessLeaderElection', () => {
  it('leads at once and is deposed on close', async () => {
    const election = new InProcessLeaderElection();
    const log: string[] = [];
    const campaign = await election.campaign('relay', { onElected: () => void log.push('elected'), onDeposed: () => void log.push('deposed') });
    expect(campaign.leading).toBe(true);
    await election.close();
    expect(log).toEqual(['elected', 'deposed']);
  });
});
