/* mathans.h -- mathematical answers as models write them.
 *
 * A stated answer is an expression, not a leading number: "the answer is
 * 35 * 6 = 210", "the answer is 1/2", "$\dfrac{3}{4}$", "2x + 1", "12 and
 * 15", "1{,}000".  These functions say where such an expression ends, what
 * number it is when it is one, and whether two answers are the same one.
 * cot-judge's answer-mismatch reads them (man/cot-judge.1).
 *
 * Value: + - * / (also \times, \cdot, \div, U+00D7, U+00B7, U+00F7, U+2212
 * for minus), parentheses and braces, \frac{a}{b} (\dfrac, \tfrac,
 * \frac12), a mixed number ("3\frac{1}{2}", "3 1/2"), \sqrt{x}, integer
 * powers, n!, a product written without a sign ("2\sqrt{3}", "2(3)"),
 * thousands separators in groups of three ("1,000", "1{,}000", "1\,000"),
 * a currency sign before ("\$5.50") and '%' or a unit in \text{} after.
 * Anything else (a letter, \pi, a list) has no value.
 *
 * Equal: by value when both sides have one (a percentage also equals its
 * hundredth: "25%" and "0.25"); else by a canonical form that drops only
 * spacing and markup (blanks, \left and \right, \dfrac for \frac, \text{},
 * '$', degree signs, case).  An expression with one chain of '=' and no
 * list and no other relation in it is read for its last side: "35 * 6 =
 * 210" is 210, "x = 5" is 5 (so "x = 2" equals "y = 2"), while "x >= 5"
 * is read whole.  Canonical forms that differ in a digit, a variable or
 * an operator are never equal. */
#ifndef COT_MATHANS_H
#define COT_MATHANS_H

#include <stddef.h>

/* The end of the expression that starts at t[s] (within t[0..n)): s when
 * none starts there.  It runs over terms joined by operators (blanks
 * allowed around them), "," or "and"/"or" before a number, and stops at a
 * blank before a word ("5 cm" is 5), sentence punctuation, a newline or a
 * closing '$'.  At most 256 bytes. */
size_t cot_math_end(const char *t, size_t n, size_t s);

/* The value of t[0..n) as above: 0 with *v (and *pct: it ended in '%'),
 * or -1 when it is not a number. */
int cot_math_value(const char *t, size_t n, double *v, int *pct);

/* 1 when a[0..an) and b[0..bn) are the same answer as above, else 0. */
int cot_math_equal(const char *a, size_t an, const char *b, size_t bn);

/* The result a CoT ends on, when it states no answer: the math after the
 * last '=', " is ", " equals " or " was " of its last line, when math
 * alone follows it ("So the remainder is 12.", "... $= \frac{1}{4}$.",
 * "So the point is $(15, -29)$."), up to two short lines of words after it
 * ("This is my final answer.") aside.  0 with its offsets, or -1: "I get 240
 * outfits." and "slope $-2$ and intercept $0$." end on none. */
int cot_math_concluded(const char *t, size_t n, size_t *s, size_t *e);

#endif
