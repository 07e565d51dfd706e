import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { adaptersFor } from '../../libs/platform/src/adapters';
import { loadVaultKeys } from '../../libs/platform/src/secrets';
import { CONFIG_SCHEMA, loadConfig, type Role, type ZanConfig } from '../../libs/platform/src/zan.config';

/**
 * docker-compose.yml cannot run on Zan's build machines (no Docker engine). This keeps it honest:
 * what it sets for Zan's apps is what they read and accept, and what they need is there.
 */
import { load as parseYaml } from 'js-yaml';

interface Service {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string | number | boolean>;
  ports?: string[];
  depends_on?: Record<string, { condition?: string }>;
  healthcheck?: { test: string[] };
  stop_grace_period?: string;
}

const root = join(__dirname, '..', '..');
const compose = parseYaml(readFileSync(join(root, 'docker-compose.yml'), 'utf8')) as { services: Record<string, Service> };
const services = compose.services;

/** Zan's apps in the file, and the role each plays. */
const APPS: Record<string, Role> = { api: 'api', relay: 'relay', projector: 'projector', webhooks: 'webhooks' };
/** Read by Node itself, not by Zan's configuration: allowed in an app's environment. */
const READ_BY_NODE = ['NODE_OPTIONS', 'TZ'];
/** Values for the variables the file requires from the operator (`${NAME:?message}`). */
const OPERATOR = { ZAN_JWT_SECRET: 'a-secret-of-at-least-32-characters-000', ZAN_VAULT_MASTER_KEY: '00'.repeat(32) };

/** Compose interpolation: ${NAME}, ${NAME:-default}, ${NAME:?error}, from the operator's values. */
const interpolate = (value: string): string =>
  value.replace(/\$\{([A-Z0-9_]+)(?::?([-?])([^}]*))?\}/g, (_, name: string, kind?: string, rest?: string) => {
    const given = (OPERATOR as Record<string, string>)[name];
    if (given !== undefined) return given;
    if (kind === '-') return rest ?? '';
    throw new Error(`docker-compose.yml needs ${name} from the operator and the test has no value for it`);
  });

const envOf = (service: string): Record<string, string> =>
  Object.fromEntries(Object.entries(services[service]?.environment ?? {}).map(([k, v]) => [k, interpolate(String(v))]));

const configOf = (app: string): ZanConfig => loadConfig(envOf(app));

const hostOf = (address: string): string => new URL(address.includes('://') ? address : `tcp://${address}`).hostname;

/**
 * Why a server of this image would refuse to start with these environment variables, if it would
 * (the server's ClusterVNodeOptionsValidator): EventStoreDB up to 24.10 reads EVENTSTORE_*, KurrentDB
 * 25.0 on KURRENTDB_*; up to 25.0 MaxAppendSize may not exceed 16 MiB - 10000 bytes (TFConsts.
 * EffectiveMaxLogRecordSize); from 25.1 it may reach 256 MiB (its default) but not fall below
 * MaxAppendEventSize (default 16 MiB).
 */
const refusedAppendSize = (image: string, env: Record<string, string>): string | undefined => {
  const [major, minor] = (/:(\d+)\.(\d+)/.exec(image) ?? []).slice(1).map(Number);
  if (major === undefined || minor === undefined) return `no version in ${image}`;
  const prefix = major >= 25 ? 'KURRENTDB_' : 'EVENTSTORE_';
  const size = env[`${prefix}MAX_APPEND_SIZE`];
  if (size === undefined) return `${prefix}MAX_APPEND_SIZE is not set (or not under the prefix ${image} reads)`;
  const bytes = Number(size);
  if (major < 25 || (major === 25 && minor === 0)) {
    return bytes > 16 * 1024 * 1024 - 10_000 ? `MaxAppendSize ${bytes} exceeds ${16 * 1024 * 1024 - 10_000} on ${image}` : undefined;
  }
  const eventSize = Number(env[`${prefix}MAX_APPEND_EVENT_SIZE`] ?? 16 * 1024 * 1024);
  if (bytes > 256 * 1024 * 1024) return `MaxAppendSize ${bytes} exceeds 256 MiB on ${image}`;
  return eventSize > bytes ? `MaxAppendEventSize ${eventSize} exceeds MaxAppendSize ${bytes} on ${image}` : undefined;
};

