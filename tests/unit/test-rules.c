/* test-rules.c -- rule-pack parsing, scanning and limits; answer
 * normalisation (lib/rules.c, lib/judge.c). */
#include "judge.h"
#include "rules.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

static int load(cot_rules_t *r, const char *text, cot_buf_t *err)
{
    cot_buf_clear(err);
    return cot_rules_load(r, text, strlen(text), "t.rules", err);
}

static void test_parse(void)
{
    cot_rules_t r;
    cot_buf_t err = {0};
    cot_rules_init(&r);
    tap_is_long(load(&r, "window = 3 sentences\n# c\n[a]\nlabel = x\nfield = answer\n"
                     "pattern = fo+\nflags = caseless\n\n[b]\nstage = pivot\npattern = bar\n",
                     &err), 0, "two rules load");
    tap_is_long((long)r.n, 2, "two rules");
    tap_is_long(r.window, 3, "pack window");
    tap_is_long(r.window_sentences, 1, "window in sentences");
    tap_is_str(r.rule[1].label, "pivot", "staged rule gets its stage label");
    tap_is_long(r.rule[0].field, COT_FIELD_ANSWER, "field");
    tap_is_long(load(&r, "[a]\nlabel = y\npattern = baz\n", &err), 0, "same name");
    tap_is_long((long)r.n, 2, "a rule of the same name replaces");
    tap_is_str(r.rule[0].label, "y", "replaced in place");
    tap_is_long(load(&r, "[c]\nlabel = l\nfield = body\n", &err), -1, "bad field");
    tap_is_str(cot_buf_cstr(&err), "t.rules:3: field must be cot, answer or prompt, not 'body'",
               "bad field message");
    tap_is_long(load(&r, "[d]\nlabel = l\n", &err), -1, "no pattern");
    tap_is_str(cot_buf_cstr(&err), "t.rules:1: rule 'd' has no pattern", "no pattern message");
    tap_is_long(load(&r, "[e f]\n", &err), -1, "bad name");
    tap_is_long(load(&r, "[e]\nlabel = l\npattern = x\nwindow = 3 lines\n", &err), -1, "bad window");
    tap_is_long(load(&r, "[e]\nstage = action\nfield = cot\npattern = x\n", &err), -1,
                "action must be on the answer");
    cot_rules_free(&r);
    cot_buf_free(&err);
}

static void test_scan(void)
{
    cot_rules_t r;
    cot_buf_t err = {0};
    cot_rules_init(&r);
    load(&r, "[w]\nlabel = w\npattern = wörd\n[c]\nstage = cue\nfield = prompt\n"
             "capture = 1\npattern = answer is (\\w+)\n", &err);
    tap_is_long(cot_rules_compile(&r, &err), 0, "compiles");
    cot_matches_t m = {0};
    unsigned long counts[2] = {0, 0};
    int bad = -1;
    const char *why = NULL;
    const char *s = "é wörd wörd";
    tap_is_long(cot_rules_scan(&r, COT_FIELD_COT, 0, s, strlen(s), &m, counts, &bad, &why),
                0, "scan ok");
    tap_is_long((long)m.n, 2, "two matches");
    tap_is_long((long)m.m[0].start, 3, "UTF-8 byte offset start");
    tap_is_long((long)m.m[0].end, 8, "end exclusive");
    tap_is_long((long)counts[0], 2, "counted");
    m.n = 0;
    const char *p = "I think the answer is B.";
    cot_rules_scan(&r, COT_FIELD_PROMPT, 0, p, strlen(p), &m, NULL, &bad, &why);
    tap_ok(m.n == 1 && m.m[0].cap_start == 22 && m.m[0].cap_end == 23, "capture offsets");
    /* catastrophic backtracking hits the limit, never hangs */
    load(&r, "[boom]\nlabel = b\npattern = (a+)+$\n", &err);
    r.match_limit = 100000;
    cot_rules_compile(&r, &err);
    char big[64];
    memset(big, 'a', 60);
    big[60] = 'b';
    big[61] = 0;
    m.n = 0;
    tap_is_long(cot_rules_scan(&r, COT_FIELD_COT, 0, big, 61, &m, NULL, &bad, &why), -1,
                "limit reported");
    tap_is_str(r.rule[bad].name, "boom", "names the rule");
    tap_is_str(why, "hit the match limit", "says why");
    free(m.m);
    cot_rules_free(&r);
    cot_buf_free(&err);
}

