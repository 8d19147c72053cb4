#!/usr/bin/env bash
# Sharded runs that cannot lie: samples/audit.mk (make -j),
# contrib/cot-parallel.sh (GNU parallel) and contrib/cot-slurm.sh's job
# steps.  Each engine gets the same story: a failed shard, the rerun that
# redoes only it, a rerun that reuses everything, changed options, a
# changed shard file, a different shard count, and a failing gate (report
# first, then the gate lines).  Every report is compared with one pass of
# cot-stat over the same records.  The real Slurm cluster is in slurm.t.
#
# Stand-ins for the other tools keep cot-stat the only tool under test:
# extract is cat, diff ignores ORIG, and judge passes records through, but
# fails after 20 records on the shard whose first line is in $W/fail.first.
. "$(dirname "$0")/lib.sh"

T=samples/stat/train.jsonl
ALL='--by meta.env --count judge.verdict,diff.edit --num diff.cot.similarity --trend meta.step --for judge.verdict=rationalized'
W=$(mktemp -d "${TMPDIR:-/tmp}/cot-scale-test.XXXXXX")
export W ALL

printf '#!/bin/sh\nexec cat\n' > "$W/pass"
cat > "$W/judge" <<'SH'
#!/bin/sh
f=$(dirname "$0")/fail.first
[ -s "$f" ] || exec cat
t=$(mktemp) && cat > "$t"
if head -n 1 "$t" | cmp -s - "$f"; then head -n 20 "$t"; rm -f "$t"; exit 1; fi
cat "$t"; rm -f "$t"
SH
# same REPORT FILE...: REPORT (--json) is what one pass over FILE... gives
# (with STAT, default $ALL); only the count of partials merged differs.
cat > "$W/same" <<'SH'
#!/usr/bin/env bash
r=$1; shift
diff <(sed -E 's/"partials":[0-9]+/"partials":0/' "$r") <(cat "$@" | cot-stat --json ${STAT:-$ALL})
SH
chmod +x "$W/pass" "$W/judge" "$W/same"
printf '{}\n' > "$W/orig.jsonl"
export COT_EXTRACT=cat COT_DIFF=$W/pass COT_JUDGE=$W/judge AUDIT_REPORT=--json AUDIT_GATES=
for e in mk par sl; do
    mkdir -p "$W/$e/raw"
    split -n l/4 "$T" "$W/$e/raw/s."
    cp "$W/orig.jsonl" "$W/$e/"
done
S4='raw/s.aa raw/s.ab raw/s.ac raw/s.ad'
FAIL="head -n 1 raw/s.ac > \$W/fail.first"
OK="rm -f \$W/fail.first"

# ---- make -j (samples/audit.mk) ---------------------------------------------
# The audit: lines come in any order under -j: sort them.
# Not the outer make's jobserver (make -j2 check): its warning would be output.
AM="env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -j4 -f $ROOT/samples/audit.mk ORIG=orig.jsonl"
LINES="grep '^audit:' | sort"
t mk-failed-shard 2 "cd \$W/mk && $FAIL && out=\$($AM SHARDS='$S4' AUDIT_STAT=\"\$ALL\" audit 2>&1); st=\$?; printf '%s\\n' \"\$out\" | $LINES; ls audit audit/parts/raw; exit \$st"
t mk-rerun-redoes-the-failed-shard 0 "cd \$W/mk && $OK && $AM SHARDS='$S4' AUDIT_STAT=\"\$ALL\" audit | $LINES && \$W/same audit/report $S4"
t mk-rerun-reuses 0 "cd \$W/mk && $AM SHARDS='$S4' AUDIT_STAT=\"\$ALL\" audit | $LINES && \$W/same audit/report $S4"
t mk-changed-shard 0 "cd \$W/mk && head -n 1 raw/s.aa >> raw/s.ab && $AM SHARDS='$S4' AUDIT_STAT=\"\$ALL\" audit | $LINES && \$W/same audit/report $S4"
t mk-fewer-shards 0 "cd \$W/mk && $AM SHARDS='raw/s.ab raw/s.aa' AUDIT_STAT=\"\$ALL\" audit | $LINES && \$W/same audit/report raw/s.ab raw/s.aa"
t mk-more-shards-again 0 "cd \$W/mk && $AM SHARDS='$S4' AUDIT_STAT=\"\$ALL\" audit | $LINES && \$W/same audit/report $S4"
t mk-changed-options 0 "cd \$W/mk && export STAT=\"\$ALL --num meta.step\" && $AM SHARDS='$S4' AUDIT_STAT=\"\$STAT\" audit | $LINES && \$W/same audit/report $S4"
# A failing gate: the report (a table here), then the gate lines, exit 2.
t mk-gate-fails 2 "set -o pipefail; cd \$W/mk && $AM SHARDS='$S4' AUDIT_STAT=\"\$ALL\" AUDIT_REPORT= 'AUDIT_GATES=--max-rate judge.verdict=rationalized:0.1' audit 2>&1 | grep -v '^audit:\\|^make'"
check mk-pipefail "cd \$W/mk && ! $AM SHARDS='$S4' COT_JUDGE=false AUDIT_DIR=fail audit"
t mk-orig-fails 2 "cd \$W/mk && $AM SHARDS='$S4' COT_EXTRACT=false AUDIT_DIR=fail2 audit > /dev/null 2>&1; st=\$?; ls fail2; exit \$st"

