#!/usr/bin/env bash
# Stops the Redis Cluster that infra/redis-cluster/start.sh started, and nothing else.
# --clean also removes its data and its nodes files, so the next start creates a new cluster.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RUN="${REDIS_CLUSTER_RUN_DIR:-$HERE/.run}"
clean=false
case "${1:-}" in
  "") ;;
  --clean) clean=true ;;
  *) echo "usage: $0 [--clean]" >&2; exit 2 ;;
esac

stopped=0
for pidfile in "$RUN"/*/redis.pid; do
  [[ -f "$pidfile" ]] || continue
  pid="$(<"$pidfile")"
  # Only a redis-server started with this run folder (pids get reused).
  if kill -0 "$pid" 2>/dev/null && [[ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" == "$(dirname "$pidfile")" ]]; then
    kill -TERM "$pid"
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    stopped=$((stopped + 1))
  fi
  rm -f "$pidfile"
done
echo "redis-cluster: stopped $stopped node(s)"
if $clean; then
  rm -rf "$RUN"
  echo "redis-cluster: removed ${RUN#"$HERE"/}"
fi
