#!/usr/bin/env bash
# Stops the brokers that infra/kafka/start.sh started, and nothing else. A no-op when none runs.
#   stop.sh [--brokers 1|3] [--clean]
# --brokers 3 stops the three-node cluster (the single node is left alone, and the other way round).
# --clean also removes their data (topics, offsets, logs), so the next start formats a new cluster.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-60}"

usage() { echo "usage: $0 [--brokers 1|3] [--clean]" >&2; exit 2; }
clean=false
brokers=1
while (($# > 0)); do
  case "$1" in
    --clean) clean=true ;;
    --brokers)
      brokers="${2:-}"
      [[ "$brokers" == 1 || "$brokers" == 3 ]] || usage
      shift
      ;;
    *) usage ;;
  esac
  shift
done

if ((brokers == 1)); then
  BASE_RUN="${KAFKA_RUN_DIR:-$HERE/.run}"
  RUNS=("$BASE_RUN")
else
  BASE_RUN="${KAFKA_RUN_DIR:-$HERE/.run-cluster}"
  RUNS=("$BASE_RUN/node-1" "$BASE_RUN/node-2" "$BASE_RUN/node-3")
fi

log() { echo "kafka: $*"; }

# True when the pid is a broker start.sh started with that run folder (pids get reused).
is_our_broker() {
  local pid="$1" run="$2"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null &&
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "kafka.Kafka $run/server.properties"
}

# SIGTERM runs each broker's controlled shutdown (logs flushed, leadership handed over); all of a
# cluster's nodes are asked at once, since the last ones cannot shut down cleanly without a quorum.
stopping=()
for run in "${RUNS[@]}"; do
  pid=""
  [[ -f "$run/kafka.pid" ]] && pid="$(<"$run/kafka.pid")"
  if is_our_broker "$pid" "$run"; then
    kill -TERM "$pid"
    stopping+=("$pid")
  fi
  rm -f "$run/kafka.pid"
done

deadline=$((SECONDS + STOP_TIMEOUT))
for pid in "${stopping[@]}"; do
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      log "broker (pid $pid) still running after ${STOP_TIMEOUT}s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    sleep 0.2
  done
  log "broker (pid $pid) stopped"
done
((${#stopping[@]} > 0)) || log "no broker started by start.sh is running"

if $clean; then
  rm -rf "$BASE_RUN"
  log "removed ${BASE_RUN#"$HERE"/}"
fi
