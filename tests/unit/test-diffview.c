/* test-diffview.c -- unit tests for lib/diffview.c: the edit and status
 * classes, the rounding of similarities, a part's JSON, the diff object
 * written as text against its tree, and the word diff with and without
 * context. */
#include "answer.h"
#include "diffview.h"
#include "json.h"
#include "tap.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void words(const char *a, const char *b, long context, int color,
                  const char *want, const char *name)
{
    cot_differ_t *d = cot_diff_new();
    cot_diff_t r;
    cot_buf_t out = {0};
    cot_diff_run(d, a, strlen(a), b, strlen(b), &r);
    cot_diffview_words(&out, a, strlen(a), b, &r, context, color);
    cot_buf_cstr(&out);
    tap_is_str(out.s, want, name);
    cot_buf_free(&out);
    cot_diff_free(d);
}

/* cot_diffview_number() writes what cJSON's own spelling would be, for
 * every similarity (four decimals) and for counts and offsets. */
static void test_numbers(void)
{
    cot_buf_t a = {0}, b = {0};
    int bad = 0, with_text = 0;
    for (long k = -3; k <= 10000 + 3; k++) {
        double vals[3] = {(double)k / 1e4, (double)k, (double)k * 104729.0 + 7};
        for (int i = 0; i < 3; i++) {
            cJSON *x = cot_diffview_number(vals[i]), *y = cJSON_CreateNumber(vals[i]);
            cot_buf_clear(&a);
            cot_buf_clear(&b);
            cot_json_print_number(&a, x);
            cot_json_print_number(&b, y);
            with_text += x->valuestring != NULL;
            if (a.len != b.len || memcmp(a.s, b.s, a.len) || x->valuedouble != vals[i])
                bad++;
            cJSON_Delete(x);
            cJSON_Delete(y);
        }
    }
    double odd[] = {0.12345, 1e15, 1e16, -0.5, 1.5, 9007199254740993.0, 0.3333333};
    for (size_t i = 0; i < sizeof odd / sizeof *odd; i++) {
        cJSON *x = cot_diffview_number(odd[i]), *y = cJSON_CreateNumber(odd[i]);
        cot_buf_clear(&a);
        cot_buf_clear(&b);
        cot_json_print_number(&a, x);
        cot_json_print_number(&b, y);
        if (a.len != b.len || memcmp(a.s, b.s, a.len)) bad++;
        cJSON_Delete(x);
        cJSON_Delete(y);
    }
    tap_is_long(bad, 0, "numbers: the same text as cJSON's spelling");
    tap_is_long(with_text, 9999, "numbers: the four-decimal similarities carry their text (integers are the writer's)");
    cot_buf_free(&a);
    cot_buf_free(&b);
}

/* cot_diffview_number_write() writes what cot_json_print() writes for
 * cot_diffview_number(d), for every similarity and for odd doubles. */
static int number_differs(double d)
{
    cot_buf_t a = {0}, b = {0};
    cJSON *x = cot_diffview_number(d);
    cot_diffview_number_write(&a, d);
    cot_json_print_number(&b, x);
    int bad = a.len != b.len || memcmp(a.s, b.s, a.len);
    if (bad) {
        cot_buf_cstr(&a);
        tap_diag("%.17g: written %s, printed %s", d, a.s, b.s);
    }
    cJSON_Delete(x);
    cot_buf_free(&a);
    cot_buf_free(&b);
    return bad;
}

static void test_number_write(void)
{
    int bad = 0;
    for (long k = -3; k <= 10000 + 3; k++) {
        bad += number_differs((double)k / 1e4);
        bad += number_differs(round((double)k / 1e4 * 1e4) / 1e4);  /* as sim rounds */
        bad += number_differs((double)k);
        bad += number_differs((double)k * 104729.0 + 7);
        bad += number_differs((double)k / 1e4 + 1e-9);
    }
    double odd[] = {0.0, -0.0, 1.0, -1.0, 0.9999, 0.0001, 0.00005, 0.99995, 0.5, 1.5,
                    -0.5, -0.9999, 0.12345, 0.3333333, 1.0 / 3, 2.0 / 3, 1e-5, 1e-300,
                    DBL_MIN, DBL_TRUE_MIN, DBL_EPSILON, 1 - DBL_EPSILON, 1e15 - 1, 1e15,
                    1e15 + 1, 1e16, 0x1p53, 0x1p53 + 2, 9007199254740993.0, 0x1p63,
                    0x1p64, 0x1p64 * 3, 1e300, DBL_MAX, -DBL_MAX, -1e15, -123456789.0,
                    NAN, -NAN, INFINITY, -INFINITY};
    for (size_t i = 0; i < sizeof odd / sizeof *odd; i++) bad += number_differs(odd[i]);
    tap_seed(11);
    for (int i = 0; i < 20000; i++) {    /* any bit pattern */
        uint64_t u = tap_rnd();
        double d;
        memcpy(&d, &u, sizeof d);
        bad += number_differs(d);
    }
    tap_is_long(bad, 0, "number written: cot_json_print() of cot_diffview_number(), "
                "for similarities, integers, -0, NaN, infinities and any bits");
}

