#!/bin/sh
# Runs each libFuzzer target briefly: first every committed reproducer in
# tests/fuzz/regressions/TARGET (each must now pass), then SECONDS seconds
# of fuzzing from the committed corpus tests/fuzz/corpus/TARGET (new inputs
# go to a temporary folder, never into the corpus). Prints one closing
# line "N passed, N failed, 0 skipped" (one count per target), as tests/run_tests.sh.
# Usage: tests/fuzz/smoke.sh BUILD_DIR SECONDS TARGET...
build=$1
seconds=$2
shift 2
passed=0
failed=0
work=$(mktemp -d)
log="$work/log"
for t in "$@"; do
    bin="$build/fuzz_$t"
    ok=1
    regs=""
    if [ -d "tests/fuzz/regressions/$t" ]; then
        regs=$(find "tests/fuzz/regressions/$t" -type f ! -name '*.md' | sort)
    fi
    if [ -n "$regs" ]; then
        # shellcheck disable=SC2086
        if ! "$bin" -rss_limit_mb=2048 $regs >"$log" 2>&1; then
            echo "---- fuzz_$t: a committed reproducer fails again"
            tail -n 40 "$log"
            ok=0
        fi
    fi
    if [ "$ok" -eq 1 ]; then
        mkdir -p "$work/$t"
        if ! "$bin" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=60 \
                -artifact_prefix="$work/" -print_final_stats=1 \
                "$work/$t" "tests/fuzz/corpus/$t" >"$log" 2>&1; then
            echo "---- fuzz_$t: crash (the input is kept in $work)"
            tail -n 60 "$log"
            ok=0
            work_keep=1
        fi
    fi
    if [ "$ok" -eq 1 ]; then
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
        cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -n 1)
        echo "ok   fuzz_$t: ${runs:-?} inputs, $cov"
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
    fi
done
[ -n "${work_keep:-}" ] || rm -rf "$work"
echo "$passed passed, $failed failed, 0 skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
