#!/usr/bin/env bash
# A one-node SLURM cluster with accounting on this Debian 12 machine, for the real-SLURM
# workflow test (tests/test_slurm_real.py).  Run as root; no systemd needed; idempotent:
# a second run finds every package, daemon and association in place and changes nothing.
#
#   .ci/slurm-up.sh            # install, configure and start (about 2 min on a fresh machine)
#
# What it makes, as on a real cluster:
#   - munge, slurmctld, slurmd, slurmdbd on MariaDB: `sacct` and `sacctmgr` answer from the
#     accounting database; AccountingStorageEnforce=associations, so a job needs an account.
#   - one node with this machine's real CPU count (`slurmd -C`), never oversubscribed
#     (SelectTypeParameters=CR_Core_Memory), and 85 % of its memory;
#   - partitions `cpu` (default) and `gpu`; the node declares one GRES gpu without a device
#     file, so `sbatch --gpus=1` is accepted and the job runs (on the CPU);
#   - MpiDefault=none (a plain `srun -n 2` gives MPICH no PMI); the pmi2 plugin is installed,
#     so `srun --mpi=pmi2` works;
#   - account `rsmine` with the users root and $SLURM_USERS (space-separated, optional).
set -euo pipefail

CLUSTER=rsmine-ci
ACCOUNT=rsmine
USERS="root ${SLURM_USERS:-}"
HOST=$(hostname -s)
CONF=/etc/slurm

say() { echo "slurm-up: $*"; }
running() { pgrep -x "$1" >/dev/null; }

