#!/usr/bin/env bash
# Public certificate check vs an empty handler in the same binary (issue 6).
# Usage: bench/verify.sh [DURATION=10s] [CONNECTIONS=32] [THREADS=2]
# Prints requests/s and p99 for both routes and the ratio (target >= 0.5).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-10s}
CONNS=${2:-32}
THREADS=${3:-2}
PORT=${NAIKKELAS_BENCH_PORT:-18089}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/root/.cache/naikkelas/target}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cargo build --release -p naikkelas -q
BIN="$CARGO_TARGET_DIR/release/naikkelas"
WORK=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
DB="sqlite://$WORK/bench.db"
"$BIN" --db "$DB" migrate >/dev/null
# One enterprise and one issued certificate, through the API as the real roles.
"$BIN" --db "$DB" generate --enterprises 1 --years 1 --seed 1 -o "$WORK/one.csv" >/dev/null
"$BIN" --db "$DB" import enterprises "$WORK/one.csv" >/dev/null
NIB=$(sed -n 2p "$WORK/one.csv" | cut -d, -f1 | tr -d '"')
NAIKKELAS_PASSWORD=bench-password "$BIN" --db "$DB" user add admin --role admin >/dev/null
ADMIN=$("$BIN" --db "$DB" token create admin)
NAIKKELAS_VERIFY_PER_MINUTE=100000000 NAIKKELAS_BENCH_ROUTES=1 "$BIN" --db "$DB" serve --addr "127.0.0.1:$PORT" >"$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
api() { curl -sf -H "Authorization: Bearer $1" -H 'Content-Type: application/json' -X "$2" "http://127.0.0.1:$PORT$3" ${4:+-d "$4"}; }
api "$ADMIN" POST /api/v1/certification-bodies '{"code":"LSPRO-B","name":"LSPro Bench","kind":"lspro","kan_number":"LSPr-000-IDN","scope":["SNI 2983:2014"]}' >/dev/null
NAIKKELAS_PASSWORD=bench-password "$BIN" --db "$DB" user add auditor --role certifier --body LSPRO-B >/dev/null
AUD=$("$BIN" --db "$DB" token create auditor)
ID=$(api "$ADMIN" POST /api/v1/certifications "{\"nib\":\"$NIB\",\"body\":\"LSPRO-B\",\"standard\":\"SNI 2983:2014\",\"scope\":\"bench\"}" | sed 's/.*"id":\([0-9]*\).*/\1/')
for e in start_review start_stage1 complete_stage1 complete_stage2; do api "$AUD" POST "/api/v1/certifications/$ID/events" "{\"event\":\"$e\"}" >/dev/null; done
api "$AUD" POST "/api/v1/certifications/$ID/events" '{"event":"record_test","passed":true}' >/dev/null
NUMBER=$(api "$AUD" POST "/api/v1/certifications/$ID/events" '{"event":"grant"}' | sed 's/.*"number":"\([^"]*\)".*/\1/')
curl -sf "http://127.0.0.1:$PORT/api/v1/verify/$NUMBER" >/dev/null || { echo "verify failed for $NUMBER"; exit 1; }
run() {
  wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "$1" >"$WORK/wrk.txt"
  local rps p99
  rps=$(awk '/Requests\/sec/ {print $2}' "$WORK/wrk.txt")
  p99=$(awk '$1 == "99%" {print $2}' "$WORK/wrk.txt")
  echo "$rps $p99"
}
read -r E_RPS E_P99 < <(run "http://127.0.0.1:$PORT/bench/empty")
read -r V_RPS V_P99 < <(run "http://127.0.0.1:$PORT/api/v1/verify/$NUMBER")
printf '%-28s %12s %10s\n' route 'requests/s' p99
printf '%-28s %12s %10s\n' /bench/empty "$E_RPS" "$E_P99"
printf '%-28s %12s %10s\n' "/api/v1/verify/$NUMBER" "$V_RPS" "$V_P99"
awk -v v="$V_RPS" -v e="$E_RPS" 'BEGIN { r = v / e; printf "ratio verify/empty: %.2f (target >= 0.50) %s\n", r, (r >= 0.5 ? "OK" : "BELOW TARGET") }'
