/** The generation before any rebuild: the active-generation pointer is unset until the first switch. */
export const INITIAL_GENERATION = 'g0';

const GENERATION = /^g[0-9]+$/;
/** Keys of the store itself, outside every generation (after the prefix). */
const CONTROL = { active: 'generation', sequence: 'generation-seq', lease: 'rebuild' } as const;
export type ControlKey = keyof typeof CONTROL;

/**
 * Where the store's keys live: data in generations, `<prefix><generation>:<logical key>`, and the
 * control keys (the active-generation pointer, its sequence, the rebuild lease) beside them.
 */
export class Keyspace {
  constructor(readonly prefix: string) {}

  key(generation: string, logical: string): string {
    return `${this.prefix}${generation}:${logical}`;
  }

  control(name: ControlKey): string {
    return this.prefix + CONTROL[name];
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
