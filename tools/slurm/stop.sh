#!/usr/bin/env bash
# Stop a cluster that tools/slurm/start.sh started, and remove its folder.
#
#   tools/slurm/stop.sh [--keep] DIR     # --keep: leave the folder (logs, jobcomp.txt) in place
#
# Cancels the cluster's jobs, then stops slurmd, slurmctld and munged by the process ids in their
# pid files (never by name: other Slurm or munge daemons on the machine are left alone): SIGTERM,
# then SIGKILL after 10 s. A daemon counts as gone once it no longer exists or is a zombie (state
# Z, waiting for its parent to reap it). Safe to run twice, or on a half-started cluster.
set -euo pipefail

say() { printf 'slurm stop: %s\n' "$*" >&2; }
keep=0
if [[ ${1:-} == --keep ]]; then keep=1; shift; fi
dir=${1:?usage: tools/slurm/stop.sh [--keep] DIR (the folder tools/slurm/start.sh printed)}
[[ -d $dir ]] || { say "$dir does not exist: nothing to stop."; exit 0; }
dir=$(cd "$dir" && pwd)
[[ -e $dir/slurm.conf || -e $dir/munge ]] || { say "$dir is not a folder of tools/slurm/start.sh (no slurm.conf or munge/): refusing to touch it."; exit 1; }
t0=$(date +%s%3N)

# Alive = exists and is not a zombie.
alive() { local s; s=$(ps -o stat= -p "$1" 2>/dev/null) && [[ $s != Z* ]]; }
pidof_file() { [[ -s $1 ]] && read -r p < "$1" && [[ $p =~ ^[0-9]+$ ]] && echo "$p"; }

# Cancel the jobs first, so that slurmd reaps their steps while it still runs.
if [[ -e $dir/slurm.conf ]] && p=$(pidof_file "$dir/slurmctld.pid") && alive "$p"; then
  SLURM_CONF=$dir/slurm.conf scancel --quiet --full --partition=debug 2>/dev/null || true
  for _ in $(seq 50); do
    [[ -z $(SLURM_CONF=$dir/slurm.conf squeue -h -o %A 2>/dev/null) ]] && break
    sleep 0.1
  done
fi

stop() { # name=pidfile ... : SIGTERM, wait, SIGKILL what is left
  local -A pids=()
  local a n p
  for a in "$@"; do
    n=${a%%=*}
    p=$(pidof_file "${a#*=}") && alive "$p" && pids[$n]=$p && kill -TERM "$p" 2>/dev/null
  done
  for _ in $(seq 100); do
    for n in "${!pids[@]}"; do alive "${pids[$n]}" || unset "pids[$n]"; done
    ((${#pids[@]})) || return 0
    sleep 0.1
  done
  for n in "${!pids[@]}"; do
    say "$n (pid ${pids[$n]}) still running 10 s after SIGTERM: sending SIGKILL"
    kill -KILL "${pids[$n]}" 2>/dev/null || true
  done
  for _ in $(seq 50); do
    for n in "${!pids[@]}"; do alive "${pids[$n]}" || unset "pids[$n]"; done
    ((${#pids[@]})) || return 0
    sleep 0.1
  done
  say "did not stop: ${!pids[*]}"
  return 1
}
rc=0
# One after the other (slurmd stops faster while slurmctld still answers), munged last: the Slurm
# daemons authenticate through it until they exit.
stop slurmd="$dir/slurmd.pid" || rc=1
stop slurmctld="$dir/slurmctld.pid" || rc=1
stop munged="$dir/munge/munged.pid" || rc=1

ms=$(($(date +%s%3N) - t0))
if ((keep)); then
  say "stopped in $((ms / 1000)).$(printf %03d $((ms % 1000))) s; kept $dir"
else
  ((rc)) || rm -rf "$dir"
  say "stopped in $((ms / 1000)).$(printf %03d $((ms % 1000))) s"
fi
exit $rc
