#!/usr/bin/env bash
# National scale: generate ~4.4 million enterprises with 10 years of figures
# and import them into a fresh SQLite database with the release binary.
# Prints the generation time, the import time and rows/s, the database size,
# and then times a few registry queries on the result.
#
#   bench/national.sh                    # ENTERPRISES=4400000 YEARS=10
#   ENTERPRISES=100000 bench/national.sh # a quick rehearsal
#   SKIP_GENERATE=1 WORK=DIR bench/national.sh  # reuse DIR/national.csv
#
# Needs ~6 GB for the CSV and ~10 GB for the database under WORK.
set -euo pipefail
ENTERPRISES=${ENTERPRISES:-4400000}
YEARS=${YEARS:-10}
SEED=${SEED:-2026}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=$TARGET/release/naikkelas
WORK=${WORK:-$(mktemp -d -t naikkelas-national.XXXXXX)}
mkdir -p "$WORK"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  (cd "$ROOT" && cargo build --release -p naikkelas >&2)
fi
CSV=$WORK/national.csv
DB=$WORK/national.db
rm -f "$DB" "$DB-wal" "$DB-shm"

if [ "${SKIP_GENERATE:-0}" = 1 ] && [ -s "$CSV" ]; then
  ROWS=$(($(wc -l <"$CSV") - 1))
  echo "reusing $CSV: $ROWS rows ($(du -h "$CSV" | cut -f1))"
else
  t0=$(date +%s.%N)
  "$BIN" generate --enterprises "$ENTERPRISES" --years "$YEARS" --seed "$SEED" -o "$CSV"
  t1=$(date +%s.%N)
  ROWS=$(($(wc -l <"$CSV") - 1))
  echo "generated $ROWS rows ($(du -h "$CSV" | cut -f1)) in $(echo "$t1 - $t0" | bc) s"
fi

"$BIN" --db "sqlite://$DB" migrate >/dev/null
t2=$(date +%s.%N)
/usr/bin/time -f "peak memory %M kB" "$BIN" --db "sqlite://$DB" import enterprises "$CSV" --json >"$WORK/summary.json"
t3=$(date +%s.%N)
secs=$(echo "$t3 - $t2" | bc)
echo "imported in ${secs} s = $(echo "$ROWS / $secs" | bc) rows/s"
head -c 300 "$WORK/summary.json"; echo
sqlite3 "$DB" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
echo "database size: $(du -h "$DB" | cut -f1) ($(stat -c %s "$DB") bytes)"
sqlite3 "$DB" "select 'enterprises', count(*) from enterprises; select 'figures', count(*) from figures;"
echo "work directory: $WORK (remove it when done)"
