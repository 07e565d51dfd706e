#!/usr/bin/env bash
# Starts Kafka (KRaft) for development, tests and CI, from the Apache jars on Maven Central: no Docker,
# no tarball. Idempotent: when something already answers on a broker's port it is reused. Stop it with
# infra/kafka/stop.sh (with the same --brokers).
#
#   start.sh               one node (broker and controller in one JVM) on 127.0.0.1:9092, what npm test uses
#   start.sh --brokers 3   a three-node cluster (each node broker and controller, a three-voter quorum) on
#                          127.0.0.1:19092, 19093 and 19094 (controllers on 19192..19194), beside the single
#                          node; internal topics replicated 3 times with min.insync.replicas 2
#
# Environment: KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (KAFKA_PORT + 1), KAFKA_START_TIMEOUT (90 s),
# KAFKA_HEAP_OPTS (-Xms256m -Xmx1g; -Xms128m -Xmx512m per node of the cluster), KAFKA_VERSION (3.9.2),
# KAFKA_RUN_DIR (infra/kafka/.run, or .run-cluster for the cluster: config, data, logs, pid per node).
set -euo pipefail

# Newest 3.9.x on Maven Central. kafkajs 2.2.4 is tested against it; 4.x removed old protocol
# versions, so moving there needs the messaging integration suite to pass first.
KAFKA_VERSION="${KAFKA_VERSION:-3.9.2}"
SLF4J_BINDING_VERSION=1.7.36
MAVEN_DEPENDENCY_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.8.1

BROKERS=1
case "${1:-}" in
  "") ;;
  --brokers)
    BROKERS="${2:-}"
    [[ "$BROKERS" == 1 || "$BROKERS" == 3 ]] || { echo "usage: $0 [--brokers 1|3]" >&2; exit 2; }
    ;;
  *) echo "usage: $0 [--brokers 1|3]" >&2; exit 2 ;;
esac

HOST=127.0.0.1
TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="$HERE/.cache/kafka-$KAFKA_VERSION"

if ((BROKERS == 1)); then
  PORTS=("${KAFKA_PORT:-9092}")
  CONTROLLER_PORTS=("${KAFKA_CONTROLLER_PORT:-$((PORTS[0] + 1))}")
  HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx1g}"
  BASE_RUN="${KAFKA_RUN_DIR:-$HERE/.run}"
  REPLICAS=1
  MIN_ISR=1
else
  PORTS=(19092 19093 19094)
  CONTROLLER_PORTS=(19192 19193 19194)
  HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms128m -Xmx512m}"
  BASE_RUN="${KAFKA_RUN_DIR:-$HERE/.run-cluster}"
  REPLICAS=3
  MIN_ISR=2
fi
VOTERS=""
for i in "${!PORTS[@]}"; do VOTERS+="${VOTERS:+,}$((i + 1))@$HOST:${CONTROLLER_PORTS[$i]}"; done

# The node the functions below work on (select_node sets them).
NODE_ID=1
PORT="${PORTS[0]}"
CONTROLLER_PORT="${CONTROLLER_PORTS[0]}"
RUN="$BASE_RUN"
PID_FILE="$RUN/kafka.pid"
LOG="$RUN/kafka.log"
OUT="$RUN/kafka.out"

select_node() {
  local index="$1"
  NODE_ID=$((index + 1))
  PORT="${PORTS[$index]}"
  CONTROLLER_PORT="${CONTROLLER_PORTS[$index]}"
  if ((BROKERS == 1)); then RUN="$BASE_RUN"; else RUN="$BASE_RUN/node-$NODE_ID"; fi
  PID_FILE="$RUN/kafka.pid"
  LOG="$RUN/kafka.log"
  OUT="$RUN/kafka.out"
}

log() { echo "kafka: $*"; }
fail() { echo "kafka: $*" >&2; exit 1; }

answers() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

# True when the pid is a broker this script started (pids get reused).
is_our_broker() {
  local pid="$1"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null &&
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "kafka.Kafka $RUN/server.properties"
}

