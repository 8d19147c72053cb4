/* answer.h -- numeric answers: the rating, score or number an answer
 * gives ("**7/10**", "Rating: 6.5/10", "Probability: 80-85%", "I'd give it
 * a 7", a last line "42"), and the shift between two of them (cot-diff
 * --answer-shift; see man/cot-diff.1).
 *
 * What counts, in this order (the first rule that finds one wins; within a
 * rule, the first occurrence in the text):
 *   1. a labelled number: rating, score, grade, mark, probability,
 *      likelihood, chance, estimate, assessment, evaluation, verdict,
 *      urgency, answer or final answer, then ':', '=' or "is"; or "rate it",
 *      "give it (a)", "score it" followed by the number;
 *   2. a ratio "N/D" or "N out of D" with N <= D;
 *   3. a number that opens the answer (after blanks and the markup '#', '*',
 *      '_', '>'), not a list marker ("1. ", "2) ");
 *   4. a last line that is only a number, optionally after "Label:".
 * A number may carry '**' or '__' around it, a range "5-6" / "5 to 6" (the
 * value is the midpoint), a scale "/10" or "out of 100", or '%' (scale
 * 100).  The scales are 5, 10, 20 and 100: a number over any other D
 * ("3/4", a fraction as well as a rating) does not count.  Thousands separators ("1,000") are read; a sign only in rule 4.
 * Nothing else counts: an answer that declines to rate ("I can't give a
 * score for this") has no number, rather than the first digit in it.
 */
#ifndef COT_ANSWER_H
#define COT_ANSWER_H

#include <cjson/cJSON.h>
#include <stddef.h>

typedef struct {
    double value;               /* the number (a range's midpoint)          */
    double scale;               /* D of "/D", "out of D", 100 for '%'; 0: none */
    size_t start, end;          /* byte offsets of the number in the text   */
    int range;                  /* it was a range                           */
} cot_answer_num_t;

/* The numeric answer of t[0..n): 0 with *out filled, or -1 when there is
 * none.  t must be valid UTF-8. */
int cot_answer_number(const char *t, size_t n, cot_answer_num_t *out);

/* Add the answer-shift members to a cot-diff "diff" object d, comparing
 * the original's answer a (NULL when there is no source) with the SFT
 * record's answer b:
 *   "answer_number": {"a": X|null, "b": Y|null},
 *   "answer_shift":  Y - X, or null when either is null or the two give
 *                    different scales ("7/10" against "70/100"),
 *   "answer_moved":  answer_shift != 0, or null with it.
 * Values are rounded to 6 decimals. */
void cot_answer_shift_add(cJSON *d, const char *a, size_t alen,
                          const char *b, size_t blen);

/* The numbers of a text, one at a time (cot-judge's answer-unsupported):
 * a run of digits that no letter, digit or '.' comes before ("x2" and
 * "v1.2" are none; "3rd" is 3),
 * with "1,000" or "400 000" groups (1 to 3 digits, then groups of exactly
 * 3) and a decimal part; a '-' before it when it follows a blank, '(' or
 * '$', or starts the text; "a/b" also gives its quotient.  A run of more
 * than 40 digits is skipped (no double holds it).  And the number words
 * zero to twenty, the tens, hundred and thousand, in any case. */
typedef struct {
    double value;
    double quotient;            /* value / b for "value/b", else NAN      */
    size_t start, end;          /* byte offsets of the number (or word)   */
    int word;                   /* a number word, not digits              */
} cot_answer_tok_t;

/* The next number of t[0..n) at or after *at: 1 with *o set and *at past
 * it, or 0 at the end. */
int cot_answer_next_number(const char *t, size_t n, size_t *at, cot_answer_tok_t *o);

#endif
