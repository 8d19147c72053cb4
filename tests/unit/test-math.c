/* test-math.c -- lib/mathans.c: where a stated math answer ends, its
 * value, and when two answers are the same one. */
#include "mathans.h"
#include "tap.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* a test name on one line: TAP reads a newline as the end of it */
static void one_line(char *s)
{
    for (; *s; s++)
        if (*s == '\n') *s = '|';
}

/* cot_math_end() from the start of t: the expression is want */
static void span(const char *t, const char *want)
{
    size_t e = cot_math_end(t, strlen(t), 0);
    char got[300];
    snprintf(got, sizeof got, "%.*s", (int)e, t);
    char name[400];
    snprintf(name, sizeof name, "span of \"%s\"", t);
    one_line(name);
    tap_is_str(got, want, name);
}

static void test_end(void)
{
    span("1/2.", "1/2");
    span("35 * 6 = 210.", "35 * 6 = 210");
    span("2x + 1, which is odd", "2x + 1");
    span("12 and 15.", "12 and 15");
    span("4, 5 and 6 apples", "4, 5 and 6");
    span("12, since 3 * 4 = 12", "12");
    span("5 cm", "5");
    span("5-year plan", "5");
    span("3 1/2 cups", "3 1/2");
    span("\\frac{1}{2}$.", "\\frac{1}{2}");
    span("\\dfrac{3}{4}\\).", "\\dfrac{3}{4}");
    span("1{,}000 people", "1{,}000");
    span("2^{10} = 1024. Done", "2^{10} = 1024");
    span("5! * 3! = 720.", "5! * 3! = 720");
    span("12! That is it.", "12");
    span("x = \\pm 2.", "");             /* a letter starts no span */
    span("-7.", "-7");
    span("\xE2\x88\x92" "7 degrees", "\xE2\x88\x92" "7");
    span("(2, 12) \\cup (12, 102).", "(2, 12) \\cup (12, 102)");
    span("30^\\circ, the angle", "30^\\circ");
    span("10:30 in the morning", "10:30");
    span("(unclosed", "");
    span("3.5\nNext line", "3.5");
    span("25\\% of them", "25\\%");
    span("5 <= x, so", "5 <= x");
    span("5 != 6.", "5 != 6");
    /* the bound: a very long expression stops at 256 bytes */
    char big[1200];
    size_t k = 0;
    for (int i = 0; i < 200; i++) k += (size_t)snprintf(big + k, sizeof big - k, "1+");
    big[k - 1] = 0;
    tap_ok(cot_math_end(big, strlen(big), 0) <= 256, "an expression is bounded (%zu bytes)",
           cot_math_end(big, strlen(big), 0));
    tap_is_long((long)cot_math_end("abc", 3, 3), 3, "nothing at the end of the text");
}

static void val(const char *t, double want, int wpct)
{
    double v = NAN;
    int pct = -1;
    char name[300];
    snprintf(name, sizeof name, "value of \"%s\"", t);
    if (tap_is_long(cot_math_value(t, strlen(t), &v, &pct), 0, name)) {
        tap_is_double(v, want, 1e-12, name);
        tap_is_long(pct, wpct, name);
    }
}

static void noval(const char *t)
{
    double v;
    int pct;
    char name[300];
    snprintf(name, sizeof name, "no value in \"%s\"", t);
    tap_is_long(cot_math_value(t, strlen(t), &v, &pct), -1, name);
}

static void test_value(void)
{
    val("42", 42, 0);
    val("1,000", 1000, 0);
    val("1{,}000", 1000, 0);
    val("1\\,000\\,000", 1e6, 0);
    val("1/2", 0.5, 0);
    val("\\frac{1}{2}", 0.5, 0);
    val("\\dfrac{3}{4}", 0.75, 0);
    val("\\tfrac12", 0.5, 0);
    val("-\\frac{1}{3}", -1.0 / 3, 0);
    val("\xE2\x88\x92" "7", -7, 0);
    val("3\\frac{1}{2}", 3.5, 0);
    val("3 1/2", 3.5, 0);
    val("35 * 6", 210, 0);
    val("35 \\times 6", 210, 0);
    val("2 \\cdot 3 + 1", 7, 0);
    val("(1 + 2)(3 + 4)", 21, 0);
    val("2\\sqrt{9}", 6, 0);
    val("\\sqrt[3]{27}", 3, 0);
    val("2^{10}", 1024, 0);
    val("5!", 120, 0);
    val("\\$5.50", 5.5, 0);
    val("$\\$1,250$", 1250, 0);
    val("25\\%", 25, 1);
    val("25%", 25, 1);
    val("30^\\circ", 30, 0);
    val("30^{\\circ}", 30, 0);
    val("5 \\text{ cm}", 5, 0);
    val(".5", 0.5, 0);
    val("\\left( 2 + 3 \\right)", 5, 0);
    val("6 \xC3\xB7 4", 1.5, 0);
    noval("1,2");                       /* no thousands group */
    noval("10,00");
    noval("2x + 1");
    noval("2\\pi");
    noval("1/0");
    noval("\\frac{1}{0}");
    noval("(2, 12)");
    noval("12 and 15");
    noval("1e400");
    noval("");
    noval("((((((((((((((((((((((((((((((((((((((1))))))))))))))))))))))))))))))))))))))");
}

