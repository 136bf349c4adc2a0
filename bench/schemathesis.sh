#!/usr/bin/env bash
# API fuzzing with schemathesis against the OpenAPI document of a demo
# installation, once per role (and anonymously), bounded in time.
#
#   bench/schemathesis.sh [MAX_EXAMPLES=25] [MAX_SECONDS_PER_ROLE=180]
#
# Starts `naikkelas demo` data on a scratch SQLite database, serves it on a
# free loopback port, creates an API token for each demo account
# (crates/app/src/demo.rs) and runs
#   schemathesis run /api/v1/openapi.json --checks not_a_server_error,
#     response_schema_conformance,status_code_conformance,content_type_conformance
# with a fixed seed. Prints one summary line per role and exits non-zero
# when any role found a failure; full output in $OUT (default
# target/schemathesis/), one log per role.
#
# BIN=path/to/naikkelas skips the build (default: a debug build); ROLES="admin
# pemilik" runs only those.
set -euo pipefail
cd "$(dirname "$0")/.."
MAX_EXAMPLES=${1:-25}
MAX_SECONDS=${2:-180}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/root/.cache/naikkelas/target}
OUT=${OUT:-target/schemathesis}
SEED=${SEED:-2026}
command -v schemathesis >/dev/null || pip install --quiet schemathesis
if [ -z "${BIN:-}" ]; then
    cargo build -q -p naikkelas
    BIN="$CARGO_TARGET_DIR/debug/naikkelas"
fi
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
WORK=$(mktemp -d)
SERVER=
cleanup() { [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
DB="sqlite://$WORK/api.db"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# Enough enterprises that Kota Samarinda has some: the demo owner account
# is given the first of them.
"$BIN" --db "$DB" demo --no-serve --enterprises 3000 --years 2 >/dev/null
"$BIN" --db "$DB" serve --addr "127.0.0.1:$PORT" >"$OUT/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null || { echo "server did not start"; cat "$OUT/server.log"; exit 1; }

CHECKS=not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance
failed=0
printf '%-18s %s\n' role result
for role in ${ROLES:-anonymous admin kemenperin petugas.samarinda pemilik auditor.lspro}; do
    auth=()
    if [ "$role" != anonymous ]; then
        if ! token=$("$BIN" --db "$DB" token create "$role" --name schemathesis 2>/dev/null); then
            printf '%-18s skipped: the demo has no account %s\n' "$role" "$role"
            continue
        fi
        auth=(-H "Authorization: Bearer $token")
    fi
    log="$OUT/$role.log"
    set +e
    # From $OUT: schemathesis keeps its example database in ./.schemathesis.
    (cd "$OUT" && schemathesis run "http://127.0.0.1:$PORT/api/v1/openapi.json" --url "http://127.0.0.1:$PORT" \
        "${auth[@]}" --checks "$CHECKS" --max-examples "$MAX_EXAMPLES" --max-time "$MAX_SECONDS" \
        --seed "$SEED" --workers 2 --request-timeout 30 --phases examples,coverage,fuzzing \
        --suppress-health-check all --no-color) >"$log" 2>&1
    code=$?
    set -e
    cases=$(grep -oE '[0-9]+ generated, [0-9a-z ]+' "$log" | tail -1 || true)
    kinds=$(sed -n '/^Failures:/,/^$/p' "$log" | grep -oE 'ST[0-9]+ [^:]+: [0-9]+' | paste -sd ',' - || true)
    tested=$(grep -oE 'Tested: [0-9]+' "$log" | tail -1 || true)
    # schemathesis 4.32 on Python 3.11 sometimes fails inside hypothesis
    # ("AST constructor recursion depth mismatch") while generating for one
    # operation: reported, but an API failure only when a check failed.
    internal=$(grep -c '^Runtime Error' "$log" || true)
    printf '%-18s exit %d  %s; %s%s%s\n' "$role" "$code" "${tested:-?}" "${cases:-see $log}" "${kinds:+; $kinds}" \
        "$( [ "${internal:-0}" -gt 0 ] && echo "; $internal schemathesis internal error(s)")"
    if grep -q 'unique failures' "$log" || { [ "$code" -ne 0 ] && [ "${internal:-0}" -eq 0 ]; }; then
        failed=1
    fi
done
grep -iE 'panicked|internal error' "$OUT/server.log" | head -5 || true
exit "$failed"
