#!/usr/bin/env bash
# The login-flood benchmark (issue 19), one command:  bash bench/flood.sh
# Builds roster in release mode (BENCH_NO_BUILD=1: use target/release/roster), then runs
# bench/flood.py on each backend; writes the "Login flood" section of bench/RESULTS.md.
# Run it on an otherwise idle machine: it measures latency beside a CPU-bound flood.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v wrk >/dev/null; then
  apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi
if [[ ${BENCH_NO_BUILD:-0} != 1 ]]; then
  cargo build --release --bin roster
fi
if [[ " ${BENCH_BACKENDS:-sqlite postgres} " == *" postgres "* ]] && ! pg_isready -q -h 127.0.0.1 -p 5432; then
  pg_ctlcluster --skip-systemctl-redirect 15 main start 2>/dev/null || pg_ctlcluster 15 main start
fi
exec python3 bench/flood.py
