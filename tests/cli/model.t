#!/usr/bin/env bash
# model.t -- cot-judge train, info and --model: options, the model's bytes,
# determinism across runs and thread counts, scoring and evidence, the
# verdict, damaged and other-version files, spilling to a temporary file,
# and the distillation recipe (contrib/cot-distil.sh) against a stand-in
# OpenAI-compatible judge.
. "$(dirname "$0")/lib.sh"

D=samples/model/traces.jsonl
G=tests/golden/judge      # judge.t's small fixed inputs
PY=/usr/bin/python3
W=$_BASE/model
mkdir -p "$W"
TR="cot-judge train -q --label meta.label --positive rationalized --group meta.task"
export D G PY W TR

# ---- usage -----------------------------------------------------------------
t train-help 0 'cot-judge train --help'
t train-no-output 2 'cot-judge train --label meta.label $D'
t train-no-label 2 'cot-judge train -o $TMP/m $D'
# the model is a binary file: -u, --zstd and -l would be ignored
t train-zstd 2 'cot-judge train --zstd --label meta.label -o $TMP/m $D; rc=$?; ls $TMP; exit $rc'
t train-level 2 'cot-judge train -l 19 --label meta.label -o $TMP/m $D'
t train-bad-bits 2 'cot-judge train -o $TMP/m --label meta.label --bits 40 $D'
t train-bad-fields 2 'cot-judge train -o $TMP/m --label meta.label --fields cot,reply $D'
t train-bad-char 2 'cot-judge train -o $TMP/m --label meta.label --char-ngrams 1 $D'
t train-bad-holdout 2 'cot-judge train -o $TMP/m --label meta.label --holdout 0 $D'
t model-verdict-alone 2 'cot-judge --model-verdict $D'
t model-verdict-bad 2 'cot-judge --model x --model-verdict=sneaky $D'
t info-usage 2 'cot-judge info'

# ---- training: the report, the file, determinism ---------------------------
t train-verbose 0 'cot-judge train -v -o $TMP/m --label meta.label --positive rationalized --group meta.task $D 2>&1 | sed "s|$TMP|TMP|"'
t info 0 '$TR -o $TMP/m $D && cot-judge info $TMP/m | sed "s|$TMP|TMP|"'
# a label, group or text given twice: which copy would it learn?
t train-twice 1 '{ head -n 50 $D; echo "{\"id\":\"z\",\"prompt\":\"p\",\"cot\":\"c\",\"answer\":\"a\",\"meta\":{\"label\":\"clean\",\"label\":\"rationalized\",\"task\":\"t\"}}"; } > $TMP/d && $TR -o $TMP/m $TMP/d 2> $TMP/e; rc=$?; sed "s|$TMP/||" $TMP/e; ls $TMP; exit $rc'
# the exact bytes (a change here is a format, feature or optimiser change)
t model-sha256 0 '$TR -o $TMP/m $D && sha256sum < $TMP/m'
check same-bytes-twice '$TR -o $TMP/a $D && $TR -o $TMP/b $D && cmp $TMP/a $TMP/b'
check same-bytes-any-threads '$TR -@ 0 -o $TMP/a $D && $TR -@ 3 -o $TMP/b $D && cmp $TMP/a $TMP/b'
check same-bytes-zstd-input 'zstd -q -c $D > $TMP/d.zst && $TR -o $TMP/a $D && $TR -o $TMP/b $TMP/d.zst && cmp $TMP/a $TMP/b'
check other-seed-other-bytes '$TR -o $TMP/a $D && $TR --seed 7 -o $TMP/b $D && ! cmp -s $TMP/a $TMP/b'
t info-multi 0 'cot-judge train -q -o $TMP/m --label meta.label --group meta.task $D && cot-judge info $TMP/m | sed "s|$TMP|TMP|"'
t info-features 0 'cot-judge train -q -o $TMP/m --label meta.label --positive rationalized --group meta.task --fields cot,answer,prompt --word-ngrams 3 --char-ngrams 4 --bits 16 --epochs 3 $D && cot-judge info $TMP/m | grep -E "^(fields|bits|word|char|epochs|class)"'
# more than the buffer: vectors go to a temporary file, the model stays sound
t spill 0 'for i in $(seq 12); do cat $D; done > $TMP/big.jsonl; $TR --max-mem 1M -o $TMP/m $TMP/big.jsonl && cot-judge info $TMP/m | awk -F"\t" "/^spill_chunks/ {print (\$2 > 1) ? \"spilled\" : \"not spilled\"} /^class\trationalized/ {split(\$5, a, \" \"); print (a[2] > 0.9) ? \"AUROC > 0.9\" : \"AUROC \" a[2]}"'

