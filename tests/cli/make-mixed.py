#!/usr/bin/env python3
"""make-mixed.py N SEED [clean|raw] -- N lines of mixed canonical records for the -@ N
tests (tests/cli/workers.t): the judge samples with varied ids and padding,
planner-voice traces, cue-text records, and now and then a bad JSON line, a
blank line, a record that is not canonical, a cue that is not a string, and
a trace for the catastrophic rule ("clean": none of these oddities).
"raw": raw generations for cot-extract instead, every layout of
samples/raw, with bad lines, blank lines and objects with no text.
Written to stdout, deterministic."""
import glob, json, random, sys

n, seed = int(sys.argv[1]), int(sys.argv[2])
mode = sys.argv[3] if len(sys.argv) > 3 else ""
clean = mode == "clean"
rnd0 = random.Random(seed)
if mode == "raw":
    raw = [l.rstrip("\n") for f in sorted(glob.glob("samples/raw/*.jsonl"))
           for l in open(f, encoding="utf-8") if l.strip()]
    for i in range(n):
        k = rnd0.random()
        if k < 0.02:
            print('{"id": "bad-%d", "messages": [' % i)
        elif k < 0.025:
            print("")
        elif k < 0.035:
            print(json.dumps({"id": "empty-%d" % i, "note": "no text here"}))
        else:
            print(rnd0.choice(raw))
    sys.exit(0)
rnd = random.Random(seed)
src = [json.loads(l) for l in open("samples/judge/traces.jsonl")]
cues = [json.loads(l) for l in open("samples/cues/cued.jsonl")]
pad = ["Let me check the next case carefully. ",
       "The user wants a short answer, so we should respond briefly. ",
       "I think the tokenizer is fine here. ",
       "We need to make sure the output matches. "]
out = sys.stdout
for i in range(n):
    k = rnd.random()
    if clean and k < 0.035 and not 0.02 <= k < 0.03:
        k = 0.5
    if k < 0.01:
        out.write('{"id": "bad-%d", "prompt": "p", "cot": "unterminated\n' % i)
        continue
    if k < 0.015:
        out.write("\n")
        continue
    if k < 0.02:
        out.write(json.dumps({"id": "nc-%d" % i, "cot": "no prompt"}) + "\n")
        continue
    if k < 0.03:
        r = dict(rnd.choice(cues))
        r = {"id": "cue-%d" % i, "prompt": r["prompt"], "cot": r["thinking"],
             "answer": r["raw_response"], "cot_state": "ok",
             "meta": {"nudge_text": r["nudge_text"]}}
        if rnd.random() < 0.1 and not clean:
            r["meta"]["nudge_text"] = 42           # bad-cue with --cue-text-field
        out.write(json.dumps(r) + "\n")
        continue
    if k < 0.035:
        out.write(json.dumps({"id": "boom-%d" % i, "prompt": "p",
                              "cot": "a" * 40 + "b", "answer": "x",
                              "cot_state": "ok"}) + "\n")
        continue
    r = dict(rnd.choice(src))
    r["id"] = "r%d-%s" % (i, r["id"])
    r["cot"] = "".join(rnd.choice(pad) for _ in range(rnd.randint(0, 12))) + r["cot"]
    out.write(json.dumps(r, ensure_ascii=rnd.random() < 0.5) + "\n")
