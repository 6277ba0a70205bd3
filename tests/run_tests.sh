#!/bin/sh
# Runs every cmocka test binary in BUILD/tests and prints one closing line:
# "N passed, N failed, N skipped". A binary that crashes counts as one
# failure; a test that calls skip() is counted, and named, as skipped.
# Usage: tests/run_tests.sh BUILD_DIR ["NAME NAME ..."]
# (only the binaries whose names contain one of the NAMEs). The binary the
# tests start is $PETRI_BIN, by default BUILD_DIR/petri.
build=${1:-build/release}
filter=${2:-}
bin=${PETRI_BIN:-$build/petri}
passed=0
failed=0
skipped=0
log=$(mktemp)
for t in "$build"/tests/test_*; do
    [ -x "$t" ] || continue
    case "$t" in *.d|*.o) continue ;; esac
    if [ -n "$filter" ]; then
        keep=0
        for want in $filter; do
            case "$(basename "$t")" in *"$want"*) keep=1 ;; esac
        done
        [ "$keep" -eq 1 ] || continue
    fi
    name=$(basename "$t")
    PETRI_BIN="$bin" "$t" >"$log" 2>&1
    rc=$?
    p=$(sed -n 's/^\[  PASSED  \] \([0-9][0-9]*\) test.*/\1/p' "$log" | tail -n 1)
    f=$(sed -n 's/^\[  FAILED  \] \([0-9][0-9]*\) test.*/\1/p' "$log" | tail -n 1)
    k=$(sed -n 's/^\[  SKIPPED \] \([0-9][0-9]*\) test.*/\1/p' "$log" | tail -n 1)
    p=${p:-0}
    f=${f:-0}
    k=${k:-0}
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1 # crashed or died before reporting
    fi
    if [ "$f" -ne 0 ]; then
        echo "---- $name (exit $rc)"
        cat "$log"
    elif [ "$k" -ne 0 ]; then
        echo "ok   $name: $p passed, $k skipped:" \
            $(sed -n 's/^\[  SKIPPED \] \([a-z_][a-z0-9_]*\)$/\1/p' "$log" | sort -u)
    else
        echo "ok   $name: $p passed"
    fi
    passed=$((passed + p))
    failed=$((failed + f))
    skipped=$((skipped + k))
done
rm -f "$log"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
