import { shards } from './shards';

/** The generation before any rebuild: the active-generation pointer is unset until the first switch. */
export const INITIAL_GENERATION = 'g0';

const GENERATION = /^g[0-9]+$/;
/** Keys of the store itself, outside every generation (after the prefix). */
const CONTROL = { active: 'generation', sequence: 'generation-seq', lease: 'rebuild' } as const;
export type ControlKey = keyof typeof CONTROL;

/**
 * Where the store's keys live: data in generations, `<prefix><generation>:{<shard tag>}:<logical key>`
 * (see shards.ts), and the control keys (the active-generation pointer, its sequence, the rebuild
 * lease) beside them, in the control slot with every generation's watermark.
 */
export class Keyspace {
  constructor(readonly prefix: string) {
    // A brace in the prefix would become the hash tag of every key.
    if (/[{}]/.test(prefix)) throw new Error(`the read-model key prefix must not hold braces: ${prefix}`);
  }

  /** A placed key (`{tag}:<logical>`, see Shards) in a generation. */
  key(generation: string, placed: string): string {
    return `${this.prefix}${generation}:${placed}`;
  }

  /** The watermark, its pending links and the counters of skips without a stream: the control slot. */
  mark(generation: string, logical: string): string {
    return this.key(generation, shards.control(logical));
  }

  control(name: ControlKey): string {
    return `${this.prefix}${shards.controlTag}${CONTROL[name]}`;
  }

  /** A pub/sub channel, not a key (a cluster's PUBLISH reaches subscribers on every node), told when the watermark moves. */
  watermarkChannel(): string {
    return `${this.prefix}watermark-moved`;
  }

  controls(): string[] {
    return (Object.keys(CONTROL) as ControlKey[]).map((name) => this.control(name));
  }

  /** A SCAN pattern for the keys of every generation (then filtered by generationOf). */
  generationsPattern(): string {
    return `${escapeGlob(this.prefix)}g[0-9]*`;
  }

  /** The generation a key found by generationsPattern belongs to, if it is one of the store's. */
  generationOf(key: string): string | undefined {
    const generation = key.slice(this.prefix.length).split(':', 1)[0]!;
    return GENERATION.test(generation) ? generation : undefined;
  }
}

const escapeGlob = (text: string): string => text.replace(/[*?[\]\\]/g, '\\$&');
