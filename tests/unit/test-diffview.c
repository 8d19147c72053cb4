/* test-diffview.c -- unit tests for lib/diffview.c: the edit and status
 * classes, the rounding of similarities, a part's JSON and the word diff
 * with and without context. */
#include "diffview.h"
#include "json.h"
#include "tap.h"

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

int main(void)
{
    test_numbers();
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