/* Texts for the differ: words, numbers, spaces and newlines, and bytes a
 * JSON string must escape (quotes, backslashes, control characters), UTF-8
 * and now and then a NUL (the tree's strings end there). */
static const char *const pieces[] = {
    "the", "total", "is", "so", "check", "wait", "42", "3.14", "=", "+", ",", ".",
    "\"", "\\", "\t", "\r\n", "\x01", "\x1f", "\x7f", "\xc3\xa9t\xc3\xa9", "\xe2\x89\x88",
    "\xf0\x9f\x99\x82", "</s>", "\\u0041", "'", "/", "\b\f"};

static void gen_text(cot_buf_t *t, size_t nw, int nul)
{
    cot_buf_clear(t);
    for (size_t i = 0; i < nw; i++) {
        if (i) cot_buf_adds(t, tap_rn(12) ? " " : tap_rn(2) ? "\n" : "\n\n");
        cot_buf_adds(t, pieces[tap_rn(sizeof pieces / sizeof *pieces)]);
        if (nul && tap_rn(40) == 0) cot_buf_addc(t, '\0');
    }
}

/* b: a with some words replaced, inserted or deleted (0 edits: a itself),
 * or a text of its own. */
static void gen_other(cot_buf_t *b, const cot_buf_t *a, int nul)
{
    size_t how = tap_rn(6);
    if (how == 0) {
        gen_text(b, tap_rn(200), nul);
        return;
    }
    cot_buf_clear(b);
    cot_buf_add(b, a->s, a->len);
    if (how == 1) return;                                   /* identical */
    if (how == 2) {                                         /* spacing only */
        for (size_t i = 0; i < b->len; i++)
            if (b->s[i] == ' ' && tap_rn(8) == 0) b->s[i] = '\n';
        return;
    }
    for (size_t k = tap_rn(12); k > 0 && b->len; k--) {
        size_t at = tap_rn(b->len), n = tap_rn(8);
        cot_buf_t t = {0};
        cot_buf_add(&t, b->s, at);
        if (tap_rn(3)) cot_buf_adds(&t, pieces[tap_rn(sizeof pieces / sizeof *pieces)]);
        if (at + n < b->len) cot_buf_add(&t, b->s + at + n, b->len - at - n);
        cot_buf_free(b);
        *b = t;
    }
}

/* A source id: plain, or with bytes to escape, or empty. */
static void gen_id(cot_buf_t *id)
{
    cot_buf_clear(id);
    static const char *const ids[] = {"o1", "", "r1-00000000", "a\"b", "back\\slash",
                                      "tab\there", "\xc3\xa9", "nul\0after", "\x01"};
    size_t k = tap_rn(sizeof ids / sizeof *ids);
    cot_buf_add(id, ids[k], k == 7 ? 9 : strlen(ids[k]));
}

/* cot_diffview_write() against cot_json_print() of cot_diffview_json()
 * for records diffed by the real differ: every status, with and without
 * hunk text, approx results (small budgets), the --answer-shift members
 * added. */
