#!/usr/bin/env bash
# Latency of sourcing matches (issue 9: under 200 ms on the national dataset).
#
# Usage: bench/matching.sh [DB] [REPEATS=200]
#   DB: a SQLite path or URL, or a postgres:// URL. Default: /root/nat/national.db
#       when present (4.4 M enterprises), else a fresh 100,000-enterprise SQLite
#       database made with `naikkelas generate` + `import`.
#   A SQLite file is copied to a scratch directory first (the source stays
#   untouched) unless NAIKKELAS_BENCH_IN_PLACE=1. A PostgreSQL database is
#   seeded in place (rows tagged LSSM-BENCH / buyer.bench).
#
# Seeding (SQL below, documented so the figures can be reproduced): one
# management-system body; ~3,000 ISO 22000 and ~1,500 ISO 9001 certificates
# for makers of KBLI 10794 (the largest food class) spread over the country
# by id, ~2,000 certificates of other classes, ~500 suspended ones that must
# never match; a buyer account with 2,000 requests in the table plus three
# posted through the API. Then each of the three requests' matches
# (`GET /api/v1/sourcing/requests/{id}/matches`) is timed REPEATS times,
# one connection, after a warm-up; p50 and p95 are printed per request.
set -euo pipefail
cd "$(dirname "$0")/.."
REPEATS=${2:-200}
PORT=${NAIKKELAS_BENCH_PORT:-18091}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/root/.cache/naikkelas/target}
BIN=${NAIKKELAS_BIN:-}
if [ -z "$BIN" ]; then
  cargo build --release -p naikkelas -q
  BIN="$CARGO_TARGET_DIR/release/naikkelas"
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/naikkelas-matching-XXXXXX")
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
SERVER=

SRC=${1:-}
if [ -z "$SRC" ] && [ -f /root/nat/national.db ]; then SRC=/root/nat/national.db; fi
case "$SRC" in
  postgres://*|postgresql://*) DB="$SRC"; KIND=postgres ;;
  "")
    KIND=sqlite
    DB="sqlite://$WORK/bench.db"
    echo "no database given: generating 100,000 enterprises …" >&2
    "$BIN" --db "$DB" migrate >/dev/null
    "$BIN" generate --enterprises 100000 --years 1 --seed 9 -o "$WORK/gen.csv" >/dev/null
    "$BIN" --db "$DB" import enterprises "$WORK/gen.csv" --json >/dev/null
    ;;
  *)
    KIND=sqlite
    PATH_=${SRC#sqlite://}
    if [ "${NAIKKELAS_BENCH_IN_PLACE:-0}" = 1 ]; then
      DB="sqlite://$PATH_"
    else
      echo "copying $PATH_ ($(du -h "$PATH_" | cut -f1)) to a scratch directory …" >&2
      cp "$PATH_" "$WORK/bench.db"
      DB="sqlite://$WORK/bench.db"
    fi
    ;;
esac
# Brings the schema up to date (linkage tables, the live-certificate index).
"$BIN" --db "$DB" migrate >/dev/null

BODY="INSERT INTO certification_bodies (code, name, kind, kan_number, scope)
  SELECT 'LSSM-BENCH', 'LSSM Bench', 'lssm', 'LSSM-000-IDN', '[\"SNI ISO 22000:2018\",\"SNI ISO 9001:2015\"]'
  WHERE NOT EXISTS (SELECT 1 FROM certification_bodies WHERE code = 'LSSM-BENCH');"
# $1 enterprise ids (a SELECT), $2 standard, $3 state, $4 first certificate serial.
cert_sql() {
  local num
  if [ "$KIND" = sqlite ]; then num="printf('NK-ISO-2026-%06d', $4 + ROW_NUMBER() OVER ())"; else num="'NK-ISO-2026-' || lpad(($4 + ROW_NUMBER() OVER ())::text, 6, '0')"; fi
  echo "INSERT INTO certifications (enterprise_id, body_id, standard_code, scheme, scope, applied_on, state, number,
      decided_on, issued_on, expires_on, surveillance_due_on, reason, state_since, version, created_at)
    SELECT x.id, (SELECT id FROM certification_bodies WHERE code = 'LSSM-BENCH'), '$2', 'iso', 'bench', '2026-01-05', '$3',
      $num, '2026-02-01', '2026-02-01', '2029-02-01', '2027-02-01', NULL, '2026-02-01T00:00:00Z', 1, '2026-02-01T00:00:00Z'
    FROM ($1) x;"
}
SEED="$BODY
$(cert_sql "SELECT enterprise_id AS id FROM enterprise_kbli WHERE kbli_code = '10794' AND enterprise_id % 50 = 0 LIMIT 3000" 'SNI ISO 22000:2018' certified 100000)
$(cert_sql "SELECT enterprise_id AS id FROM enterprise_kbli WHERE kbli_code = '10794' AND enterprise_id % 100 = 0 LIMIT 1500" 'SNI ISO 9001:2015' certified 200000)
$(cert_sql "SELECT enterprise_id AS id FROM enterprise_kbli WHERE kbli_code = '10794' AND enterprise_id % 50 = 25 LIMIT 500" 'SNI ISO 22000:2018' suspended 300000)
$(cert_sql "SELECT id FROM enterprises WHERE id % 2003 = 0 LIMIT 2000" 'SNI ISO 9001:2015' certified 400000)"
if [ "$KIND" = sqlite ]; then
  EXISTING=$(sqlite3 "${DB#sqlite://}" "SELECT COUNT(*) FROM certification_bodies WHERE code = 'LSSM-BENCH'")
  [ "$EXISTING" = 0 ] && sqlite3 "${DB#sqlite://}" "BEGIN; $SEED COMMIT;"
  Q() { sqlite3 "${DB#sqlite://}" "$1"; }