# ---- labels that cannot train --------------------------------------------------
t spill-bad-tmpdir 3 'TMPDIR=/nonexistent $TR --max-mem 1M -o $TMP/m $D $D $D $D $D $D $D $D'
check spill-in-tmpdir 'mkdir $TMP/t && TMPDIR=$TMP/t $TR --max-mem 1M -o $TMP/m $D $D $D $D $D $D $D $D && cot-judge info $TMP/m | grep -q "^spill_chunks	[1-9]" && ! ls $TMP/t | grep -q .'
t train-no-positive 1 'cot-judge train -o $TMP/m --label meta.label --positive sneaky $D'
t train-one-class 1 'jq -c ".meta.label = \"clean\"" $D | cot-judge train -o $TMP/m --label meta.label'
t train-too-many-classes 1 'cot-judge train -o $TMP/m --label meta.task $D'
t train-object-label 1 'cot-judge train -o $TMP/m --label meta $D'
t train-no-group 1 'cot-judge train -o $TMP/m --label meta.label --group meta.nothere $D'
t train-unlabelled-warned 0 'jq -c "if .id == \"t0-0\" then del(.meta.label) elif .id == \"t0-1\" then .meta.label = \"judge_error\" elif .id == \"t0-2\" then .cot = \"\" else . end" $D | $TR -o $TMP/m -v 2>&1 | grep -v "^cot-judge: TMP\|^cot-judge: -:\|records trained" | sed "s|$TMP|TMP|"'
check no-file-on-failure '! cot-judge train -q -o $TMP/m --label meta.label --positive sneaky $D && ! ls $TMP | grep -q .'
t train-two-positives 0 '$TR --positive rejected -o $TMP/m $D && cot-judge info $TMP/m | grep ^class && cot-judge --model $TMP/m --model-verdict $D 2>&1 | sed "s|$TMP|TMP|"; echo "exit ${PIPESTATUS[0]}"'
t train-boolean 0 'jq -c ".meta.flag = (.meta.label == \"rationalized\")" $D | cot-judge train -q -o $TMP/m --label meta.flag --group meta.task && cot-judge info $TMP/m | grep ^class'
t model-verdict-not-verdicts 2 'jq -c ".meta.flag = (.meta.label == \"rationalized\")" $D | cot-judge train -q -o $TMP/m --label meta.flag --group meta.task && cot-judge --model $TMP/m --model-verdict $D 2>&1 | sed "s|$TMP|TMP|"; exit ${PIPESTATUS[0]}'

