/* lcsref.h -- the reference the diff unit tests hold lib/diff.c to. */
#ifndef COT_LCSREF_H
#define COT_LCSREF_H

#include <stddef.h>
#include "diff.h"

/* The LCS of the token sequences of a[0..alen) and b[0..blen)
 * (cot_diff_tokenize), by dynamic programming: O(n m), small inputs only.
 * words: whitespace tokens left out. */
size_t lcsref(const char *a, size_t alen, const char *b, size_t blen, int words);

/* Whether r's hunks turn a[0..alen) into b[0..blen) (cot_diff_apply), and
 * are sorted, disjoint and separated by unchanged text on both sides. */
int lcsref_applies(const char *a, size_t alen, const char *b, size_t blen,
                   const cot_diff_t *r);

#endif