# --- packages (skipped when present) ---------------------------------------------------------
packages=(munge slurmctld slurmd slurm-client slurmdbd mariadb-server)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ((${#missing[@]})); then
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
[ -e /usr/lib/x86_64-linux-gnu/slurm-wlm/mpi_pmi2.so ] || [ -n "$(find /usr/lib -name mpi_pmi2.so -print -quit)" ] \
  || { echo "slurm-up: the pmi2 MPI plugin (mpi_pmi2.so) is missing" >&2; exit 1; }

# --- munge -----------------------------------------------------------------------------------
[ -s /etc/munge/munge.key ] || mungekey --create --force
chown munge:munge /etc/munge/munge.key   # munged refuses a key it does not own
chmod 0400 /etc/munge/munge.key
install -d -o munge -g munge -m 0755 /run/munge /var/log/munge /var/lib/munge
running munged || runuser -u munge -- /usr/sbin/munged
munge -n | unmunge >/dev/null

# --- slurm.conf, gres.conf, slurmdbd.conf ----------------------------------------------------
install -d -o slurm -g slurm /var/lib/slurm/slurmctld /var/lib/slurm/slurmd /run/slurm \
  /var/log/slurm
probe=$(slurmd -C | head -1)                      # NodeName=... CPUs=... RealMemory=...
cpus=$(sed -nE 's/.* CPUs=([0-9]+).*/\1/p' <<<"$probe")
memory=$(($(sed -nE 's/.*RealMemory=([0-9]+).*/\1/p' <<<"$probe") * 85 / 100))
node=$(sed -E 's/ RealMemory=[0-9]+//; s/ UpTime=.*//' <<<"$probe")

write_if_changed() {   # file mode owner: stdin -> file; prints "changed" if it changed
  local new
  new=$(cat)
  if [ ! -f "$1" ] || [ "$(cat "$1")" != "$new" ]; then
    printf '%s\n' "$new" >"$1"
    chmod "$2" "$1"
    chown "$3" "$1"
    echo changed
  fi
}

slurm_changed=$(write_if_changed $CONF/slurm.conf 0644 root:root <<EOF
# written by .ci/slurm-up.sh
ClusterName=$CLUSTER
SlurmctldHost=$HOST
SlurmUser=slurm
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=/var/lib/slurm/slurmctld
SlurmdSpoolDir=/var/lib/slurm/slurmd
SlurmctldPidFile=/run/slurm/slurmctld.pid
SlurmdPidFile=/run/slurm/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
MpiDefault=none
ReturnToService=2
GresTypes=gpu
JobAcctGatherType=jobacct_gather/linux
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=$HOST
AccountingStorageEnforce=associations
$node RealMemory=$memory Gres=gpu:1 State=UNKNOWN
PartitionName=cpu Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
PartitionName=gpu Nodes=$HOST Default=NO MaxTime=INFINITE State=UP
EOF
)
gres_changed=$(write_if_changed $CONF/gres.conf 0644 root:root <<EOF
# written by .ci/slurm-up.sh: one GPU slot on /dev/null, no device (jobs run on the CPU)
NodeName=$HOST Name=gpu File=/dev/null Count=1
EOF
)
dbd_changed=$(write_if_changed $CONF/slurmdbd.conf 0600 slurm:slurm <<EOF
# written by .ci/slurm-up.sh
AuthType=auth/munge
DbdHost=$HOST
SlurmUser=slurm
LogFile=/var/log/slurm/slurmdbd.log
PidFile=/run/slurm/slurmdbd.pid
StorageType=accounting_storage/mysql
StorageHost=localhost
StorageUser=slurm
StoragePass=rsmine-ci
StorageLoc=slurm_acct_db
EOF
)

# --- accounting: MariaDB, slurmdbd, the cluster, account and users ---------------------------
running mariadbd || /etc/init.d/mariadb start >/dev/null
mysql -u root -e "CREATE USER IF NOT EXISTS 'slurm'@'localhost' IDENTIFIED BY 'rsmine-ci';
                  GRANT ALL ON slurm_acct_db.* TO 'slurm'@'localhost'; FLUSH PRIVILEGES;"
if [ -n "$dbd_changed" ] && running slurmdbd; then
  kill "$(cat /run/slurm/slurmdbd.pid)"
  while running slurmdbd; do sleep 0.2; done
fi
running slurmdbd || /usr/sbin/slurmdbd
for _ in $(seq 60); do sacctmgr -n show cluster >/dev/null 2>&1 && break; sleep 1; done
sacctmgr -n show cluster format=cluster | grep -qw $CLUSTER || sacctmgr -i add cluster $CLUSTER >/dev/null
sacctmgr -n show account format=account | grep -qw $ACCOUNT \
  || sacctmgr -i add account $ACCOUNT Description=rsmine-ci Organization=rsmine >/dev/null
for user in $USERS; do
  sacctmgr -n show assoc user="$user" account=$ACCOUNT format=user | grep -qw "$user" \
    || sacctmgr -i add user "$user" Account=$ACCOUNT DefaultAccount=$ACCOUNT >/dev/null
done

# --- slurmctld and slurmd --------------------------------------------------------------------
if [ -n "$slurm_changed$gres_changed" ] && running slurmctld; then
  say "configuration changed: restarting slurmctld and slurmd"
  scontrol shutdown >/dev/null
  while running slurmctld || running slurmd; do sleep 0.2; done
fi
running slurmctld || /usr/sbin/slurmctld
running slurmd || /usr/sbin/slurmd
for _ in $(seq 30); do sinfo -h -o %T 2>/dev/null | grep -qvE 'unk|not_responding' && break; sleep 1; done
if [ -n "$slurm_changed$gres_changed" ] && sinfo -h -n "$HOST" -o %T | grep -qE 'drain|inval'; then
  scontrol update NodeName="$HOST" State=RESUME   # drained under an earlier configuration
fi
for _ in $(seq 30); do sinfo -h -o %T 2>/dev/null | grep -qxE 'idle|mixed|allocated' && break; sleep 1; done
state=$(sinfo -h -n "$HOST" -o %T | head -1)
case $state in idle | mixed | allocated) ;;
  *) echo "slurm-up: node $HOST is '$state'; see /var/log/slurm/slurmd.log" >&2; exit 1 ;;
esac

# --- the checks the tests rely on ------------------------------------------------------------
[ "$(srun -A $ACCOUNT -p cpu -n 2 --mpi=pmi2 printenv PMI_SIZE | sort -u)" = 2 ] \
  || { echo "slurm-up: srun --mpi=pmi2 does not give PMI_SIZE=2" >&2; exit 1; }
job=$(sbatch --parsable --wait -A $ACCOUNT -p gpu --gpus=1 -o /dev/null --wrap true)
for _ in $(seq 30); do sacct -n -X -j "$job" -o State | grep -q COMPLETED && break; sleep 1; done
sacct -n -X -j "$job" -o State | grep -q COMPLETED \
  || { echo "slurm-up: sacct does not report job $job (sbatch --gpus=1) as COMPLETED" >&2; exit 1; }
say "one-node cluster $CLUSTER up on $HOST: $cpus CPUs, ${memory} MB, partitions cpu gpu," \
  "account $ACCOUNT ($USERS)"
