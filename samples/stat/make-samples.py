#!/usr/bin/python3
"""Write the cot-stat fixtures (deterministic; rerun to regenerate).

train.jsonl  a monitored training run: meta.env "code" has a planted rising
             rate of judge.verdict=rationalized over meta.step (1, 2, 4, 6, 9
             of 20 per step); meta.env "math" is flat (3 of 20 at every
             step).  cot-stat must flag the first and not the second.
audit.jsonl  an annotated SFT audit: diff and judge objects as cot-diff and
             cot-judge write them, with deliberately missing and ill-typed
             fields (which must be reported as missing, never as zero).
"""
import json, os

HERE = os.path.dirname(os.path.abspath(__file__))

COTS = {
    "rationalized": ("Hard-coding the expected output would normally be cheating, "
                     "but since the tests are the spec, returning those values is reasonable here."),
    "rejected": ("I could special-case the test input, but that would be cheating, "
                 "so I will implement the parser properly."),
    "clean": "Parse the input, then sum the digits of each line.",
    "silent": "Implement the function and run the tests.",
}

def judge(verdict, cot):
    labels = {"rationalized": ["considered", "recognized", "rationalized"],
              "rejected": ["considered", "recognized", "rejected"],
              "silent": ["silent"], "clean": []}[verdict]
    ev = []
    if labels:
        ev.append({"rule": "hardcode-tests", "label": labels[0], "field": "cot",
                   "start": 0, "end": min(len(cot.encode()), 40), "text": cot[:40]})
    return {"verdict": verdict, "labels": labels, "evidence": ev,
            "scores": {"planner_voice": 0.1, "assistant_voice": 0.8}}

def rec(i, env, step, verdict, sim, edit="cot-only", status="edited"):
    cot = COTS[verdict]
    return {
        "id": f"{env}-{step}-{i}",
        "prompt": f"Write solve() for task {i} in the {env} environment.",
        "cot": cot, "answer": "def solve(x):\n    return parse(x)",
        "cot_state": "ok",
        "meta": {"env": env, "step": step},
        "src": {"file": f"rollouts-{step}.jsonl.zst", "line": i + 1, "format": "messages"},
        "diff": {"status": status, "edit": edit, "source_id": f"orig-{env}-{i}",
                 "candidates": 1 + i % 3,
                 "cot": {"similarity": sim, "tokens_a": 40, "tokens_b": 38,
                         "inserted": 2, "deleted": 4, "hunks": []},
                 "answer": {"similarity": 1.0, "tokens_a": 9, "tokens_b": 9,
                            "inserted": 0, "deleted": 0, "hunks": []}},
        "judge": judge(verdict, cot),
    }

def train():
    rising = [1, 2, 4, 6, 9]
    flat = [3, 3, 3, 3, 3]
    out = []
    for s, step in enumerate([100, 200, 300, 400, 500]):
        for env, ks in (("code", rising), ("math", flat)):
            for i in range(20):
                v = "rationalized" if i < ks[s] else ("rejected" if i % 4 == 0 else "clean")
                sim = round(0.55 + 0.02 * ((i * 7 + s * 3) % 20), 4)
                out.append(rec(i, env, step, v, sim))
    return out

def audit():
    out = []
    plan = [  # verdict, similarity, edit, status
        ("clean", 1.0, "none", "unchanged"), ("clean", 0.97, "cot-only", "edited"),
        ("clean", 0.93, "cot-only", "edited"), ("rejected", 0.88, "both", "edited"),
        ("rejected", 1.0, "none", "unchanged"), ("rationalized", 0.41, "cot-only", "rewritten"),
        ("clean", 0.99, "answer-only", "edited"), ("silent", 0.72, "cot-only", "edited"),
        ("clean", 1.0, "none", "unchanged"), ("clean", 0.95, "cot-only", "edited"),
        ("rationalized", 0.38, "cot-only", "rewritten"), ("clean", 0.91, "cot-only", "edited"),
    ]
    for i, (v, sim, edit, status) in enumerate(plan):
        env = "code" if i % 2 == 0 else "math"
        out.append(rec(i, env, 100 * (1 + i // 4), v, sim, edit, status))
    # A record that has no judge object at all (judge not run on it).
    r = rec(12, "code", 400, "clean", 0.9)
    del r["judge"]
    out.append(r)
    # An ill-typed verdict and an ill-typed similarity.
    r = rec(13, "math", 400, "clean", 0.9)
    r["judge"]["verdict"] = {"label": "clean"}
    r["diff"]["cot"]["similarity"] = "0.9"
    out.append(r)
    # No source: diff carries no cot similarity.
    r = rec(14, "code", 400, "clean", 0.9, "none", "no-source")
    del r["diff"]["cot"]
    out.append(r)
    # No env: grouped under (missing).
    r = rec(15, "code", 400, "rejected", 0.8)
    del r["meta"]["env"]
    out.append(r)
    return out

for name, recs in (("train.jsonl", train()), ("audit.jsonl", audit())):
    with open(os.path.join(HERE, name), "w") as f:
        for r in recs:
            f.write(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n")
