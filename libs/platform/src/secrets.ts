import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError, type ZanConfig } from './zan.config';

/** The keys of an install: never in the repository, never a default anyone else knows. */
export interface ZanSecrets {
  /** HS256 key of every bearer token. */
  jwtSecret: string;
  /** Key of unguessableId: ids that grant something to whoever knows them (red packets, codes). */
  idKey: Buffer;
  /** Where the JWT secret came from: `ZAN_JWT_SECRET`, or the file generated in the data folder. */
  source: 'ZAN_JWT_SECRET' | { file: string; created: boolean };
}

export const ZAN_SECRETS = Symbol('ZAN_SECRETS');

/** The file holding the generated JWT secret (ZAN_JWT_SECRET unset, outside production). */
export const secretFileOf = (config: Pick<ZanConfig, 'dataDir'>): string => join(config.dataDir, 'jwt-secret');

const MIN_GENERATED_LENGTH = 32;

/** The file holding the generated vault master key (ZAN_VAULT_MASTER_KEY unset, outside production). */
export const vaultKeyFileOf = (config: Pick<ZanConfig, 'dataDir'>): string => join(config.dataDir, 'vault-master-key');

const readSecretFile = (file: string, setting = 'ZAN_JWT_SECRET'): string => {
  const mode = statSync(file).mode & 0o777;
  // Like ssh with its keys: a secret others can read mints admin tokens for them.
  if ((mode & 0o077) !== 0) {
    throw new ConfigError(`invalid setting ${setting}: ${file} is readable by other users (mode ${mode.toString(8)}); chmod 600 it`);
  }
  const secret = readFileSync(file, 'utf8').trim();
  if (secret.length < MIN_GENERATED_LENGTH) {
    throw new ConfigError(`invalid setting ${setting}: ${file} holds fewer than ${MIN_GENERATED_LENGTH} characters; delete it to generate a new one`);
  }
  return secret;
};

/** 32 bytes from hex (64 digits) or base64/base64url (43-44 characters). */
const keyBytes = (value: string): Buffer => (/^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64'));

/**
 * Written and on the disk before it is used: a secret lost to a power cut after the first start would
 * make every token invalid and, for the vault's key, every sealed name unreadable.
 */
const writeDurably = (file: string, text: string): void => {
  const fd = openSync(file, 'wx', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
};

/** The folder's entries on the disk too (the new link), where the platform can sync a folder. */
const syncFolder = (folder: string): void => {
  try {
    const fd = openSync(folder, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Not every platform opens or syncs a folder (Windows): the file itself is synced.
  }
};

/**
 * The secret in `file`, generated (256 random bits, mode 0600) when there is none. Created under
 * another name and linked into place, so two processes starting together agree on one secret and
 * neither ever reads a half-written file.
 */
export const readOrCreateSecretFile = (file: string, setting = 'ZAN_JWT_SECRET'): { secret: string; created: boolean } => {
  try {
    return { secret: readSecretFile(file, setting), created: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const draft = `${file}.${process.pid}.${randomBytes(6).toString('hex')}`;
  writeDurably(draft, `${randomBytes(32).toString('base64url')}\n`);
  try {
    linkSync(draft, file);
    syncFolder(dirname(file));
    return { secret: readSecretFile(file, setting), created: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return { secret: readSecretFile(file, setting), created: false };
  } finally {
    unlinkSync(draft);
  }
};

/**
 * The install's secrets: ZAN_JWT_SECRET when set (required in production), else the one generated
 * into the data folder on first use (the api and `zan token` share it). The id key is ZAN_ID_SECRET,
 * or derived from the JWT secret with HKDF under its own label (a JWT never reveals it).
 */
export const loadSecrets = (config: Pick<ZanConfig, 'env' | 'jwtSecret' | 'idSecret' | 'dataDir'>): ZanSecrets => {
  let jwtSecret = config.jwtSecret;
  let source: ZanSecrets['source'] = 'ZAN_JWT_SECRET';
  if (jwtSecret === undefined) {
    if (config.env === 'production') throw new ConfigError('invalid setting ZAN_JWT_SECRET: required in production');
    const file = secretFileOf(config);
    const generated = readOrCreateSecretFile(file);
    jwtSecret = generated.secret;
    source = { file, created: generated.created };
  }
  const idKey =
    config.idSecret !== undefined ? Buffer.from(config.idSecret) : Buffer.from(hkdfSync('sha256', jwtSecret, Buffer.alloc(0), 'zan/unguessable-ids/v1', 32));
  return { jwtSecret, idKey, source };
};

/** The keys of the personal data vault (only the api needs them). */
export interface VaultKeys {
  /** Wraps every user's key (AES-256-GCM); destroying a user's wrapped key shreds their data. */
  masterKey: Buffer;
  /** HMAC key of the hashes of names and ID numbers that events carry instead of the clear values. */
  hashKey: Buffer;
}

export const ZAN_VAULT_KEYS = Symbol('ZAN_VAULT_KEYS');

/**
 * ZAN_VAULT_MASTER_KEY (required in production), else one generated into the data folder (mode 0600,
 * like the JWT secret). The hash key is ZAN_PII_HASH_KEY, or derived from the master key with HKDF.
 */
export const loadVaultKeys = (config: Pick<ZanConfig, 'env' | 'dataDir' | 'vaultMasterKey' | 'piiHashKey'>): VaultKeys => {
  let masterKey: Buffer;
  if (config.vaultMasterKey !== undefined) masterKey = keyBytes(config.vaultMasterKey);
  else if (config.env === 'production') throw new ConfigError('invalid setting ZAN_VAULT_MASTER_KEY: required in production');
  else {
    const generated = readOrCreateSecretFile(vaultKeyFileOf(config), 'ZAN_VAULT_MASTER_KEY').secret;
    masterKey = Buffer.from(hkdfSync('sha256', generated, Buffer.alloc(0), 'zan/vault-master/v1', 32));
  }
  const hashKey =
    config.piiHashKey !== undefined ? Buffer.from(config.piiHashKey) : Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'zan/pii-hash/v1', 32));
  return { masterKey, hashKey };
};

/**
 * An id that grants something to whoever knows it (a red packet to claim, a payment code to pay):
 * HMAC-SHA256 of its parts under the install's id key, laid out as a uuid (version 8, 122 bits of
 * the MAC). The same parts give the same id (an idempotent retry finds its resource again); without
 * the key nobody can compute it from the sender and the Idempotency-Key.
 */
export const unguessableId = (key: Buffer, ...parts: string[]): string => {
  // Length-prefixed parts: ('a', 'bc') and ('ab', 'c') never collide.
  const mac = createHmac('sha256', key);
  for (const part of parts) mac.update(`${Buffer.byteLength(part)}:${part};`);
  const bytes = mac.digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};
