import { runSeed } from './simulation';

/**
 * `npm run sim -- --seed S` replays one seed and prints its trace; `npm run sim -- --seeds N
 * [--seed S]` runs seeds S..S+N-1 and prints the failing ones. `--requests R` sets the workload,
 * `--payments P` adds a merchant and P payments by code, `--group-buys G` a merchant, a product and G
 * group buys (with crashes aimed at a completing join).
 */
const argument = (name: string): number | undefined => {
  const at = process.argv.indexOf(`--${name}`);
  return at < 0 ? undefined : Number(process.argv[at + 1]);
};

const main = async (): Promise<void> => {
  const seeds = argument('seeds');
  const first = argument('seed') ?? 1;
  const requests = argument('requests');
  const payments = argument('payments');
  const groupBuys = argument('group-buys');
  if (seeds === undefined) {
    const result = await runSeed(first, { trace: true, requests, payments, groupBuys });
    for (const line of result.trace) console.log(line);
    console.log(`seed ${first}: ${result.events} events, ${result.steps} steps, faults ${JSON.stringify(result.faults)}`);
    console.log(result.violations.length === 0 ? 'every invariant held' : `${result.violations.length} violations:\n${result.violations.join('\n')}`);
    process.exitCode = result.violations.length === 0 ? 0 : 1;
    return;
  }
  const started = Date.now();
  const failed: number[] = [];
  for (let seed = first; seed < first + seeds; seed += 1) {
    const result = await runSeed(seed, { requests, payments, groupBuys });
    if (result.violations.length > 0) {
      failed.push(seed);
      console.log(`seed ${seed}: ${result.violations[0]}${result.violations.length > 1 ? ` (+${result.violations.length - 1} more)` : ''}`);
    }
  }
  console.log(`${seeds} seeds from ${first}: ${failed.length} failed, in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (failed.length > 0) console.log(`replay one: npm run sim -- --seed ${failed[0]}`);
  process.exitCode = failed.length === 0 ? 0 : 1;
};

void main();
