# lib.sh -- table-driven CLI tests emitting TAP (sourced by tests/cli/*.t).
#
#   t NAME RC 'COMMAND'   run COMMAND with bash from the repository root;
#                         compare its exit status with RC, its stdout with
#                         tests/golden/SUITE/NAME.out and its stderr with
#                         tests/golden/SUITE/NAME.err (a missing file means
#                         "expect nothing").
#   check NAME 'COMMAND'  pass when COMMAND exits 0 (for properties that a
#                         golden file cannot pin, such as round trips).
#   skip NAME 'REASON'    a case that cannot run here (TAP skip; never a
#                         silent pass).
#   done_testing          print the TAP plan.
#
# COT_REGEN=1 rewrites the golden files from the current behaviour: review
# the diff before committing it.  Commands see the tools on PATH (COT_BIN),
# an empty stdin, TMP (a fresh scratch directory per case) and LC_ALL=C.
set -u
cd "$(dirname "$0")/../.." || exit 1
ROOT=$PWD
SUITE=$(basename "$0" .t)
GOLD=tests/golden/$SUITE
: "${COT_BIN:=$ROOT/bin}"
export PATH="$COT_BIN:$PATH" LC_ALL=C ROOT
_BASE=$(mktemp -d "${TMPDIR:-/tmp}/cot-test.XXXXXX")
trap 'rm -rf "$_BASE"' EXIT
_fresh() { TMP=$(mktemp -d "$_BASE/case.XXXXXX"); export TMP; }  # per case
_n=0
_failed=0

_result() {  # ok? name [diagnostics...]
    _n=$((_n + 1))
    if [ "$1" = 1 ]; then echo "ok $_n - $2"; return; fi
    _failed=$((_failed + 1))
    echo "not ok $_n - $2"
    shift 2
    for d in "$@"; do printf '%s\n' "$d" | sed 's/^/#   /'; done
}

_compare() {  # got-file golden-file what
    if [ -f "$2" ]; then
        diff -u "$2" "$1" > "$_BASE/diff" 2>&1 && return 0
    else
        [ -s "$1" ] || return 0
        { echo "no golden file $2, but $3 was:"; head -c 2000 "$1"; } > "$_BASE/diff"
    fi
    return 1
}

t() {
    local name=$1 want_rc=$2 cmd=$3 rc diags=()
    _fresh
    bash -c "$cmd" < /dev/null > "$_BASE/out" 2> "$_BASE/err"
    rc=$?
    if [ "${COT_REGEN:-}" = 1 ]; then
        mkdir -p "$GOLD"
        rm -f "$GOLD/$name.out" "$GOLD/$name.err"
        [ -s "$_BASE/out" ] && cp "$_BASE/out" "$GOLD/$name.out"
        [ -s "$_BASE/err" ] && cp "$_BASE/err" "$GOLD/$name.err"
        [ "$rc" = "$want_rc" ] || diags+=("exit status $rc, expected $want_rc")
    else
        [ "$rc" = "$want_rc" ] || diags+=("exit status $rc, expected $want_rc" \
                                          "stderr: $(head -c 600 "$_BASE/err")")
        _compare "$_BASE/out" "$GOLD/$name.out" stdout || diags+=("stdout differs:" "$(head -c 3000 "$_BASE/diff")")
        _compare "$_BASE/err" "$GOLD/$name.err" stderr || diags+=("stderr differs:" "$(head -c 3000 "$_BASE/diff")")
    fi
    if [ ${#diags[@]} -eq 0 ]; then _result 1 "$name"
    else _result 0 "$name" "\$ $cmd" "${diags[@]}"; fi
}

check() {
    local name=$1 cmd=$2
    _fresh
    if bash -c "$cmd" < /dev/null > "$_BASE/out" 2>&1; then _result 1 "$name"
    else _result 0 "$name" "\$ $cmd" "$(head -c 2000 "$_BASE/out")"; fi
}

skip() {
    _n=$((_n + 1))
    echo "ok $_n - $1 # SKIP $2"
}

# at_all 'CMD' (the -@ N suites): CMD at N=0, 1, 2, 7 (it uses -@ $N) in
# $TMP/N, and at -@ 2 with the pool switching between its workers and
# inline every record and every 300 (COT_WORKERS_ADAPT=flip:K, in
# $TMP/fK/2); prints a summary and which of stdout, stderr, exit status
# and the files written differ from -@ 0's; passes -@ 0's stderr (with $W/
# shown as W/) and exit status on.
at_all() {
    local n v d rc
    for n in 0 1 2 7; do
        mkdir -p "$TMP/$n"
        (cd "$TMP/$n" && N=$n bash -c "cd '$ROOT' && $1" > "$TMP/out.$n" 2> "$TMP/err.$n"
         echo $? > "$TMP/rc.$n")
    done
    for v in f1 f300; do
        mkdir -p "$TMP/$v/2"
        (cd "$TMP/$v/2" && TMP=$TMP/$v N=2 COT_WORKERS_ADAPT=flip:${v#f} \
             bash -c "cd '$ROOT' && $1" > "$TMP/out.$v" 2> "$TMP/err.$v"
         echo $? > "$TMP/rc.$v")
    done
    rc=$(cat "$TMP/rc.0")
    echo "-@ 0: exit $rc, $(wc -l < "$TMP/out.0") lines of stdout" \
         "(first id: $(head -n 1 "$TMP/out.0" | jq -r '.id? // "-"' 2>/dev/null)," \
         "last id: $(tail -n 1 "$TMP/out.0" | jq -r '.id? // "-"' 2>/dev/null))"
    for n in 1 2 7 f1 f300; do
        d=
        v=$n dir=$TMP/$n
        case $n in f*) v="2, switching every ${n#f}"; dir=$TMP/$n/2 ;; esac
        cmp -s "$TMP/out.0" "$TMP/out.$n" || d="$d stdout"
        cmp -s "$TMP/err.0" "$TMP/err.$n" || d="$d stderr"
        cmp -s "$TMP/rc.0" "$TMP/rc.$n" || d="$d exit-status($(cat "$TMP/rc.$n"))"
        diff -r "$TMP/0" "$dir" > /dev/null || d="$d files"
        if [ -z "$d" ]; then echo "-@ $v: the same stdout, stderr, exit status and files"
        else
            echo "-@ $v: DIFFERS:$d"
            diff "$TMP/out.0" "$TMP/out.$n" | head -n 5
            diff "$TMP/err.0" "$TMP/err.$n" | head -n 5
        fi
    done
    sed "s|$W/|W/|g" "$TMP/err.0" >&2
    return "$rc"
}
export -f at_all

done_testing() {
    echo "1..$_n"
    [ "$_failed" = 0 ]
}
