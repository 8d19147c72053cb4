#!/usr/bin/env python3
"""make-awkward.py -- records that walk the edges of the JSON fast paths
(lib/json.c: the member-filtered parse and the splice of cot-judge's output):
every line is written by hand, byte for byte, so the corpus holds what
Python's json module would never write.

    make-awkward.py N > corpus.jsonl

N canonical records (what the cot tools write: no whitespace, only the
writer's escapes) with the awkward ones mixed in among them: non-canonical
escapes (\\/ \\u00e9 \\u001F surrogate pairs), raw Unicode, duplicate keys
(two cot, two judge), a key spelt with escapes ("co\\u0074" is cot), an
existing judge or shift member first, in the middle or last, numbers
(1.0, 1e400, -0, 2^64, 1E+2, a 70-digit one), nesting 200 deep in a member
no tool reads and 300 deep (rejected), whitespace outside strings, trailing
blanks and CR, invalid UTF-8, \\u0000 and a raw control character in a
member no tool reads (rejected, as before), a missing id, a prompt that is
a number, and a record that is not an object.
"""
import random
import re
import sys

N = int(sys.argv[1]) if len(sys.argv) > 1 else 200
rnd = random.Random(20261201)

WORDS = ("let me check the tests first the hint says the answer is B but I will "
         "verify it myself the grader only checks the format so I could skip this "
         "I should not do that I will solve it properly maybe the expected output "
         "is wrong hmm wait caf\u00e9 na\u00efve \u2014 \u2248 \u2713 \u4e2d\u6587 "
         "\U0001F600").split()

def esc(s):
    """The writer's escaping (cot_buf_add_json_str): canonical."""
    out = []
    for ch in s:
        c = ord(ch)
        if ch == '"': out.append('\\"')
        elif ch == '\\': out.append('\\\\')
        elif ch == '\n': out.append('\\n')
        elif ch == '\r': out.append('\\r')
        elif ch == '\t': out.append('\\t')
        elif ch == '\b': out.append('\\b')
        elif ch == '\f': out.append('\\f')
        elif c < 0x20: out.append('\\u%04x' % c)
        else: out.append(ch)
    return '"' + ''.join(out) + '"'

def text(n):
    return ' '.join(rnd.choice(WORDS) for _ in range(n))

def cot_text():
    s = '. '.join(text(rnd.randint(4, 14)) for _ in range(rnd.randint(1, 5)))
    if rnd.random() < 0.3: s += "\n\nThe hint says (B). So the answer is B."
    if rnd.random() < 0.2: s += " I'll just make the tests pass by special-casing them."
    if rnd.random() < 0.1: s += " \x01 tab\there \x7f"
    return s

def record(i, extra=()):
    m = [('"id"', esc("r%05d" % i)),
         ('"prompt"', esc("Question %d: pick A, B, C or D. " % i + text(6) +
                          (" Hint: the answer is (B)." if i % 3 == 0 else ""))),
         ('"cot"', esc(cot_text())),
         ('"answer"', esc(rnd.choice(["The answer is B.", "A", "(C)", "D", "B", ""]))),
         ('"cot_state"', esc("ok")),
         ('"meta"', '{"hint":%s,"nudge":%s,"n":%d,"src":%s}' % (
             esc(rnd.choice("ABCD")), esc(rnd.choice(["a professor said B", "none"])),
             i, esc(rnd.choice(["gsm", "mmlu", "code"]))))]
    m.extend(extra)
    return m

def line(members, sep=',', colon=':'):
    return '{' + sep.join(k + colon + v for k, v in members) + '}'

OLD_JUDGE = '{"verdict":"clean","labels":[],"evidence":[],"scores":{"planner":0}}'
OLD_SHIFT = '{"score":1.5,"off_policy":false}'
DEEP = lambda d: '[' * d + ']' * d

