import Redis, { Cluster } from 'ioredis';
import { tagOf } from './shards';

/** A single Redis or a Redis Cluster: the read models run on either (see shards.ts). */
export type RedisClient = Redis | Cluster;

const CLUSTER_SCHEME = 'redis+cluster:';

/** Whether a URL names a Redis Cluster by its seed nodes: `redis+cluster://host:port,host:port,...`. */
export const isClusterUrl = (url: string): boolean => url.startsWith(`${CLUSTER_SCHEME}//`);

/**
 * The seed nodes of a `redis+cluster://[user:password@]host:port,host:port,...` URL, and its
 * credentials (given to every node).
 */
export const clusterSeeds = (url: string): { nodes: { host: string; port: number }[]; username?: string; password?: string } => {
  if (!isClusterUrl(url)) throw new Error(`not a redis+cluster:// URL: ${url}`);
  let rest = url.slice(CLUSTER_SCHEME.length + 2).replace(/\/.*$/, '');
  let username: string | undefined;
  let password: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const [user, pass] = rest.slice(0, at).split(':', 2);
    username = user ? decodeURIComponent(user) : undefined;
    password = pass !== undefined ? decodeURIComponent(pass) : undefined;
    rest = rest.slice(at + 1);
  }
  const nodes = rest.split(',').map((seed) => {
    const colon = seed.lastIndexOf(':');
    const host = colon < 0 ? seed : seed.slice(0, colon);
    const port = colon < 0 ? 6379 : Number(seed.slice(colon + 1));
    if (!host || !Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`bad seed node ${JSON.stringify(seed)} in ${CLUSTER_SCHEME}//`);
    return { host, port };
  });
  return { nodes, ...(username ? { username } : {}), ...(password !== undefined ? { password } : {}) };
};

/**
 * Opens a client for a REDIS_URL: `redis://` and `rediss://` one node, `redis+cluster://` seed nodes of
 * a cluster (ioredis's Cluster client: it learns the slots, follows MOVED and ASK, and finds a
 * promoted replica after a failover). socketTimeout: a connection that answers nothing for 10 s after
 * a command is dead (no reset comes after a failover or a lost NAT entry); ioredis drops it and reconnects.
 */
export const openRedis = (url: string, options: { maxRetriesPerRequest?: number; enableOfflineQueue?: boolean; lazyConnect?: boolean } = {}): RedisClient => {
  if (!isClusterUrl(url)) return new Redis(url, { socketTimeout: 10_000, ...options });
  const { nodes, username, password } = clusterSeeds(url);
  const { maxRetriesPerRequest, ...clusterOptions } = options;
  return new Cluster(nodes, {
    // A failover takes the cluster a few seconds (node timeout, then the replica's election): keep
    // commands queued and retry them meanwhile rather than fail at once.
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 300,
    retryDelayOnTryAgain: 200,
    ...clusterOptions,
    redisOptions: { socketTimeout: 10_000, username, password, ...(maxRetriesPerRequest === undefined ? {} : { maxRetriesPerRequest }) },
  });
};

export const isCluster = (redis: RedisClient): redis is Cluster => redis instanceof Cluster;

/** A primary's replica did not confirm a write in time: the write is not safe from a failover yet (transient). */
export class ReplicasBehind extends Error {
  override readonly name = 'ReplicasBehind';
}

/** How long waitForReplicas lets a primary's replica take to confirm a write. */
const REPLICA_WAIT_MS = 2_000;

/**
 * Resolves once every write this client has sent to a primary of the cluster is on one of its
 * replicas (WAIT 1 on each primary that has a replica), and throws if one does not confirm in time.
 * Redis replicates asynchronously: a failover promotes a replica without the primary's last writes,
 * so a write is safe from a failover only once a replica has it. A primary without a replica (its
 * replica failed, or the cluster has none) has nothing to wait for.
 *
 * Which primaries have a replica comes from the client's slot map, which ioredis takes again only
 * when the slots move (MOVED, a failover), never when a replica joins or fails. So the map is taken
 * again before it is believed where it says less than the cluster may hold: when it shows a primary
 * without a replica (after a failover it was taken while the old primary was down, and that one
 * comes back as the new primary's replica unseen: skipping its WAIT lost what the next failover took
 * away), and when a replica did not confirm (it may have failed since: CLUSTER SLOTS leaves a failed
 * replica out, and waiting on it refused every batch for as long as it was down). A cluster whose primaries
 * all have a replica pays nothing more; one short of a replica pays a CLUSTER SLOTS per call.
 */
export const waitForReplicas = async (cluster: Cluster, timeoutMs = REPLICA_WAIT_MS): Promise<void> => {
  let replicas = replicaCounts(cluster);
  if (cluster.nodes('master').some((node) => !replicas.get(addressOf(node)))) {
    await refreshSlots(cluster);
    replicas = replicaCounts(cluster);
  }
  await Promise.all(
    cluster.nodes('master').map(async (node) => {
      const address = addressOf(node);
      if (!replicas.get(address)) return;
      if (Number(await node.call('wait', 1, timeoutMs)) >= 1) return;
      await refreshSlots(cluster);
      if (replicaCounts(cluster).get(address)) throw new ReplicasBehind(`no replica of ${address} confirmed the read models' writes within ${timeoutMs} ms`);
    }),
  );
};

const addressOf = (node: Redis): string => `${node.options.host}:${node.options.port}`;

/** Per primary (host:port), how many replicas the client's slot map gives it. */
const replicaCounts = (cluster: Cluster): Map<string, number> => {
  const counts = new Map<string, number>();
  for (const nodes of cluster.slots) if (nodes?.[0]) counts.set(nodes[0], Math.max(counts.get(nodes[0]) ?? 0, nodes.length - 1));
  return counts;
};

/** Takes the client's slot map again (CLUSTER SLOTS: a failed replica is left out); a failure is transient. */
const refreshSlots = (cluster: Cluster): Promise<void> =>
  new Promise((resolve, reject) =>
    cluster.refreshSlotsCache((error) => (error ? reject(new ReplicasBehind(`the cluster's replicas could not be learned: ${error.message}`)) : resolve())),
  );

/** SCAN over the whole keyspace: every primary of a cluster, or the one node. */
export const scanAll = async (redis: RedisClient, pattern: string, count: number, each: (keys: string[]) => Promise<void>): Promise<void> => {
  const nodes = isCluster(redis) ? redis.nodes('master') : [redis];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, found] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', count);
      if (found.length > 0) await each(found);
      cursor = next;
    } while (cursor !== '0');
  }
};

/** UNLINK keys of any slots: one command per hash tag (a cluster refuses a command across slots). */
export const unlinkAll = async (redis: RedisClient, keys: string[]): Promise<void> => {
  const byTag = new Map<string, string[]>();
  for (const key of keys) {
    const tag = tagOf(key);
    const group = byTag.get(tag);
    if (group) group.push(key);
    else byTag.set(tag, [key]);
  }
  await Promise.all([...byTag.values()].map((group) => redis.unlink(...group)));
};
