#!/usr/bin/env bash
# Browser and npm tests against the real server, in Debian's Chromium driven by playwright-core:
# tests/browser/activate.mjs (/activate, in English and Chinese), tests/browser/links.mjs
# (/verify and /reset), tests/browser/graphiql.mjs (GraphiQL with no internet),
# tests/browser/http-audit.mjs (npm graphql-http's GraphQL-over-HTTP audits) and
# tests/browser/console.mjs (the members console at /, two browsers, axe-core audits). Installs
# what is missing first, then runs the tests (all of them, or the ones named:
# scripts/browser-test.sh console):
#   - Chromium from Debian (apt-get install chromium); never a downloaded browser build;
#   - playwright-core from npm, at the version pinned in tests/browser/package-lock.json.
# Idempotent: when everything is in place it goes straight to the test.
#
# Needs a built server: cargo build (or set ROSTER_BIN). Env: ROSTER_BIN, CHROMIUM, SCREENSHOT_DIR
# (default target/browser-test: look at the screenshots after a change to a page).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
dir=tests/browser

say() { printf 'browser-test: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root to run: $*"
  fi
}

# --- Chromium (Debian package) ----------------------------------------------------------------
chromium="${CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$chromium" ]; then
  if [ -n "${CHROMIUM:-}" ] && [ "$chromium" != /usr/bin/chromium ]; then
    die "CHROMIUM=$chromium is not an executable"
  fi
  command -v apt-get >/dev/null 2>&1 || die "no $chromium and no apt-get to install it"
  say "installing chromium from the Debian archive"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  [ -x "$chromium" ] || die "apt-get installed chromium but $chromium is missing"
fi

# A CJK font, so the Simplified Chinese screenshots are legible (the tests pass without it).
if command -v fc-list >/dev/null 2>&1 && [ -z "$(fc-list :lang=zh 2>/dev/null | head -n 1)" ] \
  && command -v apt-get >/dev/null 2>&1; then
  say "installing a CJK font (fonts-wqy-microhei) for the Chinese screenshots"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei >/dev/null \
    || say "no CJK font installed: Chinese text in screenshots will show as boxes"
fi

# --- Node.js, playwright-core and axe-core ------------------------------------------------------
command -v node >/dev/null 2>&1 || die "node is not installed (Node.js 20 or newer is needed)"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$node_major" -ge 20 ] || die "Node.js $(node --version) is too old: playwright-core needs 20 or newer"

# Reinstall only when node_modules lacks a pinned dependency (playwright-core, graphql-http,
# graphql, axe-core).
missing="$(node -e "
  const deps = require('./$dir/package.json').dependencies;
  const gone = Object.entries(deps).filter(([name, version]) => {
    try { return require('./$dir/node_modules/' + name + '/package.json').version !== version; }
    catch { return true; }
  });
  console.log(gone.map(([n, v]) => n + '@' + v).join(' '));
")"
if [ -n "$missing" ]; then
  command -v npm >/dev/null 2>&1 || die "npm is not installed"
  say "installing $missing in $dir"
  export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 # playwright-core downloads nothing; belt and braces
  if [ -f "$dir/package-lock.json" ]; then
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  else
    (cd "$dir" && npm install --no-audit --no-fund --loglevel=error)
  fi
fi

# --- The server binary ------------------------------------------------------------------------
roster_bin="${ROSTER_BIN:-./target/debug/roster}"
[ -x "$roster_bin" ] || die "no roster binary at $roster_bin: run cargo build first (or set ROSTER_BIN)"

tests=("$@")
[ "${#tests[@]}" -gt 0 ] || tests=(activate links graphiql http-audit console)
status=0
for t in "${tests[@]}"; do
  t="${t%.mjs}"
  [ -f "$dir/$t.mjs" ] || die "no test $dir/$t.mjs"
  say "running $t.mjs"
  node "$dir/$t.mjs" || status=1
done
exit "$status"
