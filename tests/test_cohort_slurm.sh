#!/usr/bin/env bash
# The dask-jobqueue recipe of bench/README.md ("Running it on a cluster"),
# run for real: a private one-node Slurm (munged, slurmctld and slurmd on
# this machine, their own socket, ports and state under build/slurm-test),
# a SLURMCluster of one job with one one-thread worker per core, and
# wearfm.cohort.embed over it. The Parquet it writes must equal the
# single-process run. Needs root (Slurm's daemons), the Debian packages
# slurmctld, slurmd, slurm-client and munge (scripts/setup.sh) and the
# package venv of the "python package" stage.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-build/pyvenv-package}
W=$PWD/build/slurm-test
for c in munged slurmctld slurmd sbatch sinfo; do
  command -v $c >/dev/null || { echo "test_cohort_slurm: $c is missing (scripts/setup.sh installs Slurm and munge)" >&2; exit 1; }
done
[ -x $VENV/bin/python ] || { echo "test_cohort_slurm: $VENV is missing (the python package stage makes it)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "test_cohort_slurm: Slurm's daemons need root" >&2; exit 1; }

stop() {
  for f in slurmd slurmctld munged; do [ -f $W/$f.pid ] && kill "$(cat $W/$f.pid)" 2>/dev/null || true; done
  sleep 1
}
stop 2>/dev/null || true
rm -rf "$W" && mkdir -p "$W"/state "$W"/spool "$W"/logs && chmod 700 "$W"
trap stop EXIT

head -c 1024 /dev/urandom > $W/munge.key && chmod 400 $W/munge.key
munged --force --socket=$W/munge.sock --key-file=$W/munge.key --pid-file=$W/munged.pid \
  --log-file=$W/munged.log --seed-file=$W/munged.seed

NODE=$(hostname -s)
# free ports for the controller and the node daemon (not Slurm's defaults: a real Slurm may run here)
read -r CTLD_PORT SLURMD_PORT < <($VENV/bin/python -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
export SLURM_CONF=$W/slurm.conf
cat > $SLURM_CONF << CONF
ClusterName=wearfm-test
SlurmctldHost=$NODE
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
AuthType=auth/munge
AuthInfo=socket=$W/munge.sock
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
StateSaveLocation=$W/state
SlurmdSpoolDir=$W/spool
SlurmctldLogFile=$W/slurmctld.log
SlurmdLogFile=$W/slurmd.log
SlurmctldPidFile=$W/slurmctld.pid
SlurmdPidFile=$W/slurmd.pid
ReturnToService=2
NodeName=$NODE CPUs=$(nproc) RealMemory=$(($(awk '/^MemTotal/ {print $2}' /proc/meminfo) / 1024)) State=UNKNOWN
PartitionName=wearfm Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
CONF
slurmctld -f $SLURM_CONF
slurmd -f $SLURM_CONF
for i in $(seq 1 30); do
  sinfo -h -o %t 2>/dev/null | grep -q idle && break
  sleep 1
done
sinfo -h -o %t | grep -q idle || { echo "test_cohort_slurm: the node did not come up" >&2; tail -5 $W/slurmctld.log $W/slurmd.log >&2; exit 1; }

$VENV/bin/pip install -q 'dask-jobqueue>=0.8'
COHORT=${WEARFM_FITABASE:-}
[ -n "$COHORT" ] || { [ -d ../shared/data/fitabase ] && COHORT=$(cd ../shared/data/fitabase && pwd); } || true
[ -n "$COHORT" ] && COHORT="$COHORT/*.csv" || COHORT="$PWD/data/sample/*.csv"
$VENV/bin/python - "$COHORT" "$PWD/models/wearfm-minute-fitabase.safetensors" "$W" << 'PY'
import os, sys, time
import pyarrow.dataset as ds
from dask_jobqueue import SLURMCluster
from distributed import Client
import wearfm.cohort

cohort, model, work = sys.argv[1:]
cores = os.cpu_count()
# bench/README.md's recipe, at this machine's size: one job = the node = one one-thread worker per core
cluster = SLURMCluster(cores=cores, processes=cores, memory="2GB", walltime="00:20:00", queue="wearfm",
                       job_extra_directives=["--exclusive"], log_directory=os.path.join(work, "logs"))
cluster.scale(jobs=1)
client = Client(cluster)
try:
    client.wait_for_workers(cores, timeout=120)
except Exception:
    os.system(f"tail -5 {work}/slurmctld.log {work}/logs/* >&2")
    raise
t = time.time()
res = wearfm.cohort.embed(cohort, model, os.path.join(work, "out-slurm"), client=client)
print(f"slurm: {res.done} people, {res.windows_run} user-days on {cores} workers in {time.time() - t:.1f} s, "
      f"{res.failed} failed")
client.close()
cluster.close()
one = wearfm.cohort.embed(cohort, model, os.path.join(work, "out-local"), client=None)
assert res.failed == 0 and one.failed == 0 and res.done == one.done > 0, (res, one)

def table(run, name):
    t = ds.dataset(os.path.join(work, run, name), format="parquet", partitioning="hive").to_table().to_pandas()
    return t.sort_values(list(t.columns)).reset_index(drop=True)

for name in ("embeddings", "missingness"):
    a, b = table("out-slurm", name), table("out-local", name)
    assert a.shape == b.shape and a.equals(b), f"{name}: the Slurm run differs from the single-process run"
    print(f"{name}: {len(a)} rows, the Slurm run = the single-process run")
PY
