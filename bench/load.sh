#!/usr/bin/env bash
# Load on loopback against a demo installation (wrk + bench/load.lua).
#
#   bench/load.sh [SECONDS_PER_SCENARIO=20] [CONNECTIONS=16]
#
# Scenarios, each for a bounded time with 2 wrk threads:
#   verify     public certificate check /api/v1/verify/{number}
#   registry   /api/v1/enterprises lists (filters, search) with a bearer token
#   dashboard  the first /api/v1/insight… GET of the OpenAPI document (skipped
#              with a note when the installation has none)
#   mixed      50 % verify, 30 % registry, 20 % dashboard
#   login      POST /login (argon2 per request) with 2 connections
# plus logins at the default limit: 8 logins one after another, each must
# succeed (303), and the 11th attempt within the minute must answer 429.
#
# Rate limits stay on by default. The bench raises two of them for its own
# server only, through environment variables: NAIKKELAS_VERIFY_PER_MINUTE
# (public checks per client per minute, default 120) and
# NAIKKELAS_LOGIN_PER_MINUTE (login attempts per client per minute, default
# 10), since wrk is one client.
#
# Prints requests, requests/s, p50 and p99 (ms) and errors (non-2xx/3xx and
# socket errors) per scenario. ENTERPRISES (default 20000) sizes the demo;
# BIN=path/to/naikkelas skips the release build.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-20}
CONNS=${2:-16}
ENTERPRISES=${ENTERPRISES:-20000}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/root/.cache/naikkelas/target}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
if [ -z "${BIN:-}" ]; then
    cargo build --release -q -p naikkelas
    BIN="$CARGO_TARGET_DIR/release/naikkelas"
fi
LUA="$(pwd)/bench/load.lua"
WORK=$(mktemp -d)
SERVER=
stop() { if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; SERVER=; fi; }
trap 'stop; rm -rf "$WORK"' EXIT
DB="sqlite://$WORK/load.db"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
ADMIN_PASSWORD=admin-demo-2026   # crates/app/src/demo.rs

start() {
    env "$@" "$BIN" --db "$DB" serve --addr "127.0.0.1:$PORT" >>"$WORK/server.log" 2>&1 &
    SERVER=$!
    for _ in $(seq 100); do curl -sf "$BASE/healthz" >/dev/null && return; sleep 0.2; done
    echo "server did not start"; cat "$WORK/server.log"; exit 1
}

echo "demo data: $ENTERPRISES enterprises …" >&2
"$BIN" --db "$DB" demo --no-serve --enterprises "$ENTERPRISES" --years 3 >/dev/null
ADMIN=$("$BIN" --db "$DB" token create admin --name load)
AUDITOR=$("$BIN" --db "$DB" token create auditor.lspro --name load)
start NAIKKELAS_VERIFY_PER_MINUTE=1000000000

# One certificate through the API, as the real roles issue it.
api() { curl -sf -H "Authorization: Bearer $1" -H 'Content-Type: application/json' -X "$2" "$BASE$3" ${4:+-d "$4"}; }
NIB=$(api "$ADMIN" GET '/api/v1/enterprises?limit=1' | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["nib"])')
ID=$(api "$ADMIN" POST /api/v1/certifications "{\"nib\":\"$NIB\",\"body\":\"LSPRO-DEMO\",\"standard\":\"SNI 2983:2014\",\"scope\":\"load test\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
for e in start_review start_stage1 complete_stage1 complete_stage2; do
    api "$AUDITOR" POST "/api/v1/certifications/$ID/events" "{\"event\":\"$e\"}" >/dev/null
done
api "$AUDITOR" POST "/api/v1/certifications/$ID/events" '{"event":"record_test","passed":true}' >/dev/null
NUMBER=$(api "$AUDITOR" POST "/api/v1/certifications/$ID/events" '{"event":"grant"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["number"])')
curl -sf "$BASE/api/v1/verify/$NUMBER" >/dev/null

DASHBOARD=$(curl -sf "$BASE/api/v1/openapi.json" | python3 -c '
import json, sys
paths = json.load(sys.stdin)["paths"]
print(next((p for p in paths if p.startswith("/api/v1/insight") and "{" not in p and "get" in paths[p]), ""))')

run() { # scenario connections
    SCENARIO=$1 TOKEN=$ADMIN NUMBER=$NUMBER DASHBOARD=$DASHBOARD PASSWORD=$ADMIN_PASSWORD \
        wrk -t2 -c"$2" -d"${SECS}s" --timeout 10s -s "$LUA" "$BASE" >"$WORK/$1.txt" 2>&1
    local r
    r=$(grep '^RESULT' "$WORK/$1.txt" || echo "RESULT 0 0 0 0 -1")
    set -- "$1" $r
    printf '%-10s %10s %10s %9s %9s %7s\n' "$1" "$3" "$4" "$5" "$6" "$7"
}
printf 'demo: %s enterprises, certificate %s, dashboard %s, %s s per scenario, %s connections\n' "$ENTERPRISES" "$NUMBER" "${DASHBOARD:-none}" "$SECS" "$CONNS"
printf '%-10s %10s %10s %9s %9s %7s\n' scenario requests 'req/s' 'p50 ms' 'p99 ms' errors
run verify "$CONNS"
run registry "$CONNS"
if [ -n "$DASHBOARD" ]; then
    run dashboard "$CONNS"
else
    echo "dashboard  skipped: no /api/v1/insight… GET endpoint in this build"
fi
run mixed "$CONNS"

# Logins at the default limit: 8 in a row succeed, the 11th attempt is refused.
stop
start NAIKKELAS_VERIFY_PER_MINUTE=1000000000
ok=0; codes=""
t0=$(date +%s%N)
for i in $(seq 11); do
    code=$(curl -s -o /dev/null -w '%{http_code}' -b nk_csrf=bench-csrf-token \
        --data "_csrf=bench-csrf-token&username=admin&password=$ADMIN_PASSWORD" "$BASE/login")
    codes="$codes $code"
    [ "$i" -le 8 ] && [ "$code" = 303 ] && ok=$((ok + 1))
done
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
printf 'login at the default limit: %d/8 succeeded, mean %d ms per attempt, statuses:%s\n' "$ok" $((ms / 11)) "$codes"
case "$codes" in *" 429") ;; *) echo "the 11th login attempt within a minute was not refused"; exit 1 ;; esac
[ "$ok" -eq 8 ] || exit 1

# Login throughput with the bench-only limit raised (argon2 bound).
stop
start NAIKKELAS_LOGIN_PER_MINUTE=1000000000
run login 2
