import { randomBytes } from 'node:crypto';

/** Time comes in through this port so tests (and the simulation) can move it. */
export interface Clock {
  now(): Date;
}
export const systemClock: Clock = { now: () => new Date() };
export const CLOCK = Symbol('CLOCK');

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
