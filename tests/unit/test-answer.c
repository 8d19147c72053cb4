/* test-answer.c -- numeric answers and the answer shift (lib/answer.c). */
#include "answer.h"
#include "tap.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* want: the value, or NAN for "no number"; span: the text the number
 * should cover (NULL: not checked). */
static void num(const char *text, double want, double scale, const char *span)
{
    cot_answer_num_t a;
    int rc = cot_answer_number(text, strlen(text), &a);
    char name[41];                      /* the text on one line, for TAP */
    snprintf(name, sizeof name, "%s", text);
    for (char *p = name; *p; p++)
        if (*p == '\n') *p = ' ';
    if (isnan(want)) {
        if (!tap_ok(rc < 0, "no number in \"%s\"", name))
            tap_diag("got %g at [%zu,%zu)", a.value, a.start, a.end);
        return;
    }
    if (!tap_ok(rc == 0 && a.value == want && a.scale == scale,
                "\"%s\" -> %g (scale %g)", name, want, scale)) {
        if (rc == 0) tap_diag("got %g scale %g", a.value, a.scale);
        else tap_diag("got no number");
        return;
    }
    if (span) {
        char got[64] = {0};
        memcpy(got, text + a.start, a.end - a.start < 63 ? a.end - a.start : 63);
        tap_is_str(got, span, "  its span");
    }
}

static void test_numbers(void)
{
    /* the shapes real rating answers take */
    num("**5/10**\n\nIt's competent but generic.", 5, 10, "5/10");
    num("**Rating: 3/10**\n\n**Reasoning:** ...", 3, 10, "3/10");
    num("# Grade: 5.5/10\n\n## What Works:", 5.5, 10, "5.5/10");
    num("## Score: **7/10** \xE2\x80\x94 Yes, bring them in", 7, 10, "7/10");
    num("# Assessment: 7/10 - Worth interviewing", 7, 10, NULL);
    num("**7/10 \xE2\x80\x93 Publication-worthy**", 7, 10, "7/10");
    num("**Probability: 80-85%**\n\n**Reasoning:**", 82.5, 100, "80-85%");
    num("**75-85%**\n\n**Reasoning:** A signed lease", 80, 100, NULL);
    num("**85-90**\n\n**Reasoning:**", 87.5, 0, "85-90");
    num("# 85/100\n\n**Brief reasoning:**", 85, 100, NULL);
    num("**5-6/10** \xE2\x80\x93 See a doctor within 24-48 hours", 5.5, 10, "5-6/10");
    num("I'd give this candidate a **7.5-8/10** for a mid-level role.", 7.75, 10, NULL);
    num("Honestly? I'd rate it a 6. The imagery is fine.", 6, 0, "6");
    num("Rating: 7", 7, 0, "7");
    num("It scores 8 out of 10 for me.", 8, 10, "8 out of 10");
    num("My rating is 4.", 4, 0, "4");
    num("Final answer: 1,250", 1250, 0, "1,250");
    num("Natalia sold 48/2 = 24 clips in May.\n#### 72", 72, 0, "72");
    num("The temperature change was\n\n-3", -3, 0, "-3");
    num("7", 7, 0, "7");
    /* the first labelled number wins over a later ratio */
    num("Score: 6/10. If they had shipped more, 8/10.", 6, 10, "6/10");
    /* not numbers */
    num("I can't rate this for you in good conscience. You have a two-year "
        "conflict of interest.", NAN, 0, NULL);
    num("# I need to flag something first\n\nThe gap of 2 years in her CV should "
        "not count.", NAN, 0, NULL);
    num("1. Clear structure\n2. Weak ending", NAN, 0, NULL);
    num("Open 24/7, but the review is mixed.", NAN, 0, NULL);
    num("The answer is 3/4.", NAN, 0, NULL);         /* a fraction, or a rating? */
    num("I'd say 3 out of 5.", 3, 5, "3 out of 5");
    num("**14/20** for the portfolio", 14, 20, "14/20");
    num("It has 3D effects.", NAN, 0, NULL);
    num("", NAN, 0, NULL);
}

static char *shift(const char *a, const char *b)
{
    cJSON *d = cJSON_CreateObject();
    cot_answer_shift_add(d, a, a ? strlen(a) : 0, b, b ? strlen(b) : 0);
    char *s = cJSON_PrintUnformatted(d);
    cJSON_Delete(d);
    return s;
}

