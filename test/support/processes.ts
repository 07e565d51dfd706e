import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '../..');

export interface AppProcess {
  name: string;
  child: ChildProcess;
  output: () => string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** This process's environment with Zan's test defaults and `env` over it; an undefined value unsets the variable. */
const processEnv = (env: Record<string, string | undefined>): NodeJS.ProcessEnv => {
  const merged: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'test',
    PORT: '0',
    ZAN_RELAY_PORT: '0',
    ZAN_PROJECTOR_PORT: '0',
    ZAN_WEBHOOKS_PORT: '0',
    ...env,
  };
  for (const [name, value] of Object.entries(merged)) if (value === undefined) delete merged[name];
  return merged;
};

/** Starts one of Zan's apps as a real process from its TypeScript entry point. */
export const startApp = async (
  app: 'api' | 'relay' | 'projector' | 'webhooks' | 'zan',
  env: Record<string, string | undefined>,
  ready: RegExp,
  timeoutMs = 60_000,
): Promise<AppProcess> => {
  const child = spawn(process.execPath, ['--require', join(__dirname, 'register-ts.js'), join(ROOT, 'apps', app, 'src', 'main.ts')], {
    cwd: ROOT,
    // Port 0: each process listens on a free port (it prints which), so parallel specs never collide.
    env: processEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${app} not ready in ${timeoutMs} ms:\n${output.slice(-3000)}`)), timeoutMs);
    const check = () => {
      if (ready.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    child.stderr!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${app} exited with ${code}:\n${output.slice(-3000)}`));
    });
  });
  return {
    name: app,
    child,
    output: () => output,
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
};

export interface SpawnedApp {
  child: ChildProcess;
  output: () => string;
  /** Resolves with how the process ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves when the output matches, rejects when the process ends first or after `timeoutMs`. */
  ready(pattern: RegExp, timeoutMs?: number): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Starts one of Zan's apps without waiting for it: for processes expected to die on their own. `main`
 * replaces the app's entry point (a test entry that wraps the app, as crashing-projector.main.ts).
 */
export const spawnApp = (
  app: 'api' | 'relay' | 'projector' | 'webhooks' | 'zan',
  env: Record<string, string | undefined>,
  main = join(ROOT, 'apps', app, 'src', 'main.ts'),
): SpawnedApp => {
  const child = spawn(process.execPath, ['--require', join(__dirname, 'register-ts.js'), main], {
    cwd: ROOT,
    env: processEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    output: () => output,
    exited,
    ready: async (pattern, timeoutMs = 60_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(output)) {
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${app} ended before ${pattern}:\n${output.slice(-3000)}`);
        if (Date.now() > deadline) throw new Error(`${app} not ready in ${timeoutMs} ms:\n${output.slice(-3000)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    kill: async (signal = 'SIGKILL') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
};
