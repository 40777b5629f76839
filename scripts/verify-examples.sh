#!/usr/bin/env bash
# The README's "Verifying Roster's tokens in your services" examples, run against a live server:
# starts target/debug/roster on a temporary SQLite database, signs a user up through GraphQL,
# and has npm `jose` (examples/verify/verify.mjs) and PyPI `PyJWT` (examples/verify/verify.py)
# verify its access token and its workspace token against the server's JWKS. Both must accept
# the real tokens and refuse a tampered one, a workspace token offered as an access token, and
# another audience. Installs the examples' packages only when missing (`npm ci`, and a venv in
# target/verify-venv with `pip install -r`).
#
# Needs a built server: cargo build (or set ROSTER_BIN).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
dir=examples/verify
bin="${ROSTER_BIN:-$repo/target/debug/roster}"

say() { printf 'verify-examples: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

[ -x "$bin" ] || die "no server binary at $bin: run cargo build first"
command -v node >/dev/null 2>&1 || die "node is needed (apt-get install nodejs npm)"
command -v python3 >/dev/null 2>&1 || die "python3 is needed (apt-get install python3 python3-venv)"

# --- the examples' packages, only when missing -------------------------------------------------
if [ ! -f "$dir/node_modules/jose/package.json" ]; then
  say "npm ci (jose)"
  (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
fi
venv="$repo/target/verify-venv"
if ! "$venv/bin/python" -c 'import jwt, cryptography' 2>/dev/null; then
  say "pip install -r $dir/requirements.txt (into $venv)"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$dir/requirements.txt"
fi

# --- a live server ------------------------------------------------------------------------------
tmp="$(mktemp -d /tmp/roster-verify.XXXXXX)"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
url="http://127.0.0.1:$port"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

env -u ROSTER_JWT_SECRET -u ROSTER_SIGNING_KEY_FILE -u ROSTER_TOKEN_ISSUER -u ROSTER_TOKEN_AUDIENCE \
  DATABASE_URL="sqlite://$tmp/roster.db" ROSTER_LISTEN="127.0.0.1:$port" ROSTER_PUBLIC_URL="$url" \
  ROSTER_MAIL_DIR="$tmp/mail" RUST_LOG=warn "$bin" >"$tmp/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  curl -fsS "$url/healthz" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$tmp/server.log" >&2; die "the server exited"; }
  sleep 0.1
done
curl -fsS "$url/healthz" >/dev/null || die "the server did not start"

gql() { # QUERY [TOKEN] -> the JSON answer
  local auth=()
  [ -n "${2:-}" ] && auth=(-H "authorization: Bearer $2")
  curl -fsS "$url/graphql" -H 'content-type: application/json' "${auth[@]}" \
    -d "$(python3 -c 'import json, sys; print(json.dumps({"query": sys.argv[1]}))' "$1")"
}
field() { python3 -c 'import json, sys
v = json.load(sys.stdin)
assert "errors" not in v, v
for k in sys.argv[1].split("."):
    v = v[int(k)] if k.isdigit() else v[k]
print(v)' "$1"; }

signup="$(gql 'mutation { signUp(input: {email: "verify@example.com", name: "Verifier", password: "correct horse battery"}) { accessToken account { id workspaces { id } } } }')"
token="$(field data.signUp.accessToken <<<"$signup")"
account="$(field data.signUp.account.id <<<"$signup")"
workspace="$(field data.signUp.account.workspaces.0.id <<<"$signup")"
org_token="$(gql "mutation { workspaceToken(workspaceId: \"$workspace\") { token } }" "$token" | field data.workspaceToken.token)"
# The same token with the first character of its signature changed (all six of its bits are
# signature bits; the last character's low bits are padding, which decoders ignore).
signed="${token%.*}"; sig="${token##*.}"
first="${sig:0:1}"; swap=A; [ "$first" = A ] && swap=B
tampered="$signed.$swap${sig:1}"

node_verify() { node "$dir/verify.mjs" "$@"; }
py_verify() { "$venv/bin/python" "$dir/verify.py" "$@"; }

for verifier in node_verify py_verify; do
  out="$($verifier "$url" "$token")" || die "$verifier refused a real access token"
  [ "$(field sub <<<"$out")" = "$account" ] || die "$verifier: wrong sub in $out"
  out="$($verifier "$url" "$org_token" org+jwt)" || die "$verifier refused a real workspace token"
  [ "$(field org_id <<<"$out")" = "$workspace" ] || die "$verifier: wrong org_id in $out"
  [ "$(field org_role <<<"$out")" = OWNER ] || die "$verifier: wrong org_role in $out"
  if $verifier "$url" "$tampered" 2>/dev/null; then die "$verifier accepted a tampered token"; fi
  if $verifier "$url" "$org_token" 2>/dev/null; then die "$verifier accepted a workspace token as an access token"; fi
  if $verifier "http://127.0.0.1:1" "$token" 2>/dev/null; then die "$verifier accepted a token without the key set"; fi
  say "$verifier: verified the access and workspace tokens, refused the forgeries"
done
say "ok"
