import { randomBytes } from 'node:crypto';

/** Time comes in through this port so tests (and the simulation) can move it. */
export interface Clock {
  now(): Date;
}
export const systemClock: Clock = { now: () => new Date() };
export const CLOCK = Symbol('CLOCK');

/** How often a SharedClock reads its reference again. */
export const SHARED_CLOCK_SYNC_MS = 10_000;
/**
 * The longest round trip of a reading a SharedClock takes when it has a better one: the reference is
 * read somewhere in the round trip, so a reading is off by up to half of it (here at most 100 ms).
 */
export const SHARED_CLOCK_MAX_ROUND_TRIP_MS = 200;

/**
 * This machine's clock set right by one every replica shares (the timer store's: the database's or
 * Redis's), read again every SHARED_CLOCK_SYNC_MS. The timers run by that reference; a replica whose
 * own clock ran fast decided joins and claims by it and refused them as past a deadline the timers,
 * the read side and every other replica still held open. An offset, not a read per decision: a hot
 * packet's claims read no clock of another machine. A failed reading keeps the last offset.
 */
export class SharedClock implements Clock {
  private offsetMs = 0;
  /** The round trip of the reading the offset comes from (none yet: any reading is better than none). */
  private offsetRoundTripMs = Infinity;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly reference: () => Promise<Date>,
    private readonly maxRoundTripMs = SHARED_CLOCK_MAX_ROUND_TRIP_MS,
  ) {}

  /** A shared clock that has read its reference once (offset 0 if it could not) and goes on every `syncMs`. */
  static async started(reference: () => Promise<Date>, syncMs = SHARED_CLOCK_SYNC_MS): Promise<SharedClock> {
    const clock = new SharedClock(reference);
    await clock.sync();
    // A first reading that was slow (a cold connection) is taken for want of a better one: read again at once.
    if (clock.offsetRoundTripMs > clock.maxRoundTripMs && clock.offsetRoundTripMs !== Infinity) await clock.sync();
    clock.timer = setInterval(() => void clock.sync(), syncMs);
    clock.timer.unref();
    return clock;
  }

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  /**
   * Reads the reference; the offset is taken at the middle of the round trip. A reading that took
   * longer than maxRoundTripMs, and longer than the one the offset comes from, is not taken (the last
   * offset stands): its wait was not even on both sides. Under load the timer store's reading waits
   * for a pooled connection, and the database reads its clock only once it has one, moments before
   * the answer: a 2 s wait set the replica 1 s fast.
   */
  async sync(): Promise<void> {
    try {
      const before = Date.now();
      const shared = (await this.reference()).getTime();
      const after = Date.now();
      const roundTripMs = after - before;
      if (!Number.isFinite(shared) || roundTripMs > Math.max(this.maxRoundTripMs, this.offsetRoundTripMs)) return;
      this.offsetMs = shared - (before + after) / 2;
      this.offsetRoundTripMs = roundTripMs;
    } catch {
      // The store is unreachable for now: the last offset stands until the next reading.
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** A clock that only moves when told to. */
export class ManualClock implements Clock {
  constructor(private current: Date = new Date()) {}
  now(): Date {
    return new Date(this.current.getTime());
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
  set(date: Date): void {
    this.current = new Date(date.getTime());
  }
}

/** Randomness comes in through this port too: a seeded source makes a run repeatable. */
export type RandomSource = () => number;
export const RANDOM = Symbol('RANDOM');

/**
 * The default source, [0, 1) from the operating system's CSPRNG. Not Math.random: V8's xorshift128+
 * state can be solved from a few of its outputs, and a claimer who has seen their own lucky shares
 * could then tell what the next draw gives and claim only when it is a large one.
 */
export const secureRandom: RandomSource = () => randomBytes(6).readUIntBE(0, 6) / 2 ** 48;

/** A small seeded generator (mulberry32) for tests and simulations. */
export const seededRandom = (seed: number): RandomSource => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};
