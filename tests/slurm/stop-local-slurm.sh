#!/usr/bin/env bash
# Stop the daemons that start-local-slurm.sh started, by the pids it recorded (slurmd, slurmctld,
# munged). A process counts as gone when it no longer exists or is a zombie (state Z).
# Usage: tests/slurm/stop-local-slurm.sh [STATE_DIR]   (default /tmp/nnlandscape-slurm)
set -uo pipefail

STATE=${1:-${NNLANDSCAPE_SLURM_STATE:-/tmp/nnlandscape-slurm}}

alive() {  # pid -> 0 when the process runs (exists and is not a zombie)
    local st
    st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
    [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

status=0
for name in slurmd slurmctld munged; do
    pidfile="$STATE/$name.pid"
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    if alive "$pid"; then
        kill -TERM "$pid" 2>/dev/null
        for _ in $(seq 50); do alive "$pid" || break; sleep 0.2; done
        if alive "$pid"; then
            kill -KILL "$pid" 2>/dev/null
            sleep 0.5
        fi
    fi
    if alive "$pid"; then
        echo "stop-local-slurm: $name (pid $pid) is still running" >&2
        status=1
    else
        echo "stop-local-slurm: $name (pid $pid) stopped"
        rm -f "$pidfile"
    fi
done
exit $status
