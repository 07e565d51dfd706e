import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { underMigrationLock, type SqlClient } from '@zan/event-store';

/** The clear personal data of a user, as the vault keeps it. */
export interface PersonalData {
  kind: 'individual' | 'business';
  name: string;
  number: string;
}

/**
 * The personal data vault: clear values encrypted (AES-256-GCM) under a key per user, that key
 * wrapped by the master key. `shred` destroys the user's key: what was encrypted under it can never
 * be read again (crypto-shredding), wherever a copy of the ciphertext survives.
 */
export interface PersonalDataVault {
  put(userId: string, data: PersonalData): Promise<void>;
  get(userId: string): Promise<PersonalData | undefined>;
  /** True when there was a key to destroy. */
  shred(userId: string): Promise<boolean>;
}

export const PERSONAL_DATA_VAULT = Symbol('PERSONAL_DATA_VAULT');

/** iv (12) | tag (16) | ciphertext, base64; `aad` binds a ciphertext to its user. */
const seal = (key: Buffer, plaintext: Buffer, aad: string): string => {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(aad));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
};

const open = (key: Buffer, sealed: string, aad: string): Buffer => {
  const bytes = Buffer.from(sealed, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12)).setAAD(Buffer.from(aad));
  decipher.setAuthTag(bytes.subarray(12, 28));
  return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]);
};

/** Where a vault keeps a user's wrapped key and sealed data. */
interface VaultRows {
  key(userId: string): Promise<string | undefined>;
  /** Stores the key unless one exists; answers the key that stands. */
  keepKey(userId: string, wrapped: string): Promise<string>;
  data(userId: string): Promise<string | undefined>;
  putData(userId: string, sealed: string): Promise<void>;
  deleteAll(userId: string): Promise<boolean>;
}

class Vault implements PersonalDataVault {
  constructor(
    private readonly rows: VaultRows,
    private readonly masterKey: Buffer,
  ) {}

  async put(userId: string, data: PersonalData): Promise<void> {
    let wrapped = await this.rows.key(userId);
    if (wrapped === undefined) wrapped = await this.rows.keepKey(userId, seal(this.masterKey, randomBytes(32), `key:${userId}`));
    const userKey = open(this.masterKey, wrapped, `key:${userId}`);
    await this.rows.putData(userId, seal(userKey, Buffer.from(JSON.stringify(data)), `data:${userId}`));
  }

  async get(userId: string): Promise<PersonalData | undefined> {
    const [wrapped, sealed] = await Promise.all([this.rows.key(userId), this.rows.data(userId)]);
    if (wrapped === undefined || sealed === undefined) return undefined;
    const userKey = open(this.masterKey, wrapped, `key:${userId}`);
    return JSON.parse(open(userKey, sealed, `data:${userId}`).toString()) as PersonalData;
  }

  shred(userId: string): Promise<boolean> {
    return this.rows.deleteAll(userId);
  }
}

/** Beside SQL events (PostgreSQL or embedded): two tables in the event store's schema. */
export class SqlPersonalDataVault extends Vault {
  private readonly keys: string;
  private readonly data: string;

  constructor(
    private readonly sql: SqlClient,
    private readonly schema: string,
    masterKey: Buffer,
  ) {
    const keys = `"${schema}".personal_data_keys`;
    const data = `"${schema}".personal_data`;
    super(
      {
        key: async (userId) => (await sql.query<{ wrapped: string }>(`SELECT wrapped FROM ${keys} WHERE user_id = $1`, [userId])).rows[0]?.wrapped,
        keepKey: async (userId, wrapped) => {
          await sql.query(`INSERT INTO ${keys} (user_id, wrapped) VALUES ($1, $2) ON CONFLICT (user_id) DO NOTHING`, [userId, wrapped]);
          return (await sql.query<{ wrapped: string }>(`SELECT wrapped FROM ${keys} WHERE user_id = $1`, [userId])).rows[0]!.wrapped;
        },
        data: async (userId) => (await sql.query<{ sealed: string }>(`SELECT sealed FROM ${data} WHERE user_id = $1`, [userId])).rows[0]?.sealed,
        putData: async (userId, sealed) => {
          await sql.query(`INSERT INTO ${data} (user_id, sealed) VALUES ($1, $2) ON CONFLICT (user_id) DO UPDATE SET sealed = excluded.sealed`, [
            userId,
            sealed,
          ]);
        },
        deleteAll: (userId) =>
          sql.transaction(async (tx) => {
            await tx.query(`DELETE FROM ${data} WHERE user_id = $1`, [userId]);
            const deleted = await tx.query(`DELETE FROM ${keys} WHERE user_id = $1 RETURNING user_id`, [userId]);
            return deleted.rows.length > 0;
          }),
      },
      masterKey,
    );
    this.keys = keys;
    this.data = data;
  }

  migrate(): Promise<void> {
    return underMigrationLock(this.sql, this.schema, async (tx) => {
      await tx.query(`CREATE TABLE IF NOT EXISTS ${this.keys} (user_id text PRIMARY KEY, wrapped text NOT NULL)`);
      await tx.query(`CREATE TABLE IF NOT EXISTS ${this.data} (user_id text PRIMARY KEY, sealed text NOT NULL)`);
    });
  }
}

/** Beside EventStoreDB (no SQL database): two Redis keys per user, like the api's other records there. */
export class RedisPersonalDataVault extends Vault {
  constructor(redis: Redis, prefix: string, masterKey: Buffer) {
    const keyOf = (userId: string) => `${prefix}vault:key:${userId}`;
    const dataOf = (userId: string) => `${prefix}vault:data:${userId}`;
    super(
      {
        key: async (userId) => (await redis.get(keyOf(userId))) ?? undefined,
        keepKey: async (userId, wrapped) => {
          await redis.set(keyOf(userId), wrapped, 'NX');
          return (await redis.get(keyOf(userId)))!;
        },
        data: async (userId) => (await redis.get(dataOf(userId))) ?? undefined,
        putData: async (userId, sealed) => {
          await redis.set(dataOf(userId), sealed);
        },
        deleteAll: async (userId) => (await redis.del(dataOf(userId), keyOf(userId))) > 0,
      },
      masterKey,
    );
  }
}
