import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { v5 as uuidv5 } from 'uuid';
import { ConfigError } from './zan.config';
import { loadSecrets, secretFileOf, unguessableId } from './secrets';

describe('loadSecrets', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'zan-secrets-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  const config = (overrides: Partial<Parameters<typeof loadSecrets>[0]> = {}) => ({
    env: 'development' as const,
    jwtSecret: undefined,
    idSecret: undefined,
    dataDir: join(dataDir, 'data'),
    ...overrides,
  });

  it('uses ZAN_JWT_SECRET when set, and writes nothing', () => {
    const secrets = loadSecrets(config({ jwtSecret: 'set-by-the-operator-0123' }));
    expect(secrets).toMatchObject({ jwtSecret: 'set-by-the-operator-0123', source: 'ZAN_JWT_SECRET' });
    expect(() => statSync(secretFileOf(config()))).toThrow(/ENOENT/);
  });

  it('generates a random secret into the data folder (mode 0600) once, then reuses it', () => {
    const first = loadSecrets(config());
    const file = secretFileOf(config());
    expect(first.source).toEqual({ file, created: true });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(first.jwtSecret).toBe(readFileSync(file, 'utf8').trim());
    expect(first.jwtSecret.length).toBeGreaterThanOrEqual(43);
    const again = loadSecrets(config());
    expect(again).toMatchObject({ jwtSecret: first.jwtSecret, source: { file, created: false } });
    expect(again.idKey.equals(first.idKey)).toBe(true);
    // Another install has another secret.
    const other = mkdtempSync(join(tmpdir(), 'zan-secrets-'));
    try {
      expect(loadSecrets(config({ dataDir: other })).jwtSecret).not.toBe(first.jwtSecret);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('refuses a secret file others can read, and production without ZAN_JWT_SECRET', () => {
    loadSecrets(config());
    chmodSync(secretFileOf(config()), 0o644);
    expect(() => loadSecrets(config())).toThrow(ConfigError);
    expect(() => loadSecrets(config())).toThrow(/readable by other users .*chmod 600/);
    expect(() => loadSecrets(config({ env: 'production' }))).toThrow('invalid setting ZAN_JWT_SECRET: required in production');
    writeFileSync(secretFileOf(config()), 'short\n', { mode: 0o600 });
    chmodSync(secretFileOf(config()), 0o600);
    expect(() => loadSecrets(config())).toThrow(/fewer than 32 characters/);
  });

  it('derives the id key from the JWT secret (not equal to it), or takes ZAN_ID_SECRET', () => {
    const derived = loadSecrets(config({ jwtSecret: 'set-by-the-operator-0123' }));
    expect(derived.idKey.length).toBe(32);
    expect(derived.idKey.toString()).not.toContain('set-by-the-operator');
    expect(loadSecrets(config({ jwtSecret: 'set-by-the-operator-0123', idSecret: 'ids-0123456789abcdef' })).idKey.toString()).toBe('ids-0123456789abcdef');
  });
});

describe('unguessableId', () => {
  const key = Buffer.from('k'.repeat(32));

  it('is a uuid (version 8), the same for the same parts', () => {
    const id = unguessableId(key, 'red-packet', 'alice', 'rp-0001');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(unguessableId(key, 'red-packet', 'alice', 'rp-0001')).toBe(id);
  });

  it('differs with another key, other parts, or the same text split otherwise', () => {
    const id = unguessableId(key, 'red-packet', 'alice', 'rp-0001');
    expect(unguessableId(Buffer.from('j'.repeat(32)), 'red-packet', 'alice', 'rp-0001')).not.toBe(id);
    expect(unguessableId(key, 'red-packet', 'bob', 'rp-0001')).not.toBe(id);
    expect(unguessableId(key, 'red-packet', 'alic', 'erp-0001')).not.toBe(id);
    // Nor is it the uuid v5 of its parts that anyone could compute.
    expect(id).not.toBe(uuidv5(['red-packet', 'alice', 'rp-0001'].join('\n'), '5f0c2f0e-2d43-4b8c-9d55-7a7a3d2b9a10'));
  });
});
