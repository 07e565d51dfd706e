import type { ZanConfig } from '../zan.config';
import { InProcessLeaderElection, type LeaderElection, LockLeaderElection } from './leader-election';
import { PostgresLeaderLock } from './postgres-leader-lock';
import { RedisLeaderLock } from './redis-leader-lock';

export * from './leader-election';
export { PostgresLeaderLock, type PostgresLeaderLockOptions } from './postgres-leader-lock';
export { RedisLeaderLock, type RedisLeaderLockOptions } from './redis-leader-lock';

/** Retried every second while standby; the leader's session is checked as often. */
export const postgresLeaderElection = (options: ConstructorParameters<typeof PostgresLeaderLock>[0], retryMs = 1000): LeaderElection =>
  new LockLeaderElection('postgres', new PostgresLeaderLock(options), { retryMs, confirmMs: retryMs });

/** Standby instances retry and the leader renews every third of the lease. */
export const redisLeaderElection = (options: ConstructorParameters<typeof RedisLeaderLock>[0]): LeaderElection => {
  const lock = new RedisLeaderLock(options);
  return new LockLeaderElection('redis', lock, { retryMs: lock.ttlMs / 3, confirmMs: lock.ttlMs / 3 });
};

/**
 * Where the singletons' locks live: beside PostgreSQL events, in PostgreSQL; beside EventStoreDB,
 * in Redis; embedded, there is one process and it always leads. Undefined: EventStoreDB without
 * Redis, where nothing shared can hold a lock (the caller warns and leads alone).
 */
export const leaderElectionFor = (config: ZanConfig): LeaderElection | undefined => {
  switch (config.eventStore.kind) {
    case 'postgres':
      return postgresLeaderElection({ connectionString: config.eventStore.url, schema: config.eventStore.schema });
    case 'eventstoredb':
      return config.redis ? redisLeaderElection({ url: config.redis.url, prefix: config.redis.prefix }) : undefined;
    case 'embedded':
      return new InProcessLeaderElection();
  }
};
