#!/usr/bin/env bash
# A one-node Slurm cluster on this machine (slurmctld + slurmd on localhost, Debian's slurm-wlm
# and munge), then a real 4-task array sweep through examples/slurm/sweep.sbatch, merged with
# `pygc merge` and compared with the same sweep run in one process.
#
#   sudo apt-get install slurm-wlm      # once; then, as root, from the repository root:
#   npm run build && examples/slurm/local-cluster.sh
#
# Everything (configuration, state, logs, results) goes under $WORK (default: a new temporary
# directory); the daemons it starts are stopped on exit. Not for CI: it needs root and starts
# daemons on ports 6817/6818.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${WORK:-$(mktemp -d /tmp/pygc-slurm-XXXXXX)}
HOST=$(hostname -s)
CPUS=$(nproc)
mkdir -p "$WORK/state" "$WORK/spool" "$WORK/out" /run/munge

cat > "$WORK/slurm.conf" <<CONF
ClusterName=pygc-local
SlurmctldHost=$HOST(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
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

started=$(date +%s)
# munged refuses to run as root without --force; it is stopped on exit only if started here.
MUNGE_PID=
if ! pgrep -x munged >/dev/null; then
  munged --force --pid-file "$WORK/munged.pid"
  MUNGE_PID=$(cat "$WORK/munged.pid")
fi
slurmctld -i
slurmd
trap 'kill $(cat "$WORK/slurmd.pid" "$WORK/slurmctld.pid" 2>/dev/null) $MUNGE_PID 2>/dev/null || true' EXIT
for _ in $(seq 60); do
  sinfo -h -o '%T' 2>/dev/null | grep -qE '^(idle|mixed)' && break
  sleep 1
done
sinfo
echo "cluster up after $(($(date +%s) - started)) s"

cd "$REPO"
OUT="$WORK/out" sbatch --wait --array=0-3 --output="$WORK/out/slurm-%A_%a.log" examples/slurm/sweep.sbatch
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
