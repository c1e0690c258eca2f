#!/usr/bin/env bash
# Start a one-node SLURM cluster on this machine for the integration test (tests/test_slurm.py).
# Installs Debian's slurmctld, slurmd, slurm-client and munge when missing (needs root), writes a
# one-node slurm.conf (topology from `slurmd -C`, 4 fake GPUs), starts munged, slurmctld and slurmd,
# and waits until the node is idle. The daemons' pids go to $STATE/*.pid for stop-local-slurm.sh.
# Usage: tests/slurm/start-local-slurm.sh [STATE_DIR]   (default /tmp/nnlandscape-slurm)
set -euo pipefail

STATE=${1:-${NNLANDSCAPE_SLURM_STATE:-/tmp/nnlandscape-slurm}}
MARKER="# written by nnlandscape tests/slurm/start-local-slurm.sh"
CONF_DIR=/etc/slurm

die() { echo "start-local-slurm: $*" >&2; exit 1; }
say() { echo "start-local-slurm: $*"; }

[ "$(id -u)" = 0 ] || die "needs root (installs packages, runs slurmd); skip the SLURM test instead"

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null \
   || ! command -v munged >/dev/null; then
    command -v apt-get >/dev/null || die "apt-get not found: install slurmctld slurmd slurm-client munge by hand"
    say "installing slurmctld slurmd slurm-client munge (apt-get)"
    t0=$(date +%s)
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null || die "apt-get update failed"
    apt-get install -y -qq --no-install-recommends slurmctld slurmd slurm-client munge >/dev/null \
        || die "apt-get install slurmctld slurmd slurm-client munge failed"
    say "installed in $(( $(date +%s) - t0 )) s"
fi

if [ -f "$CONF_DIR/slurm.conf" ] && ! grep -qF "$MARKER" "$CONF_DIR/slurm.conf"; then
    die "$CONF_DIR/slurm.conf exists and was not written by this script: refusing to replace it"
fi
if [ -f "$STATE/slurmctld.pid" ] \
   && [ "$(cat "/proc/$(cat "$STATE/slurmctld.pid")/comm" 2>/dev/null)" = slurmctld ]; then
    die "a local cluster already runs from $STATE (stop it with tests/slurm/stop-local-slurm.sh)"
fi

mkdir -p "$STATE"/{spool,ctld} "$CONF_DIR"
rm -f "$STATE"/*.log "$STATE"/*.pid

# Fake GPUs: slurmd only needs device files to exist; /dev/null stands in for /dev/nvidia*.
for i in 0 1 2 3; do ln -sfn /dev/null "$STATE/fakegpu$i"; done

# munge: a key, its run directory, the daemon (as the munge user when it exists).
install -d -m 0700 -o munge -g munge /etc/munge /var/lib/munge /var/log/munge 2>/dev/null \
    || install -d -m 0700 /etc/munge /var/lib/munge /var/log/munge
install -d -m 0755 -o munge -g munge /run/munge 2>/dev/null || install -d -m 0755 /run/munge
if [ ! -s /etc/munge/munge.key ]; then
    if command -v mungekey >/dev/null; then mungekey --create --keyfile /etc/munge/munge.key --force
    else dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null; fi
    chown munge:munge /etc/munge/munge.key 2>/dev/null || true
    chmod 0400 /etc/munge/munge.key
fi
if ! munge -n >/dev/null 2>&1; then
    if id munge >/dev/null 2>&1; then
        runuser -u munge -- munged --pid-file=/run/munge/munged.pid
    else
        munged --force --pid-file=/run/munge/munged.pid
    fi
    for _ in $(seq 50); do munge -n >/dev/null 2>&1 && break; sleep 0.1; done
    munge -n >/dev/null 2>&1 || die "munged does not answer"
    cp /run/munge/munged.pid "$STATE/munged.pid"
fi

# One node: its topology as slurmd sees it, plus 4 fake GPUs.
NODE_LINE=$(slurmd -C | grep '^NodeName=' | sed 's/ UpTime=.*//')
[ -n "$NODE_LINE" ] || die "slurmd -C printed no NodeName line"
NODE=$(echo "$NODE_LINE" | sed 's/^NodeName=\([^ ]*\).*/\1/')
cat > "$CONF_DIR/slurm.conf" <<CONF
$MARKER
ClusterName=nnlandscape
SlurmctldHost=$NODE
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/spool
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$STATE/slurmctld.log
SlurmdLogFile=$STATE/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/filetxt
JobCompLoc=$STATE/jobcomp.log
# squeue (the test profile's status command) must still see finished jobs for a while.
MinJobAge=300
ReturnToService=2
MpiDefault=none
GresTypes=gpu
$NODE_LINE Gres=gpu:4 State=UNKNOWN
PartitionName=debug Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
CONF
cat > "$CONF_DIR/gres.conf" <<CONF
$MARKER
Name=gpu File=$STATE/fakegpu[0-3]
CONF
# No cgroups (proctrack/linuxproc, task/none): a cgroup.conf of ours would only get in the way.
if [ -f "$CONF_DIR/cgroup.conf" ] && grep -qF "$MARKER" "$CONF_DIR/cgroup.conf"; then
    rm -f "$CONF_DIR/cgroup.conf"
fi

t0=$(date +%s)
logs() { tail -n 20 "$STATE/slurmctld.log" "$STATE/slurmd.log" >&2 2>/dev/null || true; }
slurmctld -c || { logs; die "slurmctld did not start"; }
slurmd || { logs; die "slurmd did not start"; }
for _ in $(seq 100); do
    state=$(sinfo -h -n "$NODE" -o %T 2>/dev/null || true)
    [ "$state" = idle ] && break
    sleep 0.2
done
[ "$state" = idle ] || { logs; die "node $NODE is '${state:-unknown}', not idle"; }
say "node $NODE idle after $(( $(date +%s) - t0 )) s ($(sinfo -h -o '%c CPUs, %m MB, %G'))"
