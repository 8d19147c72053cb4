/* lcsref.c -- see lcsref.h */
#include "lcsref.h"
#include "diff.h"
#include "util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int is_space_tok(const char *p)
{
    return strchr(" \t\n\r\v\f", *p) || !strncmp(p, "\xc2\xa0", 2);
}

/* Drop whitespace tokens from starts[0..n) (starts[n] = end), keeping each
 * token's end in ends[]. */
static size_t words_only(const char *p, uint32_t *starts, uint32_t *ends, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (is_space_tok(p + starts[i])) continue;
        ends[k] = starts[i + 1];
        starts[k++] = starts[i];
    }
    return k;
}

size_t lcsref(const char *a, size_t alen, const char *b, size_t blen, int words)
{
    uint32_t *sa = malloc((alen + 1) * 4), *sb = malloc((blen + 1) * 4);
    uint32_t *ea = malloc((alen + 1) * 4), *eb = malloc((blen + 1) * 4);
    size_t n = cot_diff_tokenize(a, alen, sa), m = cot_diff_tokenize(b, blen, sb);
    sa[n] = (uint32_t)alen;
    sb[m] = (uint32_t)blen;
    if (words) {
        n = words_only(a, sa, ea, n);
        m = words_only(b, sb, eb, m);
    } else {
        for (size_t i = 0; i < n; i++) ea[i] = sa[i + 1];
        for (size_t i = 0; i < m; i++) eb[i] = sb[i + 1];
    }
    size_t *row = calloc(m + 1, sizeof *row), *prev = calloc(m + 1, sizeof *prev);
    for (size_t i = 1; i <= n; i++) {
        for (size_t j = 1; j <= m; j++) {
            size_t la = ea[i - 1] - sa[i - 1], lb = eb[j - 1] - sb[j - 1];
            if (la == lb && !memcmp(a + sa[i - 1], b + sb[j - 1], la))
                row[j] = prev[j - 1] + 1;
            else
                row[j] = row[j - 1] > prev[j] ? row[j - 1] : prev[j];
        }
        size_t *t = prev; prev = row; row = t;
    }
    size_t l = prev[m];
    free(sa); free(sb); free(ea); free(eb); free(row); free(prev);
    return l;
}

int lcsref_applies(const char *a, size_t alen, const char *b, size_t blen,
                   const cot_diff_t *r)
{
    cot_buf_t out = {0};
    int ok = cot_diff_apply(a, alen, b, blen, r->hunks, r->nhunks, &out) == 0 &&
             out.len == blen && (blen == 0 || !memcmp(out.s, b, blen));
    for (size_t i = 1; ok && i < r->nhunks; i++)
        ok = r->hunks[i].a_start > r->hunks[i - 1].a_end &&
             r->hunks[i].b_start > r->hunks[i - 1].b_end;
    cot_buf_free(&out);
    return ok;
}
