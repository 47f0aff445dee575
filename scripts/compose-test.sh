#!/usr/bin/env bash
# Brings up compose.yaml (needs a Docker engine), runs the end-to-end suite against its
# proxy on 127.0.0.1:5433, and tears it down (volumes included).
set -euo pipefail
cd "$(dirname "$0")/.."
export SHARDDB_CLUSTER_SECRET="${SHARDDB_CLUSTER_SECRET:-$(openssl rand -hex 32)}"
cleanup() { docker compose down -v --remove-orphans; }
trap cleanup EXIT
docker compose up -d --build
for _ in $(seq 1 60); do
  if psql -h 127.0.0.1 -p 5433 -U postgres -c 'select 1' >/dev/null 2>&1; then break; fi
  sleep 1
done
npm run build
SHARDDB_TEST_URL=postgres://postgres@127.0.0.1:5433/postgres npx mocha dist/test/compose/*.test.js
