#!/usr/bin/env bash
# The man pages' EXAMPLES are run, so the documentation cannot rot (as jq
# does).  Convention, in the EXAMPLES section of man/*.[157]:
#   .EX
#   $ command ...          <- run from the repository root; must exit 0
#   $ command ... \e       <- a trailing \e continues on the next line
#   output lines           <- illustrative, not compared
#   .EE
# A command whose example is meant to fail ends with "# exit N".  One that
# pipes into head may end on SIGPIPE (status 141), which counts as success.
# Roff escapes \e \- \(aq \(dq \& are undone before running.  The pages
# name files in /tmp, as a reader would type them; the test runs them in a
# /tmp of its own, so that two runs at once (two checkouts) do not share them.
. "$(dirname "$0")/lib.sh"
mkdir -p "$_BASE/tmp"

unroff() { sed -e 's/\\e/\\/g; s/\\-/-/g; s/\\(aq/'"'"'/g; s/\\(dq/"/g; s/\\&//g'; }

for page in man/*.[157]; do
    [ -f "$page" ] || continue
    # Emit one command per line (continuations joined) from EXAMPLES .EX blocks.
    awk '
        /^\.SH / { inex = ($0 ~ /^\.SH "?EXAMPLES?"?/) ; next }
        inex && /^\.EX/ { blk = 1; next }
        inex && /^\.EE/ { blk = 0; next }
        blk && cont { cmd = cmd "\n" $0; if ($0 !~ /\\e$/) { print cmd; cont = 0 } ; next }
        blk && /^\$ / { cmd = substr($0, 3); if ($0 ~ /\\e$/) cont = 1; else print cmd }
    ' "$page" | unroff > "$_BASE/cmds"
    # A command continued with a trailing backslash is read back whole.
    i=0
    while IFS= read -r line; do
        while [[ "$line" == *\\ ]]; do
            IFS= read -r more || break
            line="$line"$'\n'"$more"   # bash -c joins backslash-newline
        done
        i=$((i + 1))
        want=0
        [[ "$line" =~ \#\ exit\ ([0-9]+)$ ]] && want=${BASH_REMATCH[1]}
        _fresh
        line=${line//\/tmp\//$_BASE\/tmp\/}
        (cd "$ROOT" && bash -c "set -o pipefail; $line") < /dev/null > "$_BASE/out" 2>&1
        rc=$?
        # "| head" may close the pipe first: ending on SIGPIPE is correct.
        [ "$rc" = 141 ] && [ "$want" = 0 ] && [[ "$line" == *"| head"* ]] && rc=0
        if [ "$rc" = "$want" ]; then _result 1 "$(basename "$page") example $i"
        else _result 0 "$(basename "$page") example $i" "\$ $line" \
             "exit status $rc, expected $want" "$(head -c 1500 "$_BASE/out")"; fi
    done < "$_BASE/cmds"
done

done_testing
