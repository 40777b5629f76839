#!/usr/bin/env bash
# Roster's benchmark, one command:  bash bench/run.sh
#
# Builds Roster and the hand-written baseline (examples/bench_raw.rs), then for SQLite and
# PostgreSQL: seeds the data set, starts both servers, drives them with wrk and writes
# bench/RESULTS.md (also printed). Raw wrk outputs are kept in bench/out/.
#
# Settings (environment):
#   BENCH_BACKENDS   "sqlite postgres"   which backends to run
#   BENCH_DURATION   10s                 each measured wrk run (reads and invites)
#   BENCH_ROUNDS     3                   measured runs of each read scenario (medians reported)
#   BENCH_WARMUP     2s                  an unmeasured wrk run before each read scenario
#   BENCH_PORT       18080               Roster listens here, the baseline on BENCH_PORT+1
#   BENCH_PG_URL     postgres://postgres@127.0.0.1:5432   server for the roster_bench database
#   BENCH_QUIET_WAIT 300                 most seconds to wait for an idle machine before a run
#   BENCH_NO_BUILD   0                   1: use the binaries already in target/release
#   BENCH_MAIL_DIR   /dev/shm            where Roster writes the emails (a temporary folder in it)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
STARTED=$(date +%s)

BACKENDS=${BENCH_BACKENDS:-"sqlite postgres"}
DURATION=${BENCH_DURATION:-10s}
ROUNDS=${BENCH_ROUNDS:-3}
WARMUP=${BENCH_WARMUP:-2s}
PORT=${BENCH_PORT:-18080}
RAW_PORT=$((PORT + 1))
PG_URL=${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432}
PG_DB=roster_bench
READ_ARGS=(-t2 -c16 -d"$DURATION" --latency)
CONC_ARGS=(-t2 -c64 -d"$DURATION" --latency)
INVITE_ARGS=(-t1 -c1 -d"$DURATION" --latency)
# Seed (which mints the tokens), Roster and the baseline agree on the tokens' issuer.
export ROSTER_TOKEN_ISSUER=roster-bench

OUT=$ROOT/bench/out
TMP=$(mktemp -d /tmp/roster-bench.XXXXXX)
# Emails are written to files (no SMTP server): on tmpfs when there is one, so that the file
# system's cost of creating tens of thousands of small files is not part of the figures.
if [[ -z ${BENCH_MAIL_DIR:-} ]] && [[ -d /dev/shm && -w /dev/shm ]]; then
  MAIL_ROOT=$(mktemp -d /dev/shm/roster-bench-mail.XXXXXX)
else
  MAIL_ROOT=$(mktemp -d "${BENCH_MAIL_DIR:-$TMP}/roster-bench-mail.XXXXXX")
fi
PIDS=()

log() { printf '\033[1m== %s\033[0m\n' "$*" >&2; }

stop_servers() {
  local pid
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  PIDS=()
}
cleanup() {
  stop_servers
  rm -rf "$TMP" "$MAIL_ROOT"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- tools ---------------------------------------------------------------------------------------
if ! command -v wrk >/dev/null; then
  log "installing wrk"
  apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi
command -v python3 >/dev/null || { echo "bench: python3 is needed" >&2; exit 1; }
command -v curl >/dev/null || { echo "bench: curl is needed" >&2; exit 1; }
if [[ " $BACKENDS " == *" postgres "* ]] && ! pg_isready -q -d "$PG_URL/postgres"; then
  log "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect 15 main start 2>/dev/null || pg_ctlcluster 15 main start
  for _ in $(seq 1 30); do pg_isready -q -d "$PG_URL/postgres" && break; sleep 1; done
fi

if [[ ${BENCH_NO_BUILD:-0} == 1 ]]; then
  log "not building (BENCH_NO_BUILD=1): using the binaries in target/release"
else
  log "building (release)"
  cargo build --release --bin roster --example bench_raw
fi
ROSTER=$ROOT/target/release/roster
RAW=$ROOT/target/release/examples/bench_raw

rm -rf "$OUT"
mkdir -p "$OUT"
# The commit the binaries were built from (the tree may change while the benchmark runs).
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n $(git status --porcelain --untracked-files=no -- src Cargo.toml Cargo.lock migrations build.rs 2>/dev/null) ]]; then
  COMMIT="$COMMIT (with uncommitted changes to src/ or Cargo files)"
