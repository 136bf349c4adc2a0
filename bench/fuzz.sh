#!/usr/bin/env bash
# Coverage-guided fuzzing of the parsers that take untrusted input, with
# cargo fuzz (libFuzzer). Each target runs for a bounded time; the script
# prints runs, corpus size and crashes per target and exits non-zero when
# any target crashed.
#
#   bench/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]    (default: 60 s, all)
#
# Targets (fuzz/fuzz_targets/, checks in fuzz/checks/): ingest_csv,
# ingest_xlsx (row reader + row validation), money (Indonesian numbers),
# ids (NIB, KBLI, region code, certificate number), qr_payload (signed QR
# payload decoder), standards (catalogue TOML loader).
#
# cargo fuzz passes nightly -Z flags; RUSTC_BOOTSTRAP=1 lets the stable
# toolchain accept them. Built without a sanitizer (-s none: the code is
# safe Rust, and panics, overflow checks (-a) and failed assertions are what
# is looked for), which runs several times faster than AddressSanitizer.
# A crash input is left in fuzz/artifacts/TARGET/; copy it to
# fuzz/regressions/TARGET/ so `cargo test` replays it from then on.
set -euo pipefail

secs="${1:-60}"
shift || true
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here/fuzz"
all=(ingest_csv ingest_xlsx money ids qr_payload standards)
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all[@]}")

if ! command -v cargo-fuzz >/dev/null; then
    echo "installing cargo-fuzz (crates.io) …" >&2
    cargo install cargo-fuzz --locked
fi
export RUSTC_BOOTSTRAP=1
flags=(-s none -a)
cargo fuzz build "${flags[@]}" ${FUZZ_TARGET_DIR:+--target-dir "$FUZZ_TARGET_DIR"} >&2

mkdir -p logs
printf '%-12s %8s %12s %10s %8s %s\n' target seconds runs runs/s corpus crashes
failed=0
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t" "artifacts/$t"
    for d in seeds regressions; do
        [ -d "$d/$t" ] && cp -n "$d/$t"/* "corpus/$t/" 2>/dev/null || true
    done
    ls "artifacts/$t" >"logs/$t.before"
    log="logs/$t.log"
    start=$(date +%s)
    # -rss_limit_mb: a parser that balloons on a small input is a finding too.
    cargo fuzz run "${flags[@]}" ${FUZZ_TARGET_DIR:+--target-dir "$FUZZ_TARGET_DIR"} "$t" "corpus/$t" -- \
        -max_total_time="$secs" -max_len=65536 -rss_limit_mb=2048 -timeout=10 \
        -print_final_stats=1 -artifact_prefix="artifacts/$t/" >"$log" 2>&1 || true
    took=$(( $(date +%s) - start ))
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    [ -z "$runs" ] && runs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')
    rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    corpus=$(find "corpus/$t" -type f | wc -l)
    new=$(ls "artifacts/$t" | grep -vxF -f "logs/$t.before" || true)
    crashes=$(printf '%s' "$new" | grep -c . || true)
    printf '%-12s %8s %12s %10s %8s %s\n' "$t" "$took" "${runs:-?}" "${rate:-?}" "$corpus" "$crashes"
    if [ "$crashes" -gt 0 ]; then
        failed=1
        printf '%s\n' "$new" | head -5 | sed "s|^|    artifacts/$t/|"
        grep -m3 -E 'panicked at|ERROR: libFuzzer' "$log" | sed 's/^/    /'
    fi
done
exit "$failed"
