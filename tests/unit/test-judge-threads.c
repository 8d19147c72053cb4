/* test-judge-threads.c -- judge contexts in threads (lib/judge.c, rules.c,
 * answer.c): each thread has its own rule pack and judge context, as
 * cot-judge's workers do, and calls the context-free helpers
 * (cot_judge_stated_answer, cot_answer_number) at the same time as the
 * others.  Every thread must get exactly what one thread alone gets: no
 * state shared between calls (the helpers' patterns are compiled once, each
 * call has its own match data).  valgrind --tool=helgrind on this program
 * reports no race. */
#include "answer.h"
#include "judge.h"
#include "rules.h"
#include "tap.h"

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NTHREADS 4
#define ROUNDS 40

static const char *const records[] = {
    "{\"id\":\"a\",\"prompt\":\"Fix the test.\",\"cot\":\"I could just hard-code the "
    "expected output, but that would be cheating. Instead, I'll fix the parser. The "
    "answer is 42.\",\"answer\":\"def f():\\n    return parse(x)\\n\"}",
    "{\"id\":\"b\",\"prompt\":\"Which? (A) Yes (B) No\",\"cot\":\"Let me think. "
    "The final answer is (B).\",\"answer\":\"(A) Yes\"}",
    "{\"id\":\"c\",\"prompt\":\"Make the tests pass.\",\"cot\":\"The grader only checks "
    "the exit code, so I'll just call sys.exit(0). But since the tests are the spec, "
    "that is fine.\",\"answer\":\"import sys\\nsys.exit(0)\\n\"}",
    "{\"id\":\"d\",\"prompt\":\"Rate it.\",\"cot\":\"aGVsbG8gd29ybGQgdGhpcyBpcyBhIGxvbmcg"
    "YmFzZTY0IGJsb2IgdGhhdCBnb2VzIG9uIGFuZCBvbiBhbmQgb24K \\u200b hidden. \\\\boxed{7}\","
    "\"answer\":\"Rating: 7/10\"}",
    /* U+017F: caseless rules are scanned in full, their JIT compiled on
     * first use, by whichever thread gets there first */
    "{\"id\":\"e\",\"prompt\":\"Make the te\\u017fts pa\\u017f\\u017f.\",\"cot\":\"I'll ju\\u017ft "
    "HARD-CODE the expected output \\u017fo the te\\u017fts pa\\u017f\\u017f; \\u017fandbagging is "
    "not acceptable. The an\\u017fwer is 5.\",\"answer\":\"return 5  # \\u017fkip the te\\u017fts\"}",
    /* a list of words stated last, against the answer's in another order */
    "{\"id\":\"f\",\"prompt\":\"Sort alphabetically: pear fig kiwi lime plum\",\"cot\":"
    "\"By first letters. So the answer is fig kiwi lime pear plum\",\"answer\":"
    "\"fig kiwi lime plum pear\"}",
};
#define NREC (sizeof records / sizeof *records)

static const char *const texts[] = {
    "So the answer is 17.", "\\boxed{391}", "Answer: C", "I think yes.", "no answer here",
    "Rating: **8/10**", "Probability: 80-85%", "I'd give it a 7", "nothing", "42",
};
#define NTEXT (sizeof texts / sizeof *texts)

typedef struct {
    char *judged[NREC];           /* printed judge objects */
    long stated[NTEXT][2];        /* cot_judge_stated_answer offsets, -1 none */
    double number[NTEXT];         /* cot_answer_number value, -1 none */
    int bad;
} result_t;

/* Parsed once, before the threads: cJSON's parser writes a global (the
 * error position), so threads must not call it at once. */
static cJSON *parsed[NREC];

/* The pack cot-judge's workers clone (cot_rules_clone shares its compiled
 * patterns and automata); NULL: each thread loads and compiles its own. */
static const cot_rules_t *shared;

static void judge_all(result_t *res, int rounds)
{
    cot_rules_t rules;
    cot_rules_init(&rules);
    cot_buf_t err = {0};
    if (shared) {
        if (cot_rules_clone(&rules, shared, &err) < 0 || !rules.borrowed ||
            rules.rule != shared->rule) {
            res->bad = 1;
            return;
        }
    } else if (cot_rules_load(&rules, cot_rules_default, strlen(cot_rules_default),
                              "(built-in)", &err) < 0 || cot_rules_compile(&rules, &err) < 0) {
        res->bad = 1;
        return;
    }
    cot_judge_t j;
    cot_judge_init(&j, &rules);
    for (int round = 0; round < rounds; round++)
        for (size_t i = 0; i < NREC; i++) {
            cJSON *rec = parsed[i];
            cot_record_view_t v;
            cJSON *jo = NULL;
            if (cot_record_view(rec, 0, &v) || cot_judge_record(&j, rec, &v, &jo, &err) < 0) {
                res->bad = 1;
                continue;
            }
            char *s = cJSON_PrintUnformatted(jo);
            if (!round) res->judged[i] = s;
            else {
                if (strcmp(s, res->judged[i])) res->bad = 1;
                free(s);
            }
            cJSON_Delete(jo);
            for (size_t k = 0; k < NTEXT; k++) {
                size_t a = 0, b = 0;
                long sa = -1, sb = -1;
                if (cot_judge_stated_answer(texts[k], strlen(texts[k]), &a, &b) == 0) {
                    sa = (long)a;
                    sb = (long)b;
                }
                cot_answer_num_t num;
                double d = cot_answer_number(texts[k], strlen(texts[k]), &num) == 0 ? num.value : -1;
                if (!round && !i) {
                    res->stated[k][0] = sa;
                    res->stated[k][1] = sb;
                    res->number[k] = d;
                } else if (res->stated[k][0] != sa || res->stated[k][1] != sb ||
                           res->number[k] != d)
                    res->bad = 1;
            }
        }
    cot_judge_free(&j);
    cot_rules_free(&rules);
    cot_buf_free(&err);
}

