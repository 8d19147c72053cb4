# bench/pipeline/gen.py -- the R1-style rollouts and SFT set for
# bench/pipeline/run.  The text generator is bench/extract/run's (same
# seed, vocabulary and record shape), so the figures compare; each record
# is written twice: once as the model's own rollout (the originals), once
# as it went into the SFT set, where a realistic share was edited.
#
#   python3 gen.py MB ROLLOUTS.jsonl SFT.jsonl
#
# Of the SFT records: 70% identical to their rollout; 18% a few sentences
# of the CoT replaced (cot-only edits); 4% the CoT rewritten whole; 4% the
# answer changed; 2% both; 2% with no rollout (their prompt is new).
# Prompts carry the record number, so every pair is one-to-one.
import json, random, sys
random.seed(7)
target = int(sys.argv[1]) << 20
syl = ["ka", "lo", "mi", "ne", "ru", "ta", "shi", "po", "ve", "da", "gre", "th",
       "an", "er", "in", "on", "st", "qu", "é", "ü"]
vocab = ["".join(random.choice(syl) for _ in range(random.randint(1, 4)))
         for _ in range(20000)]
common = ["the", "so", "we", "is", "a", "to", "of", "and", "that", "it", "let",
          "me", "check", "wait", "hmm", "then", "=", "+", "*", "so", "but"]
cum, t = [], 0.0
for i in range(len(vocab)):
    t += 1.0 / (i + 1)
    cum.append(t)
def sentence(k):
    w = random.choices(vocab, cum_weights=cum, k=k) + random.choices(common, k=k)
    random.shuffle(w)
    s = " ".join(w)
    r = random.random()
    if r < 0.1: s += ' "%d"' % random.randint(0, 99999)
    elif r < 0.2: s += " `x_%d`" % random.randint(0, 999)
    elif r < 0.25: s += " — ≈ %d ✓" % random.randint(0, 999)
    return s.capitalize() + "."
pool = [sentence(random.randint(6, 14)) for _ in range(60000)]
fo = open(sys.argv[2], "w", encoding="utf-8")
fs = open(sys.argv[3], "w", encoding="utf-8")
def rec(i, prompt, cot, ans):
    return json.dumps({"id": "r1-%08d" % i, "model": "deepseek-r1",
        "messages": [{"role": "user", "content": prompt},
                     {"role": "assistant", "content": "<think>\n" + cot + "\n</think>\n\n" + ans}]},
        ensure_ascii=False) + "\n"
n = i = 0
while n < target:
    a, b = random.randint(2, 999), random.randint(2, 999)
    sents = [random.choice(pool) for _ in range(random.randint(10, 40))]
    cot = "\n\n".join(sents)
    ans = "%d × %d = **%d**.\n\n%s" % (a, b, a * b, random.choice(pool))
    prompt = "Problem %d: what is %d times %d? Show your work." % (i, a, b)
    fo.write(rec(i, prompt, cot, ans))
    r = random.random()
    scot, sans, sprompt = cot, ans, prompt
    if r < 0.70: pass
    elif r < 0.88:
        s = list(sents)
        for _ in range(random.randint(1, 3)): s[random.randrange(len(s))] = random.choice(pool)
        scot = "\n\n".join(s)
    elif r < 0.92: scot = "\n\n".join(random.choice(pool) for _ in range(len(sents)))
    elif r < 0.96: sans = "%d × %d = **%d**.\n\n%s" % (a, b, a * b + 1, random.choice(pool))
    elif r < 0.98:
        s = list(sents); s[0] = random.choice(pool); scot = "\n\n".join(s)
        sans = "The product is %d." % (a * b)
    else: sprompt = "Problem %d (new): what is %d times %d?" % (i, a, b)
    line = rec(i, sprompt, scot, sans)
    fs.write(line)
    n += len(line.encode())
    i += 1
fo.close(); fs.close()
