#!/usr/bin/env bash
# A longer soak of the seeded simulation, then the Kafka cluster failover:
# `npm run soak -- <seed count> [steps] [first seed]`.
# Needs PostgreSQL, Redis and Kafka like `npm test` (starts Kafka when none answers).
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-20}"; steps="${2:-200}"; first="${3:-1000}"
bash infra/kafka/start.sh
seeds=$(seq -s, "$first" $((first + count - 1)))
ZAN_SKIP_KAFKA_START=1 ZAN_SIM_SEEDS="$seeds" ZAN_SIM_STEPS="$steps" npx jest test/simulation --selectProjects integration
# The failovers on a three-broker Kafka cluster (infra/kafka/start.sh --brokers 3, started by the spec).
ZAN_SKIP_KAFKA_START=1 ZAN_CLUSTER_TESTS=1 npx jest test/reliability/kafka-cluster-failover