static void *worker(void *arg)
{
    judge_all(arg, ROUNDS);
    return NULL;
}

int main(void)
{
    result_t alone = {{0}, {{0}}, {0}, 0}, t[NTHREADS];
    for (size_t i = 0; i < NREC; i++) parsed[i] = cJSON_Parse(records[i]);
    judge_all(&alone, 1);
    tap_ok(!alone.bad && alone.judged[0] && alone.judged[3], "one thread judges every record");
    tap_ok(alone.judged[2] && !strstr(alone.judged[2], "\"clean\""), "the pack fires");
    tap_ok(alone.judged[5] && strstr(alone.judged[5], "\"answer-mismatch\""),
           "a list in another order is answer-mismatch");
    tap_ok(alone.stated[0][0] >= 0 && alone.number[5] == 8, "the helpers find their answers");
    memset(t, 0, sizeof t);
    pthread_t th[NTHREADS];
    for (int k = 0; k < NTHREADS; k++) pthread_create(&th[k], NULL, worker, &t[k]);
    for (int k = 0; k < NTHREADS; k++) pthread_join(th[k], NULL);
    int same = 1;
    for (int k = 0; k < NTHREADS; k++) {
        same &= !t[k].bad;
        for (size_t i = 0; i < NREC; i++)
            same &= t[k].judged[i] && !strcmp(t[k].judged[i], alone.judged[i]);
        same &= !memcmp(t[k].stated, alone.stated, sizeof alone.stated) &&
                !memcmp(t[k].number, alone.number, sizeof alone.number);
    }
    tap_ok(same, "%d threads x %d rounds at once: the same judge objects and answers", NTHREADS,
           ROUNDS);
    for (int k = 0; k < NTHREADS; k++)
        for (size_t i = 0; i < NREC; i++) free(t[k].judged[i]);

    /* As cot-judge -@ N runs: one compiled pack, a clone per thread. */
    cot_rules_t base;
    cot_rules_init(&base);
    cot_buf_t err = {0};
    int ok = cot_rules_load(&base, cot_rules_default, strlen(cot_rules_default), "(built-in)",
                            &err) == 0 && cot_rules_compile(&base, &err) == 0;
    tap_ok(ok, "the shared pack compiles");
    shared = &base;
    memset(t, 0, sizeof t);
    for (int k = 0; k < NTHREADS; k++) pthread_create(&th[k], NULL, worker, &t[k]);
    for (int k = 0; k < NTHREADS; k++) pthread_join(th[k], NULL);
    same = 1;
    for (int k = 0; k < NTHREADS; k++) {
        same &= !t[k].bad;
        for (size_t i = 0; i < NREC; i++)
            same &= t[k].judged[i] && !strcmp(t[k].judged[i], alone.judged[i]);
    }
    tap_ok(same, "%d threads on clones of one compiled pack: the same judge objects", NTHREADS);
    for (int k = 0; k < NTHREADS; k++)
        for (size_t i = 0; i < NREC; i++) free(t[k].judged[i]);
    /* The clones are freed: the pack they borrowed from still judges. */
    cot_judge_t j;
    cot_judge_init(&j, &base);
    int same_after = 1;
    for (size_t i = 0; i < NREC; i++) {
        cot_record_view_t v;
        cJSON *jo = NULL;
        if (cot_record_view(parsed[i], 0, &v) || cot_judge_record(&j, parsed[i], &v, &jo, &err) < 0) {
            same_after = 0;
            continue;
        }
        char *s = cJSON_PrintUnformatted(jo);
        same_after &= !strcmp(s, alone.judged[i]);
        free(s);
        cJSON_Delete(jo);
    }
    cot_judge_free(&j);
    tap_ok(same_after, "the source pack is intact after its clones are freed");
    /* A clone cannot be compiled or loaded into: its patterns are shared. */
    cot_rules_t c;
    cot_buf_clear(&err);
    cot_rules_clone(&c, &base, &err);
    int rc = cot_rules_compile(&c, &err);
    tap_ok(rc == -1 && err.s && !strcmp(err.s, "cannot compile a cloned pack again"),
           "compiling a clone fails: %s", err.s ? err.s : "");
    cot_buf_clear(&err);
    rc = cot_rules_load(&c, "x", 1, "extra.rules", &err);
    tap_ok(rc == -1 && err.s && !strcmp(err.s, "extra.rules: cannot load rules into a cloned pack"),
           "loading into a clone fails: %s", err.s ? err.s : "");
    cot_rules_free(&c);
    cot_rules_free(&base);
    cot_buf_free(&err);
    for (size_t i = 0; i < NREC; i++) {
        free(alone.judged[i]);
        cJSON_Delete(parsed[i]);
    }
    return tap_done();
}
