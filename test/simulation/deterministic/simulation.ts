import { Logger, type LoggerService } from '@nestjs/common';
import { seededRandom } from '@zan/platform';
import { NO_FAULTS, ProcessIo, type Fate, type FaultCounts, type FaultRates } from './faults';
import { CheckpointAudit, checkQuiescentWorld } from './invariants';
import { DurableWorld, SimulatedProcess } from './simulated-process';
import { VirtualTime } from './virtual-time';
import { merchantSetup, paymentRequests } from './payments-workload';
import { groupBuyRequests, productSetup } from './group-buys-workload';
import { randomRequests, sendWithRetries, setupRequests, type Answer, type Client, type Request } from './workload';

export interface SimulationOptions {
  /** Requests after the setup (default 60). */
  requests?: number;
  /** Keep a trace of every fault, crash, retry and log line (for replaying one seed). */
  trace?: boolean;
  /** Fault rates; default: drawn from the seed. */
  rates?: FaultRates;
  /** Crashes at most per run (default 4). */
  maxCrashes?: number;
  /** False models the idempotency interceptor before it abandoned a key on a 5xx (default true). */
  abandonsOnServerError?: boolean;
  /** Add a merchant and payments by code, drawn from their own source (the other draws stay as they are). */
  payments?: number;
  /**
   * Add a merchant, a product and this many group buys, drawn from their own source, with two
   * crashes aimed at the completing join: before its append (the hold stored, the join and the
   * completion not) and after it (the completion stored, no member settled, the answer lost).
   */
  groupBuys?: number;
}

/** The completing join's append on a group's stream: where the aimed crashes strike, in this order. */
const COMPLETING_JOIN = /^append group-buy-\S+ \(GroupBuyJoined,GroupBuyCompleted\)$/;
const AIMED_CRASHES: Fate[] = ['crash-before', 'crash-after'];

export interface SeedResult {
  seed: number;
  requests: number;
  violations: string[];
  faults: FaultCounts;
  rates: FaultRates;
  events: number;
  /** Virtual timers fired: the run's work. */
  steps: number;
  virtualMs: number;
  /** Crashes aimed at a completing join that struck (group-buy runs: 0..2). */
  aimedCrashes: number;
  trace: string[];
}

const START = Date.parse('2026-12-05T00:00:00.000Z');
/** The workload may take this long with faults on; then it must settle within QUIET_MS without. */
const WORKLOAD_MS = 180_000;
const QUIET_MS = 120_000;

/** Per seed, how hostile the network and the process are: anything from calm to 8% of calls failing. */
const drawRates = (random: () => number): FaultRates => {
  const hostility = random();
  return { failBefore: 0.06 * hostility, failAfter: 0.03 * hostility, stall: 0.02 * hostility, crash: 0.004 * random() };
};

const traceLogger = (log: (line: string) => void): LoggerService => ({
  log: (message: unknown, context?: unknown) => log(`log [${String(context)}] ${String(message)}`),
  error: (message: unknown, ...rest: unknown[]) => log(`ERROR [${String(rest[rest.length - 1])}] ${String(message)}`),
  warn: (message: unknown, context?: unknown) => log(`warn [${String(context)}] ${String(message)}`),
  debug: () => undefined,
  verbose: () => undefined,
});

/**
 * One seeded run of the api's money path (see docs/reliability.md): clients send requests to the
 * real command handlers while every I/O call may fail, stall or crash the process, which restarts
 * from what is stored; then, faults off, the run must settle and every invariant must hold.
 */
