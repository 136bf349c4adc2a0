#!/usr/bin/env bash
# Import throughput: naikkelas against the reference bulk loaders.
#
#   ROWS=100000 bench/import.sh          # default ROWS=1000000
#
# Generates ROWS enterprise-year rows with the release binary, then times,
# in one run and on the same CSV file:
#   1. sqlite3 .import into a bare table          (SQLite ceiling)
#   2. naikkelas import into SQLite               (validation, upsert, audit)
#   3. the same naikkelas import again            (idempotent re-run: 0 changes)
#   4. psql \copy into a bare table               (PostgreSQL ceiling)
#   5. naikkelas import into PostgreSQL
# and prints wall time, rows/s, the throughput relative to the matching
# ceiling (ceiling seconds / our seconds: 1.00x = as fast as the bare loader,
# the issue's target is at least 0.50x) and the peak memory (maximum resident
# set size from /usr/bin/time).
#
# Environment:
#   ROWS                 target rows (default 1000000; the generator's entry/exit
#                        model makes the real count slightly lower — it is measured)
#   YEARS                data years per enterprise (default 5)
#   SEED                 generator seed (default 1)
#   NAIKKELAS_BENCH_PG   PostgreSQL URL of a scratch server
#                        (default postgres://postgres@127.0.0.1:5432/test); the
#                        script creates and drops the database naikkelas_bench there
#   CARGO_TARGET_DIR     where the release binary is (default ./target)
#   SKIP_BUILD=1         use the existing release binary
#   WORK                 scratch directory (default: a new temporary one)
set -euo pipefail

ROWS=${ROWS:-1000000}
YEARS=${YEARS:-5}
SEED=${SEED:-1}
PG=${NAIKKELAS_BENCH_PG:-postgres://postgres@127.0.0.1:5432/test}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=$TARGET/release/naikkelas
WORK=${WORK:-$(mktemp -d -t naikkelas-bench.XXXXXX)}
mkdir -p "$WORK"
export PGOPTIONS='--client-min-messages=warning'

if [ ! -x /usr/bin/time ]; then
    echo "installing GNU time (for peak memory) …" >&2
    (apt-get install -y time >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y time >/dev/null; }) \
        || { echo "need /usr/bin/time (apt-get install time)" >&2; exit 1; }
fi

if [ "${SKIP_BUILD:-0}" != 1 ]; then
    echo "building the release binary …" >&2
    (cd "$ROOT" && cargo build --release -p naikkelas >&2)
fi
[ -x "$BIN" ] || { echo "no binary at $BIN" >&2; exit 1; }

# run LABEL CMD… : times CMD, records "label seconds maxrss_kb status".
RESULTS=$WORK/results.txt
: >"$RESULTS"
run() {
    local label=$1; shift
    local out=$WORK/time.$$.txt status=0
    /usr/bin/time -f "%e %M" -o "$out" "$@" >"$WORK/last.out" 2>"$WORK/last.err" || status=$?
    read -r secs rss <"$out"
    echo "$label|$secs|$rss|$status" >>"$RESULTS"
    if [ "$status" != 0 ]; then
        echo "  ($label exited with $status; see $WORK/last.err)" >&2
        tail -n 5 "$WORK/last.err" >&2 || true
    fi
    return 0
}

# Enterprises enter and leave over the years, so rows per enterprise is a
# little below YEARS: measure it on a small sample and scale.
"$BIN" generate --enterprises 2000 --years "$YEARS" --seed "$SEED" -o "$WORK/sample.csv" >/dev/null 2>&1
PER=$(( $(wc -l <"$WORK/sample.csv") - 1 ))
ENTERPRISES=$(( ROWS * 2000 / (PER > 0 ? PER : 1) ))
rm -f "$WORK/sample.csv"
CSV=$WORK/ikm.csv
echo "generating ~$ROWS rows ($ENTERPRISES enterprises × $YEARS years, seed $SEED) …" >&2
run "naikkelas generate" "$BIN" generate --enterprises "$ENTERPRISES" --years "$YEARS" --seed "$SEED" -o "$CSV"
N=$(( $(wc -l <"$CSV") - 1 ))
echo "rows: $N   file: $(du -h "$CSV" | cut -f1)" >&2

COLS=$(head -n 1 "$CSV" | tr -d '\r' | sed 's/,/ TEXT, /g; s/$/ TEXT/')

