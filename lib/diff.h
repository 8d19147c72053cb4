/* diff.h -- token-level diff of two texts: which bytes of `a` were replaced
 * by which bytes of `b`, and how similar the two are.
 *
 * Tokens.  A text is cut into tokens: words (runs of letters, '_', and
 * non-ASCII letters below U+2E80), numbers (ASCII digit runs with inner
 * ".digits"), whitespace runs (ASCII and Unicode spaces), and single-code-
 * point tokens for punctuation, CJK ideographs, kana, emoji and everything
 * else.  A UTF-8 sequence is never split; an invalid byte is a token of its
 * own.  Every token keeps its byte offset, so the tokens of a text
 * concatenate back to it exactly.
 *
 * Diff.  Tokens are interned to integer ids and compared with Myers' O(ND)
 * algorithm in linear space (divide and conquer on the middle snake, as in
 * GNU diff).  For ordinary edits the edit script is minimal.  Texts
 * rewritten whole make D about the whole text and Myers' search about D
 * squared; there a bit-parallel LCS with traceback (Allison-Dix / Hyyro,
 * O(n m / 64) word steps) gives the script instead, also minimal: Myers
 * runs first, and once its work passes the trace's cost bound (and 50,000
 * steps) the exact LCS is computed; when it shows D over a third of the
 * tokens left after the common ends, the trace takes over (res->traced),
 * else Myers goes on, its result unchanged.  (At half that work Myers asks
 * once whether it is sure to hand over -- D over a third, and the work its
 * search must do before it can meet past the hand-over -- and if so hands
 * over at once: the same script, less work.)  A search about to give up on
 * minimality is handed over the same way.  Among the longest common
 * subsequences the trace keeps the one whose tokens come earliest in both
 * texts.  Its vectors take at most COT_DIFF_LCS_MEM words (checkpoints
 * past that).  The work is bounded: when one search step costs too much,
 * or the whole comparison exceeds a work budget, the rest is resolved
 * cheaply (a non-minimal but valid script) and the result is marked
 * approx; the trace is used only when Myers' work up to the hand-over and
 * the trace's bound fit the budget together.
 *
 * Similarity.  Whitespace runs take part in the diff but not in the
 * similarity (shared spaces would make unrelated texts look alike).  With
 * A and B the numbers of non-whitespace tokens of a and b, and K the number
 * of them the edit script keeps (a common subsequence; two minimal scripts
 * keep as many tokens but not always as many words, so K depends a little
 * on where the script puts its changes),
 *     similarity = 2 K / (A + B)        (1 when A + B == 0)
 * so 1 means the same words in the same order, 0 nothing in common.  When
 * approx is set, K is the exact LCS of the non-whitespace token sequences
 * from a bit-parallel LCS (Hyyro / Allison-Dix) when that is affordable,
 * else what the script keeps (then similarity is a lower bound).
 *
 * Hunks.  Byte ranges [a_start, a_end) of a and [b_start, b_end) of b:
 * replacing each hunk's a-range with its b-range, in order, turns a into b
 * exactly.  Hunks are sorted, disjoint and separated by unchanged tokens.
 */
#ifndef COT_DIFF_H
#define COT_DIFF_H

#include <stddef.h>
#include <stdint.h>
#include "util.h"

typedef struct {
    size_t a_start, a_end, b_start, b_end;
} cot_hunk_t;

typedef struct {
    double similarity;          /* 2K/(A+B), in [0,1]                      */
    size_t tokens_a, tokens_b;  /* all tokens, whitespace runs included    */
    size_t inserted, deleted;   /* tokens of b / of a inside the hunks     */
    size_t lcs;                 /* tokens the script keeps (all kinds)     */
    size_t words_a, words_b;    /* A and B: non-whitespace tokens          */
    size_t words_kept;          /* K                                       */
    int approx;                 /* the bounded fallback was used           */
    int traced;                 /* the script came from the LCS trace      */
    const cot_hunk_t *hunks;    /* owned by the differ, valid until the
                                   next cot_diff_run() or cot_diff_free()   */
    size_t nhunks;
} cot_diff_t;

