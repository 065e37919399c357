#!/usr/bin/env bash
# A one-node Slurm cluster on this machine (slurmctld + slurmd on localhost, Debian's slurm-wlm
# and munge), then a real 4-task array sweep through examples/slurm/sweep.sbatch, merged with
# `pygc merge` and compared with the same sweep run in one process.
#
#   apt-get install --no-install-recommends slurmctld slurmd   # once; then, as root, from the repository root:
#   npm run build && examples/slurm/local-cluster.sh
#
# Everything (configuration, state, logs, munge key and socket, results) goes under $WORK
# (default: a new temporary directory). The cluster shares nothing with another one on the same
# machine: its own munged on its own socket and key, slurmctld and slurmd on two free ports
# (SLURMCTLD_PORT / SLURMD_PORT override them), so a leftover cluster or a parallel run does not
# collide with it. The daemons it starts are stopped on exit. It needs root (slurmd runs the
# jobs as root). CI runs it (apps/bench/test/slurm-array.test.ts).
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${WORK:-$(mktemp -d /tmp/pygc-slurm-XXXXXX)}
HOST=$(hostname -s)
CPUS=$(nproc)
mkdir -p "$WORK/state" "$WORK/spool" "$WORK/out" "$WORK/munge"
chmod 700 "$WORK" "$WORK/munge"

# Two free TCP ports, picked together so they differ.
if [ -z "${SLURMCTLD_PORT:-}" ] || [ -z "${SLURMD_PORT:-}" ]; then
  read -r SLURMCTLD_PORT SLURMD_PORT < <(node -e '
    const net = require("node:net")
    const a = net.createServer().listen(0, "127.0.0.1", () => {
      const b = net.createServer().listen(0, "127.0.0.1", () => {
        console.log(a.address().port, b.address().port)
        a.close(); b.close()
      })
    })')
fi

cat > "$WORK/slurm.conf" <<CONF
ClusterName=pygc-local
SlurmctldHost=$HOST(127.0.0.1)
SlurmctldPort=$SLURMCTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$WORK/munge/munge.socket
StateSaveLocation=$WORK/state
SlurmdSpoolDir=$WORK/spool
SlurmctldPidFile=$WORK/slurmctld.pid
SlurmdPidFile=$WORK/slurmd.pid
SlurmctldLogFile=$WORK/slurmctld.log
SlurmdLogFile=$WORK/slurmd.log
# No cgroups in a container: plain process tracking, no task binding, no accounting.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
SchedulerParameters=sched_interval=1
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$CPUS State=UNKNOWN
PartitionName=local Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4
CONF
export SLURM_CONF="$WORK/slurm.conf"

stop() {
  # shellcheck disable=SC2046
  kill $(cat "$WORK/slurmd.pid" "$WORK/slurmctld.pid" "$WORK/munge/munged.pid" 2>/dev/null) 2>/dev/null || true
}
trap stop EXIT

started=$(date +%s)
# Its own munged: a fresh key, its own socket (munged refuses to run as root without --force).
dd if=/dev/urandom of="$WORK/munge/munge.key" bs=1024 count=1 status=none
chmod 600 "$WORK/munge/munge.key"
munged --force --key-file "$WORK/munge/munge.key" --socket "$WORK/munge/munge.socket" \
  --pid-file "$WORK/munge/munged.pid" --log-file "$WORK/munge/munged.log" \
  --seed-file "$WORK/munge/munged.seed"
slurmctld -i
slurmd
for _ in $(seq 60); do
  sinfo -h -o '%T' 2>/dev/null | grep -qE '^(idle|mixed)' && break
  sleep 1
done
sinfo
echo "cluster up after $(($(date +%s) - started)) s (slurmctld port $SLURMCTLD_PORT, slurmd port $SLURMD_PORT)"

cd "$REPO"
JOB=$(OUT="$WORK/out" sbatch --parsable --array=0-3 --output="$WORK/out/slurm-%A_%a.log" examples/slurm/sweep.sbatch)
echo "submitted array job $JOB"
# Wait for every task to end: sbatch --wait would look at 2, 10 and 42 s (sbatch.c _job_wait),
# so a 12 s array would take 42 s; a look every half second instead.
DONE='^(COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|BOOT_FAIL|DEADLINE|PREEMPTED)$'
for _ in $(seq 1200); do
  squeue -h -t all -j "$JOB" -o '%T' | grep -qvE "$DONE" || break
  sleep 0.5
done
squeue -h -t all -j "$JOB" -o '%i %T'
states=$(squeue -h -t all -j "$JOB" -o '%T' | sort | uniq -c | tr -s ' ')
if [ "$states" != " 4 COMPLETED" ]; then
  echo "the array's tasks did not all complete: $states" >&2
  exit 1
fi
echo "array finished after $(($(date +%s) - started)) s"
cat "$WORK"/out/slurm-*.log
node apps/bench/dist/cli.js merge "$WORK"/out/shard-*.json -o "$WORK/merged.json"

# The same sweep in one process: the merged shards must hold exactly its figures.
ARGS=$(sed -n 's/^SWEEP_ARGS=//p' examples/slurm/sweep.sbatch | tr -d "'\"")
# shellcheck disable=SC2086
node apps/bench/dist/cli.js sweep $ARGS --jobs 1 --format json -q > "$WORK/whole.json"
node -e '
  const [a, b] = process.argv.slice(1).map((f) => JSON.parse(require("node:fs").readFileSync(f, "utf8")))
  for (const d of [a, b]) { delete d.meta; delete d.wall }
  if (JSON.stringify(a) !== JSON.stringify(b)) { console.error("merged shards differ from the whole sweep"); process.exit(1) }
  console.log(`merged ${b.sweeps.length} sweep cells: identical to the unsharded sweep`)
' "$WORK/whole.json" "$WORK/merged.json"
echo "done after $(($(date +%s) - started)) s; files in $WORK"
