#!/usr/bin/env bash
# Stops the broker that infra/kafka/start.sh started, and nothing else. A no-op when none runs.
# --clean also removes its data (topics, offsets, logs), so the next start formats a new cluster.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RUN="${KAFKA_RUN_DIR:-$HERE/.run}"
PID_FILE="$RUN/kafka.pid"
STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-60}"

clean=false
case "${1:-}" in
  "") ;;
  --clean) clean=true ;;
  *) echo "usage: $0 [--clean]" >&2; exit 2 ;;
esac

log() { echo "kafka: $*"; }

# True when the pid is a broker start.sh started (pids get reused).
is_our_broker() {
  local pid="$1"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null &&
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "kafka.Kafka $RUN/server.properties"
}

pid=""
[[ -f "$PID_FILE" ]] && pid="$(<"$PID_FILE")"
if is_our_broker "$pid"; then
  # SIGTERM runs the broker's controlled shutdown: logs are flushed, the next start needs no recovery.
  kill -TERM "$pid"
  deadline=$((SECONDS + STOP_TIMEOUT))
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      log "broker (pid $pid) still running after ${STOP_TIMEOUT}s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    sleep 0.2
  done
  log "broker (pid $pid) stopped"
else
  log "no broker started by start.sh is running"
fi
rm -f "$PID_FILE"

if $clean; then
  rm -rf "$RUN"
  log "removed ${RUN#"$HERE"/}"
fi