describe('docker-compose.yml', () => {
  const settings = Object.keys(CONFIG_SCHEMA.describe().keys ?? {});

  it.each(Object.keys(APPS))('sets only variables %s reads', (app) => {
    const unknown = Object.keys(envOf(app)).filter((name) => !settings.includes(name) && !READ_BY_NODE.includes(name));
    expect(unknown).toEqual([]);
  });

  it.each(Object.keys(APPS))('gives %s values it accepts: EventStoreDB, Kafka and Redis, in production mode', (app) => {
    const config = configOf(app);
    expect(config.env).toBe('production');
    expect(config.jwtSecret).toBeDefined();
    // Published ports reach a container's own interface, not its loopback.
    expect(config.host).toBe('0.0.0.0');
    expect(config.eventStore.kind).toBe('eventstoredb');
    expect(config.kafka).toBeDefined();
    expect(config.redis).toBeDefined();
  });

  it.each(Object.keys(APPS))('has every service %s needs, healthy before it starts', (app) => {
    const config = configOf(app);
    const needs = adaptersFor([APPS[app]]);
    const required = [
      ...(needs.eventStore && config.eventStore.kind === 'eventstoredb' ? [hostOf(config.eventStore.url)] : []),
      ...(needs.bus && config.kafka ? config.kafka.brokers.map(hostOf) : []),
      ...(needs.readModels && config.redis ? [hostOf(config.redis.url)] : []),
    ];
    expect(required.length).toBeGreaterThan(0);
    for (const host of new Set(required)) {
      expect(services[host]).toBeDefined();
      expect(services[host].healthcheck?.test.length).toBeGreaterThan(0);
      expect(services[app].depends_on?.[host]).toEqual({ condition: 'service_healthy' });
    }
  });

  it.each(Object.keys(APPS))('builds %s from this repository, runs its entry point and probes the port it listens on', (app) => {
    const service = services[app];
    expect(service.build).toBe('.');
    expect(existsSync(join(root, 'Dockerfile'))).toBe(true);
    // The same node flags as the image's CMD and `npm start` (the young generation's size).
    expect(service.command).toEqual(['node', '--max-semi-space-size=32', `dist/apps/${app}/src/main.js`]);
    expect(readFileSync(join(root, 'Dockerfile'), 'utf8')).toContain('"--max-semi-space-size=32"');
    expect(existsSync(join(root, 'apps', app, 'src', 'main.ts'))).toBe(true);
    const config = configOf(app);
    const port = { api: config.port, relay: config.relayPort, projector: config.projectorPort, webhooks: config.webhooksPort }[APPS[app]];
    expect(service.healthcheck?.test.join(' ')).toContain(`http://127.0.0.1:${port}/health/`);
    expect(service.ports).toContain(`${port}:${port}`);
  });

  it("gives each app time to stop gracefully: the requests in flight, then the app's close, before Docker's SIGKILL", () => {
    // Compose durations as written here: "30s", "1m30s"; Docker's default is 10 s.
    const seconds = (duration = '10s'): number =>
      [...duration.matchAll(/(\d+)(h|m|s)/g)].reduce((sum, [, n, unit]) => sum + Number(n) * { h: 3600, m: 60, s: 1 }[unit as 'h' | 'm' | 's'], 0);
    for (const app of Object.keys(APPS)) {
      // SIGTERM waits up to ZAN_SHUTDOWN_TIMEOUT_MS for requests, then the relay publishes and saves
      // its checkpoint, the projector commits and leaves its group: at least as long again.
      expect(seconds(services[app]?.stop_grace_period) * 1000).toBeGreaterThanOrEqual(2 * configOf(app).shutdownTimeoutMs);
    }
  });

  it('gives each app the secrets production requires of its roles (the api: the vault key)', () => {
    for (const app of Object.keys(APPS)) {
      const config = configOf(app);
      if (adaptersFor([APPS[app]]).durableStores) expect(() => loadVaultKeys(config)).not.toThrow();
    }
    expect(adaptersFor(['api']).durableStores).toBe(true);
  });

  it("lets the image's user write the data folder of its default command (the embedded store)", () => {
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    const image = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    const user = /^USER (\S+)$/m.exec(image)?.[1];
    expect(user).toBeDefined();
    expect(loadConfig({}).dataDir).toBe('./data');
    // Everything before USER is created by root: the folder must be handed over before the user switch.
    const asRoot = image.slice(0, image.indexOf(`\nUSER ${user}`));
    expect(asRoot).toMatch(new RegExp(`^RUN .*chown ${user}(:${user})? (\\./)?data\\b`, 'm'));
  });

  it('builds and runs the image on Node 24, a release line that still gets fixes (Node 20 reached its end of life on 2026-04-30)', () => {
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    const bases = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((match) => match[1]);
    expect(bases).toEqual(['node:24-bookworm-slim', 'node:24-bookworm-slim']);
  });

  it('runs EventStoreDB in insecure dev mode, with appends large enough for the contract suite', () => {
    const env = envOf('eventstoredb');
    expect(services.eventstoredb.image).toMatch(/kurrentdb:\d+\.\d+/);
    expect(env.KURRENTDB_INSECURE).toBe('true');
    expect(Number(env.KURRENTDB_MAX_APPEND_SIZE)).toBeGreaterThanOrEqual(2 * 1024 * 1024);
    expect(refusedAppendSize(services.eventstoredb.image!, env)).toBeUndefined();
    // Insecure means no TLS: the apps must not ask for it.
    expect(configOf('api').eventStore).toMatchObject({ url: expect.stringContaining('tls=false') });
  });

  it('documents a server for the EventStoreDB contract suite that starts: the image pinned here, with settings it accepts', () => {
    const documents = ['README.md', 'libs/event-store/README.md', 'libs/event-store/src/eventstoredb/eventstoredb-event-store.int-spec.ts'];
    for (const document of documents) {
      const text = readFileSync(join(root, document), 'utf8').replace(/\\\n[\s*]*/g, ' ');
      const runs = [...text.matchAll(/docker run [^\n]*?(\S+kurrentdb:\S+)/g)];
      expect({ document, runs: runs.length }).toEqual({ document, runs: 1 });
      const [command, image] = runs[0]!;
      const env = Object.fromEntries([...command.matchAll(/-e ([A-Z0-9_]+)=(\S+)/g)].map((m) => [m[1]!, m[2]!]));
      expect({ document, image }).toEqual({ document, image: services.eventstoredb.image });
      expect({ document, refused: refusedAppendSize(image!, env) }).toEqual({ document, refused: undefined });
    }
  });

  it('runs Kafka in KRaft mode on one node, with the internal topics it needs', () => {
    const env = envOf('kafka');
    expect(env.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(env.CLUSTER_ID).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(env.KAFKA_CONTROLLER_QUORUM_VOTERS).toBe(`${env.KAFKA_NODE_ID}@kafka:9093`);
    expect(env.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR).toBe('1');
    expect(env.KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR).toBe('1');
    expect(env.KAFKA_ADVERTISED_LISTENERS).toContain(`PLAINTEXT://${configOf('relay').kafka!.brokers[0]}`);
  });
});
