#!/usr/bin/env bash
# Start a private single-node Slurm cluster on this machine (munged + slurmctld + slurmd), for
# testing `vit study slurm` for real. Everything (config, munge key and socket, state, spool, logs,
# job completion file) lives in one folder; nothing under /etc is changed and the system's own
# munge/slurm services, if any, are left alone.
#
#   dir=$(tools/slurm/start.sh [DIR])    # DIR defaults to a new /tmp/vit-slurm.XXXXXX
#   . "$dir/env.sh"                      # SLURM_CONF for sbatch/squeue/sinfo/scancel
#   sbatch --output="$PWD/x.log" --chdir="$PWD" --wrap 'hostname'
#   tools/slurm/stop.sh "$dir"           # stops the daemons and removes the folder
#
# Prints the folder on stdout (and nothing else); progress and errors go to stderr. Installs the
# Debian packages `slurmctld slurmd slurm-client munge` with apt when they are missing (root).
# Jobs' exit codes are in "$dir/jobcomp.txt" (JobCompType=jobcomp/filetxt; there is no sacct
# without accounting). Environment: VIT_SLURM_PORT = first port to try for slurmctld (slurmd takes
# the next one; default 6817, moving up while ports are taken), VIT_SLURM_TIMEOUT = seconds to
# wait for the node to come up (default 60).
set -euo pipefail

say() { printf 'slurm start: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }
t0=$(date +%s%3N)
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

need=()
for b in munged slurmctld slurmd sbatch; do command -v "$b" >/dev/null || need+=("$b"); done
if ((${#need[@]})); then
  [[ $(id -u) == 0 ]] || die "missing ${need[*]}: run as root, or install the Debian packages slurmctld slurmd slurm-client munge."
  say "installing slurmctld slurmd slurm-client munge with apt (missing: ${need[*]})"
  export DEBIAN_FRONTEND=noninteractive
  install() { apt-get install -y -q --no-install-recommends slurmctld slurmd slurm-client munge >&2; }
  # apt may be locked by another installer: retry for a while; refresh the lists once if needed.
  ok=0
  for i in 1 2 3 4 5 6; do
    if install || { apt-get update -q >&2 && install; }; then ok=1; break; fi
    say "apt-get failed (try $i of 6); retrying in 20 s"
    sleep 20
  done
  ((ok)) || die "could not install slurmctld slurmd slurm-client munge with apt-get (see the messages above)."
fi

dir=${1:-}
if [[ -z $dir ]]; then dir=$(mktemp -d /tmp/vit-slurm.XXXXXX); else mkdir -p "$dir"; fi
dir=$(cd "$dir" && pwd)
[[ -e $dir/slurm.conf ]] && die "$dir already holds a cluster (slurm.conf): stop it with tools/slurm/stop.sh $dir, or pass another folder."
# munged refuses a socket folder that is not world-executable (mktemp -d makes it 0700).
chmod 0755 "$dir"
mkdir -p "$dir/munge" "$dir/state" "$dir/spool" "$dir/log"
chmod 0755 "$dir/munge"
# Whatever fails from here on: stop the daemons already started, keep the folder for its logs.
trap 'rc=$?; if ((rc)); then "$here/stop.sh" --keep "$dir" >&2 || true; fi' EXIT

# A fresh key for this cluster only; munged requires it to be readable by its owner alone.
head -c 1024 /dev/urandom > "$dir/munge/munge.key"
chmod 0400 "$dir/munge/munge.key"
socket=$dir/munge/munge.socket
munged --socket="$socket" --key-file="$dir/munge/munge.key" --pid-file="$dir/munge/munged.pid" \
  --log-file="$dir/log/munged.log" --seed-file="$dir/munge/munged.seed" --force \
  || die "munged did not start: see $dir/log/munged.log"

# Two free TCP ports on 127.0.0.1 (a port is taken when something accepts a connection on it).
taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port=${VIT_SLURM_PORT:-6817}
while taken "$port" || taken $((port + 1)); do port=$((port + 2)); done

host=$(hostname -s)
# This machine's CPUs, sockets, cores and memory as slurmd sees them (drop the UpTime field).
node=$(slurmd -C | head -n 1 | sed -e 's/^NodeName=[^ ]* //' -e 's/ UpTime=.*//')
cat > "$dir/slurm.conf" <<EOF
# A single-node test cluster written by tools/slurm/start.sh
ClusterName=vit
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
AuthInfo=socket=$socket
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
# No cgroups needed: plain process tracking, no task containment, no accounting.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
# Exit codes of finished jobs, one line per job.
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/jobcomp.txt
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
MinJobAge=300
NodeName=$host NodeAddr=127.0.0.1 $node State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
printf 'export SLURM_CONF=%q\n' "$dir/slurm.conf" > "$dir/env.sh"
export SLURM_CONF=$dir/slurm.conf

slurmctld -c -i || die "slurmctld did not start: see $dir/log/slurmctld.log"
slurmd -N "$host" || die "slurmd did not start: see $dir/log/slurmd.log"

# Ready when the node is idle (it registers with slurmctld a moment after slurmd starts).
limit=${VIT_SLURM_TIMEOUT:-60}
start=$SECONDS
until [[ $(sinfo -h -N -n "$host" -o %t 2>/dev/null) == idle ]]; do
  if ((SECONDS - start > limit)); then
    sinfo -N >&2 || true
    tail -n 5 "$dir/log/slurmctld.log" "$dir/log/slurmd.log" >&2 || true
    die "the node did not become idle within ${limit} s; logs in $dir/log (stop with tools/slurm/stop.sh $dir)"
  fi
  sleep 0.2
done
ms=$(($(date +%s%3N) - t0))
say "cluster up in $((ms / 1000)).$(printf %03d $((ms % 1000))) s: $host, ports $port-$((port + 1)), folder $dir"
trap - EXIT
echo "$dir"
