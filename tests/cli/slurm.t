#!/usr/bin/env bash
# contrib/cot-slurm.sh under a real Slurm: a one-node cluster on localhost
# (munged, slurmctld and slurmd from Debian's slurm-wlm and munge, which
# scripts/deps.sh installs), configured in a temporary directory through
# SLURM_CONF, on its own ports and its own munge socket.  The audit is
# submitted as a job array; the report must equal one pass.  Then one
# shard fails, and the next submit must redo that shard only.  The daemons
# are stopped by their pid files.  Needs root (slurmd runs the jobs as the
# submitting user, and munged must own its key); otherwise the whole file
# is a TAP skip with the reason.
. "$(dirname "$0")/lib.sh"

skip_all() { echo "1..0 # SKIP $1"; exit 0; }
[ "$(id -u)" = 0 ] || skip_all "needs root to start slurmd and munged (CI runs as root)"
for b in munged slurmctld slurmd sbatch squeue sinfo; do
    command -v "$b" > /dev/null || [ -x "/usr/sbin/$b" ] ||
        skip_all "$b is missing: scripts/deps.sh installs slurm-wlm and munge"
done
PATH=$PATH:/usr/sbin

T=samples/stat/train.jsonl
ALL='--by meta.env --count judge.verdict,diff.edit --num diff.cot.similarity --trend meta.step --for judge.verdict=rationalized'
W=$(mktemp -d "${TMPDIR:-/tmp}/cot-slurm-test.XXXXXX")
chmod 755 "$W"
C=$W/cluster
mkdir -p "$C/state" "$C/spool" "$C/log" "$W/raw"

stop_cluster() {
    for p in slurmd slurmctld munged; do
        [ -s "$C/$p.pid" ] && kill "$(cat "$C/$p.pid")" 2> /dev/null
    done
    for p in slurmd slurmctld munged; do   # wait for them to go (5 s at most)
        for _ in $(seq 50); do
            [ -s "$C/$p.pid" ] && kill -0 "$(cat "$C/$p.pid")" 2> /dev/null || break
            sleep 0.1
        done
    done
}
trap 'stop_cluster; rm -rf "$W" "$_BASE"' EXIT

# Ports from the process id, so two suites on one machine do not meet.
port=$((20000 + ($$ % 20000) * 2))
host=$(hostname -s)
dd if=/dev/urandom of="$C/munge.key" bs=1024 count=1 2> /dev/null
chmod 600 "$C/munge.key"
cat > "$C/slurm.conf" <<EOF
ClusterName=cottest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
AuthInfo=socket=$C/munge.sock
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$C/state
SlurmdSpoolDir=$C/spool
SlurmctldPidFile=$C/slurmctld.pid
SlurmdPidFile=$C/slurmd.pid
SlurmctldLogFile=$C/log/slurmctld.log
SlurmdLogFile=$C/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
MinJobAge=300
KillWait=5
NodeName=cotnode NodeHostname=$host NodeAddr=127.0.0.1 CPUs=2 RealMemory=1000 State=UNKNOWN
PartitionName=cot Nodes=cotnode Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$C/slurm.conf
munged --key-file="$C/munge.key" --socket="$C/munge.sock" --pid-file="$C/munged.pid" \
    --log-file="$C/munged.log" --seed-file="$C/munge.seed" --force > "$C/log/munged.out" 2>&1 ||
    skip_all "munged would not start: $(tail -n 1 "$C/munged.log" 2> /dev/null)"
slurmctld -i > "$C/log/ctld.out" 2>&1 ||
    skip_all "slurmctld would not start: $(tail -n 1 "$C/log/slurmctld.log" 2> /dev/null)"
slurmd -N cotnode > "$C/log/slurmd.out" 2>&1 ||
    skip_all "slurmd would not start: $(tail -n 1 "$C/log/slurmd.log" 2> /dev/null)"
up=
for _ in $(seq 100); do
    sinfo -h -o %T 2> /dev/null | grep -q '^idle' && { up=1; break; }
    sleep 0.2
done
# The cluster was started by the test, so a node that never comes up is a
# failure, not a skip: say why.
if [ -z "$up" ]; then
    echo "not ok 1 - one-node cluster up"
    sed 's/^/#   /' "$C/log/slurmctld.log" "$C/log/slurmd.log" | tail -n 20
    echo "1..1"
    exit 1
fi

# Stand-ins as in scale.t: extract is cat, diff ignores ORIG, judge passes
# records through but fails on the shard whose first line is in fail.first.
printf '#!/bin/sh\nexec cat\n' > "$W/pass"
cat > "$W/judge" <<'SH'
#!/bin/sh
f=$(dirname "$0")/fail.first
[ -s "$f" ] || exec cat
t=$(mktemp) && cat > "$t"
if head -n 1 "$t" | cmp -s - "$f"; then head -n 20 "$t"; rm -f "$t"; exit 1; fi
cat "$t"; rm -f "$t"
SH
chmod +x "$W/pass" "$W/judge"
printf '{}\n' > "$W/orig.jsonl"
split -n l/4 "$T" "$W/raw/s."
export W ALL SLURM_CONF COT_EXTRACT=cat COT_DIFF=$W/pass COT_JUDGE=$W/judge
export AUDIT_STAT=$ALL AUDIT_GATES= AUDIT_REPORT=--json SBATCH_OPTS=--mem=100M
# PATH reaches the jobs (sbatch exports the environment).

# Submit, wait until the queue is empty (60 s at most), show what the
# submit said with the directory and job ids taken out.
cat > "$W/run" <<'SH'
#!/usr/bin/env bash
cd "$W" || exit 1
"$ROOT/contrib/cot-slurm.sh" submit audit orig.jsonl raw/s.aa raw/s.ab raw/s.ac raw/s.ad \
    > submit.out 2>&1 || { cat submit.out; exit 1; }
for _ in $(seq 300); do
    [ -z "$(squeue -h 2> /dev/null)" ] && break
    sleep 0.2
done
[ -z "$(squeue -h)" ] || { echo "jobs still queued after 60 s:"; squeue; exit 1; }
sed -E -e "s,$W,W,g" -e 's/job [0-9]+/job N/' \
    -e 's/modified at [0-9.]+, now [0-9.]+/modified at T1, now T2/' submit.out
SH
chmod +x "$W/run"
same="diff <(sed -E 's/\"partials\":[0-9]+/\"partials\":0/' \$W/audit/report) <(cot-stat --json \$ALL $T)"

t slurm-array-one-pass 0 "\$W/run && $same"
check slurm-merge-log-is-the-report "diff \$W/audit/logs/merge.* \$W/audit/report"
t slurm-shard-fails 0 "head -n 1 \$W/raw/s.ac > \$W/fail.first && touch \$W/raw/s.ac && rm -f \$W/audit/logs/shard.* && \$W/run && ls \$W/audit/parts \$W/audit/report 2>&1 | sed \"s,\$W,W,g\"; sed \"s,\$W,W,g\" \$W/audit/logs/shard.*"
t slurm-rerun-redoes-only-that-shard 0 "rm -f \$W/fail.first \$W/audit/logs/shard.* && \$W/run && ls \$W/audit/logs | sed 's/[0-9]*_/N_/; s/merge\\.[0-9]*/merge.N/; s/orig\\.[0-9]*/orig.N/' | sort -u && $same"

stop_cluster
check daemons-stopped "! kill -0 \$(cat $C/slurmd.pid) 2> /dev/null && ! kill -0 \$(cat $C/slurmctld.pid) 2> /dev/null && ! kill -0 \$(cat $C/munged.pid) 2> /dev/null"
done_testing