typedef struct cot_differ cot_differ_t;

/* Default work budget (token comparisons and diagonal steps) for one pair. */
#define COT_DIFF_BUDGET_DEFAULT ((unsigned long long)48 << 20)
/* Largest bit-parallel LCS run (64-bit word steps) for an approx result. */
#define COT_DIFF_LCS_BUDGET ((unsigned long long)256 << 20)

/* A reusable workspace.  Never NULL (out of memory exits). */
cot_differ_t *cot_diff_new(void);
void cot_diff_free(cot_differ_t *d);
/* Change the Myers work budget (0 restores the default); for tests. */
void cot_diff_set_budget(cot_differ_t *d, unsigned long long work);

/* Largest memory (64-bit words) for the traced LCS's column vectors. */
#define COT_DIFF_LCS_MEM ((size_t)1 << 19)

/* Which algorithm gives the edit script.  AUTO (the default): Myers, unless
 * its search grows dearer than a bit-parallel LCS with traceback, which
 * then gives the script (texts rewritten whole).  MYERS: Myers only (the
 * behaviour before the trace).  BITS: the trace whenever it fits the work
 * budget and the memory (mem_words 64-bit words; 0: COT_DIFF_LCS_MEM).
 * COT_DIFF_LCS=myers or =bits in the environment when the differ is made
 * sets the mode; for tests and comparisons. */
enum { COT_DIFF_LCS_AUTO, COT_DIFF_LCS_MYERS, COT_DIFF_LCS_BITS };
void cot_diff_set_lcs(cot_differ_t *d, int mode, size_t mem_words);

/* Fast paths (on by default): identical texts are counted, not diffed,
 * a common prefix and suffix, cut back to token boundaries, are
 * counted instead of tokenized and compared, and Myers hands over to the
 * trace as soon as it is sure to (above).  The result is the same in
 * every field either way; off (or COT_DIFF_NO_FASTPATH=1 in the
 * environment when the differ is made) compares the whole texts, which
 * the tests use to prove it. */
void cot_diff_set_fast(cot_differ_t *d, int on);

/* The tokenizer takes 16 bytes a step with SSE2 where the target has it
 * (x86-64) when they are ASCII or whole letters of two bytes (U+00C0 to
 * U+07FF but for the signs U+00D7 and U+00F7), the scalar rule for other
 * chunks holding a non-ASCII byte and for the tail; on (or COT_DIFF_SCALAR=1 in the environment when the differ is
 * made) makes it take every byte by the scalar rule.  The same tokens
 * either way; the tests use it to prove it. */
void cot_diff_set_scalar(cot_differ_t *d, int on);

/* Diff a[0..alen) against b[0..blen) into *res (overwritten).  The texts
 * must stay alive while res->hunks is used only for offsets; the differ
 * keeps no pointer into them after return. */
void cot_diff_run(cot_differ_t *d, const char *a, size_t alen,
                  const char *b, size_t blen, cot_diff_t *res);

/* Cut p[0..n) into tokens.  When starts is not NULL, it receives the start
 * offset of each token (room for n entries is always enough).  Returns the
 * number of tokens. */
size_t cot_diff_tokenize(const char *p, size_t n, uint32_t *starts);
/* The same, also the number of whitespace tokens into *nws (when not
 * NULL); scalar != 0 forces the scalar path (for tests). */
size_t cot_diff_tokens(const char *p, size_t n, uint32_t *starts, size_t *nws,
                       int scalar);

/* Apply hunks to a, taking replacement bytes from b; append the result to
 * out.  Returns 0, or -1 when the hunks are out of order or out of range. */
int cot_diff_apply(const char *a, size_t alen, const char *b, size_t blen,
                   const cot_hunk_t *h, size_t nh, cot_buf_t *out);

#endif
