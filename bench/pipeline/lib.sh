# bench/pipeline/lib.sh -- shared by bench/pipeline/run and levels (sourced).
#
# Data, made once and cached in $CACHE (bench/out/pipeline, or
# $COT_BENCH_DIR) per size:
#   roll-$MB.jsonl.zst  R1-style rollouts: the model's own outputs (gen.py)
#   sft-$MB.jsonl.zst   the SFT set: the same records, a realistic share edited
#   orig-$MB.zst        cot-extract of the rollouts: cot-diff's ORIG
#   x-$MB.zst           cot-extract of the SFT set (cot-diff's input)
#   d-$MB.zst           ... | cot-diff ORIG (cot-judge's input)
#   j-$MB.zst           ... | cot-judge (cot-stat's input)
#   x-$MB.jsonl ...     the same, plain (make_plain)
# The intermediates feed the stage-alone runs; each is remade when the
# binaries are newer.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${COT_BIN:-$ROOT/bin}
CACHE=${COT_BENCH_DIR:-$ROOT/bench/out/pipeline}
PY=/usr/bin/python3
STAT_ARGS="--count diff.status,diff.edit,judge.verdict"
mkdir -p "$CACHE"
for t in cot-extract cot-diff cot-judge cot-stat; do
    [ -x "$BIN/$t" ] || { echo "bench/pipeline: no $BIN/$t; run make (or set COT_BIN)" >&2; exit 1; }
done
command -v zstd >/dev/null || { echo "bench/pipeline: needs zstd (apt-get install zstd)" >&2; exit 1; }
TIMEF=
[ -x /usr/bin/time ] && TIMEF=/usr/bin/time

# make_data MB: sets SFT ROLL ORIG X D J (paths) and RAW (uncompressed
# bytes of the SFT set).
make_data() {
    local mb=$1
    SFT=$CACHE/sft-$mb.jsonl.zst ROLL=$CACHE/roll-$mb.jsonl.zst ORIG=$CACHE/orig-$mb.zst
    X=$CACHE/x-$mb.zst D=$CACHE/d-$mb.zst J=$CACHE/j-$mb.zst
    if [ ! -s "$SFT" ] || [ ! -s "$ROLL" ] || [ "$ROOT/bench/pipeline/gen.py" -nt "$SFT" ]; then
        echo "generating $mb MB of R1-style JSONL (rollouts and SFT set) in $CACHE ..." >&2
        $PY "$ROOT/bench/pipeline/gen.py" "$mb" "$CACHE/roll.tmp" "$CACHE/sft.tmp"
        zstd -q -f -3 -T2 --rm -o "$ROLL" "$CACHE/roll.tmp"
        zstd -q -f -3 -T2 --rm -o "$SFT" "$CACHE/sft.tmp"
        rm -f "$ORIG" "$X" "$D" "$J"
    fi
    local b
    for b in "$BIN"/cot-extract "$BIN"/cot-diff "$BIN"/cot-judge; do
        [ "$b" -nt "$J" ] && rm -f "$ORIG" "$X" "$D" "$J"
    done
    # ORIG is a file on disk, as a user keeps it; the stages' inputs are
    # written through a pipe, as each stage gets them in the audit.
    [ -s "$ORIG" ] || "$BIN/cot-extract" -o "$ORIG" "$ROLL"
    [ -s "$X" ] || { "$BIN/cot-extract" "$SFT" | cat > "$X.tmp" && mv "$X.tmp" "$X"; }
    [ -s "$D" ] || { "$BIN/cot-diff" -q "$ORIG" "$X" | cat > "$D.tmp" && mv "$D.tmp" "$D"; }
    [ -s "$J" ] || { "$BIN/cot-judge" -q "$D" | cat > "$J.tmp" && mv "$J.tmp" "$J"; }
    RAW=$(raw_size "$SFT")
}

# make_plain: the same inputs, plain (XU DU JU), as the stages get them in
# the audit with -u.
make_plain() {
    XU=${X%.zst}.jsonl DU=${D%.zst}.jsonl JU=${J%.zst}.jsonl
    local f
    for f in "$XU" "$DU" "$JU"; do [ "${f%.jsonl}.zst" -nt "$f" ] && rm -f "$f"; done
    [ -s "$XU" ] || zstd -q -dc "$X" > "$XU"
    [ -s "$DU" ] || zstd -q -dc "$D" > "$DU"
    [ -s "$JU" ] || zstd -q -dc "$J" > "$JU"
}

# Uncompressed size of a zstd file (from the frame header when it says).
raw_size() {
    local n
    n=$(zstd -lv "$1" 2>/dev/null | awk '/Decompressed Size/ {gsub(/[(),]/,""); for (i=1;i<=NF;i++) if ($i=="B") print $(i-1)}' | tail -1)
    [ -n "$n" ] || n=$(zstd -dc "$1" | wc -c)
    echo "$n"
}

now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"%.${2:-2}f\", $1 }"; }

# timed NAME CMD...: run CMD under /usr/bin/time into $T/NAME.t, one line
# "wall user sys maxrss_kb".  Without /usr/bin/time, the wall clock only.
timed() {
    local name=$1; shift
    if [ -n "$TIMEF" ]; then
        "$TIMEF" -f '%e %U %S %M' -o "$T/$name.t" "$@"
    else
        local t0; t0=$(now); "$@"; echo "$(calc "$(now) - $t0" 3) ? ? ?" > "$T/$name.t"
    fi
}
# Fields of a timed run: wall, cpu (user+sys), rss (MiB).
t_wall() { awk '{print $1}' "$T/$1.t"; }
t_cpu() { awk '{ if ($2 == "?") print "?"; else printf "%.2f", $2 + $3 }' "$T/$1.t"; }
t_rss() { awk '{ if ($4 == "?") print "?"; else printf "%.0f", $4 / 1024 }' "$T/$1.t"; }

# best NAME REPS CMD...: the fastest of REPS runs stays in $T/NAME.t.
best() {
    local name=$1 reps=$2 i; shift 2
    timed "$name" "$@"
    for ((i = 1; i < reps; i++)); do
        timed "$name.r" "$@"
        if awk -v a="$(t_wall "$name.r")" -v b="$(t_wall "$name")" 'BEGIN { exit !(a < b) }'; then
            mv "$T/$name.r.t" "$T/$name.t"
        fi
    done
}
