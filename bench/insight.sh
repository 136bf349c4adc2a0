#!/usr/bin/env bash
# The national dashboard from rollups against DuckDB over the same data.
#
# 1. `migrate` the national SQLite database with this build (applies the
#    insight migration and fills the rollups; timed), then times a full
#    `rollups rebuild`;
# 2. serves it and requests the national dashboard API N times in a row
#    (after a warm-up), printing p50/p95/max; the province map API too;
# 3. exports the figures × enterprises join once to Parquet (sqlite3 CLI to
#    CSV, DuckDB to Parquet; DuckDB's sqlite extension needs a download) and
#    times in DuckDB the aggregates the dashboard shows (by year; by KBLI
#    division, by size class × level and by province for the latest year),
#    median of 5 runs; prints both and the ratio.
#
# Usage: DB=/root/nat/national.db BIN=target/release/naikkelas bench/insight.sh
# Needs: curl, sqlite3, python3 with duckdb (pip install duckdb).
set -euo pipefail

DB=${DB:-/root/nat/national.db}
BIN=${BIN:-${CARGO_TARGET_DIR:-target}/release/naikkelas}
N=${N:-50}
PORT=${PORT:-18088}
WORK=${WORK:-/tmp/insight-bench}
SKIP_MIGRATE=${SKIP_MIGRATE:-0}
mkdir -p "$WORK"
URL="sqlite://$DB"
now() { date +%s.%N; }
secs() { python3 -c "print(f'{$2 - $1:.1f}')"; }

echo "database: $DB ($(du -h "$DB" | cut -f1)), binary: $BIN"
if [ "$SKIP_MIGRATE" != 1 ]; then
  t0=$(now); "$BIN" --db "$URL" migrate; t1=$(now)
  echo "migrate (insight migration + rollups fill when first applied): $(secs "$t0" "$t1") s"
  t0=$(now); "$BIN" --db "$URL" rollups rebuild; t1=$(now)
  echo "rollups rebuild: $(secs "$t0" "$t1") s"
fi

export NAIKKELAS_PASSWORD=bench-analyst-password
"$BIN" --db "$URL" user add bench.analyst --role ministry >/dev/null 2>&1 || true
TOKEN=$("$BIN" --db "$URL" token create bench.analyst --name bench | tail -1)

"$BIN" --db "$URL" serve --addr "127.0.0.1:$PORT" >"$WORK/serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done

measure() { # name path -> prints p50 p95 max in ms, leaves p95 in $P95
  local name=$1 path=$2 f="$WORK/$1.times"
  for _ in 1 2 3; do curl -fs -o /dev/null -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT$path"; done
  : >"$f"
  for _ in $(seq 1 "$N"); do
    curl -fs -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT$path" >>"$f"
  done
  P95=$(python3 - "$f" "$name" <<'PY'
import sys
t = sorted(float(x) * 1000 for x in open(sys.argv[1]))
p = lambda q: t[min(len(t) - 1, int(round(q * (len(t) - 1))))]
print(f"{sys.argv[2]}: n={len(t)} p50={p(0.5):.1f} ms p95={p(0.95):.1f} ms max={t[-1]:.1f} ms", file=sys.stderr)
print(f"{p(0.95):.2f}")
PY
)
}
measure dashboard "/api/v1/insight/dashboard"
DASH_P95=$P95
measure map "/api/v1/insight/map?metric=workers"
curl -fs -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/v1/insight/dashboard" >"$WORK/dashboard.json"
YEAR=$(python3 -c "import json;print(json.load(open('$WORK/dashboard.json'))['year'])")

PARQUET="$WORK/figures.parquet"
if [ ! -s "$PARQUET" ]; then
  t0=$(now)
  sqlite3 -csv -header "file:$DB?mode=ro" "SELECT f.year, e.province_code, e.regency_code,
      substr(json_extract(e.kbli, '\$[0]'), 1, 2) AS kbli_division, f.size_class, f.quality_level,
      f.workers, f.investment_idr, f.production_idr, f.export_usd_cents
    FROM figures f JOIN enterprises e ON e.id = f.enterprise_id" >"$WORK/figures.csv"
  python3 -c "
import duckdb
duckdb.connect().execute(\"COPY (SELECT * FROM read_csv('$WORK/figures.csv', header=true, types={'kbli_division':'VARCHAR','province_code':'VARCHAR','regency_code':'VARCHAR'})) TO '$PARQUET' (FORMAT parquet)\")"
  rm -f "$WORK/figures.csv"
  t1=$(now); echo "export of the join to Parquet for DuckDB (once): $(secs "$t0" "$t1") s"
fi

python3 - "$PARQUET" "$YEAR" "$DASH_P95" <<'PY'
import duckdb, statistics, sys, time
parquet, year, p95 = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
con = duckdb.connect()
con.execute(f"CREATE TABLE f AS SELECT * FROM read_parquet('{parquet}')")
measures = ("count(*), sum(workers), sum(investment_idr), sum(production_idr), sum(export_usd_cents), "
            "count(*) FILTER (WHERE export_usd_cents > 0)")
queries = [
    f"SELECT year, {measures} FROM f GROUP BY year ORDER BY year",
    f"SELECT kbli_division, {measures} FROM f WHERE year = {year} GROUP BY 1 ORDER BY 1",
    f"SELECT size_class, quality_level, {measures} FROM f WHERE year = {year} GROUP BY 1, 2 ORDER BY 1, 2",
    f"SELECT province_code, {measures} FROM f WHERE year = {year} GROUP BY 1 ORDER BY 1",
]
rows = con.execute("SELECT count(*) FROM f").fetchone()[0]
runs = []
for _ in range(5):
    t = time.perf_counter()
    for q in queries:
        con.execute(q).fetchall()
    runs.append((time.perf_counter() - t) * 1000)
med = statistics.median(runs)
print(f"duckdb {duckdb.__version__}: the dashboard's aggregates over {rows} figure rows (in memory): median {med:.1f} ms (runs: {', '.join(f'{r:.0f}' for r in runs)})")
print(f"sqlite rollups, national dashboard API p95 (HTTP, JSON included): {p95:.1f} ms")
print(f"ratio sqlite p95 / duckdb median: {p95 / med:.2f} ({'faster' if p95 < med else 'slower'} than DuckDB)")
PY