else
  EXISTING=$(psql -qtA "$DB" -c "SELECT COUNT(*) FROM certification_bodies WHERE code = 'LSSM-BENCH'")
  [ "$EXISTING" = 0 ] && psql -q -v ON_ERROR_STOP=1 "$DB" -c "BEGIN; $SEED COMMIT;" >/dev/null
  Q() { psql -qtA "$DB" -c "$1"; }
fi
NAIKKELAS_PASSWORD=bench-password "$BIN" --db "$DB" user add buyer.bench --role buyer >/dev/null 2>&1 || true
BUYER=$("$BIN" --db "$DB" token create buyer.bench)
BUYER_ID=$(Q "SELECT id FROM users WHERE username = 'buyer.bench'")
if [ "$(Q "SELECT COUNT(*) FROM sourcing_requests WHERE buyer_user_id = $BUYER_ID")" = 0 ]; then
  Q "INSERT INTO sourcing_requests (buyer_user_id, title, kbli_code, keywords, standards, min_monthly, capacity_unit,
       regions, deadline, status, created_at, updated_at)
     SELECT $BUYER_ID, 'Permintaan ' || n, '10794', '[]', '[\"SNI ISO 22000:2018\"]', 100 + n, 'kg', '[\"64\"]',
       '2027-06-30', 'open', '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z'
     FROM (WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 2000) SELECT n FROM s) t;" >/dev/null
fi
echo "enterprises: $(Q 'SELECT COUNT(*) FROM enterprises')  certificates: $(Q 'SELECT COUNT(*) FROM certifications')  requests: $(Q 'SELECT COUNT(*) FROM sourcing_requests')" >&2

NAIKKELAS_DIRECTORY_PER_MINUTE=100000000 "$BIN" --db "$DB" serve --addr "127.0.0.1:$PORT" >"$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 600); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.5; done
BASE="http://127.0.0.1:$PORT"
post() { curl -sf -H "Authorization: Bearer $BUYER" -H 'Content-Type: application/json' -X POST "$BASE/api/v1/sourcing/requests" -d "$1" | sed 's/.*"id":\([0-9]*\).*/\1/'; }
DEADLINE=$(date -u -d '+60 days' +%F)
R1=$(post "{\"title\":\"Keripik, Kaltim\",\"kbli\":\"10794\",\"standards\":[\"SNI ISO 22000:2018\"],\"min_capacity\":1000,\"capacity_unit\":\"kg\",\"regions\":[\"64\"],\"deadline\":\"$DEADLINE\"}")
R2=$(post "{\"title\":\"Keripik, dua standar\",\"kbli\":\"10794\",\"standards\":[\"SNI ISO 22000:2018\",\"SNI ISO 9001:2015\"],\"min_capacity\":500,\"capacity_unit\":\"kg\",\"regions\":[\"33.74\",\"35\"],\"deadline\":\"$DEADLINE\"}")
R3=$(post "{\"title\":\"Keripik, tanpa standar\",\"kbli\":\"10794\",\"standards\":[],\"min_capacity\":200,\"capacity_unit\":\"kg\",\"regions\":[],\"deadline\":\"$DEADLINE\"}")

time_request() {
  local id=$1 label=$2 url="$BASE/api/v1/sourcing/requests/$1/matches" n
  n=$(curl -sf -H "Authorization: Bearer $BUYER" "$url" | grep -o '"nib"' | wc -l)
  for _ in $(seq 5); do curl -sf -o /dev/null -H "Authorization: Bearer $BUYER" "$url"; done
  for _ in $(seq "$REPEATS"); do
    curl -sf -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $BUYER" "$url"
  done | sort -n | awk -v label="$label" -v n="$n" '{ t[NR] = $1 * 1000 } END {
    printf "%-34s matches shown %3d  p50 %7.1f ms  p95 %7.1f ms  max %7.1f ms  (%d requests)\n",
      label, n, t[int(NR * 0.50 + 0.5)], t[int(NR * 0.95 + 0.5)], t[NR], NR }'
}
echo "database: ${SRC:-generated 100k} ($KIND), binary: $BIN, repeats: $REPEATS"
time_request "$R1" "ISO 22000, Kalimantan Timur"
time_request "$R2" "ISO 22000 + ISO 9001, Jawa"
time_request "$R3" "no standard (every holder)"