show_log_tail() {
  echo "---- last lines of $LOG" >&2
  tail -n 40 "$LOG" >&2 2>/dev/null || true
  if [[ -s "$OUT" ]]; then
    echo "---- last lines of $OUT" >&2
    tail -n 20 "$OUT" >&2
  fi
}

fetch_jars() {
  [[ -f "$CACHE/.complete" ]] && return 0
  log "fetching kafka_2.13:$KAFKA_VERSION and its runtime dependencies with Maven into ${CACHE#"$HERE"/}"
  rm -rf "$CACHE"
  mkdir -p "$CACHE"
  cat >"$CACHE/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>zan.infra</groupId>
  <artifactId>kafka-broker-jars</artifactId>
  <version>0</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId><version>$SLF4J_BINDING_VERSION</version></dependency>
  </dependencies>
</project>
EOF
  # Maven's errors are shown only when it fails, without the colour codes it prints even when quiet.
  # The marker is written last, so an interrupted fetch is done again.
  local output
  if ! output="$(mvn -B -q -f "$CACHE/pom.xml" "$MAVEN_DEPENDENCY_PLUGIN:copy-dependencies" \
    -DincludeScope=runtime -DoutputDirectory="$CACHE/libs" 2>&1)"; then
    printf '%s\n' "$output" | sed 's/\x1b\[[0-9;]*m//g' >&2
    fail "fetching the Kafka jars with Maven failed (errors above)"
  fi
  touch "$CACHE/.complete"
}

write_config() {
  cat >"$RUN/server.properties" <<EOF
# Written by infra/kafka/start.sh on every start; edit the script, not this file.
process.roles=broker,controller
node.id=$NODE_ID
controller.quorum.voters=$VOTERS
listeners=PLAINTEXT://$HOST:$PORT,CONTROLLER://$HOST:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$RUN/data

# One node: every internal topic has one replica, or consumer groups never find a coordinator.
# Three nodes: three replicas, and a write needs two of them (acks=all), so one node may fail.
default.replication.factor=$REPLICAS
min.insync.replicas=$MIN_ISR
offsets.topic.replication.factor=$REPLICAS
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=$REPLICAS
transaction.state.log.min.isr=$MIN_ISR
transaction.state.log.num.partitions=5

# The application creates its topics (partition count, retention.ms=-1); a topic created by a typo
# or by a consumer that started first would silently get the wrong settings.
auto.create.topics.enable=false
delete.topic.enable=true
num.partitions=3

# Tests join and leave groups all the time; waiting for more members only slows them down.
group.initial.rebalance.delay.ms=0

# Two cores on the machines this runs on.
num.network.threads=2
num.io.threads=4
EOF
  cat >"$RUN/log4j.properties" <<EOF
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.RollingFileAppender
log4j.appender.file.File=$LOG
log4j.appender.file.MaxFileSize=10MB
log4j.appender.file.MaxBackupIndex=2
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
# Per-partition and per-request chatter; warnings still show.
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.request.logger=WARN
log4j.logger.kafka.log.LogCleaner=WARN
log4j.logger.org.apache.zookeeper=WARN
EOF
}

# A KRaft cluster id is 16 random bytes in URL-safe base64 without padding. A leading '-' would be
# read as an option by the tool, so draw again.
new_cluster_id() {
  local id
  while :; do
    id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    [[ "$id" != -* ]] && { echo "$id"; return; }
  done
}

# Every node of a cluster is formatted with the one id kept beside them.
cluster_id() {
  local file="$BASE_RUN/cluster-id"
  [[ -s "$file" ]] || new_cluster_id >"$file"
  cat "$file"
}

format_storage_once() {
  [[ -f "$RUN/data/meta.properties" ]] && return 0
  log "formatting storage in ${RUN#"$HERE"/}/data"
  if ! java -cp "$CACHE/libs/*" -Dlog4j.configuration="file:$RUN/log4j.properties" \
    kafka.tools.StorageTool format -t "$(cluster_id)" -c "$RUN/server.properties" >"$OUT" 2>&1; then
    cat "$OUT" >&2
    fail "formatting the storage failed"
  fi
}