fi
echo "$COMMIT" >"$OUT/commit.txt"

# --- helpers -------------------------------------------------------------------------------------
wait_healthy() { # url pid
  for _ in $(seq 1 100); do
    curl -fs "$1" >/dev/null 2>&1 && return 0
    kill -0 "$2" 2>/dev/null || { echo "bench: server exited; see $OUT" >&2; return 1; }
    sleep 0.1
  done
  echo "bench: $1 did not answer" >&2
  return 1
}

cpu() { python3 "$ROOT/bench/cpu.py" "$@"; }

# wait_quiet: waits (at most BENCH_QUIET_WAIT seconds) until the machine is nearly idle, so that
# no build, test or leftover work (such as the outbox worker sending the last run's emails) runs
# beside a measurement. What still ran beside it is reported as "other load".
wait_quiet() {
  local waited=0
  # One process samples the machine's counters a second apart (starting two per check made
  # the check itself a fifth of a slow core's load).
  until python3 - <<'PY'
import time
def busy_all():
    with open("/proc/stat") as f:
        cpu = [int(x) for x in f.readline().split()[1:8]]
    idle = cpu[3] + cpu[4]
    return sum(cpu) - idle, sum(cpu)
b0, a0 = busy_all()
time.sleep(1.0)
b1, a1 = busy_all()
raise SystemExit(0 if a1 > a0 and (b1 - b0) / (a1 - a0) < 0.12 else 1)
PY
  do
    waited=$((waited + 1))
    if ((waited == 1)); then echo "  (waiting for the machine to go quiet)" >&2; fi
    if ((waited >= ${BENCH_QUIET_WAIT:-300})); then
      echo "  (still busy after ${waited}s: measuring anyway; see 'other')" >&2
      return 0
    fi
  done
}

