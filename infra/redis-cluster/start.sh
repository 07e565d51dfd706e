#!/usr/bin/env bash
# Starts a local Redis Cluster of three primaries and three replicas from Debian's redis-server on
# 127.0.0.1:7000-7005 (no Docker), for trying Zan's read models on a cluster and for the failover
# specs. Idempotent: a cluster that already answers is reused (its nodes that are down started again). Stop it with infra/redis-cluster/stop.sh.
# Zan selects the Cluster client with REDIS_URL=redis+cluster://127.0.0.1:7000,127.0.0.1:7001,127.0.0.1:7002.
#
# Environment: REDIS_CLUSTER_RUN_DIR (infra/redis-cluster/.run: config, data, logs, pids per node),
# REDIS_CLUSTER_TIMEOUT (30 s).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RUN="${REDIS_CLUSTER_RUN_DIR:-$HERE/.run}"
TIMEOUT="${REDIS_CLUSTER_TIMEOUT:-30}"
HOST=127.0.0.1
PORTS=(7000 7001 7002 7003 7004 7005)

log() { echo "redis-cluster: $*"; }
fail() { echo "redis-cluster: $*" >&2; exit 1; }

command -v redis-server >/dev/null || fail "redis-server is needed (Debian package redis-server)"
command -v redis-cli >/dev/null || fail "redis-cli is needed (Debian package redis-tools)"

cluster_ok() { redis-cli -h "$HOST" -p "${PORTS[0]}" cluster info 2>/dev/null | grep -q '^cluster_state:ok'; }

# Ready: state ok, and every primary serving slots has a replica that holds its data (replication
# link up, its sync done). A replica that only just rejoined is "connected" in CLUSTER NODES seconds
# before its full sync ends (Redis 7 delays a diskless sync by 5 s): a primary killed meanwhile has
# no replica that can take over, and its slots stay down until it comes back.
primaries() {
  redis-cli -h "$HOST" -p "${PORTS[0]}" cluster nodes |
    awk '$3 ~ /master/ && $3 !~ /fail/ && $8 == "connected" && NF > 8 { split($2, a, "[:@]"); print a[2] }'
}
synced() {
  local port count=0
  for port in $(primaries); do
    redis-cli -h "$HOST" -p "$port" info replication | grep -q '^slave[0-9]*:.*state=online' || return 1
    count=$((count + 1))
  done
  ((count == 3))
}
wait_until_ready() {
  until cluster_ok && synced; do
    ((SECONDS < deadline)) || fail "the cluster did not reach state ok with a synced replica of each primary within ${TIMEOUT}s"
    sleep 0.2
  done
}
deadline=$((SECONDS + TIMEOUT))

# A cluster that answers is reused; a node of it that is down (killed by a failover test) is started
# again and rejoins from its nodes file, as a replica of whichever node took over its slots.
all_up() { for port in "${PORTS[@]}"; do redis-cli -h "$HOST" -p "$port" ping >/dev/null 2>&1 || return 1; done; }
if cluster_ok; then
  log "a cluster already answers on $HOST:${PORTS[0]}; using it"
  if all_up; then
    wait_until_ready
    exit 0
  fi
fi

mkdir -p "$RUN"
exec 9>"$RUN/start.lock"
flock -w "$TIMEOUT" 9 || fail "another start.sh held the lock for ${TIMEOUT}s"

for port in "${PORTS[@]}"; do
  dir="$RUN/$port"
  mkdir -p "$dir"
  if redis-cli -h "$HOST" -p "$port" ping >/dev/null 2>&1; then continue; fi
  # (9>&-: the node must not keep this script's lock.)
  # appendonly with fsync every second: a killed primary's replica has the data; the node restarts
  # from its own file when started again. The nodes file is the cluster's memory of itself.
  redis-server --port "$port" --bind "$HOST" --daemonize yes --dir "$dir" \
    --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 2000 \
    --appendonly yes --appendfsync everysec --save "" \
    --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" 9>&-
done

deadline=$((SECONDS + TIMEOUT))
for port in "${PORTS[@]}"; do
  until redis-cli -h "$HOST" -p "$port" ping >/dev/null 2>&1; do
    ((SECONDS < deadline)) || fail "node $port did not answer within ${TIMEOUT}s (log $RUN/$port/redis.log)"
    sleep 0.1
  done
done

# A node that already knows other nodes belongs to a cluster made before: wait for it to settle
# instead of creating a second one.
known="$(redis-cli -h "$HOST" -p "${PORTS[0]}" cluster info | awk -F: '/^cluster_known_nodes/ { print $2 }' | tr -d '\r')"
if [[ "$known" == 1 ]]; then
  log "creating the cluster: three primaries, one replica each"
  redis-cli --cluster create $(printf "$HOST:%s " "${PORTS[@]}") --cluster-replicas 1 --cluster-yes >"$RUN/create.log" 2>&1 ||
    { cat "$RUN/create.log" >&2; fail "cluster create failed"; }
fi

# Replicas attach a moment after the create, and a restarted node syncs again.
wait_until_ready
log "cluster ready on $HOST:${PORTS[0]}-${PORTS[-1]} (REDIS_URL=redis+cluster://$HOST:7000,$HOST:7001,$HOST:7002)"
