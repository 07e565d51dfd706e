#!/usr/bin/env bash
# A longer soak: the deterministic simulation on 5,000 seeds (ZAN_SOAK_SIM_SEEDS), the seeded full-stack
# simulation, the Kafka cluster failover, then the read models on a Redis Cluster (contract suite,
# full-stack flows, a primary killed mid-storm), and last the money flow on both clusters together:
# `npm run soak -- <seed count> [steps] [first seed]`.
# Needs PostgreSQL, Redis and Kafka like `npm test` (starts Kafka when none answers).
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-20}"; steps="${2:-200}"; first="${3:-1000}"
bash infra/kafka/start.sh
# The deterministic simulation of the money path on many more seeds than npm test's 400 (a fresh window each day).
npm run --silent sim -- --seeds "${ZAN_SOAK_SIM_SEEDS:-5000}" --seed "$(( $(date +%s) / 86400 % 400000 * 10000 ))"
seeds=$(seq -s, "$first" $((first + count - 1)))
ZAN_SKIP_KAFKA_START=1 ZAN_SIM_SEEDS="$seeds" ZAN_SIM_STEPS="$steps" npx jest test/simulation --selectProjects integration
# The failovers on a three-broker Kafka cluster (infra/kafka/start.sh --brokers 3, started by the spec).
ZAN_SKIP_KAFKA_START=1 ZAN_CLUSTER_TESTS=1 npx jest test/reliability/kafka-cluster-failover
# The read models on a Redis Cluster (infra/redis-cluster/start.sh; stopped again if started here).
redis_started=false
redis-cli -p 7000 cluster info 2>/dev/null | grep -q '^cluster_state:ok' || redis_started=true
bash infra/redis-cluster/start.sh
kafka_started=false
stop_clusters() {
  if $kafka_started; then bash infra/kafka/stop.sh --brokers 3; fi
  if $redis_started; then bash infra/redis-cluster/stop.sh; fi
}
trap stop_clusters EXIT
cluster_url=redis+cluster://127.0.0.1:7000,127.0.0.1:7001,127.0.0.1:7002
ZAN_SKIP_KAFKA_START=1 npx jest libs/read-models/src/redis/redis-cluster-read-model-store.int-spec.ts
ZAN_SKIP_KAFKA_START=1 REDIS_URL_TEST="$cluster_url" npx jest test/e2e/first-money-flow test/e2e/read-your-writes test/e2e/articles test/e2e/commerce test/e2e/group-buys
# One at a time (--runInBand): each kills the primary of the control slot, so two at once can kill
# the node the other's failover just promoted, or cut the link of the replica it is about to promote.
ZAN_SKIP_KAFKA_START=1 ZAN_CLUSTER_TESTS=1 npx jest --runInBand test/reliability/redis-cluster-failover test/reliability/redis-cluster-replica-lag \
  test/reliability/redis-cluster-replica-rejoins
# Both clusters at once: the money flow on the Redis Cluster and the three-broker Kafka cluster
# (infra/kafka/start.sh --brokers 3; stopped again if started here).
(exec 3<>/dev/tcp/127.0.0.1/19092) 2>/dev/null || kafka_started=true
bash infra/kafka/start.sh --brokers 3
ZAN_SKIP_KAFKA_START=1 REDIS_URL_TEST="$cluster_url" KAFKA_BROKERS_TEST=127.0.0.1:19092,127.0.0.1:19093,127.0.0.1:19094 \
  npx jest test/e2e/first-money-flow
