#!/usr/bin/env python3
"""gen-diff-pairs.py N DIR -- N random original/SFT pairs for cot-diff's
fast-path test (tests/cli/diff.t): DIR/o.jsonl and DIR/s.jsonl, keyed by
prompt, with texts that share a prefix and a suffix cut at any character
(inside words, numbers such as 3.14, next to accents, CJK, emoji, NBSP and
other Unicode spaces), identical pairs, empty texts, several originals per
key, and long texts.  Seeded: the same files every run."""
import json, random, sys

n, d = int(sys.argv[1]), sys.argv[2]
rnd = random.Random(14)
vocab = ["a", "ab", "the", "_", "x1", "1", "12", "3.14", ".", "..", "3.", ".5",
         "0.", " ", "  ", "\n", "\t", "\r\n", "\u00a0", "\u2003", "\u3000",
         "caf\u00e9", "\u00e9", "\u4e2d", "\u6587", "\U0001F600", "\u2014",
         "\u00d7", "\u00f7", ",", "(", ")", "=", "+", "-", "#", "We", "check",
         "42", "answer", "\u0436", "\u0301"]

def text(k):
    return "".join(rnd.choice(vocab) for _ in range(k))

def cut(s):
    return s[:rnd.randrange(len(s) + 1)] if s and rnd.random() < .5 else s

with open(f"{d}/o.jsonl", "w") as fo, open(f"{d}/s.jsonl", "w") as fs:
    for i in range(n):
        p = f"q{i}"
        big = rnd.random() < .02
        pre, suf = text(rnd.randrange(400 if big else 40)), text(rnd.randrange(400 if big else 40))
        mid_a, mid_b = text(rnd.randrange(12)), text(rnd.randrange(12))
        r = rnd.random()
        a = cut(pre) + mid_a + suf
        b = a if r < .2 else (cut(pre) if r < .4 else pre) + (mid_a if r < .5 else mid_b) + \
            (suf[rnd.randrange(len(suf) + 1):] if suf and r > .8 else suf)
        ans_a = text(rnd.randrange(6))
        ans_b = ans_a if rnd.random() < .5 else cut(ans_a) + text(rnd.randrange(3))
        esc = rnd.random() < .5
        fo.write(json.dumps({"id": f"o{i}", "prompt": p, "cot": a, "answer": ans_a},
                            ensure_ascii=esc) + "\n")
        if rnd.random() < .05:      # a second original under the same key
            fo.write(json.dumps({"id": f"o{i}b", "prompt": p, "cot": cut(a) + text(3),
                                 "answer": ans_a}) + "\n")
        fs.write(json.dumps({"id": f"s{i}", "prompt": p, "cot": b, "answer": ans_b},
                            ensure_ascii=not esc) + "\n")