export const runSeed = async (seed: number, options: SimulationOptions = {}): Promise<SeedResult> => {
  const random = seededRandom(seed);
  const time = new VirtualTime(START, random);
  const trace: string[] = [];
  const log = options.trace ? (line: string) => void trace.push(`${String(Math.round(time.now - START)).padStart(7)} ms  ${line}`) : () => undefined;
  const rates = options.rates ?? drawRates(random);
  const maxCrashes = options.maxCrashes ?? 4;
  const counts: FaultCounts = { calls: 0, failBefore: 0, failAfter: 0, stalls: 0, crashes: 0 };
  const world = new DurableWorld();
  const checkpoints = new CheckpointAudit(world);
  const clock = { now: () => new Date(time.now) };
  let faultsOn = true;
  let crashed = false;
  let lives = 0;
  let process!: SimulatedProcess;

  const aimed = options.groupBuys ? [...AIMED_CRASHES] : [];
  const boot = () => {
    const calm = !faultsOn ? NO_FAULTS : counts.crashes >= maxCrashes ? { ...rates, crash: 0 } : rates;
    const io = new ProcessIo(calm, random, counts, log, () => (crashed = true));
    io.aimed = (what) => (faultsOn && aimed.length > 0 && COMPLETING_JOIN.test(what) ? aimed.shift() : undefined);
    process = new SimulatedProcess(world, io, clock, random, (name, position) => checkpoints.onSave(name, position));
    lives += 1;
    log(`process started (life ${lives})`);
    // A singleton that cannot start makes Nest's bootstrap fail: the process exits and is restarted.
    process.start().catch((error: unknown) => io.kill(`start failed: ${String(error)}`));
  };
  const restartIfDead = () => {
    if (!crashed) return;
    crashed = false;
    time.dropProcessTimers();
    process.bury();
    time.clientTimer(100 + Math.floor(random() * 900), boot);
  };

  const client: Client = {
    process: () => process,
    sleep: (ms) => time.sleep(ms),
    random,
    trace: log,
    abandonsOnServerError: options.abandonsOnServerError ?? true,
  };
  const answers: { request: Request; answer: Answer }[] = [];
  const send = async (request: Request) => {
    log(`send ${request.describe} (key ${request.key})`);
    answers.push({ request, answer: await sendWithRetries(client, request) });
  };
  const users = Array.from({ length: 3 + Math.floor(random() * 4) }, (_, i) => `u${i}`);
  const count = options.requests ?? 60;
  const requests = randomRequests(random, users, count, 20_000);
  const payments = options.payments ? paymentRequests(seed, users, options.payments, 20_000) : undefined;
  if (payments) requests.push(...payments.requests);
  if (options.groupBuys) requests.push(...groupBuyRequests(seed, users, options.groupBuys, 20_000));
  let workloadDone = false;

  const logger = traceLogger(log);
  Logger.overrideLogger(logger);
  time.install();
  try {
    boot();
    void (async () => {
      const setups = users.map((userId) => setupRequests([userId]));
      if (payments || options.groupBuys) setups.push([...merchantSetup(payments?.codes ?? []), ...(options.groupBuys ? productSetup() : [])]);
      await Promise.all(setups.map(async (setup) => setup.reduce((previous, r) => previous.then(() => send(r)), Promise.resolve())));
      await Promise.all(requests.map(async (request) => time.sleep(request.at).then(() => send(request))));
      workloadDone = true;
    })();
    const violations: string[] = [];
    if (!(await time.run(() => workloadDone, START + WORKLOAD_MS, restartIfDead))) violations.push(`the workload did not finish in ${WORKLOAD_MS} ms`);

    faultsOn = false;
    process.io.rates = NO_FAULTS;
    log('faults off');
    const head = () => BigInt(world.events.size);
    const quiet = () => !crashed && process.alive && process.credits.handledThrough === head() && world.timers.size === 0;
    if (!(await time.run(quiet, time.now + QUIET_MS, restartIfDead))) {
      violations.push(
        `not quiet ${QUIET_MS} ms after faults stopped: credits handled through ${process.credits.handledThrough} of ${head()}, ${world.timers.size} timers`,
      );
    }
    violations.push(...checkpoints.violations, ...(await checkQuiescentWorld(world, answers)));
    for (const violation of violations) log(`VIOLATION ${violation}`);
    const aimedCrashes = options.groupBuys ? AIMED_CRASHES.length - aimed.length : 0;
    return {
      seed,
      requests: count,
      violations,
      faults: counts,
      rates,
      events: world.events.size,
      steps: time.steps,
      virtualMs: time.now - START,
      aimedCrashes,
      trace,
    };
  } finally {
    time.uninstall();
    Logger.overrideLogger(['error']);
  }
};