# bench NAME PID URL SCRIPT WRK-OPTS... -- SCRIPT-ARGS...: one measured wrk run (wrk wants the
# script's arguments after the URL). $OUT/NAME.txt gets wrk's output, then the CPU used during
# the run by the server PID, PostgreSQL, wrk itself and the whole machine.
bench() {
  local name=$1 pid=$2 url=$3 script=$4
  shift 4
  local opts=() args=()
  while (($#)) && [[ $1 != -- ]]; do opts+=("$1"); shift; done
  (($#)) && shift
  args=("$@")
  local before after TIMEFORMAT='%U %S'
  wait_quiet
  before=$(cpu "$pid")
  { time wrk "${opts[@]}" -s "$ROOT/bench/$script" "$url" -- "${args[@]}" >"$OUT/$name.txt"; } 2>"$OUT/$name.time"
  after=$(cpu "$pid")
  {
    echo "bench: server_pid=$pid clk_tck=$(getconf CLK_TCK)"
    echo "bench: cpu_before $before"
    echo "bench: cpu_after $after"
    echo "bench: wrk_cpu_secs $(tail -n1 "$OUT/$name.time")"
  } >>"$OUT/$name.txt"
  rm -f "$OUT/$name.time"
  printf '  %-22s %s\n' "$name" "$(grep -E 'Requests/sec|bench: errors' "$OUT/$name.txt" | tr -s ' ' | tr '\n' ' ')" >&2
}

warm() { # url script opts... -- args...
  local url=$1 script=$2
  shift 2
  local opts=() args=()
  while (($#)) && [[ $1 != -- ]]; do opts+=("$1"); shift; done
  (($#)) && shift
  args=("$@")
  wrk -t2 -c16 -d"$WARMUP" "${opts[@]}" -s "$ROOT/bench/$script" "$url" -- "${args[@]}" >/dev/null
}

json_get() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }

# gql_body FILE QUERY VARIABLES-JSON
gql_body() { python3 -c 'import json,sys; json.dump({"query": sys.argv[2], "variables": json.loads(sys.argv[3])}, open(sys.argv[1], "w"))' "$@"; }

Q_PAGE='query($w: ID!, $after: String) { workspace(id: $w) { members(first: 50, after: $after) { nodes { role status account { email name } } } } }'
Q_WORKSPACES='{ workspaces { members(first: 10) { nodes { role account { email } } } } }'

# --- one backend ---------------------------------------------------------------------------------
run_backend() {
  local backend=$1 url dir=$TMP/$backend
  mkdir -p "$dir" "$MAIL_ROOT/$backend"
  case $backend in
    sqlite) url="sqlite://$dir/roster.db" ;;
    postgres)
      psql -q -d "$PG_URL/postgres" -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" -c "CREATE DATABASE $PG_DB"
      url="$PG_URL/$PG_DB"
      ;;
    *) echo "bench: unknown backend $backend" >&2; return 1 ;;
  esac

  log "$backend: seeding"
  local ids=$OUT/$backend-ids.json
  "$RAW" seed "$url" >"$ids"
  if [[ $backend == postgres ]]; then
    # What autovacuum does soon after a bulk load in production: statistics and visibility map.
    psql -q -d "$url" -c 'VACUUM ANALYZE'
  fi
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("  %d accounts, %d memberships in %.1f s" % (d["accounts"], d["members"], d["seed_secs"]))' "$ids" >&2

  local viewer_token lister_token small huge deep invite1 invite100
  viewer_token=$(json_get "$ids" viewer_token)
  lister_token=$(json_get "$ids" lister_token)
  small=$(json_get "$ids" small)
  huge=$(json_get "$ids" huge)
  deep=$(json_get "$ids" deep_cursor)
  invite1=$(json_get "$ids" invite1)
  invite100=$(json_get "$ids" invite100)

  log "$backend: starting Roster and the baseline"
  DATABASE_URL=$url ROSTER_LISTEN=127.0.0.1:$PORT \
    ROSTER_MAIL_DIR=$MAIL_ROOT/$backend RUST_LOG=warn ROSTER_INVITES_PER_HOUR=100000000 \
    "$ROSTER" >"$OUT/$backend-roster.log" 2>&1 &
  local roster_pid=$!
  PIDS+=("$roster_pid")
  "$RAW" serve "$url" "127.0.0.1:$RAW_PORT" >"$OUT/$backend-raw.log" 2>&1 &
  local raw_pid=$!
  PIDS+=("$raw_pid")
  wait_healthy "http://127.0.0.1:$PORT/healthz" "$roster_pid"
  wait_healthy "http://127.0.0.1:$RAW_PORT/healthz" "$raw_pid"

  local gql=http://127.0.0.1:$PORT/graphql raw=http://127.0.0.1:$RAW_PORT
  local b=$dir/bodies
  mkdir -p "$b"
  gql_body "$b/page-small.json" "$Q_PAGE" "{\"w\": \"$small\"}"
  gql_body "$b/page-first.json" "$Q_PAGE" "{\"w\": \"$huge\"}"
  gql_body "$b/page-deep.json" "$Q_PAGE" "{\"w\": \"$huge\", \"after\": \"$deep\"}"
  gql_body "$b/workspaces.json" "$Q_WORKSPACES" '{}'

  # Every request answers what it should (same members, same order) before it is timed.
  python3 "$ROOT/bench/check.py" "$gql" "$raw" "$ids" "$b" >&2

  local vauth="Authorization: Bearer $viewer_token" lauth="Authorization: Bearer $lister_token"
  local members_url="$raw/members?workspace=$small&first=50" workspaces_url="$raw/workspaces?per=10"
  # Roster's throughput varies from run to run more than the baseline's: each pair of figures is
  # measured ROUNDS times, the two sides alternating, and the report takes medians.
  log "$backend: warming up"
  warm "$gql" request.lua -H "$vauth" -- POST "$b/page-small.json"
  warm "$members_url" request.lua -H "$vauth" -- GET
  warm "$gql" request.lua -H "$lauth" -- POST "$b/workspaces.json"
  warm "$workspaces_url" request.lua -H "$lauth" -- GET
  warm "$gql" request.lua -H "$vauth" -- POST "$b/page-first.json"
  warm "$gql" request.lua -H "$vauth" -- POST "$b/page-deep.json"
  local r
  for r in $(seq 1 "$ROUNDS"); do
    log "$backend: round $r of $ROUNDS: (a) first 50 members, (b) 20 workspaces x 10 members, (a) at 64 clients, (c) first vs deep page"
    bench "$backend-a-roster-r$r" "$roster_pid" "$gql" request.lua "${READ_ARGS[@]}" -H "$vauth" -- POST "$b/page-small.json"
    bench "$backend-a-raw-r$r" "$raw_pid" "$members_url" request.lua "${READ_ARGS[@]}" -H "$vauth" -- GET
    bench "$backend-b-roster-r$r" "$roster_pid" "$gql" request.lua "${READ_ARGS[@]}" -H "$lauth" -- POST "$b/workspaces.json"
    bench "$backend-b-raw-r$r" "$raw_pid" "$workspaces_url" request.lua "${READ_ARGS[@]}" -H "$lauth" -- GET
    bench "$backend-a64-roster-r$r" "$roster_pid" "$gql" request.lua "${CONC_ARGS[@]}" -H "$vauth" -- POST "$b/page-small.json"
    bench "$backend-a64-raw-r$r" "$raw_pid" "$members_url" request.lua "${CONC_ARGS[@]}" -H "$vauth" -- GET
    bench "$backend-c-first-r$r" "$roster_pid" "$gql" request.lua "${READ_ARGS[@]}" -H "$vauth" -- POST "$b/page-first.json"
    bench "$backend-c-deep-r$r" "$roster_pid" "$gql" request.lua "${READ_ARGS[@]}" -H "$vauth" -- POST "$b/page-deep.json"
  done

  log "$backend: (d) inviteMembers, 1 vs 100 new addresses per call (one connection)"
  local prefix
  prefix=$(head -c4 /dev/urandom | od -An -tx1 | tr -d ' \n')
  bench "$backend-d-invite1-r1" "$roster_pid" "$gql" invite.lua "${INVITE_ARGS[@]}" -H "$vauth" -- "$invite1" 1 "$prefix"
  bench "$backend-d-invite100-r1" "$roster_pid" "$gql" invite.lua "${INVITE_ARGS[@]}" -H "$vauth" -- "$invite100" 100 "$prefix"

  # (e) memory: VmHWM is the peak resident set since the process started.
  grep -E '^(VmHWM|VmRSS)' "/proc/$roster_pid/status" >"$OUT/$backend-roster-mem.txt"
  grep -E '^(VmHWM|VmRSS)' "/proc/$raw_pid/status" >"$OUT/$backend-raw-mem.txt"
  log "$backend: roster $(tr -s ' \n' ' ' <"$OUT/$backend-roster-mem.txt")"
  stop_servers
  if [[ $backend == postgres ]]; then
    psql -q -d "$PG_URL/postgres" -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)"
  fi
}

for backend in $BACKENDS; do
  run_backend "$backend"
done

ELAPSED=$(($(date +%s) - STARTED))
python3 "$ROOT/bench/report.py" "$OUT" "$ROOT/bench/RESULTS.md" \
  --backends "$BACKENDS" --duration "$DURATION" --rounds "$ROUNDS" --elapsed "$ELAPSED" \
  --read-args "${READ_ARGS[*]}" --conc-args "${CONC_ARGS[*]}" --invite-args "${INVITE_ARGS[*]}"
cat "$ROOT/bench/RESULTS.md"
