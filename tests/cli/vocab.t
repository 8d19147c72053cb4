#!/usr/bin/env bash
# One option vocabulary across the tools (cot(7), OPTION VOCABULARY): the
# new spellings, and the old ones kept as aliases that give the same output.
. "$(dirname "$0")/lib.sh"

O=samples/diff/orig.jsonl
S=samples/diff/sft.jsonl
J=samples/judge/traces.jsonl
export O S J
# same 'CMD1' 'CMD2': both exit 0 with the same, non-empty output
same() {
  local a b
  a=$(bash -c "$1") || { echo "failed: $1"; return 1; }
  b=$(bash -c "$2") || { echo "failed: $2"; return 1; }
  [ -n "$a" ] || { echo "no output: $1"; return 1; }
  [ "$a" = "$b" ] || { echo "differ: $1 / $2"; return 1; }
}
export -f same

# ---- cot-diff: -O/--output-fmt, with -f/--format as its alias -----------------
t diff-O-text          0 'cot-diff -O text $O $S'
t diff-output-fmt      0 'cot-diff --output-fmt=text -C 0 $O $S'
t diff-output-fmt-jsonl 0 'cot-diff -u --output-fmt jsonl $O $S | jq -r .diff.status'
check diff-f-alias     'same "cot-diff -O text $O $S" "cot-diff -f text $O $S"'
check diff-format-alias 'same "cot-diff --output-fmt text -C 0 $O $S" "cot-diff --format text -C 0 $O $S"'
check diff-last-fmt-wins 'same "cot-diff -u -O text -f jsonl $O $S" "cot-diff -u $O $S"'
t diff-bad-output-fmt  2 'cot-diff --output-fmt xml $O'
t diff-bad-O           2 'cot-diff -O tsv $O'
t diff-answer-shift-text 2 'cot-diff -O text --answer-shift $O $S'

# ---- cot-diff: --only/--drop over statuses and edits ----------------------------
t diff-only-edit       0 'cot-diff -u --only cot-only,both $O $S | jq -r .id'
t diff-only-status     0 'cot-diff -u --only no-source,unchanged $O $S | jq -r .id'
check diff-only-edit-alias   'same "cot-diff -u --only cot-only,both $O $S" "cot-diff -u --only-edit cot-only,both $O $S"'
check diff-only-status-alias 'same "cot-diff -u --only no-source,unchanged $O $S" "cot-diff -u --only-status no-source,unchanged $O $S"'
# a status and an edit: both must hold (as --only-status with --only-edit)
t diff-only-both       0 'cot-diff -u --only edited,cot-only $O $S | jq -r "[.id, .diff.status, .diff.edit] | @tsv"'
check diff-only-both-alias 'same "cot-diff -u --only edited,cot-only $O $S" "cot-diff -u --only-status edited --only-edit cot-only $O $S"'
check diff-only-repeats 'same "cot-diff -u --only edited --only cot-only $O $S" "cot-diff -u --only edited,cot-only $O $S"'
t diff-drop            0 'cot-diff -u --drop unchanged,no-source,cot-only $O $S | jq -r "[.id, .diff.status, .diff.edit] | @tsv"'
# --drop of an edit keeps the unpaired records (they have no edit)
t diff-drop-edit       0 'cot-diff -u --drop none,cot-only $O $S | jq -r "[.id, .diff.status, .diff.edit] | @tsv"'
t diff-only-drop       0 'cot-diff -u --only edited --drop answer-only $O $S | jq -r "[.id, .diff.status, .diff.edit] | @tsv"'
t diff-bad-only        2 'cot-diff --only cot_only $O'
t diff-bad-drop        2 'cot-diff --drop edited,nope $O'
t diff-only-text       0 'cot-diff -O text --only rewritten $O $S'

# ---- cot-diff: -c/--counts, as cot-judge -c ----------------------------------------
t diff-c               0 'cot-diff -c $O $S'
check diff-counts-long 'same "cot-diff -c $O $S" "cot-diff --counts $O $S"'
check diff-counts-match 'cot-diff -u $O $S | jq -r ".diff.status, (.diff.edit // empty)" | sort | uniq -c | awk "{print \$2\"\t\"\$1}" > $TMP/want;
  cot-diff -c $O $S | awk -F "\t" "\$2 > 0" | sort | cmp - $TMP/want'
t diff-c-only          0 'cot-diff -c --only edited,rewritten $O $S'
t diff-c-only-edit     0 'cot-diff -c --only-edit answer-only,both $O $S'
t diff-c-drop          0 'cot-diff -c --drop no-source,no-key,none $O $S'
t diff-c-stdin         0 'cat $S | cot-diff --counts -u $O'
t diff-c-empty         0 'cot-diff -c $O /dev/null'
t diff-c-exit-status   1 'cot-diff -c --exit-status $O $S'
t diff-c-exit-ok       0 'head -1 $S | cot-diff -c --exit-status $O'
t diff-c-text          2 'cot-diff -c -O text $O $S'
t diff-c-dev-full      3 'cot-diff -c $O $S > /dev/full'
# the counts go to stdout: -o would be ignored, so it is refused
t diff-c-output        2 'cot-diff -c -o $TMP/x $O $S; rc=$?; ls $TMP; exit $rc'
check diff-c-output-dash 'same "cot-diff -c -o - $O $S" "cot-diff -c $O $S"'

# ---- cot-judge: -c/--counts, with --count as its alias --------------------------------
t judge-counts         0 'cot-judge --counts $J'
check judge-count-alias 'same "cot-judge --counts $J" "cot-judge --count $J"'
check judge-c-short     'same "cot-judge --counts $J" "cot-judge -c $J"'
t judge-counts-only    0 'cot-judge --counts --only rationalized,silent $J'
t judge-counts-arg     2 'cot-judge --counts=3'
t judge-counts-output  2 'cot-judge -c -o $TMP/x $J; rc=$?; ls $TMP; exit $rc'

# ---- the table in cot(7) names every spelling above -----------------------------------
check vocab-table 'man=$(sed -n "/^\.SH OPTION VOCABULARY/,/^\.SH [A-Z]/p" man/cot.7 | sed "s/\\\\-/-/g; s/\\\\f[BIRP]//g");
  [ -n "$man" ] || { echo "no OPTION VOCABULARY section in man/cot.7"; exit 1; }
  for o in --output-fmt -O --format -f --counts --count -c --only --drop --only-edit --only-status; do
    printf "%s\n" "$man" | grep -q -e "$o\\b" || { echo "cot(7) table lacks $o"; exit 1; }; done'

done_testing