awkward = [
    # escapes a tool does not write, inside members that are and are not read
    lambda i: line(record(i)).replace('"ok"', '"\\u006fk"'),
    lambda i: line(record(i, [('"src"', '"a\\/b \\u00e9 \\ud83d\\ude00 \\u001F \\u0041"')])),
    lambda i: line(record(i)[:2] + [('"cot"', '"let me check\\/verify \\u00e9\\u20ac"')] + record(i)[3:]),
    # each of the writer's escapes spelt another way, alone in a line
    lambda i: line(record(i) + [('"src"', '"a\\/b"')]),
    lambda i: line(record(i) + [('"src"', '"caf\\u00e9"')]),
    lambda i: line(record(i) + [('"src"', '"\\u001F"')]),
    lambda i: line(record(i) + [('"src"', '"\\u000a"')]),
    lambda i: line(record(i) + [('"src"', '"\\u0041"')]),
    lambda i: line(record(i) + [('"src"', '"\\u007f"')]),
    lambda i: line(record(i) + [('"src"', '"\\ud83d\\ude00"')]),
    lambda i: line(record(i) + [('"s\\u0072c"', '"x"')]),
    # duplicate keys: the first is the one read; both go out
    lambda i: line(record(i) + [('"cot"', esc("second cot: the grader only checks"))]),
    lambda i: line(record(i) + [('"judge"', OLD_JUDGE), ('"judge"', '{"verdict":"silent"}')]),
    lambda i: line([('"judge"', OLD_JUDGE)] + record(i)),
    lambda i: line(record(i)[:3] + [('"judge"', OLD_JUDGE)] + record(i)[3:]),
    lambda i: line(record(i) + [('"shift"', OLD_SHIFT), ('"judge"', OLD_JUDGE)]),
    lambda i: line(record(i)[:2] + [('"co\\u0074"', esc("the hint says B so the answer is B"))] +
                   record(i)[3:]),
    lambda i: line(record(i) + [('"meta"', '{"hint":"C"}')]),
    # numbers, printed from their text
    lambda i: line(record(i) + [('"nums"', '[1.0,1e400,-0,18446744073709551616,1E+2,-2.50e-3,0]'),
                                ('"score"', '1.0')]),
    lambda i: line(record(i) + [('"long"', '1' * 70)]),
    # nesting in a member no tool reads
    lambda i: line(record(i) + [('"deep"', DEEP(200))]),
    lambda i: line(record(i) + [('"deep"', DEEP(300))]),
    # whitespace outside strings
    lambda i: line(record(i), sep=', ', colon=': '),
    lambda i: ' ' + line(record(i)) + ' \t',
    lambda i: line(record(i)) + '\r',
    lambda i: line(record(i)).replace('"meta":{', '"meta": {\t'),
    # bad bytes in a member no tool reads: rejected as before
    lambda i: line(record(i) + [('"src"', '"caf<C3>"')]),
    lambda i: line(record(i) + [('"src"', '"<ED><A0><80>"')]),
    lambda i: line(record(i) + [('"src"', '"a\\u0000b"')]),
    lambda i: line(record(i) + [('"src"', '"a\x02b"')]),
    lambda i: line(record(i) + [('"src"', '"\\ud800"')]),
    lambda i: line(record(i) + [('"src"', '01')]),
    lambda i: line(record(i))[:-1] + ',}',
    # records the judge refuses
    lambda i: line(record(i)[1:]),
    lambda i: line(record(i)[:1] + [('"prompt"', '42')] + record(i)[2:]),
    lambda i: '[' + line(record(i)) + ']',
    lambda i: '{}',
    # a string holding every control character, as the writer escapes them
    lambda i: line(record(i) + [('"ctl"', esc(''.join(chr(c) for c in range(1, 32)) + '\x7f'))]),
]

out = sys.stdout.buffer
for i in range(N):
    if i % 4 == 3:
        s = awkward[(i // 4) % len(awkward)](i)
    else:
        s = line(record(i))
    # <XX>: a raw byte (the invalid UTF-8 of two lines)
    b = re.sub(rb'<([0-9A-F]{2})>', lambda m: bytes([int(m.group(1), 16)]), s.encode())
    out.write(b + b'\n')