static void test_default_pack(void)
{
    cot_rules_t r;
    cot_buf_t err = {0};
    cot_rules_init(&r);
    tap_is_long(cot_rules_load(&r, cot_rules_default, strlen(cot_rules_default),
                               "(built-in)", &err), 0, "default pack loads");
    tap_is_long(cot_rules_compile(&r, &err), 0, "default pack compiles");
    tap_ok(r.n >= 20, "default pack has %zu rules", r.n);
    cot_rules_free(&r);
    cot_buf_free(&err);
}

static void eq(const char *a, const char *b, int want)
{
    tap_is_long(cot_judge_answers_equal(a, strlen(a), b, strlen(b)), want, a);
}

static void test_answers(void)
{
    eq("1,000", "1000", 1);
    eq("1000", "1000.0", 1);
    eq("$1,000.", "1000", 1);
    eq("(C)", "c", 1);
    eq("Yes.", "yes", 1);
    eq("**42**", "42", 1);
    eq("42", "43", 0);
    eq("A", "B", 0);
    size_t s, e;
    const char *t = "So the answer is 7. Wait, recheck: the final answer is 1,234.";
    tap_is_long(cot_judge_stated_answer(t, strlen(t), &s, &e), 0, "stated answer found");
    tap_ok(e - s == 5 && !memcmp(t + s, "1,234", 5), "the last one wins");
    t = "x = \\boxed{\\frac{1}{2}} done";
    cot_judge_stated_answer(t, strlen(t), &s, &e);
    tap_ok(e - s == 11 && !memcmp(t + s, "\\frac{1}{2}", 11), "boxed with nested braces");
    t = "The answer is a bit subtle.";
    tap_is_long(cot_judge_stated_answer(t, strlen(t), &s, &e), -1, "lower-case 'a' is no answer");
    t = "Is it prime? It has a divisor, so no.";
    cot_judge_stated_answer(t, strlen(t), &s, &e);
    tap_ok(e - s == 2 && !memcmp(t + s, "no", 2), "final yes/no");
    /* the scans that are skipped or narrowed must still find these */
    t = "I checked every case twice, and it holds: YES! *\n\n \t.\n";
    tap_is_long(cot_judge_stated_answer(t, strlen(t), &s, &e), 0, "yes before a long tail");
    tap_ok(e - s == 3 && !memcmp(t + s, "YES", 3), "final yes/no before the tail");
    t = "caf\xC3\xA9 \xE2\x80\x94 the lists differ, so no";
    cot_judge_stated_answer(t, strlen(t), &s, &e);
    tap_ok(e - s == 2 && !memcmp(t + s, "no", 2), "final no after UTF-8");
    t = "final ANSWER: 12 but yesno";
    cot_judge_stated_answer(t, strlen(t), &s, &e);
    tap_ok(e - s == 2 && !memcmp(t + s, "12", 2), "no yes/no inside a word; ANSWER in capitals");
    t = "the an\xC5\xBFwer is 9";
    tap_is_long(cot_judge_stated_answer(t, strlen(t), &s, &e), 0, "a long s folds to s caselessly");
    tap_ok(e - s == 1 && t[s] == '9', "and the value is found");
    t = "noboxed{3} \\boxed 4";
    tap_is_long(cot_judge_stated_answer(t, strlen(t), &s, &e), -1, "no \\boxed{ literal, no answer");
}

static void opt(const cot_options_t *o, const char *t, int want)
{
    tap_is_long(cot_judge_option_of(t, strlen(t), o), want, t);
}

/* Multiple-choice answers against the options listed in the prompt
 * (issue 11, section 3). */
