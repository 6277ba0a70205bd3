#!/bin/sh
# Runs every cmocka test binary in BUILD/tests and prints one closing line:
# "N passed, N failed". A binary that crashes counts as one failure.
# Usage: tests/run_tests.sh BUILD_DIR [FILTER]
build=${1:-build/release}
filter=${2:-}
passed=0
failed=0
log=$(mktemp)
for t in "$build"/tests/test_*; do
    [ -x "$t" ] || continue
    case "$t" in *.d|*.o) continue ;; esac
    [ -n "$filter" ] && case "$t" in *"$filter"*) ;; *) continue ;; esac
    name=$(basename "$t")
    PETRI_BIN="$build/petri" "$t" >"$log" 2>&1
    rc=$?
    p=$(sed -n 's/^\[  PASSED  \] \([0-9][0-9]*\) test.*/\1/p' "$log" | tail -n 1)
    f=$(sed -n 's/^\[  FAILED  \] \([0-9][0-9]*\) test.*/\1/p' "$log" | tail -n 1)
    p=${p:-0}
    f=${f:-0}
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1 # crashed or died before reporting
    fi
    if [ "$f" -ne 0 ]; then
        echo "---- $name (exit $rc)"
        cat "$log"
    else
        echo "ok   $name: $p passed"
    fi
    passed=$((passed + p))
    failed=$((failed + f))
done
rm -f "$log"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
