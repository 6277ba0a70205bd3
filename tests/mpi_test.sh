#!/bin/bash
# make test-mpi: MPI islands with Open MPI, as a user starts them.
#
# `mpirun --oversubscribe -np 2` (with --allow-run-as-root when root) on a
# tiny islands config: the same state_hash twice (at 1 and 2 OpenMP
# threads per rank), migrants in both islands' lineage, a merged stats.csv
# with an island column, a run stopped at generation 5 and resumed to 8
# equal to a straight run of 8, and a resume with the wrong number of
# ranks refused. Prints "N passed, N failed" like tests/run_tests.sh.
#
# Usage: tests/mpi_test.sh BUILD_DIR   (a build made with MPI=1)
set -u
petri=$(realpath "$1/petri")
passed=0
failed=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1"; failed=$((failed + 1)); }
T=$(mktemp -d /tmp/petri-mpi.XXXXXX)
trap 'rm -rf "$T"' EXIT
root=()
[ "$(id -u)" = 0 ] && root=(--allow-run-as-root)
mpi() { # mpi NP ARGS...: petri on NP ranks, output to $T/last.out
    local np=$1
    shift
    mpirun "${root[@]}" --oversubscribe -np "$np" "$petri" "$@" >"$T/last.out" 2>&1
}
hash_of() { sed -n 's/.*"state_hash": "\(.*\)".*/\1/p' "$1/summary.json" 2>/dev/null; }

cat >"$T/islands.yaml" <<'YAML'
name: islands-test
seed: 3
world:
  size: [64, 64]
populations:
  - name: prey
    count: 16
evolution:
  generations: 8
  episodes: 1
  episode_ticks: 40
  checkpoint_every: 2
neat:
  # Much new structure, so that migrants carry ids of their own island's
  # namespace from the first migration on.
  add_node_rate: 0.3
  add_conn_rate: 0.5
islands:
  migration_interval: 2
  migrants: 2
YAML
cd "$T" || exit 1

if mpi 2 run islands.yaml --out a --threads 1 -q; then
    ok "mpirun -np 2 petri run: 2 islands"
else
    bad "mpirun -np 2 petri run failed:"
    cat "$T/last.out"
fi
mpi 2 run islands.yaml --out b --threads 2 -q
ha=$(hash_of a)
hb=$(hash_of b)
if [ -n "$ha" ] && [ "$ha" = "$hb" ]; then
    ok "the same state_hash twice, at 1 and 2 threads per rank ($ha)"
else
    bad "state_hash differs between two runs: '$ha' and '$hb'"
fi
for k in 0 1; do
    from=$(((k + 1) % 2))
    n=$(grep -c ",migrant,prey,.*,island $from\$" "a/island-$k/lineage.csv")
    # generations 2, 4, 6 and 8, two migrants each
    if [ "$n" -eq 8 ]; then
        ok "island $k took 8 migrants from island $from, in its lineage"
    else
        bad "island $k lineage holds $n migrant rows from island $from, expected 8"
    fi
done
rows=$(grep -c '^[01],' a/stats.csv)
if head -n 1 a/stats.csv | grep -q '^island,generation,population,' && [ "$rows" -eq 16 ]; then
    ok "stats.csv merges both islands with an island column (16 rows)"
else
    bad "stats.csv: $(head -n 1 a/stats.csv), $rows rows"
fi
i0=$(hash_of a/island-0)
i1=$(hash_of a/island-1)
if [ -n "$i0" ] && [ "$i0" != "$i1" ] && grep -q "\"island_hashes\": \[\"$i0\", \"$i1\"\]" a/summary.json; then
    ok "summary.json covers both islands, which differ ($i0, $i1)"
else
    bad "summary.json island hashes: $(grep island_hashes a/summary.json)"
fi

mpi 2 run islands.yaml --out c --threads 1 --generations 5 -q
if [ "$(sed -n 's/.*"generations": \([0-9]*\).*/\1/p' c/summary.json)" = 5 ]; then
    ok "a run stopped at generation 5"
else
    bad "the stopped run: $(cat "$T/last.out")"
fi
if mpi 2 resume c --generations 8 -q && [ "$(hash_of c)" = "$ha" ]; then
    ok "stopped at 5 and resumed to 8 equals the straight run ($ha)"
else
    bad "resumed to 8: '$(hash_of c)', straight '$ha'"
    cat "$T/last.out"
fi
if mpi 3 resume c --generations 9 -q; then
    bad "a resume on 3 ranks of a 2-island run was accepted"
elif grep -q "holds 2 islands; resume it with" "$T/last.out"; then
    ok "a resume with the wrong number of ranks is refused"
else
    bad "a resume on 3 ranks failed without saying why: $(cat "$T/last.out")"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