static void test_write_random(void)
{
    cot_differ_t *d1 = cot_diff_new(), *d2 = cot_diff_new();
    cot_buf_t ac = {0}, bc = {0}, aa = {0}, ba = {0}, id = {0}, got = {0}, want = {0};
    int bad = 0, napprox = 0, nhunks = 0, ntext = 0, nextra = 0, nunpaired = 0,
        nstatus[COT_DV_NSTATUS] = {0};
    tap_seed(5);
    for (int it = 0; it < 3000; it++) {
        int nul = tap_rn(4) == 0, hunk_text = (int)tap_rn(2);
        unsigned long long budget = tap_rn(3) == 0 ? 50 + tap_rn(2000) : 0;
        cot_diff_set_budget(d1, budget);
        cot_diff_set_budget(d2, budget);
        gen_text(&ac, tap_rn(4) ? tap_rn(300) : 0, nul);
        gen_other(&bc, &ac, nul);
        gen_text(&aa, tap_rn(20), nul);
        gen_other(&ba, &aa, nul);
        gen_id(&id);
        const char *as = cot_buf_cstr(&ac), *bs = cot_buf_cstr(&bc);
        const char *aas = cot_buf_cstr(&aa), *bas = cot_buf_cstr(&ba);
        cot_diff_t c1, c2;
        cot_diff_run(d1, as, ac.len, bs, bc.len, &c1);
        cot_diff_run(d2, as, ac.len, bs, bc.len, &c2);
        int cot_same = ac.len == bc.len && !memcmp(as, bs, ac.len);
        int ans_same = aa.len == ba.len && !memcmp(aas, bas, aa.len);
        cot_diffview_rec_t r = {
            .edit = cot_diffview_edit(cot_same, ans_same),
            .candidates = tap_rn(10) ? 1 + tap_rn(3) : tap_rn(1000000),
            .source_id = cot_buf_cstr(&id), .source_id_len = id.len,
            .a_cot = as, .a_cot_len = ac.len, .b_cot = bs, .b_cot_len = bc.len,
            .a_answer = aas, .a_answer_len = aa.len, .b_answer = bas, .b_answer_len = ba.len};
        r.status = cot_diffview_status(r.edit, cot_same, c1.similarity, 0.5);
        if (tap_rn(10) == 0) {
            r.status = tap_rn(2) ? COT_DV_NOSOURCE : COT_DV_NOKEY;
            r.candidates = 0;
            r.source_id = NULL;
            r.source_id_len = 0;
            nunpaired++;
        }
        nstatus[r.status]++;
        napprox += c1.approx;
        nhunks += c1.nhunks > 0;
        ntext += hunk_text && c1.nhunks > 0;
        cJSON *tree = cot_diffview_json(d1, &r, &c1, hunk_text), *extra = NULL;
        if (tap_rn(3) == 0) {       /* as cot-diff --answer-shift adds them */
            int unp = r.status == COT_DV_NOSOURCE || r.status == COT_DV_NOKEY;
            extra = cJSON_CreateObject();
            cot_answer_shift_add(tree, unp ? NULL : aas, aa.len, bas, ba.len);
            cot_answer_shift_add(extra, unp ? NULL : aas, aa.len, bas, ba.len);
            nextra++;
        }
        cot_buf_clear(&want);
        cot_buf_clear(&got);
        int rw = cot_json_print(&want, tree);
        int rg = cot_diffview_write(&got, d2, &r, &c2, hunk_text, extra);
        if (rw != 0 || rg != 0 || got.len != want.len || memcmp(got.s, want.s, got.len)) {
            if (bad++ < 3) {
                cot_buf_cstr(&got);
                tap_diag("record %d: printed %s", it, want.s);
                tap_diag("record %d: written %s", it, got.s);
            }
        }
        cJSON_Delete(tree);
        cJSON_Delete(extra);
    }
    tap_is_long(bad, 0, "diff object written: cot_json_print() of its tree, for 3000 "
                "records through the differ");
    tap_ok(napprox > 100 && nhunks > 1000 && ntext > 500 && nextra > 500 && nunpaired > 100,
           "... of them %d approx, %d with hunks, %d with hunk text, %d with "
           "answer-shift members, %d unpaired", napprox, nhunks, ntext, nextra, nunpaired);
    tap_ok(nstatus[COT_DV_UNCHANGED] > 100 && nstatus[COT_DV_EDITED] > 100 &&
           nstatus[COT_DV_REWRITTEN] > 100, "... every paired status (%d unchanged, "
           "%d edited, %d rewritten)", nstatus[COT_DV_UNCHANGED], nstatus[COT_DV_EDITED],
           nstatus[COT_DV_REWRITTEN]);
    cot_buf_free(&ac);
    cot_buf_free(&bc);
    cot_buf_free(&aa);
    cot_buf_free(&ba);
    cot_buf_free(&id);
    cot_buf_free(&got);
    cot_buf_free(&want);
    cot_diff_free(d1);
    cot_diff_free(d2);
}

/* One part from made-up results: odd similarities and counts past 2^53,
 * which no differ gives, written as the tree prints them. */
