#!/usr/bin/python3
"""Regenerate the cot-profile samples (deterministic; run from anywhere).

own.jsonl       400 canonical records in one model's CoT style (own samples)
rewritten.jsonl 40 of the same problems rewritten in another voice, plus
                one record that is original except for one rewritten
                sentence, with its edited byte span in diff.hunks
logprobs.jsonl  the three logprob shapes for the text "Let me add. 4"
steps.jsonl     600 own step lists (one step a line), for the window and
                step calibration
steps-edited.jsonl
                40 fresh step lists with one step rewritten in another
                voice; meta.edited is its 0-based line
"""
import json, os, random

here = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(6)
items = ["apples", "pens", "books", "eggs", "marbles", "cards", "stamps", "shells"]
names = ["Ann", "Ben", "Cara", "Dev", "Eli", "Fay", "Gus", "Hana"]

def problem():
    return (rng.choice(names), rng.choice(items), rng.randint(2, 9),
            rng.randint(2, 12), rng.randint(1, 5))

def own(p):
    n, it, a, b, c = p
    s = [f"We need the total number of {it} {n} has.",
         f"First, {n} buys {a} bags with {b} {it} each, so {a} * {b} = {a*b} {it}.",
         rng.choice([f"Then {n} gives away {c} {it}, so {a*b} - {c} = {a*b-c}.",
                     f"Next, {c} {it} are lost, so {a*b} - {c} = {a*b-c} {it} remain."]),
         f"So the answer is {a*b-c}."]
    return " ".join(s)

def rewritten(p):
    n, it, a, b, c = p
    return (f"The user wants to know how many {it} are left for {n}. "
            f"I think the cleanest route is multiplication: bags times count per bag "
            f"gives {a*b}. I'll subtract the {c} that leave, which yields {a*b-c}. "
            f"I will double-check: {a*b-c} plus {c} is {a*b}, consistent.")

def rec(i, cot, ans, **kw):
    r = {"id": i, "prompt": "", "cot": cot, "answer": ans, "cot_state": "ok"}
    r.update(kw)
    return r

probs = [problem() for _ in range(400)]
with open(os.path.join(here, "own.jsonl"), "w") as f:
    for k, p in enumerate(probs):
        f.write(json.dumps(rec(f"own-{k}", own(p), str(p[2]*p[3]-p[4]))) + "\n")
with open(os.path.join(here, "rewritten.jsonl"), "w") as f:
    for k, p in enumerate(probs[:40]):
        f.write(json.dumps(rec(f"rw-{k}", rewritten(p), str(p[2]*p[3]-p[4]))) + "\n")
    p = problem()
    base = own(p)
    cut = base.index("Then") if "Then" in base else base.index("Next")
    end = base.index("So the answer")
    ins = ("I think the assistant should carefully reconsider whether any "
           "of the items might have been counted twice before moving on. ")
    cot = base[:cut] + ins + base[end:]
    f.write(json.dumps(rec("rw-spliced", cot, str(p[2]*p[3]-p[4]),
                           diff={"hunks": [{"b_start": cut, "b_end": cut + len(ins)}]})) + "\n")

chat = {"content": [
    {"token": "Let", "logprob": -0.1, "top_logprobs": [{"token": "Let", "logprob": -0.1}, {"token": "I", "logprob": -2.5}]},
    {"token": " me", "logprob": -0.2, "top_logprobs": [{"token": " me", "logprob": -0.2}, {"token": " us", "logprob": -1.9}]},
    {"token": " add", "logprob": -1.0, "top_logprobs": [{"token": " see", "logprob": -0.7}, {"token": " add", "logprob": -1.0}]},
    {"token": ".", "logprob": -0.05, "top_logprobs": [{"token": ".", "logprob": -0.05}]},
    {"token": " 4", "logprob": -4.0, "top_logprobs": [{"token": " 5", "logprob": -0.3}]}]}
edited = {"content": [dict(t, top_logprobs=[]) for t in chat["content"]]}
edited["content"][1] = {"token": " us", "logprob": -1.9, "top_logprobs": []}
edited["content"][2] = {"token": " add", "logprob": -1.5, "top_logprobs": []}
edited["content"][4] = {"token": " 4", "logprob": -3.0, "top_logprobs": []}
completions = {"tokens": ["Let", " me", " add", ".", " 4"],
               "token_logprobs": [None, -0.2, -1.0, -0.05, -4.0],
               "top_logprobs": [None, {" me": -0.2, " us": -1.9}, {" see": -0.7, " add": -1.0},
                                {".": -0.05}, {" 5": -0.3}],
               "text_offset": [100, 103, 106, 110, 111]}
prompt = [None,
          {"1234": {"logprob": -0.2, "rank": 1, "decoded_token": " me"},
           "99": {"logprob": -1.9, "rank": 2, "decoded_token": " us"}},
          {"777": {"logprob": -1.0, "rank": 2, "decoded_token": " add"},
           "5": {"logprob": -0.7, "rank": 1, "decoded_token": " see"}},
          {"13": {"logprob": -0.05, "rank": 1, "decoded_token": "."}},
          {"604": {"logprob": -4.0, "rank": 57, "decoded_token": " 4"},
           "20": {"logprob": -0.3, "rank": 1, "decoded_token": " 5"}}]
with open(os.path.join(here, "logprobs.jsonl"), "w") as f:
    f.write(json.dumps(rec("lp-chat", "Let me add.", "4", logprobs=chat,
                           orig_logprobs=edited)) + "\n")
    f.write(json.dumps(rec("lp-completions", "Let me add.", "4", logprobs=completions)) + "\n")
    f.write(json.dumps(rec("lp-prompt", "me add.", "4", logprobs=prompt,
                           prompt_token_ids=[1, 1234, 777, 13, 604])) + "\n")
    f.write(json.dumps(rec("lp-none", "No logprobs here.", "")) + "\n")

# step lists (a separate generator, so the files above stay as they were)
srng = random.Random(16)

def own_steps(n, it, a, b, c):
    return [f"Step 1: {n} buys {a} bags of {b} {it}.",
            srng.choice([f"Step 2: {a} * {b} = {a*b} {it} in all.",
                         f"Step 2: {a} bags of {b} make {a} * {b} = {a*b}."]),
            srng.choice([f"Step 3: {n} gives away {c}, so {a*b} - {c} = {a*b-c}.",
                         f"Step 3: {c} {it} are lost, so {a*b} - {c} = {a*b-c}."]),
            f"Step 4: The answer is {a*b-c}."]

def sproblem():
    return (srng.choice(names), srng.choice(items), srng.randint(2, 9),
            srng.randint(2, 12), srng.randint(1, 5))

with open(os.path.join(here, "steps.jsonl"), "w") as f:
    for k in range(600):
        p = sproblem()
        f.write(json.dumps(rec(f"step-{k}", "\n".join(own_steps(*p)), str(p[2]*p[3]-p[4]))) + "\n")
with open(os.path.join(here, "steps-edited.jsonl"), "w") as f:
    for k in range(40):
        n, it, a, b, c = p = sproblem()
        st = own_steps(*p)
        e = 1 + k % 3
        st[e] = (f"Step {e + 1}: I think we should carefully reconsider the "
                 f"{it} here, and I'll double-check it before moving on.")
        f.write(json.dumps(rec(f"edited-{k}", "\n".join(st), str(a*b-c),
                               meta={"edited": e})) + "\n")
