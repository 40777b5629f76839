#!/usr/bin/env bash
# The GraphQL clients front ends use, against the real server (tests/clients): Apollo Client 4
# (InMemoryCache defaults, the APQ link), urql with Graphcache 9 (no keys config), Relay
# (relay-compiler compiles @refetchable fragments, relay-runtime applies @deleteEdge),
# graphql-codegen over the console's operations, and Apollo Federation (composition and gateway
# with a second subgraph). Installs the pinned npm packages only if missing (`npm ci`).
#
# Needs a built server: cargo build (or set ROSTER_BIN). Runs all tests, or the ones named:
# scripts/clients-test.sh apollo relay
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo/tests/clients"

say() { printf 'clients-test: %s\n' "$*" >&2; }

command -v node >/dev/null 2>&1 || { say "node is not installed (Node.js 20 or newer)"; exit 1; }
roster_bin="${ROSTER_BIN:-$repo/target/debug/roster}"
[ -x "$roster_bin" ] || { say "no roster binary at $roster_bin: run cargo build first"; exit 1; }

missing="$(node -e "
  const deps = require('./package.json').dependencies;
  const gone = Object.entries(deps).filter(([name, version]) => {
    try { return require('./node_modules/' + name + '/package.json').version !== version; }
    catch { return true; }
  });
  console.log(gone.map(([n, v]) => n + '@' + v).join(' '));
")"
if [ -n "$missing" ]; then
  say "installing $missing"
  npm ci --no-audit --no-fund --loglevel=error
fi

tests=("$@")
[ "${#tests[@]}" -gt 0 ] || tests=(apollo urql relay codegen federation)
status=0
for t in "${tests[@]}"; do
  t="${t%.mjs}"
  if [ "$t" = relay ]; then
    # Compiles relay/RosterRelay.js against schema.graphql (fails on any invalid fragment).
    rm -rf relay/__generated__
    npx --no-install relay-compiler >/dev/null || { say "relay-compiler failed"; status=1; continue; }
  fi
  say "running $t.mjs"
  ROSTER_BIN="$roster_bin" node "$t.mjs" || status=1
done
exit "$status"