static void test_part_write(void)
{
    static const cot_hunk_t hs[2] = {{0, 3, 0, 2}, {(size_t)1 << 53, ((size_t)1 << 53) + 1,
                                                    999999999999999, 1000000000000001}};
    double sims[] = {0, -0.0, 1, 0.99996, 0.00004, 0.5, 0.12345, NAN, -1, 2, 1e-9};
    size_t counts[] = {0, 7, 999999999999999, 1000000000000000, ((size_t)1 << 53) + 1,
                       SIZE_MAX};
    cot_buf_t got = {0}, want = {0};
    int bad = 0;
    for (size_t i = 0; i < sizeof sims / sizeof *sims; i++)
        for (size_t j = 0; j < sizeof counts / sizeof *counts; j++)
            for (size_t nh = 0; nh <= 2; nh++) {
                cot_diff_t r = {.similarity = sims[i], .tokens_a = counts[j],
                                .tokens_b = counts[(j + 1) % 6], .inserted = counts[j],
                                .deleted = counts[(j + 3) % 6], .approx = (int)(nh & 1),
                                .hunks = nh == 2 ? hs + 1 : hs, .nhunks = nh ? 1 : 0};
                cJSON *p = cot_diffview_part(&r, NULL, NULL, 0);
                cot_buf_clear(&got);
                cot_buf_clear(&want);
                cot_json_print(&want, p);
                cot_diffview_part_write(&got, &r, NULL, NULL, 0);
                if (got.len != want.len || memcmp(got.s, want.s, got.len)) {
                    if (bad++ < 3) {
                        cot_buf_cstr(&got);
                        tap_diag("printed %s", want.s);
                        tap_diag("written %s", got.s);
                    }
                }
                cJSON_Delete(p);
            }
    tap_is_long(bad, 0, "part written: cot_json_print() of its tree, for odd "
                "similarities and counts past 2^53");
    cot_buf_free(&got);
    cot_buf_free(&want);
}

int main(void)
{
    test_numbers();
    test_number_write();
    test_write_random();
    test_part_write();
    tap_is_long(cot_diffview_edit(1, 1), COT_DV_NONE, "edit: none");
    tap_is_long(cot_diffview_edit(0, 1), COT_DV_COT, "edit: cot-only");
    tap_is_long(cot_diffview_edit(1, 0), COT_DV_ANSWER, "edit: answer-only");
    tap_is_long(cot_diffview_edit(0, 0), COT_DV_BOTH, "edit: both");
    tap_is_str(cot_diffview_edit_names[COT_DV_COT], "cot-only", "edit name");
    tap_is_str(cot_diffview_status_names[COT_DV_NOKEY], "no-key", "status name");
    tap_is_long(cot_diffview_status(COT_DV_NONE, 1, 1, 0.5), COT_DV_UNCHANGED,
                "status: unchanged");
    tap_is_long(cot_diffview_status(COT_DV_COT, 0, 0.49, 0.5), COT_DV_REWRITTEN,
                "status: rewritten under the bar");
    tap_is_long(cot_diffview_status(COT_DV_COT, 0, 0.5, 0.5), COT_DV_EDITED,
                "status: edited at the bar");
    tap_is_long(cot_diffview_status(COT_DV_ANSWER, 1, 1, 0.5), COT_DV_EDITED,
                "status: an answer-only edit is never rewritten");
    tap_is_double(cot_diffview_sim(0.99996, 0), 0.9999, 0, "sim: never 1 unless same");
    tap_is_double(cot_diffview_sim(1, 1), 1, 0, "sim: 1 when same");
    tap_is_double(cot_diffview_sim(0.12345, 0), 0.1235, 1e-12, "sim: four decimals");

    cot_differ_t *d = cot_diff_new();
    cot_diff_t r;
    const char *a = "It is on the Seine.", *b = "It lies on the Seine.";
    cot_diff_run(d, a, strlen(a), b, strlen(b), &r);
    cJSON *p = cot_diffview_part(&r, a, b, 1);
    char *s = cJSON_PrintUnformatted(p);
    tap_is_str(s, "{\"similarity\":0.8333,\"tokens_a\":10,\"tokens_b\":10,"
               "\"inserted\":1,\"deleted\":1,\"hunks\":[{\"a_start\":3,\"a_end\":5,"
               "\"b_start\":3,\"b_end\":7,\"a_text\":\"is\",\"b_text\":\"lies\"}]}",
               "part JSON with hunk text");
    cJSON_free(s);
    cJSON_Delete(p);
    cot_diff_free(d);

    const char *la = "l1\nl2\nl3\nl4 x\nl5\nl6\nl7", *lb = "l1\nl2\nl3\nl4 y\nl5\nl6\nl7";
    words(la, lb, 1, 0, "~~~\nl3\nl4 [-x-]{+y+}\nl5\n~~~\n", "words: context 1");
    words(la, lb, 0, 0, "~~~\nl4 [-x-]{+y+}\n~~~\n", "words: context 0");
    words(la, lb, -1, 0, "l1\nl2\nl3\nl4 [-x-]{+y+}\nl5\nl6\nl7\n", "words: every line");
    words("a b", "c b", 3, 1, "\033[31m[-a-]\033[m\033[32m{+c+}\033[m b\n", "words: colour");
    words("one two three", "one 2 3", -1, 0, "one [-two three-]{+2 3+}\n",
          "words: hunks apart only by spaces show as one");
    return tap_done();
}