# ---- scoring -------------------------------------------------------------------
t score 0 '$TR -o $TMP/m $D && head -n 3 $D | cot-judge -u --model $TMP/m | jq -c "[.id, .meta.label, .judge.verdict, .judge.model]"'
t score-count 0 '$TR -o $TMP/m $D && cot-judge -u --model $TMP/m $D | jq -r "[.meta.label, .judge.model.label] | @tsv" | sort | uniq -c'
t model-verdict 0 '$TR -o $TMP/m $D && cot-judge -c --model $TMP/m --model-verdict $D'
# -c counts verdicts: a model that may not raise them would change no count,
# a usage error; with --model-verdict, no word
t model-counts-no-verdict 2 '$TR -o $TMP/m $D && cot-judge -c --model $TMP/m $D'
check model-verdict-counts-quiet '$TR -o $TMP/m $D && cot-judge -c --model $TMP/m --model-verdict $D 2>&1 >/dev/null | grep -v voice-departure | wc -l | grep -qx 0'
t model-verdict-explicit 0 '$TR -o $TMP/m $D && cot-judge -c --model $TMP/m --model-verdict=silent $D'
t model-verdict-multi 0 'cot-judge train -q -o $TMP/m --label meta.label --group meta.task $D && cot-judge -c --model $TMP/m --model-verdict $D'
t model-verdict-evidence 0 '$TR -o $TMP/m $D && grep "\"t1-0\"" $D | cot-judge -u --model $TMP/m --model-verdict | jq -c "[.judge.verdict, .judge.labels, [.judge.evidence[] | select(.rule == \"model\") | .text]]"'
# flagged is exactly p >= threshold; evidence spans are the n-grams' bytes
t score-no-text 0 '$TR -o $TMP/m $D && cot-judge -u --model $TMP/m --model-verdict $G/nocot.jsonl | jq -c "[.id, .judge.verdict, .judge.model]"'
check flagged-is-threshold '$TR -o $TMP/m $D && cot-judge -u --model $TMP/m $D | jq -e -s "all(.[].judge.model; .flagged == (.p >= .threshold) and ((.label == \"rationalized\") == .flagged))" > /dev/null'
check evidence-offsets '$TR --fields cot,answer,prompt -o $TMP/m $D && cot-judge -u --model $TMP/m $D | $PY -c "
import json, sys
n = 0
for line in sys.stdin:
    r = json.loads(line)
    for e in r[\"judge\"][\"model\"][\"evidence\"]:
        b = r[e[\"field\"]].encode()[e[\"start\"]:e[\"end\"]].decode()
        assert b == e[\"text\"] and e[\"weight\"] > 0, (r[\"id\"], e)
        n += 1
assert n > 1000, n"'
check one-pass-with-judge-cmd '$TR -o $TMP/m $D && cot-judge -u --model $TMP/m --judge-cmd "samples/judge/echo-judge ok" $D | jq -e -s "length == 480 and all(.[]; .judge.model.label and .judge.external.verdict and (.judge.scores | type == \"object\"))" > /dev/null'
check scoring-is-deterministic '$TR -o $TMP/m $D && cot-judge -u --model $TMP/m $D > $TMP/a && cot-judge -u -@ 0 --model $TMP/m $D > $TMP/b && cmp $TMP/a $TMP/b'

# ---- damaged and other-version files ----------------------------------------------
t model-missing 3 'cot-judge --model /nonexistent/m.model $D'
t model-not-a-model 1 'cot-judge --model $D $D'
t model-truncated 1 '$TR -o $TMP/m $D && head -c 1000 $TMP/m > $TMP/t && cot-judge --model $TMP/t $D 2>&1 | sed "s|$TMP|TMP|"; exit ${PIPESTATUS[0]}'
t model-header-cut 1 '$TR -o $TMP/m $D && head -c 100 $TMP/m > $TMP/t && cot-judge info $TMP/t 2>&1 | sed "s|$TMP|TMP|"; exit ${PIPESTATUS[0]}'
t model-bit-flip 1 '$TR -o $TMP/m $D && cp $TMP/m $TMP/t && printf "\x55" | dd of=$TMP/t bs=1 seek=70000 conv=notrunc 2>/dev/null && cot-judge -u --model $TMP/t $D 2>&1 | sed "s|$TMP|TMP|"; exit ${PIPESTATUS[0]}'
t model-other-version 1 '$TR -o $TMP/m $D && cp $TMP/m $TMP/t && printf "\x02" | dd of=$TMP/t bs=1 seek=8 conv=notrunc 2>/dev/null && cot-judge info $TMP/t 2>&1 | sed "s|$TMP|TMP|"; exit ${PIPESTATUS[0]}'

# ---- the recipe, end to end, against a stand-in OpenAI-compatible judge --------
# It says "rationalized" when the chain of thought re-justifies a shortcut,
# as an LLM judge would, and "clean" otherwise.
cat > "$W/server.py" <<'PY'
import http.server, json, os, re, sys
RE = re.compile(r"reasonable here|fine in this case|acceptable for now|special case anyway")
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_POST(self):
        if self.headers.get("Authorization") != "Bearer sk-test":
            self.send_response(401); self.end_headers(); return
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        user = body["messages"][1]["content"]
        cot = user.split("CHAIN OF THOUGHT:\n", 1)[1].split("\n\nFINAL ANSWER:", 1)[0]
        v = "rationalized" if RE.search(cot) else "clean"
        content = json.dumps({"verdict": v, "labels": [], "rationale": "stand-in"})
        out = json.dumps({"choices": [{"message": {"role": "assistant", "content": content}}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)
s = http.server.HTTPServer(("127.0.0.1", 0), H)
s.timeout = 20
open(sys.argv[1] + ".tmp", "w").write(str(s.server_address[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
while s.handle_request() is None and not os.path.exists(sys.argv[1] + ".stop"):
    pass
PY
$PY "$W/server.py" "$W/port" & SERVER=$!
for _ in $(seq 100); do [ -s "$W/port" ] && break; sleep 0.05; done
export COT_JUDGE_URL="http://127.0.0.1:$(cat "$W/port" 2>/dev/null)/v1" COT_JUDGE_MODEL=stand-in COT_JUDGE_API_KEY=sk-test COT_JUDGE_RETRIES=0
t recipe 0 'contrib/cot-distil.sh -n 300 -g meta.task -r 0.5 -d $TMP/d $D 2>/dev/null && jq -r .judge.external.verdict $TMP/d/labelled.jsonl | sort | uniq -c && cot-judge info $TMP/d/judge.model | grep -E "^(label|group|trained|held_out|class)" && zstd -dc $TMP/d/judged.jsonl.zst | wc -l'
t recipe-gate-fires 1 'contrib/cot-distil.sh -n 300 -g meta.task -r 0.2 -d $TMP/d $D > /dev/null 2>&1; rc=$?; tail -n 1 $TMP/d/report >&2; exit $rc'
touch "$W/port.stop"; $PY -c "import urllib.request as u
try: u.urlopen('$COT_JUDGE_URL/x', b'', 2)
except Exception: pass"
wait "$SERVER" 2>/dev/null

done_testing
