#!/usr/bin/env bash
# A longer soak: the deterministic simulation on 5,000 seeds (ZAN_SOAK_SIM_SEEDS), the seeded full-stack
# simulation, then the Kafka cluster failover:
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