# 1. sqlite3 ceiling
echo "sqlite3 .import …" >&2
rm -f "$WORK/bare.db"
sqlite3 "$WORK/bare.db" "CREATE TABLE raw ($COLS);"
run "sqlite3 .import (bare table)" sqlite3 "$WORK/bare.db" -cmd ".mode csv" ".import --skip 1 $CSV raw"

# 2./3. naikkelas into SQLite
echo "naikkelas import → SQLite …" >&2
rm -f "$WORK/nk.db" "$WORK/nk.db-wal" "$WORK/nk.db-shm"
"$BIN" --db "sqlite://$WORK/nk.db" migrate >/dev/null
run "naikkelas import → SQLite" "$BIN" --db "sqlite://$WORK/nk.db" import enterprises "$CSV" --json
cp "$WORK/last.out" "$WORK/sqlite-summary.json"
run "naikkelas re-import → SQLite (no changes)" "$BIN" --db "sqlite://$WORK/nk.db" import enterprises "$CSV" --json
cp "$WORK/last.out" "$WORK/sqlite-rerun.json"

# 4./5. PostgreSQL
PG_OK=1
if ! command -v psql >/dev/null; then
    echo "psql not found: PostgreSQL part skipped" >&2; PG_OK=0
elif ! psql "$PG" -Atqc 'select 1' >/dev/null 2>&1; then
    echo "PostgreSQL not reachable at $PG (set NAIKKELAS_BENCH_PG): PostgreSQL part skipped" >&2; PG_OK=0
fi
if [ $PG_OK = 1 ]; then
    echo "psql \\copy …" >&2
    psql "$PG" -qc "DROP TABLE IF EXISTS naikkelas_bench_raw" -c "CREATE TABLE naikkelas_bench_raw ($COLS)" >/dev/null
    run "psql \\copy (bare table)" psql "$PG" -qc "\\copy naikkelas_bench_raw FROM '$CSV' WITH (FORMAT csv, HEADER true)"
    psql "$PG" -qc "DROP TABLE IF EXISTS naikkelas_bench_raw" >/dev/null

    BENCH_URL="${PG%/*}/naikkelas_bench"
    psql "$PG" -qc "DROP DATABASE IF EXISTS naikkelas_bench" -c "CREATE DATABASE naikkelas_bench" >/dev/null
    echo "naikkelas import → PostgreSQL …" >&2
    if "$BIN" --db "$BENCH_URL" migrate >"$WORK/pg-migrate.out" 2>&1; then
        run "naikkelas import → PostgreSQL" "$BIN" --db "$BENCH_URL" import enterprises "$CSV" --json
        cp "$WORK/last.out" "$WORK/pg-summary.json"
    else
        echo "the PostgreSQL backend is not available in this build ($(tail -n 1 "$WORK/pg-migrate.out")): skipped" >&2
    fi
    psql "$PG" -qc "DROP DATABASE IF EXISTS naikkelas_bench" >/dev/null 2>&1 || true
fi

# Report.
echo
echo "Import benchmark: $N rows ($YEARS years/enterprise), $(nproc) CPUs, $(date -u +%Y-%m-%d)"
printf '%-44s %10s %12s %10s %10s\n' "step" "seconds" "rows/s" "vs ceiling" "peak MB"
ceiling=""
while IFS='|' read -r label secs rss status; do
    case $label in
        "sqlite3 .import"*|"psql \\copy"*) ceiling=$secs ;;
    esac
    rate=$(awk -v n="$N" -v s="$secs" 'BEGIN { if (s > 0) printf "%.0f", n / s; else print "-" }')
    ratio="-"
    case $label in
        "naikkelas import"*|"naikkelas re-import"*)
            [ -n "$ceiling" ] && ratio=$(awk -v a="$secs" -v c="$ceiling" 'BEGIN { if (a > 0) printf "%.2fx", c / a; else print "-" }') ;;
    esac
    [ "$status" != 0 ] && label="$label (FAILED $status)"
    printf '%-44s %10s %12s %10s %10s\n' "$label" "$secs" "$rate" "$ratio" "$(( rss / 1024 ))"
done <"$RESULTS"
echo
echo "SQLite import summary (first 200 chars): $(head -c 200 "$WORK/sqlite-summary.json" 2>/dev/null)"
echo "SQLite re-run summary: $(head -c 200 "$WORK/sqlite-rerun.json" 2>/dev/null)"
[ -f "$WORK/pg-summary.json" ] && echo "PostgreSQL import summary: $(head -c 200 "$WORK/pg-summary.json")"
echo "(work files in $WORK)"
