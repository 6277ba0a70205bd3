#!/bin/bash
# make test-slurm: a sweep's SLURM job array on a real, single-node SLURM.
#
# Starts its own munged and a slurmctld and slurmd on this host (Debian's
# munge and slurm-wlm), each in the foreground with a generated slurm.conf
# in a temporary folder and ports of its own, as root. Submits the job
# array that `petri sweep --slurm --time=1` writes for a tiny sweep whose
# runs outlast SLURM's warning (USR1 50 s before the one-minute limit), so
# that tasks are warned, checkpoint, requeue themselves and finish. Then
# checks that every run finished, that at least one was requeued, and that
# each run's state_hash equals that of the same sweep run here with
# `petri sweep --jobs`. Stops the daemons it started (by their PIDs) and
# removes its folder. Prints "N passed, N failed" like tests/run_tests.sh.
#
# Usage: tests/slurm_test.sh BUILD_DIR
set -u
build=${1:-build/release}
petri=$(realpath "$build/petri")
passed=0
failed=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1"; failed=$((failed + 1)); }
finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
    exit $?
}

for tool in munged mungekey slurmctld slurmd sbatch squeue scontrol; do
    if ! command -v "$tool" >/dev/null; then
        bad "$tool is not installed (make deps-slurm installs munge and slurm-wlm)"
        finish
    fi
done
if [ "$(id -u)" != 0 ]; then
    bad "test-slurm runs slurmd, which starts jobs as their users: run it as root"
    finish
fi

T=$(mktemp -d /tmp/petri-slurm.XXXXXX)
chmod 755 "$T"
pids=()
cleanup() {
    # Only the daemons started here, by PID; slurmd's jobs die with it.
    for p in "${pids[@]}"; do
        kill "$p" 2>/dev/null
    done
    for p in "${pids[@]}"; do
        for _ in $(seq 50); do
            kill -0 "$p" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$p" 2>/dev/null
    done
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- munge, on a socket of its own
mungekey --create --keyfile="$T/munge.key" >/dev/null 2>&1 ||
    dd if=/dev/urandom of="$T/munge.key" bs=1024 count=1 2>/dev/null
chmod 600 "$T/munge.key"
munged --foreground --force --socket="$T/munge.sock" --key-file="$T/munge.key" \
    --pid-file="$T/munged.pid" --log-file="$T/munged.log" --seed-file="$T/munged.seed" \
    >/dev/null 2>&1 &
pids+=($!)

# ---- slurm.conf, ports derived from this shell's PID
host=$(hostname -s)
port=$((20000 + ($$ % 20000)))
mkdir -p "$T/state" "$T/spool"
cat >"$T/slurm.conf" <<EOF
ClusterName=petritest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
# A requeued job waits cred_expire seconds before it may start again.
AuthInfo=socket=$T/munge.sock,cred_expire=10
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/slurmctld.log
SlurmdLogFile=$T/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/builtin
JobRequeue=1
MinJobAge=600
# The main scheduling loop every 2 s: a requeued task starts soon after
# cred_expire.
SchedulerParameters=sched_interval=2
KillWait=10
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
NodeName=$host NodeAddr=127.0.0.1 CPUs=2 RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$T/slurm.conf"
for _ in $(seq 50); do
    [ -S "$T/munge.sock" ] && break
    sleep 0.1
done
slurmctld -D -i -f "$T/slurm.conf" >"$T/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$T/slurm.conf" -N "$host" >"$T/slurmd.out" 2>&1 &
pids+=($!)
up=0
for _ in $(seq 60); do
    if sinfo -h -o %T 2>/dev/null | grep -q idle; then
        up=1
        break
    fi
    sleep 0.5
done
if [ "$up" = 1 ]; then
    ok "slurmctld and slurmd are up on ports $port and $((port + 1))"
else
    bad "SLURM did not come up; the logs:"
    tail -n 20 "$T"/slurmctld.log "$T"/slurmd.log "$T"/*.out 2>/dev/null
    finish
fi

# ---- a tiny sweep of two runs: a short one that ends before any warning,
# and a long one (about 60 s of one core, each generation writing its
# champion) that outlasts the warning and is requeued at least once. SLURM
# checks time limits every 30 s, so the warning 50 s before the end of a
# one-minute limit comes between 10 and 40 s into a task.
cat >"$T/base.yaml" <<EOF
name: slurm-tiny
world:
  size: [64, 64]
populations:
  - name: prey
    count: 32
evolution:
  generations: 3000
  episodes: 1
  episode_ticks: 300
  checkpoint_every: 100
EOF
for where in slurm local; do
    cat >"$T/$where.yaml" <<EOF
base: base.yaml
seed: 11
out: $T/$where
grid:
  evolution.generations: [150, 3000]
EOF
done
"$petri" sweep "$T/slurm.yaml" --slurm --time=1 >"$T/sweep.out" 2>&1 || {
    bad "petri sweep --slurm failed"
    cat "$T/sweep.out"
    finish
}
job=$(sbatch --parsable "$T/slurm/sweep.slurm" 2>"$T/sbatch.err")
if [ -n "$job" ]; then
    ok "sbatch took the array (job $job)"
else
    bad "sbatch refused the script: $(cat "$T/sbatch.err")"
    finish
fi

# The same runs here, meanwhile, for the reference hashes.
nice -n 10 "$petri" sweep "$T/local.yaml" --jobs 1 --threads 1 >"$T/local.out" 2>&1 &
local_pid=$!

# 300 s: two requeue cycles of the long task on a busy 2-core machine
deadline=$((SECONDS + ${PETRI_SLURM_DEADLINE:-300}))
while [ $SECONDS -lt $deadline ]; do
    left=$(squeue -h -j "$job" 2>/dev/null | wc -l)
    [ "$left" -eq 0 ] && break
    sleep 2
done
wait "$local_pid"
local_rc=$?
if [ "$left" -eq 0 ]; then
    ok "every array task ended within the deadline"
else
    bad "tasks still queued or running after the deadline:"
    squeue -j "$job"
fi
[ "$local_rc" -eq 0 ] && ok "the same sweep ran here" || bad "the local sweep failed ($local_rc)"

requeues=$(cat "$T"/slurm/slurm/*.out 2>/dev/null | grep -c "requeueing job")
resumes=$(cat "$T"/slurm/slurm/*.out 2>/dev/null | grep -c "^run [0-9]*: petri resume")
if [ "$requeues" -ge 1 ] && [ "$resumes" -ge 1 ]; then
    ok "warned tasks checkpointed and requeued themselves ($requeues requeues, $resumes resumes)"
else
    bad "no task was warned, requeued and resumed; task output:"
    cat "$T"/slurm/slurm/*.out 2>/dev/null | tail -n 30
fi
for dir in "$T"/local/*/; do
    name=$(basename "$dir")
    [ "$name" = logs ] && continue
    want=$(sed -n 's/.*"state_hash": "\(.*\)".*/\1/p' "$dir/summary.json")
    got=$(sed -n 's/.*"state_hash": "\(.*\)".*/\1/p' "$T/slurm/$name/summary.json" 2>/dev/null)
    reason=$(sed -n 's/.*"stop_reason": "\(.*\)".*/\1/p' "$T/slurm/$name/summary.json" \
        2>/dev/null)
    if [ -n "$want" ] && [ "$got" = "$want" ] && [ "$reason" = generations ]; then
        ok "run $name on SLURM equals the local run ($got)"
    else
        bad "run $name: SLURM '$got' ($reason), local '$want'"
    fi
done
finish