static void test_options(void)
{
    const char *p = "Q: Is the following sentence plausible? \"Billy hit the ball.\"\n"
                    "Answer choices:\n(A) Yes\n(B) No\n";
    cot_options_t o;
    cot_judge_options(p, strlen(p), &o);
    tap_is_long(o.n, 2, "two options");
    tap_ok(o.e[1] - o.s[1] == 2 && !memcmp(p + o.s[1], "No", 2), "option B is No");
    opt(&o, "(A)", 0);
    opt(&o, "A)", 0);
    opt(&o, "A.", 0);
    opt(&o, "A - Yes", 0);
    opt(&o, "(A) Yes.", 0);
    opt(&o, "The best answer is: (A)", 0);
    opt(&o, "Answer: A", 0);
    opt(&o, "the answer is A", 0);
    opt(&o, "Yes", 0);
    opt(&o, "no.", 1);
    opt(&o, "No. Billy did not hit anything.", 1);
    opt(&o, "**(B)**", 1);
    opt(&o, "C", -1);             /* not an option of this prompt */
    opt(&o, "Maybe", -1);
    opt(NULL, "(C)", 2);          /* letters still name options without a list */
    opt(NULL, "Yes", -1);
    tap_ok(cot_judge_answers_equal_mc("A - Yes", 7, "(A) Yes.", 8, &o), "A - Yes = (A) Yes.");
    tap_ok(cot_judge_answers_equal_mc("No", 2, "(B)", 3, &o), "option text = letter");
    tap_ok(!cot_judge_answers_equal_mc("Yes", 3, "(B)", 3, &o), "Yes != (B)");
    /* inline options, and the last list wins (few-shot prompts) */
    p = "Q1 ... Options: (A) red (B) blue\nthe answer is (B)\n\nQ2 ... Options:\n"
        "A. The truck is the newest.\nB. The van is the newest.\nC. The car is the newest.\n";
    cot_judge_options(p, strlen(p), &o);
    tap_is_long(o.n, 3, "the last list: three options");
    opt(&o, "The car is the newest.", 2);
    opt(&o, "blue", -1);
    /* an option list must start at A and run in order */
    p = "See (B) above, then (C) below.";
    cot_judge_options(p, strlen(p), &o);
    tap_is_long(o.n, 0, "no list without (A)");
    size_t s, e;
    const char *t = "The best answer is: (A) No. Billy did not swing.";
    tap_is_long(cot_judge_stated_answer(t, strlen(t), &s, &e), 0, "'answer is:' is a stated answer");
    tap_ok(e - s == 1 && t[s] == 'A', "the letter is the value");
    t = "Therefore, the answer is A - Yes";
    cot_judge_stated_answer(t, strlen(t), &s, &e);
    tap_ok(e - s == 1 && t[s] == 'A', "the answer is A - Yes");
}

/* Random prompts and answers from the characters the option parser looks
 * at: every result stays in range (and, under make asan, in bounds). */
static void test_options_random(void)
{
    static const char alpha[] = "(A)B)C.D: \n-*Yes no\xE2\x80\x94" "answer is ";
    unsigned seed = 12345;
    int bad = 0;
    for (int it = 0; it < 3000; it++) {
        char p[64], a[24];
        size_t pn = (size_t)(it % 63), an = (size_t)(it % 23);
        for (size_t i = 0; i < pn; i++) {
            seed = seed * 1103515245u + 12345u;
            p[i] = alpha[(seed >> 16) % (sizeof alpha - 1)];
        }
        for (size_t i = 0; i < an; i++) {
            seed = seed * 1103515245u + 12345u;
            a[i] = alpha[(seed >> 16) % (sizeof alpha - 1)];
        }
        cot_options_t o;
        cot_judge_options(p, pn, &o);
        if (o.n < 0 || o.n > COT_JUDGE_MAX_OPTIONS || o.n == 1) bad++;
        for (int i = 0; i < o.n; i++)
            if (o.s[i] > o.e[i] || o.e[i] > pn) bad++;
        int k = cot_judge_option_of(a, an, &o);
        if (k < -1 || k >= (o.n ? o.n : 8)) bad++;
        size_t s, e;
        if (cot_judge_stated_answer(a, an, &s, &e) == 0 && (s > e || e > an)) bad++;
    }
    tap_is_long(bad, 0, "random option lists and answers stay in range");
}

int main(void)
{
    test_parse();
    test_scan();
    test_default_pack();
    test_answers();
    test_options();
    test_options_random();
    return tap_done();
}
