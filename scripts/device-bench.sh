#!/bin/sh
# The throughput figures of docs/performance.md on a many-core machine, in
# one go: builds a static petri (make STATIC=1 SDL=0), then runs
#
#   standard-3k at 1, 2, 4, 8 and 16 threads (target: 16 threads >= 13x 1),
#   crowd-1m at 16 threads (agent-steps/s, bytes per agent, peak RSS),
#   the determinism hash (busy, 1,000 ticks) at 1 and 16 threads and on
#   every sensor path (PETRI_ISA), which must all be the golden one,
#
# and writes everything to one file.
#
# usage: scripts/device-bench.sh [OUT_FILE] [--quick]
#   OUT_FILE  where the figures go (default device-bench-HOST.txt)
#   --quick   a few ticks of each, to check the script itself
#
# Run it on an otherwise idle machine; it takes a few minutes (crowd-1m
# builds a million random brains first) and needs about 1.5 GB of memory.
set -eu

out=""
quick=0
for a in "$@"; do
    case "$a" in
    --quick) quick=1 ;;
    -h | --help)
        sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    -*)
        echo "device-bench.sh: unknown option '$a'" >&2
        exit 2
        ;;
    *) out=$a ;;
    esac
done
[ -n "$out" ] || out="device-bench-$(hostname).txt"
cd "$(dirname "$0")/.."

golden=f684537ce81870de # tests/golden_scenes.h: GOLDEN_BUSY_1000
if [ "$quick" = 1 ]; then
    std_ticks=20
    c1m_ticks=1
    busy_ticks=100
else
    std_ticks=1000
    c1m_ticks=5
    busy_ticks=1000
fi
cores=$(nproc)
threads="1,2,4,8,16"

jobs=$cores
[ "$jobs" -gt 16 ] && jobs=16
make -j"$jobs" STATIC=1 SDL=0 petri >/dev/null
petri=./petri

# the figure (million agent-steps/s) of one result line of text output
rate() { sed -n "s/.*: $1 threads: \([0-9.]*\) million.*/\1/p" | head -n 1; }
hash_of() { sed -n 's/.*hash \([0-9a-f]*\).*/\1/p' | head -n 1; }

{
    echo "# petri device bench, $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "# host $(hostname), $cores cores: $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)"
    echo "# commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown), static build"
    [ "$cores" -lt 16 ] && echo "# WARNING: fewer than 16 cores; 16 threads share them"
    echo

    echo "## standard-3k, $std_ticks ticks, threads $threads"
    std=$($petri bench standard-3k --threads "$threads" --ticks "$std_ticks")
    echo "$std"
    one=$(echo "$std" | rate 1)
    sixteen=$(echo "$std" | rate 16)
    echo "speed-up 16 threads over 1: $(awk -v a="$sixteen" -v b="$one" 'BEGIN { printf "%.2fx (target >= 13x)", a / b }')"
    echo
    echo "## standard-3k, JSON"
    $petri bench standard-3k --threads "$threads" --ticks "$std_ticks" --json
    echo

    echo "## crowd-1m, $c1m_ticks ticks, 16 threads"
    $petri bench crowd-1m --threads 16 --ticks "$c1m_ticks"
    echo

    echo "## determinism: busy, $busy_ticks ticks"
    all_same=yes
    first=""
    for t in 1 16; do
        for isa in scalar sse2 avx2; do
            h=$(PETRI_ISA=$isa $petri bench busy --hash --threads "$t" --ticks "$busy_ticks" 2>/dev/null |
                hash_of)
            if [ -z "$h" ]; then
                echo "threads $t, sensor path $isa: not available on this CPU"
                continue
            fi
            echo "threads $t, sensor path $isa: hash $h"
            [ -n "$first" ] || first=$h
            [ "$h" = "$first" ] || all_same=no
        done
    done
    echo "every hash the same: $all_same"
    if [ "$busy_ticks" = 1000 ]; then
        if [ "$first" = "$golden" ]; then
            echo "golden hash $golden: matches"
        else
            echo "golden hash $golden: DIFFERENT ($first)"
        fi
    fi
} 2>&1 | tee "$out"
echo "device-bench.sh: figures written to $out"
