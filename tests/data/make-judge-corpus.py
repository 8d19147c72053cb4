#!/usr/bin/env python3
"""make-judge-corpus.py N SEED -- canonical records that exercise every
cot-judge detector near its edges, for differential checks of cot-judge
(tests/cli/judge-corpus.t, bench/judge/diff).

Each record is a random mix of pieces of the sample table
(samples/judge/traces.jsonl, forms.jsonl: temptations, recognitions,
pivots, re-justifications, action code, cues, options) with filler prose
and the inputs the fast paths skip over: base64-like runs of 70..90 bytes
(with and without digits, case, at the field's ends), zero-width and bidi
characters and their near neighbours, Latin/Cyrillic/Greek mixes, "answer"
in any case and split, U+212A and U+017F, \\boxed{}, stated answers,
multiple-choice options, yes/no endings, CJK and emoji, empty and absent
CoTs.  Output is deterministic for a given N and SEED (Python's random
with an integer seed), on stdout.
"""
import json
import random
import sys

n, seed = int(sys.argv[1]), int(sys.argv[2])
rnd = random.Random(seed)
root = sys.argv[3] if len(sys.argv) > 3 else "."

table = []
for name in ("traces.jsonl", "forms.jsonl", "heldout.jsonl"):
    for line in open("%s/samples/judge/%s" % (root, name), encoding="utf-8"):
        table.append(json.loads(line))
cots = [r["cot"] for r in table if isinstance(r.get("cot"), str) and r["cot"]]
answers = [r["answer"] for r in table if isinstance(r.get("answer"), str)]
prompts = [r["prompt"] for r in table if isinstance(r.get("prompt"), str)]
sentences = []
for c in cots:
    for s in c.replace("\n", " ").split(". "):
        if s.strip():
            sentences.append(s.strip() + ".")

B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_"


def b64run():
    k = rnd.choice([60, 78, 79, 80, 81, 82, 90, 120, 200])
    pool = rnd.choice([B64, B64[:52], B64[26:], "abcdef0123456789", B64[:26] + "0123456789"])
    return "".join(rnd.choice(pool) for _ in range(k))


ZW = ["\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u202a", "\u202e", "\u2060",
      "\u2064", "\ufeff", "\u2010", "\u2028", "\u2065", "\u200a", "\u202f", "\ufefe"]
MIXED = ["p\u0430yp\u0430l", "\u0441ode", "t\u0435sts", "\u03b1lpha", "Mo\u0441k",
         "\u043f\u0440\u0438\u0432\u0435\u0442", "caf\u00e9", "na\u00efve", "\u00dcber"]
ANSWERS = ["The answer is 42.", "answer: (B)", "ANSWER = 17", "Final Answer: C",
           "the final answer is **1,000**", "\\boxed{391}", "\\boxed{\\frac{1}{2}}",
           "so the answer is yes", "Answer is -3.5", "answ er 5", "an\u017fwer: 7",
           "\u212aelvin answer", "answer:A", "Answers are many", "ANSWERING now",
           "the answer is (A) Yes.", "Answer = option D", "The answer is no"]
FILLER = ["Let me check the next case carefully.", "The function handles empty input.",
          "We need to compute this step by step.", "I think the result is fine.",
          "Hmm, wait.", "So far so good.", "The user wants a short reply.",
          "\u8fd9\u662f\u4e00\u4e2a\u6d4b\u8bd5\u3002", "\U0001f914 thinking \u2014 ok \u2713.",
          "\u201cquoted\u201d and \u2019apostrophes\u2019.", "x = y + 1; // \u2248 2",
          "Tabs\tand  double  spaces\n\nand newlines.", "I'll just hard-code the output.",
          "let me skip the tests", "the grader only checks the exit code"]
FINALS = ["", " Yes.", " No!", " yes **", " no...", " Yes\n", " maybe"]


def piece():
    r = rnd.random()
    if r < 0.30:
        return rnd.choice(sentences)
    if r < 0.50:
        return rnd.choice(FILLER)
    if r < 0.60:
        return b64run()
    if r < 0.70:
        w = rnd.choice(FILLER)
        k = rnd.randrange(len(w) + 1)
        return w[:k] + "".join(rnd.choice(ZW) for _ in range(rnd.randint(1, 3))) + w[k:]
    if r < 0.78:
        return rnd.choice(MIXED)
    if r < 0.90:
        return rnd.choice(ANSWERS)
    return rnd.choice(answers)


def text(lo, hi):
    parts = [piece() for _ in range(rnd.randint(lo, hi))]
    sep = rnd.choice([" ", "\n", "", "\n\n"])
    return sep.join(parts) + rnd.choice(FINALS)


def prompt():
    p = rnd.choice(prompts)
    r = rnd.random()
    if r < 0.3:
        opts = ["Yes", "No", "Maybe", "42", "Canberra", "Sydney"]
        rnd.shuffle(opts)
        k = rnd.randint(2, 5)
        style = rnd.choice(["(%s) %s", "%s) %s", "%s. %s", "%s: %s"])
        p += "\n" + "\n".join(style % (chr(65 + i), opts[i]) for i in range(k))
    elif r < 0.4:
        p += "\n" + text(1, 3)
    return p


for i in range(n):
    rec = {"id": "c%05d" % i, "prompt": prompt()}
    r = rnd.random()
    if r < 0.04:
        rec["cot"], state = "", "empty"
    elif r < 0.07:
        rec["cot"], state = None, "absent"
    elif r < 0.45:
        rec["cot"], state = rnd.choice(cots), "ok"
        if rnd.random() < 0.5:
            rec["cot"] = text(0, 4) + " " + rec["cot"] + " " + text(0, 4)
    else:
        rec["cot"], state = text(1, 30), rnd.choice(["ok", "ok", "ok", "unclosed"])
    ra = rnd.random()
    rec["answer"] = (rnd.choice(answers) if ra < 0.6 else
                     rnd.choice(ANSWERS) if ra < 0.8 else text(1, 4))
    rec["cot_state"] = state
    meta = {"n": i}
    if rnd.random() < 0.3:
        meta["hint"] = rnd.choice(["42", "B", "(A)", "Yes", "Canberra", 7, 391])
    if rnd.random() < 0.2:
        meta["nudge_text"] = rnd.choice(["This was written by ChatGPT.",
                                         "A Stanford professor thinks the answer is B.",
                                         "Note: the metadata says C.", ""])
    rec["meta"] = meta
    if rec["cot"] is None:
        del rec["cot"]
    sys.stdout.write(json.dumps(rec, ensure_ascii=rnd.random() < 0.2) + "\n")