# ---- GNU parallel (contrib/cot-parallel.sh) -----------------------------------
CP="$ROOT/contrib/cot-parallel.sh -j 3 -d audit orig.jsonl"
if command -v parallel > /dev/null; then
  t par-failed-shard 1 "cd \$W/par && $FAIL && AUDIT_STAT=\"\$ALL\" $CP $S4; st=\$?; ls audit audit/parts; exit \$st"
  t par-rerun-redoes-the-failed-shard 0 "cd \$W/par && $OK && AUDIT_STAT=\"\$ALL\" $CP $S4 | grep '^cot-parallel:' && \$W/same audit/report $S4"
  t par-rerun-reuses 0 "cd \$W/par && AUDIT_STAT=\"\$ALL\" $CP $S4 | grep '^cot-parallel:' && \$W/same audit/report $S4"
  t par-changed-shard 0 "cd \$W/par && head -n 1 raw/s.aa >> raw/s.ab && AUDIT_STAT=\"\$ALL\" $CP $S4 | grep '^cot-parallel:' && \$W/same audit/report $S4"
  # 4 shards, then 1 in the same directory: the report is the one shard's.
  t par-one-shard 0 "cd \$W/par && AUDIT_STAT=\"\$ALL\" $CP raw/s.ad | grep '^cot-parallel:' && \$W/same audit/report raw/s.ad"
  t par-changed-options 0 "cd \$W/par && export STAT=\"\$ALL --num meta.step\" && AUDIT_STAT=\"\$STAT\" $CP $S4 | grep '^cot-parallel:' && \$W/same audit/report $S4"
  t par-orig-fails 1 "cd \$W/par && COT_EXTRACT=false $ROOT/contrib/cot-parallel.sh -j 3 -d fail orig.jsonl $S4; st=\$?; ls fail fail/parts; exit \$st"
  t par-gate-fails 1 "cd \$W/par && AUDIT_STAT=\"\$ALL\" AUDIT_REPORT= AUDIT_GATES='--max-rate judge.verdict=rationalized:0.1' $CP $S4 2>&1 | grep -v '^cot-parallel:'; exit \${PIPESTATUS[0]}"
else
  for c in failed-shard rerun-redoes-the-failed-shard rerun-reuses changed-shard \
           one-shard changed-options orig-fails gate-fails; do
    skip "par-$c" "GNU parallel is not installed (scripts/deps.sh)"
  done
fi

# ---- contrib/cot-slurm.sh's job steps, run by hand as the array would -----
SL="$ROOT/contrib/cot-slurm.sh"
STEPS="ls \$PWD/raw/s.* > audit/shards && $SL orig audit orig.jsonl && for i in 1 2 3 4; do SLURM_ARRAY_TASK_ID=\$i $SL shard audit || exit 1; done && $SL merge audit > /dev/null"
check slurm-steps-equal-single-pass "cd \$W/sl && mkdir -p audit && export AUDIT_STAT=\"\$ALL\" && $STEPS && \$W/same audit/report $S4"
t slurm-orig-step-fails 1 "cd \$W/sl && mkdir -p fail && COT_EXTRACT=false $SL orig fail orig.jsonl; st=\$?; ls fail; exit \$st"
t slurm-step-fails 1 "cd \$W/sl && export AUDIT_STAT=\"\$ALL\" && $FAIL && SLURM_ARRAY_TASK_ID=3 $SL shard audit 2>&1 | sed \"s,\$W,W,g\"; st=\${PIPESTATUS[0]}; ls audit/parts; exit \$st"
t slurm-merge-refuses-missing-shard 1 "cd \$W/sl && $OK && export AUDIT_STAT=\"\$ALL\" && $SL merge audit 2>&1 | sed \"s,\$W,W,g\"; exit \${PIPESTATUS[0]}"

rm -rf "$W"
done_testing
