/* fuzz-diff -- the diff (lib/diff.c) and pairing (lib/pair.c) code.
 *
 * Byte 0 sets the work budget (0: the default; else small, to force the
 * bounded fallback) and the LCS trace's memory limit; the rest is "A\xFFB"
 * (or A alone: B is A with some bytes changed).  Checked: the hunks
 * applied to A give B exactly; they are sorted, disjoint and in range;
 * identical texts give no hunks and similarity 1; the bit-parallel LCS
 * trace gives Myers' counts, and the same result with and without the
 * fast paths; the tokens of a text concatenate back to it, the SIMD
 * tokenizer gives the scalar one's; prompt keys
 * normalise idempotently and the index finds exactly the key it was given,
 * even when every key hashes alike. */
#include "fuzz.h"
#include "diff.h"
#include "pair.h"
#include "util.h"

#include <math.h>
#include <string.h>

static void check_pair(cot_differ_t *d, const char *a, size_t an, const char *b, size_t bn)
{
    cot_diff_t r;
    cot_buf_t out = {0};
    cot_diff_run(d, a, an, b, bn, &r);
    FUZZ_CHECK(r.similarity >= 0 && r.similarity <= 1 && !isnan(r.similarity),
               "similarity %g", r.similarity);
    size_t pa = 0, pb = 0;
    for (size_t i = 0; i < r.nhunks; i++) {
        const cot_hunk_t *h = &r.hunks[i];
        FUZZ_CHECK(h->a_start >= pa && h->a_start <= h->a_end && h->a_end <= an &&
                   h->b_start >= pb && h->b_start <= h->b_end && h->b_end <= bn,
                   "hunk %zu out of order or range", i);
        FUZZ_CHECK(i == 0 || h->a_start > pa || h->b_start > pb, "hunks %zu and %zu touch", i - 1, i);
        /* the unchanged stretch before the hunk is the same in both */
        FUZZ_CHECK(h->a_start - pa == h->b_start - pb &&
                   !memcmp(a + pa, b + pb, h->a_start - pa), "unchanged text before hunk %zu differs", i);
        pa = h->a_end;
        pb = h->b_end;
    }
    FUZZ_CHECK(cot_diff_apply(a, an, b, bn, r.hunks, r.nhunks, &out) == 0, "apply refused the hunks");
    FUZZ_CHECK(out.len == bn && !memcmp(out.s ? out.s : "", b, bn), "hunks applied to A do not give B");
    cot_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 32768) return 0;
    static cot_differ_t *d;
    if (!d) d = cot_diff_new();
    cot_diff_set_budget(d, data[0] ? (unsigned long long)data[0] * 64 : 0);
    const char *p = (const char *)data + 1;
    size_t n = size - 1;
    const char *sep = memchr(p, '\xFF', n);
    char *mut = NULL;
    const char *a = p, *b;
    size_t an, bn;
    if (sep) {
        an = (size_t)(sep - p);
        b = sep + 1;
        bn = n - an - 1;
    } else {
        an = bn = n;
        mut = malloc(n + 1);
        memcpy(mut, p, n);
        for (size_t i = 0; i < n; i += 1 + (unsigned char)p[i] % 17) mut[i] ^= 0x20;
        b = mut;
    }
    check_pair(d, a, an, b, bn);
    check_pair(d, b, bn, a, an);

    /* The fast paths give what the whole comparison gives, field by field. */
    static cot_differ_t *slow;
    if (!slow) { slow = cot_diff_new(); cot_diff_set_fast(slow, 0); }
    cot_diff_set_budget(slow, data[0] ? (unsigned long long)data[0] * 64 : 0);
    {
        cot_diff_t rf, rs;
        cot_diff_run(d, a, an, b, bn, &rf);
        cot_diff_run(slow, a, an, b, bn, &rs);
        FUZZ_CHECK(rf.similarity == rs.similarity && rf.tokens_a == rs.tokens_a &&
                   rf.tokens_b == rs.tokens_b && rf.inserted == rs.inserted &&
                   rf.deleted == rs.deleted && rf.lcs == rs.lcs &&
                   rf.words_kept == rs.words_kept && rf.approx == rs.approx &&
                   rf.nhunks == rs.nhunks &&
                   (!rf.nhunks || !memcmp(rf.hunks, rs.hunks, rf.nhunks * sizeof *rf.hunks)),
                   "fast path differs from the whole comparison");
    }

    /* The bit-parallel LCS trace (every pair traced; byte 0 also sets its
     * memory limit, so small ones run on checkpoints): a valid script
     * with Myers' counts whenever Myers' is minimal (not approx), and the
     * fast paths agree with the whole comparison on it too. */
    static cot_differ_t *bits, *bslow, *myers;
    if (!bits) {
        bits = cot_diff_new(); bslow = cot_diff_new(); myers = cot_diff_new();
        cot_diff_set_fast(bslow, 0);
        cot_diff_set_lcs(myers, COT_DIFF_LCS_MYERS, 0);
    }
    size_t mem = data[0] ? 16 + (size_t)data[0] * 4 : 0;
    cot_diff_set_lcs(bits, COT_DIFF_LCS_BITS, mem);
    cot_diff_set_lcs(bslow, COT_DIFF_LCS_BITS, mem);
    unsigned long long budget = data[0] ? (unsigned long long)data[0] * 64 : 0;
    cot_diff_set_budget(bits, budget);
    cot_diff_set_budget(bslow, budget);
    cot_diff_set_budget(myers, budget);
    check_pair(bits, a, an, b, bn);
    check_pair(bits, b, bn, a, an);
    {
        cot_diff_t rb, rs, rm;
        cot_diff_run(myers, a, an, b, bn, &rm);
        size_t mi = rm.inserted, md = rm.deleted, ml = rm.lcs;
        int mapprox = rm.approx;
        cot_diff_run(bslow, a, an, b, bn, &rs);
        cot_diff_run(bits, a, an, b, bn, &rb);
        FUZZ_CHECK(!rb.traced || !rb.approx, "a traced script marked approx");
        FUZZ_CHECK(mapprox || !rb.traced ||
                   (rb.inserted == mi && rb.deleted == md && rb.lcs == ml),
                   "trace counts %zu/%zu differ from Myers' %zu/%zu", rb.inserted,
                   rb.deleted, mi, md);
        FUZZ_CHECK(rb.similarity == rs.similarity && rb.inserted == rs.inserted &&
                   rb.deleted == rs.deleted && rb.words_kept == rs.words_kept &&
                   rb.traced == rs.traced && rb.nhunks == rs.nhunks &&
                   (!rb.nhunks || !memcmp(rb.hunks, rs.hunks, rb.nhunks * sizeof *rb.hunks)),
                   "trace: fast path differs from the whole comparison");
    }

    cot_diff_t r;
    cot_diff_run(d, a, an, a, an, &r);
    FUZZ_CHECK(r.nhunks == 0 && r.similarity == 1 && !r.approx,
               "identical texts: %zu hunks, similarity %g", r.nhunks, r.similarity);

    uint32_t *st = malloc((an + 1) * sizeof *st);
    size_t k = cot_diff_tokenize(a, an, st);
    FUZZ_CHECK(k <= an && (an == 0 || (k > 0 && st[0] == 0)), "tokens of A");
    for (size_t i = 1; i < k; i++) FUZZ_CHECK(st[i] > st[i - 1], "token starts not increasing");
    /* The SIMD tokenizer gives the scalar one's tokens, from every offset
     * of A (so every byte meets every position in a 16-byte chunk). */
    uint32_t *st2 = malloc((an + 1) * sizeof *st2);
    for (size_t o = 0; o < 16 && o <= an; o++) {
        size_t w1, w2, w3;
        size_t k1 = cot_diff_tokens(a + o, an - o, st, &w1, 0);
        size_t k2 = cot_diff_tokens(a + o, an - o, st2, &w2, 1);
        size_t k3 = cot_diff_tokens(a + o, an - o, NULL, &w3, 0);
        FUZZ_CHECK(k1 == k2 && k3 == k2 && w1 == w2 && w3 == w2 &&
                   !memcmp(st, st2, k1 * sizeof *st),
                   "SIMD tokens of A+%zu differ from the scalar path's", o);
    }
    free(st2);
    free(st);

    /* pairing */
    cot_buf_t n1 = {0}, n2 = {0};
    cot_pair_normalize(a, an, &n1);
    cot_pair_normalize(n1.s ? n1.s : "", n1.len, &n2);
    FUZZ_CHECK(n1.len == n2.len && !memcmp(n1.s ? n1.s : "", n2.s ? n2.s : "", n1.len),
               "normalising a prompt twice changes it");
    cot_pair_index_t *ix = cot_pair_index_new();
    int forced = data[0] & 1;
    cot_pair_index_force_hash(ix, forced);
    cot_pair_add(ix, a, an, 0, 1, 1);
    cot_pair_add(ix, b, bn, 1, 1, 2);
    size_t first;
    size_t ca = cot_pair_find(ix, a, an, &first);
    int same = an == bn && !memcmp(a, b, an);
    FUZZ_CHECK(ca == (same || forced ? 2u : 1u), "key A found %zu times", ca);
    {
        uint64_t off;
        size_t len;
        unsigned long long ln;
        cot_pair_where(ix, first, &off, &len, &ln);
        FUZZ_CHECK(off == 0 && ln == 1, "key A's first candidate is line %llu", ln);
    }
    cot_pair_index_free(ix);
    cot_buf_free(&n1);
    cot_buf_free(&n2);
    free(mut);
    return 0;
}