static void eq(const char *a, const char *b, int want)
{
    char name[400];
    snprintf(name, sizeof name, "\"%s\" %s \"%s\"", a, want ? "=" : "!=", b);
    tap_is_long(cot_math_equal(a, strlen(a), b, strlen(b)), want, name);
}

static void test_equal(void)
{
    eq("1/2", "\\frac{1}{2}", 1);
    eq("1/2", "0.5", 1);
    eq("1/2", "1/3", 0);
    eq("1000", "1{,}000", 1);
    eq("35 * 6 = 210", "210", 1);
    eq("3 + 4 = 7", "3 + 4 = 8", 0);
    eq("x = 5", "5", 1);
    eq("50%", "0.5", 1);
    eq("50%", "50", 1);
    eq("50%", "5", 0);
    eq("2x+1", "2x + 1", 1);
    eq("2x+1", "2x+3", 0);
    eq("\\sqrt{12}", "2\\sqrt{3}", 1);
    eq("\\sqrt{12}", "3\\sqrt{2}", 0);
    eq("2\\pi", "$2\\pi$", 1);
    eq("2\\pi", "4\\pi", 0);
    eq("(2, 12) \\cup (12, 102)", "(2,12)\\cup(12,102)", 1);
    eq("(15, -29)", "(16, -29)", 0);
    eq("2, 3 and 5", "2, 3, 5", 1);
    eq("2, 3, and 5", "2, 3, 5", 1);
    eq("2, 3 and 5", "2, 3, 6", 0);
    eq("12 and 15", "12 or 15", 0);
    eq("\\dfrac{3}{4}", "\\frac{3}{4}", 1);
    eq("5 \\text{ cm}", "5", 1);
    eq("\\text{odd}", "odd", 1);
    eq("\\left(\\frac{3}{2}, -13\\right)", "(\\frac{3}{2}, -13)", 1);
    /* with a list, '=' is not read for its last side */
    eq("x = 2, y = 3", "x = 5, y = 3", 0);
    eq("x = 2, y = 3", "3", 0);
    /* nor with another relation: "x >= 5" is not 5 */
    eq("x >= 5", "5", 0);
    eq("x >= 5", "x = 5", 0);
    eq("x \\geq 5", "x = 5", 0);
    eq("x \xE2\x89\xA5 5", "5", 0);
    eq("x != 5", "5", 0);
    eq("a == 5", "5", 0);
    eq("x <= 5", "x<=5", 1);
    eq("", "", 0);
    eq("1/3", "0.333", 0);
    eq("-3", "3", 0);
}

static void concl(const char *t, const char *want)
{
    size_t s, e;
    char got[300] = "(none)";
    if (cot_math_concluded(t, strlen(t), &s, &e) == 0)
        snprintf(got, sizeof got, "%.*s", (int)(e - s), t + s);
    char name[400];
    snprintf(name, sizeof name, "concluded in \"%s\"", t);
    one_line(name);
    tap_is_str(got, want, name);
}

static void test_concluded(void)
{
    concl("So the remainder is 12.", "12");
    concl("Step one.\nSo the point is $(15, -29)$.", "(15, -29)");
    concl("The probability is $\\frac{8}{32} = \\frac{1}{4}$.\n", "\\frac{1}{4}");
    concl("In other words, \\[a + b = \\frac{6}{5}.\\]", "\\frac{6}{5}");
    concl("So the sum is $49 - 5 \\times 3 = 34.$", "34");
    concl("So $x = 4$.\nThis is my final answer.\n", "4");
    concl("So $x = 4$.\nThis is it.\nI am done.\n", "4");
    concl("So $x = 4$.\nOne.\nTwo.\nThree.\n", "(none)");        /* two lines of words at most */
    concl("where $a = 9$, $b = 8$.\nI can add these values to get the final answer.\n", "(none)");
    concl("This gives me 240 outfits.", "(none)");
    concl("with slope $-2$ and intercept $0$.", "(none)");
    concl("There are $3$ values in the range of $f(x)$.", "(none)");
    concl("The answer is 12. Done", "(none)");
    concl("So x >= 5.", "(none)");
    concl("", "(none)");
    concl("\n\n  \n", "(none)");
}

int main(void)
{
    test_end();
    test_value();
    test_equal();
    test_concluded();
    return tap_done();
}