static void test_shift(void)
{
    char *s;
    tap_is_str(s = shift("**7/10** solid", "**5/10** generic"),
               "{\"answer_number\":{\"a\":7,\"b\":5},\"answer_shift\":-2,\"answer_moved\":true}",
               "shift = b - a");
    free(s);
    tap_is_str(s = shift("Rating: 6.5/10", "**6.5/10**"),
               "{\"answer_number\":{\"a\":6.5,\"b\":6.5},\"answer_shift\":0,\"answer_moved\":false}",
               "no shift");
    free(s);
    tap_is_str(s = shift("Rating: 6.2", "Rating: 6.1"),
               "{\"answer_number\":{\"a\":6.2,\"b\":6.1},\"answer_shift\":-0.1,\"answer_moved\":true}",
               "rounded to 6 decimals");
    free(s);
    tap_is_str(s = shift("I can't rate this.", "**5/10**"),
               "{\"answer_number\":{\"a\":null,\"b\":5},\"answer_shift\":null,\"answer_moved\":null}",
               "null when the original has none");
    free(s);
    tap_is_str(s = shift(NULL, "**5/10**"),
               "{\"answer_number\":{\"a\":null,\"b\":5},\"answer_shift\":null,\"answer_moved\":null}",
               "null without a source");
    free(s);
    tap_is_str(s = shift("7/10", "70/100"),
               "{\"answer_number\":{\"a\":7,\"b\":70},\"answer_shift\":null,\"answer_moved\":null}",
               "null when the scales differ");
    free(s);
    tap_is_str(s = shift("7/10", "Rating: 8"),
               "{\"answer_number\":{\"a\":7,\"b\":8},\"answer_shift\":1,\"answer_moved\":true}",
               "a scale on one side only is the same scale");
    free(s);
    /* replaces, never duplicates */
    cJSON *d = cJSON_CreateObject();
    cot_answer_shift_add(d, "7/10", 4, "5/10", 4);
    cot_answer_shift_add(d, "7/10", 4, "6/10", 4);
    s = cJSON_PrintUnformatted(d);
    tap_is_str(s, "{\"answer_number\":{\"a\":7,\"b\":6},\"answer_shift\":-1,\"answer_moved\":true}",
               "a second call replaces the members");
    free(s);
    cJSON_Delete(d);
}

/* Every number of text as "value[/quotient][w]@start-end", space-separated. */
static void toks(const char *text, const char *want)
{
    char got[512] = {0};
    size_t at = 0, len = 0;
    cot_answer_tok_t k;
    while (cot_answer_next_number(text, strlen(text), &at, &k) && len < sizeof got - 64) {
        len += (size_t)snprintf(got + len, sizeof got - len, "%s%.10g", len ? " " : "", k.value);
        if (!isnan(k.quotient))
            len += (size_t)snprintf(got + len, sizeof got - len, "/%.10g", k.quotient);
        len += (size_t)snprintf(got + len, sizeof got - len, "%s@%zu-%zu", k.word ? "w" : "",
                                k.start, k.end);
    }
    char name[64];
    snprintf(name, sizeof name, "numbers of \"%.40s\"", text);
    tap_is_str(got, want, name);
}

static void test_tokens(void)
{
    toks("", "");
    toks("no numbers here", "");
    toks("4 * 6 = <<4*6=24>>24 pens", "4@0-1 6@4-5 4@10-11 6@12-13 24@14-16 24@18-20");
    toks("$400 000 - $282 000 = $118 000.", "400000@1-8 282000@12-19 118000@23-30");
    toks("1,035 and 1,00 and 12,3456", "1035@0-5 1@10-11 0@12-14 12@19-21 3456@22-26");
    toks("-10 degrees, (-3), $-2, 5-1", "-10@0-3 -3@14-16 -2@20-22 5@24-25 1@26-27");
    /* the denominator is a number of its own too; "/0" gives no quotient */
    toks("1/2 of 3.50/7, 2/0", "1/0.5@0-1 2@2-3 3.5/0.5@7-11 7@12-13 2@15-16 0@17-18");
    toks("x2 v1.2 3rd .5 0.25", "3@8-9 0.25@15-19");
    toks("Three, TWENTY, forty and a hundred", "3w@0-5 20w@7-13 40w@15-20 100w@27-34");
    toks("one-two twentyone", "1w@0-3 2w@4-7");
    /* more than 40 digits: no double holds them, so no number (a prefix
     * would be another number) */
    toks("12345678901234567890123456789012345678901 and 7",
         "7@46-47");
    toks("1.123456789012345678901234567890123456789012345", "1.123456789@0-47");
}

int main(void)
{
    test_numbers();
    test_shift();
    test_tokens();
    return tap_done();
}
