import { constants, createReadStream, createWriteStream, existsSync } from 'node:fs';
import { access, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import type { Change } from '@zan/read-models';
import { writeChunk } from '../core/cli-io';
import { UsageError } from '../core/exit-codes';
import { KeyValueState, type DumpEntry } from './key-value-state';
import { REPLAY_FORMAT, type ReplayCheckpoint, type ReplaySpec, type ReplayState, type ReplayTarget } from './replay-target';

interface Header {
  format: typeof REPLAY_FORMAT;
  projections: string[];
  from: string | null;
  to: string;
  position: string | null;
  events: number;
  status: 'running' | 'done';
  updatedAt: string;
}

/**
 * A replay into a file: NDJSON, a header line (the replay and its checkpoint) then one line per
 * read-model key, sorted, in the live key layout. The models are built in memory and the file is
 * rewritten (temp file, then rename) every `saveEveryMs` and at the end or on Ctrl-C, so the file
 * always holds a whole state at its checkpoint; a replay killed outright resumes from the last save.
 */
export class FileReplayTarget implements ReplayTarget {
  readonly description: string;
  readonly ordered = false;
  private state = new KeyValueState();
  private spec?: ReplaySpec;
  private checkpoint: ReplayCheckpoint = { events: 0, done: false };
  private lastSave = Date.now();
  private dirty = false;

  constructor(
    private readonly path: string,
    private readonly saveEveryMs = 30_000,
  ) {
    this.description = `file:${path}`;
  }

  async open(): Promise<ReplayState | undefined> {
    // Refused before any event is read, as export refuses its --out: a usage error, not a failure after the work.
    if ((await stat(this.path).catch(() => undefined))?.isDirectory()) throw new UsageError(`${this.description} is a directory; give a file name`);
    await access(dirname(this.path), constants.W_OK).catch((error: unknown) => {
      throw new UsageError(`${this.description}: cannot write in ${dirname(this.path)}: ${error instanceof Error ? error.message : String(error)}`);
    });
    if (!existsSync(this.path)) return undefined;
    const lines = createInterface({ input: createReadStream(this.path, 'utf8'), crlfDelay: Infinity });
    let header: Header | undefined;
    for await (const line of lines) {
      if (!line) continue;
      if (!header) {
        header = parseHeader(line, this.path);
        if (!header) return undefined;
        continue;
      }
      this.state.load(JSON.parse(line) as DumpEntry);
    }
    if (!header) return undefined;
    this.spec = { projections: header.projections, from: header.from === null ? undefined : BigInt(header.from), to: BigInt(header.to) };
    this.checkpoint = { position: header.position === null ? undefined : BigInt(header.position), events: header.events, done: header.status === 'done' };
    return { spec: this.spec, checkpoint: this.checkpoint };
  }

  async isEmpty(): Promise<boolean> {
    return !existsSync(this.path);
  }

  async reset(): Promise<void> {
    await rm(this.path, { force: true });
    this.state = new KeyValueState();
    this.checkpoint = { events: 0, done: false };
  }

  async begin(spec: ReplaySpec): Promise<void> {
    this.spec = spec;
    await this.save();
  }

  async apply(changes: Change[], checkpoint: ReplayCheckpoint): Promise<void> {
    for (const change of changes) this.state.apply(change);
    this.checkpoint = checkpoint;
    this.dirty = true;
    if (checkpoint.done || Date.now() - this.lastSave >= this.saveEveryMs) await this.save();
  }

  async flush(): Promise<void> {
    if (this.dirty) await this.save();
  }

  async close(): Promise<void> {}

  private async save(): Promise<void> {
    if (!this.spec) throw new Error('replay not begun');
    const header: Header = {
      format: REPLAY_FORMAT,
      projections: this.spec.projections,
      from: this.spec.from?.toString() ?? null,
      to: this.spec.to.toString(),
      position: this.checkpoint.position?.toString() ?? null,
      events: this.checkpoint.events,
      status: this.checkpoint.done ? 'done' : 'running',
      updatedAt: new Date().toISOString(),
    };
    const temp = `${this.path}.tmp`;
    const out = createWriteStream(temp);
    try {
      let chunk = `${JSON.stringify(header)}\n`;
      for (const entry of this.state.dump()) {
        chunk += `${JSON.stringify(entry)}\n`;
        if (chunk.length > 1 << 20) {
          await writeChunk(out, chunk);
          chunk = '';
        }
      }
      await writeChunk(out, chunk);
      await new Promise<void>((resolve, reject) => {
        out.once('error', reject);
        // end's callback is also how a failed last write (a full disk) is told: never rename a short file.
        out.end((error?: Error | null) => (error ? reject(error) : resolve()));
      });
    } catch (error) {
      out.destroy();
      await rm(temp, { force: true });
      throw error;
    }
    await rename(temp, this.path);
    this.lastSave = Date.now();
    this.dirty = false;
  }
}

const parseHeader = (line: string, path: string): Header | undefined => {
  try {
    const header = JSON.parse(line) as Header;
    if (header.format === REPLAY_FORMAT) return header;
  } catch {
    // not ours: refused below
  }
  throw new UsageError(`${path} exists and is not a replay file; choose another path or pass --reset to overwrite it`);
};
