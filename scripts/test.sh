#!/usr/bin/env bash
# Every test: unit and integration tests (each storage test on SQLite and on PostgreSQL), then
# the browser tests (the invitation page, the members console), then the GraphQL client tests
# (tests/clients). Starts PostgreSQL if it is not running.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  pg_ctlcluster --skip-systemctl-redirect 15 main start 2>/dev/null || pg_ctlcluster 15 main start
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi

cargo test
# The README's token-verification examples (npm jose, PyPI PyJWT) against a live server.
bash scripts/verify-examples.sh
# cargo test built target/debug/roster for the CLI tests; the browser test drives it.
bash scripts/browser-test.sh
# The GraphQL clients (Apollo, urql, Relay, codegen, federation) against the same binary.
bash scripts/clients-test.sh
