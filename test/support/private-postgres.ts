import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The newest PostgreSQL server installed (Debian's layout), or undefined: a spec needing one skips. */
export const postgresBin = (): string | undefined => {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? join(root, versions[0]!, 'bin') : undefined;
};

/**
 * A PostgreSQL server of one spec's own (its own folder and port, trust authentication), for faults
 * that stop, restart or starve the server: the shared one is never touched. initdb and postgres refuse
 * to run as root, so as root they run as the `postgres` user.
 */
export class PrivatePostgres {
  readonly dir: string;
  readonly port = 15_440 + Math.floor(Math.random() * 500);
  private readonly bin = postgresBin()!;
  private readonly asRoot = process.getuid?.() === 0;

  constructor(private readonly settings: Record<string, string> = {}) {
    this.dir = mkdtempSync(join(tmpdir(), 'zan-private-pg-'));
    if (this.asRoot) chownSync(this.dir, Number(this.run('id', ['-u', 'postgres'], false)), Number(this.run('id', ['-g', 'postgres'], false)));
    this.run(join(this.bin, 'initdb'), ['-D', join(this.dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync']);
  }

  url(user = 'postgres', database = 'postgres'): string {
    return `postgres://${user}@127.0.0.1:${this.port}/${database}`;
  }

  start(): void {
    const options = [`-p ${this.port}`, `-k ${this.dir}`, '-c listen_addresses=127.0.0.1', '-c fsync=off'];
    for (const [name, value] of Object.entries(this.settings)) options.push(`-c ${name}=${value}`);
    this.run(join(this.bin, 'pg_ctl'), ['-D', join(this.dir, 'data'), '-o', options.join(' '), '-l', join(this.dir, 'log'), '-w', '-t', '60', 'start']);
  }

  /** pg_ctl stop: `fast` (sessions told 57P01, a clean shutdown) or `immediate` (no shutdown: crash recovery at the next start). */
  stop(mode: 'fast' | 'immediate' = 'fast'): void {
    this.run(join(this.bin, 'pg_ctl'), ['-D', join(this.dir, 'data'), '-m', mode, '-w', '-t', '60', 'stop']);
  }

  /** Stops the server if it runs, and removes its folder. */
  destroy(): void {
    try {
      this.stop('immediate');
    } catch {
      // not running
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private run(command: string, args: string[], asPostgres = true): string {
    const [file, argv] = this.asRoot && asPostgres ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
    return execFileSync(file, argv, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 90_000 })
      .toString()
      .trim();
  }
}