launch() {
  rm -f "$LOG" "$LOG".[0-9] "$OUT"
  # setsid: the broker outlives the shell or test runner that started it. 9>&- keeps the start
  # lock out of the JVM, or the next start.sh would wait on it for as long as the broker runs.
  # shellcheck disable=SC2086
  setsid nohup java $HEAP_OPTS -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$RUN/log4j.properties" \
    -cp "$CACHE/libs/*" kafka.Kafka "$RUN/server.properties" >"$OUT" 2>&1 </dev/null 9>&- &
  echo $! >"$PID_FILE"
}

wait_until_ready() {
  local pid="$1" started="$2" launched="$3" deadline=$((SECONDS + TIMEOUT))
  while :; do
    if ! kill -0 "$pid" 2>/dev/null; then
      show_log_tail
      rm -f "$PID_FILE"
      fail "the broker exited during start-up"
    fi
    if grep -qs "Kafka Server started" "$LOG" && answers "$PORT"; then
      local took
      took="$(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')"
      log "broker $KAFKA_VERSION ready on $HOST:$PORT in ${took}s (node $NODE_ID, pid $pid, log ${LOG#"$HERE"/})"
      return 0
    fi
    if ((SECONDS >= deadline)); then
      show_log_tail
      if $launched; then
        kill "$pid" 2>/dev/null || true
        rm -f "$PID_FILE"
      fi
      fail "the broker did not answer on $HOST:$PORT within ${TIMEOUT}s"
    fi
    sleep 0.2
  done
}

all_answer() {
  local port
  for port in "${PORTS[@]}"; do answers "$port" || return 1; done
}

main() {
  local started="$EPOCHREALTIME"
  if all_answer; then
    log "brokers already answer on ${PORTS[*]/#/$HOST:}; using them"
    return 0
  fi
  command -v java >/dev/null || fail "java (17+) is needed to run the broker"

  mkdir -p "$BASE_RUN"
  # Two start.sh at once (two test runs) must not launch two brokers on one data directory.
  exec 9>"$BASE_RUN/start.lock"
  flock -w "$TIMEOUT" 9 || fail "another start.sh held the lock for ${TIMEOUT}s"
  if all_answer; then
    log "brokers already answer on ${PORTS[*]/#/$HOST:}; using them"
    return 0
  fi

  # A cluster's nodes start together: none becomes ready before a quorum of controllers runs.
  local index pids=() launches=()
  for index in "${!PORTS[@]}"; do
    select_node "$index"
    mkdir -p "$RUN"
    local pid="" launched=false
    [[ -f "$PID_FILE" ]] && pid="$(<"$PID_FILE")"
    if answers "$PORT"; then
      pid=""
    elif is_our_broker "$pid"; then
      # One data directory, one broker: a running one is waited for, never doubled.
      grep -qx "listeners=PLAINTEXT://$HOST:$PORT,CONTROLLER://$HOST:$CONTROLLER_PORT" "$RUN/server.properties" ||
        fail "the broker started here (pid $pid) listens elsewhere ($(grep '^listeners=' "$RUN/server.properties")); stop it with stop.sh first"
      log "broker $NODE_ID (pid $pid) is still starting; waiting for it"
    else
      command -v mvn >/dev/null || fail "mvn is needed to fetch the Kafka jars"
      fetch_jars
      write_config
      format_storage_once
      launch
      pid="$(<"$PID_FILE")"
      launched=true
    fi
    pids[index]="$pid"
    launches[index]="$launched"
  done
  for index in "${!PORTS[@]}"; do
    select_node "$index"
    answers "$PORT" && [[ -z "${pids[$index]}" ]] && continue
    wait_until_ready "${pids[$index]}" "$started" "${launches[$index]}"
  done
}

main "$@"
