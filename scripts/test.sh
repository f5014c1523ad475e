#!/usr/bin/env bash
# Install everything the tests need (Python packages, Chromium, PostgreSQL) and run the whole suite.
# Usage: bash scripts/test.sh [extra pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v pg_ctlcluster >/dev/null 2>&1 || need_apt+=(postgresql)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing system packages: ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

python3 -m pip install -q --disable-pip-version-check -r requirements-dev.txt

# A real PostgreSQL for the store tests: start the cluster, create a role and a database.
PG_VER=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1 || true)
if [ -n "${PG_VER}" ]; then
  pg_ctlcluster "${PG_VER}" main start 2>/dev/null || true
  for _ in $(seq 1 30); do pg_isready -q && break; sleep 1; done
  su postgres -c "psql -qtAc \"SELECT 1 FROM pg_roles WHERE rolname='planner'\"" | grep -q 1 \
    || su postgres -c "psql -qc \"CREATE ROLE planner LOGIN PASSWORD 'planner' CREATEDB\""
  su postgres -c "psql -qtAc \"SELECT 1 FROM pg_database WHERE datname='planner_test'\"" | grep -q 1 \
    || su postgres -c "psql -qc \"CREATE DATABASE planner_test OWNER planner\""
  export TEST_POSTGRES_URL="postgresql+psycopg://planner:planner@127.0.0.1:5432/planner_test"
fi

export CHROMIUM_PATH="${CHROMIUM_PATH:-$(command -v chromium)}"
# --durations: every run lists its slowest tests, so a new slow one shows the day it lands.  The browser tests run
# one xdist group per module over both workers (tests/e2e/conftest.py).
python3 -m pytest -n 2 --dist loadgroup -q --durations=20 "$@"
