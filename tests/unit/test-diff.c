/* test-diff.c -- unit tests for lib/diff.c (tokens, Myers, bounded
 * fallback) and lib/pair.c (key normalisation, the originals index). */
#include "diff.h"
#include "pair.h"
#include "lcsref.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *vocab[] = {
    "the", "cat", "sat", "on", "mat", "so", "x", "42", "3.14", "7",
    ".", ",", "(", ")", "=", "+", " ", " ", " ", "  ", "\n", "\n\n", "\t",
    "caf\xc3\xa9", "\xe4\xb8\xad", "\xe6\x96\x87", "\xf0\x9f\x98\x80",
    "\xe2\x80\x94", "\xc2\xa0", "<<48/2=24>>", "####"};
#define NVOCAB (sizeof vocab / sizeof *vocab)

static void gen(cot_buf_t *b, size_t ntok)
{
    for (size_t i = 0; i < ntok; i++) cot_buf_adds(b, vocab[tap_rn(NVOCAB)]);
}

/* b = a with k random byte-range edits at token-ish boundaries. */
static void mutate(const cot_buf_t *a, cot_buf_t *b, int k)
{
    cot_buf_clear(b);
    cot_buf_add(b, a->s ? a->s : "", a->len);
    for (int e = 0; e < k; e++) {
        /* cut at ASCII bytes only, so UTF-8 stays valid */
        size_t at = b->len ? tap_rn(b->len + 1) : 0;
        while (at < b->len && ((unsigned char)b->s[at] & 0xC0) == 0x80) at++;
        size_t del = tap_rn(4) ? tap_rn(6) : 0, end = at + del;
        if (end > b->len) end = b->len;
        while (end < b->len && ((unsigned char)b->s[end] & 0xC0) == 0x80) end++;
        cot_buf_t ins = {0};
        gen(&ins, tap_rn(4));
        cot_buf_t t = {0};
        cot_buf_add(&t, b->s, at);
        cot_buf_add(&t, ins.s ? ins.s : "", ins.len);
        cot_buf_add(&t, b->s + end, b->len - end);
        cot_buf_clear(b);
        cot_buf_add(b, t.s ? t.s : "", t.len);
        cot_buf_free(&t);
        cot_buf_free(&ins);
    }
}

static void test_tokens(void)
{
    static const struct { const char *s; const char *want; } cases[] = {
        {"", ""},
        {"Hello, world!", "Hello|,| |world|!"},
        {"x = 3.14 + 42.", "x| |=| |3.14| |+| |42|."},
        {"a  \n\tb", "a|  \n\t|b"},
        {"caf\xc3\xa9 na\xc3\xafve", "caf\xc3\xa9| |na\xc3\xafve"},
        {"\xe4\xb8\xad\xe6\x96\x87", "\xe4\xb8\xad|\xe6\x96\x87"},
        {"a\xc2\xa0" "b", "a|\xc2\xa0|b"},
        {"<<48/2=24>>", "<|<|48|/|2|=|24|>|>"},
        {"snake_case9", "snake_case|9"},
        {"bad\xff" "byte", "bad|\xff|byte"},
        {"\xf0\x9f\x98\x80!", "\xf0\x9f\x98\x80|!"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        const char *s = cases[c].s;
        size_t n = strlen(s);
        uint32_t st[64];
        size_t nt = cot_diff_tokenize(s, n, st);
        cot_buf_t got = {0};
        for (size_t i = 0; i < nt; i++) {
            if (i) cot_buf_addc(&got, '|');
            cot_buf_add(&got, s + st[i], (i + 1 < nt ? st[i + 1] : n) - st[i]);
        }
        tap_is_str(cot_buf_cstr(&got), cases[c].want, "tokenize");
        cot_buf_free(&got);
    }
}

static void test_examples(cot_differ_t *d)
{
    cot_diff_t r;
    const char *a = "The cat sat on the mat.", *b = "The dog sat on the mat.";
    cot_diff_run(d, a, strlen(a), b, strlen(b), &r);
    tap_is_long((long)r.nhunks, 1, "one-word change: one hunk");
    tap_ok(r.nhunks == 1 && r.hunks[0].a_start == 4 && r.hunks[0].a_end == 7 &&
           r.hunks[0].b_start == 4 && r.hunks[0].b_end == 7,
           "one-word change: hunk is the word");
    tap_is_long((long)r.tokens_a, 12, "tokens_a");
    tap_is_long((long)r.inserted, 1, "inserted");
    tap_is_long((long)r.deleted, 1, "deleted");
    tap_is_double(r.similarity, 12.0 / 14.0, 1e-12, "similarity 2K/(A+B), words only");
    tap_ok(!r.approx, "not approx");

    cot_diff_run(d, "", 0, "", 0, &r);
    tap_ok(r.similarity == 1.0 && r.nhunks == 0 && r.tokens_a == 0,
           "empty vs empty: identical");
    cot_diff_run(d, "", 0, "abc def", 7, &r);
    tap_ok(r.similarity == 0.0 && r.nhunks == 1 && r.inserted == 3 &&
           r.hunks[0].b_end == 7, "empty vs text: one insertion");

    const char *ma = "\xe4\xb8\xad\xe6\x96\x87 caf\xc3\xa9",
               *mb = "\xe4\xb8\xad\xe5\x9b\xbd caf\xc3\xa9";
    cot_diff_run(d, ma, strlen(ma), mb, strlen(mb), &r);
    tap_ok(r.nhunks == 1 && r.hunks[0].a_start == 3 && r.hunks[0].a_end == 6,
           "multibyte: hunk on the changed ideograph, byte offsets");
}

static void test_property(cot_differ_t *d)
{
    int bad_apply = 0, bad_lcs = 0, bad_self = 0, n = 0;
    for (int it = 0; it < 1500; it++) {
        cot_buf_t a = {0}, b = {0};
        gen(&a, tap_rn(it < 1000 ? 60 : 400));
        mutate(&a, &b, (int)tap_rn(12));
        if (it % 7 == 0) { cot_buf_clear(&b); gen(&b, tap_rn(80)); } /* unrelated */
        const char *as = a.s ? a.s : "", *bs = b.s ? b.s : "";
        cot_diff_t r;
        cot_diff_run(d, as, a.len, bs, b.len, &r);
        n++;
        if (!lcsref_applies(as, a.len, bs, b.len, &r)) bad_apply++;
        if (it < 1000 && !r.approx && r.lcs != lcsref(as, a.len, bs, b.len, 0))
            bad_lcs++;
        cot_diff_run(d, as, a.len, as, a.len, &r);
        if (r.similarity != 1.0 || r.nhunks || r.inserted || r.deleted)
            bad_self++;
        cot_buf_free(&a);
        cot_buf_free(&b);
    }
    tap_is_long(bad_apply, 0, "random pairs: applying the hunks to a gives b");
    tap_is_long(bad_lcs, 0, "random pairs: Myers script is minimal (LCS = DP)");
    tap_is_long(bad_self, 0, "random texts: diff against itself is identical");
    tap_diag("%d random pairs", n);
}

/* A tiny budget forces the bounded path: still a valid script, and the
 * bit-parallel LCS gives the exact similarity. */
static void test_bounded(void)
{
    cot_differ_t *d = cot_diff_new();
    cot_diff_set_budget(d, 300);
    int bad_apply = 0, bad_lcs = 0, napprox = 0;
    for (int it = 0; it < 300; it++) {
        cot_buf_t a = {0}, b = {0};
        gen(&a, 50 + tap_rn(250));
        if (it % 2) mutate(&a, &b, 30); else gen(&b, 50 + tap_rn(250));
        const char *as = a.s ? a.s : "", *bs = b.s ? b.s : "";
        cot_diff_t r;
        cot_diff_run(d, as, a.len, bs, b.len, &r);
        napprox += r.approx;
        if (!lcsref_applies(as, a.len, bs, b.len, &r)) bad_apply++;
        if (r.words_kept != lcsref(as, a.len, bs, b.len, 1)) bad_lcs++;
        cot_buf_free(&a);
        cot_buf_free(&b);
    }
    tap_ok(napprox > 200, "small budget: approx used (%d of 300)", napprox);
    tap_is_long(bad_apply, 0, "approx: hunks still turn a into b");
    tap_is_long(bad_lcs, 0, "approx: bit-parallel LCS of the words is exact");
    cot_diff_free(d);
}

/* Large inputs: correct and bounded (timing is left to bench/diff). */
static void test_large(cot_differ_t *d)
{
    cot_buf_t a = {0}, b = {0};
    tap_seed(7);
    gen(&a, 200000);
    mutate(&a, &b, 200);
    cot_diff_t r;
    cot_diff_run(d, a.s, a.len, b.s, b.len, &r);
    tap_ok(lcsref_applies(a.s, a.len, b.s, b.len, &r), "200k tokens, 200 edits: applies");
    tap_ok(r.similarity > 0.99, "200k tokens, 200 edits: similarity %.4f",
           r.similarity);
    cot_buf_clear(&b);
    gen(&b, 200000);
    cot_diff_run(d, a.s, a.len, b.s, b.len, &r);
    tap_ok(lcsref_applies(a.s, a.len, b.s, b.len, &r), "200k unrelated tokens: applies");
    tap_ok(r.approx, "200k unrelated tokens: bounded fallback marked approx");
    cot_buf_free(&a);
    cot_buf_free(&b);
}

/* The fast paths (identical texts counted, common ends trimmed at sure
 * token boundaries) against the whole comparison, field by field, over
 * random pairs built to share a prefix and a suffix and to be cut at any
 * byte: inside a word, a number ("3|.14"), a UTF-8 sequence, or around a
 * stray byte.  Also with a tiny work budget, so approx results (and their
 * LCS over the whole texts) are compared too. */
static const char *fvocab[] = {
    "a", "ab", "the", "_", "x1", "1", "12", "3.14", ".", "..", "3.", ".5", "0.",
    " ", "  ", "\n", "\t", "\r\n", "\xc2\xa0", "\xe2\x80\x83", "\xe3\x80\x80",
    "caf\xc3\xa9", "\xc3\xa9", "\xe4\xb8\xad", "\xf0\x9f\x98\x80", "\xe2\x80\x94",
    "\xd7", "\xc3\x97", "\xc3\xb7", "\x80", "\xbf", "\xff", "\xe4\xb8", "\xf0\x9f",
    "\xc0\xaf", ",", "(", ")", "=", "+", "-", "#"};
#define NFVOCAB (sizeof fvocab / sizeof *fvocab)

static void fgen(cot_buf_t *b, size_t ntok)
{
    for (size_t i = 0; i < ntok; i++) cot_buf_adds(b, fvocab[tap_rn(NFVOCAB)]);
}

static int same_result(const cot_diff_t *x, const cot_diff_t *y)
{
    if (x->similarity != y->similarity || x->tokens_a != y->tokens_a ||
        x->tokens_b != y->tokens_b || x->inserted != y->inserted ||
        x->deleted != y->deleted || x->lcs != y->lcs || x->words_a != y->words_a ||
        x->words_b != y->words_b || x->words_kept != y->words_kept ||
        x->approx != y->approx || x->nhunks != y->nhunks)
        return 0;
    for (size_t i = 0; i < x->nhunks; i++)
        if (x->hunks[i].a_start != y->hunks[i].a_start ||
            x->hunks[i].a_end != y->hunks[i].a_end ||
            x->hunks[i].b_start != y->hunks[i].b_start ||
            x->hunks[i].b_end != y->hunks[i].b_end)
            return 0;
    return 1;
}

/* The tokenizer as it was before its branch-free rewrite (lib/diff.c at
 * 28cac66), kept as the reference the new one must match. */
enum { TK_WS, TK_WORD, TK_DIGIT, TK_SINGLE };

/* Decode one code point; an invalid or truncated sequence is one byte with
 * code point UINT32_MAX. */
static size_t ref_u8_next(const unsigned char *p, size_t n, uint32_t *cp)
{
    unsigned c = p[0];
    size_t len;
    uint32_t v;
    if (c < 0x80) { *cp = c; return 1; }
    if (c >= 0xC2 && c <= 0xDF)      { len = 2; v = c & 0x1F; }
    else if (c >= 0xE0 && c <= 0xEF) { len = 3; v = c & 0x0F; }
    else if (c >= 0xF0 && c <= 0xF4) { len = 4; v = c & 0x07; }
    else { *cp = UINT32_MAX; return 1; }
    if (len > n) { *cp = UINT32_MAX; return 1; }
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80) { *cp = UINT32_MAX; return 1; }
        v = v << 6 | (p[i] & 0x3F);
    }
    *cp = v;
    return len;
}

static int ref_tk_class(uint32_t c)
{
    if (c < 0x80) {
        if (c == ' ' || (c >= '\t' && c <= '\r')) return TK_WS;
        if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return TK_WORD;
        if (c == '_') return TK_WORD;
        if (c >= '0' && c <= '9') return TK_DIGIT;
        return TK_SINGLE;
    }
    if (c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) ||
        c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000)
        return TK_WS;
    if (c < 0xC0 || c == 0xD7 || c == 0xF7) return TK_SINGLE; /* Latin-1 signs */
    if (c >= 0x2000) return TK_SINGLE;   /* punctuation, symbols, CJK, emoji */
    return TK_WORD;                       /* letters of alphabetic scripts    */
}

static size_t ref_tokenize(const char *text, size_t n, uint32_t *starts)
{
    const unsigned char *p = (const unsigned char *)text;
    size_t i = 0, nt = 0;
    while (i < n) {
        uint32_t c;
        size_t l = ref_u8_next(p + i, n - i, &c);
        int k = ref_tk_class(c);
        if (starts) starts[nt] = (uint32_t)i;
        nt++;
        i += l;
        if (k == TK_SINGLE) continue;
        while (i < n) {
            l = ref_u8_next(p + i, n - i, &c);
            if (ref_tk_class(c) == k) { i += l; continue; }
            /* 3.14 is one number; "3." ending a sentence is two tokens */
            if (k == TK_DIGIT && c == '.' && i + 1 < n && p[i + 1] >= '0' &&
                p[i + 1] <= '9') { i += 2; continue; }
            break;
        }
    }
    return nt;
}

/* ---- workspace --------------------------------------------------------- */

typedef struct {
    const char *p;
    uint32_t len, hash;
    int ws;                             /* a whitespace run                */
} tok_t;

static void test_tokenizer_ref(void)
{
    int bad = 0;
    uint32_t *s1 = malloc(4 * 4096), *s2 = malloc(4 * 4096);
    for (int it = 0; it < 20000; it++) {
        cot_buf_t t = {0};
        fgen(&t, tap_rn(30));
        if (t.len > 1 && tap_rn(3) == 0) t.len = tap_rn(t.len);    /* cut anywhere */
        const char *p = t.s ? t.s : "";
        size_t n1 = cot_diff_tokenize(p, t.len, s1), n2 = ref_tokenize(p, t.len, s2);
        size_t n0 = cot_diff_tokenize(p, t.len, NULL);
        if (n1 != n2 || n0 != n2 || memcmp(s1, s2, n1 * sizeof *s1)) bad++;
        cot_buf_free(&t);
    }
    free(s1);
    free(s2);
    tap_is_long(bad, 0, "tokenizer = the reference tokenizer (starts and counts), 20000 texts");
}

static void test_fastpath(void)
{
    cot_differ_t *fast = cot_diff_new(), *slow = cot_diff_new();
    cot_diff_set_fast(fast, 1);
    cot_diff_set_fast(slow, 0);
    int bad = 0, bad_budget = 0, n = 0, napprox = 0, nsame = 0;
    for (int it = 0; it < 6000; it++) {
        cot_buf_t pre = {0}, a = {0}, b = {0}, suf = {0}, mid = {0};
        fgen(&pre, tap_rn(4) ? tap_rn(40) : 0);
        fgen(&suf, tap_rn(4) ? tap_rn(40) : 0);
        cot_buf_add(&a, pre.s ? pre.s : "", pre.len);
        cot_buf_add(&b, pre.s ? pre.s : "", pre.len);
        /* Cut the shared ends at any byte, so the texts differ next to it. */
        if (pre.len && tap_rn(2)) { a.len = tap_rn(a.len + 1); b.len = a.len; }
        fgen(&mid, tap_rn(12));
        cot_buf_add(&a, mid.s ? mid.s : "", mid.len);
        if (tap_rn(3)) { cot_buf_clear(&mid); fgen(&mid, tap_rn(12)); }
        cot_buf_add(&b, mid.s ? mid.s : "", mid.len);
        size_t cut = suf.len && tap_rn(2) ? tap_rn(suf.len + 1) : 0;
        cot_buf_add(&a, (suf.s ? suf.s : "") + cut, suf.len - cut);
        cot_buf_add(&b, (suf.s ? suf.s : "") + (tap_rn(2) ? cut : 0),
                    suf.len - (tap_rn(2) ? cut : 0));
        if (it % 11 == 0) { cot_buf_clear(&b); cot_buf_add(&b, a.s ? a.s : "", a.len); }
        const char *as = a.s ? a.s : "", *bs = b.s ? b.s : "";
        cot_diff_t rf, rs;
        cot_diff_run(fast, as, a.len, bs, b.len, &rf);
        cot_diff_run(slow, as, a.len, bs, b.len, &rs);
        nsame += a.len == b.len && !memcmp(as, bs, a.len);
        n++;
        if (!same_result(&rf, &rs)) {
            if (bad++ < 3) tap_diag("differs: a=[%.*s] b=[%.*s]", (int)a.len, as,
                                    (int)b.len, bs);
        }
        if (it % 2 == 0) {      /* a tiny budget: the bounded path */
            unsigned long long budget = 1 + tap_rn(60);
            cot_diff_set_budget(fast, budget);
            cot_diff_set_budget(slow, budget);
            cot_diff_run(fast, as, a.len, bs, b.len, &rf);
            cot_diff_run(slow, as, a.len, bs, b.len, &rs);
            napprox += rs.approx;
            if (!same_result(&rf, &rs) && bad_budget++ < 3)
                tap_diag("differs (budget %llu): a=[%.*s] b=[%.*s]", budget,
                         (int)a.len, as, (int)b.len, bs);
            cot_diff_set_budget(fast, 0);
            cot_diff_set_budget(slow, 0);
        }
        cot_buf_free(&pre); cot_buf_free(&a); cot_buf_free(&b);
        cot_buf_free(&suf); cot_buf_free(&mid);
    }
    tap_diag("%d random pairs, %d identical, %d approx with a tiny budget", n,
             nsame, napprox);
    tap_is_long(bad, 0, "fast paths = whole comparison, every field");
    tap_is_long(bad_budget, 0, "... and with a tiny work budget");
    tap_ok(napprox > 300, "... which made approx results (%d)", napprox);
    cot_diff_free(fast);
    cot_diff_free(slow);
}

static void test_pair(void)
{
    cot_buf_t k = {0};
    const char *q = "  What is\n\t 2 +  2?  ";
    cot_pair_normalize(q, strlen(q), &k);
    tap_is_str(cot_buf_cstr(&k), "What is 2 + 2?", "normalise: runs collapsed, ends trimmed");
    cot_buf_clear(&k);
    cot_pair_normalize(" \n ", 3, &k);
    tap_is_long((long)k.len, 0, "normalise: blank is empty");
    cot_buf_free(&k);
    tap_ok(cot_pair_hash("abc", 3) == cot_pair_hash("abc", 3) &&
           cot_pair_hash("abc", 3) != cot_pair_hash("abd", 3), "hash");
    /* Pinned: shard assignment must not change between versions or hosts. */
    tap_ok(cot_pair_hash("What is 2+2?", 12) == 0xa899c2fba80d0caeULL &&
           cot_pair_hash("", 0) == 0x3918c49f6a5838b6ULL, "hash values pinned");

    cot_pair_index_t *ix = cot_pair_index_new();
    cot_pair_add(ix, "p1", 2, 0, 10, 1);
    cot_pair_add(ix, "p2", 2, 11, 10, 2);
    cot_pair_add(ix, "p1", 2, 22, 10, 4);
    size_t first, cnt = cot_pair_find(ix, "p1", 2, &first);
    tap_is_long((long)cnt, 2, "two candidates for p1");
    uint64_t off;
    size_t len;
    unsigned long long ln;
    cot_pair_where(ix, first, &off, &len, &ln);
    tap_ok(off == 0 && len == 10 && ln == 1, "first candidate in load order");
    cot_pair_where(ix, cot_pair_next(ix, first), &off, &len, &ln);
    tap_ok(off == 22 && ln == 4, "second candidate");
    tap_ok(cot_pair_next(ix, cot_pair_next(ix, first)) == COT_PAIR_NONE, "then no more");
    tap_is_long((long)cot_pair_find(ix, "p3", 2, &first), 0, "absent key");
    tap_is_long((long)cot_pair_find(ix, "p2", 2, &first), 1, "p2 found once");
    tap_is_long((long)cot_pair_count(ix), 3, "3 entries");
    tap_is_long((long)cot_pair_keys(ix), 2, "2 keys");
    cot_pair_mark_used(ix, 1);
    cot_pair_mark_used(ix, 1);
    tap_ok(cot_pair_used(ix, 1) && !cot_pair_used(ix, 0) && cot_pair_unused(ix) == 2,
           "used flags");
    cot_pair_index_free(ix);
    /* Forced to one hash: every key is a candidate of every other; the
     * caller's full-key check (cot-diff) tells them apart. */
    ix = cot_pair_index_new();
    cot_pair_index_force_hash(ix, 1);
    cot_pair_add(ix, "p1", 2, 0, 1, 1);
    cot_pair_add(ix, "p2", 2, 2, 1, 2);
    tap_is_long((long)cot_pair_find(ix, "p3", 2, &first), 2,
                "colliding hashes: candidates, to be confirmed");
    cot_pair_index_free(ix);
    /* Memory: no text is kept, whatever its size. */
    ix = cot_pair_index_new();
    char key[32];
    for (int i = 0; i < 100000; i++) {
        int k = snprintf(key, sizeof key, "key %d", i / 2);
        cot_pair_add(ix, key, (size_t)k, (uint64_t)i * 5000, 4999, (unsigned long long)i + 1);
    }
    tap_ok(cot_pair_keys(ix) == 50000 && cot_pair_bytes(ix) < 100000 * 80,
           "100000 originals of 5 KB: %zu bytes of index", cot_pair_bytes(ix));
    cot_pair_index_free(ix);
}

/* The originals' source: a plain file read in place, and the spill (here
 * of zstd, as COT_DIFF_SPILL=1 asks), give back exactly the lines
 * recorded. */
static void test_pair_src(void)
{
    char dir[] = "/tmp/cot-test-src.XXXXXX";
    if (!mkdtemp(dir)) { tap_ok(0, "mkdtemp"); return; }
    cot_buf_t path = {0}, got = {0};
    cot_buf_printf(&path, "%s/o.jsonl", dir);
    FILE *f = fopen(path.s, "w");
    fputs("{\"a\":1}\n\n  \n{\"b\":2}\r\n{\"c\":3}", f);
    fclose(f);
    cot_pair_src_t *s = cot_pair_src_open(path.s);
    tap_ok(s && !cot_pair_src_spilled(s), "plain file: read in place");
    uint64_t o1, o4, o5;
    tap_ok(cot_pair_src_add(s, 1, "{\"a\":1}", 7, &o1) == 0 &&
           cot_pair_src_add(s, 4, "{\"b\":2}", 7, &o4) == 0 &&
           cot_pair_src_add(s, 5, "{\"c\":3}", 7, &o5) == 0 && cot_pair_src_done(s) == 0,
           "lines found past blank lines, a CR, and a last line without newline");
    tap_ok(o1 == 0 && o4 == 12 && o5 == 21, "offsets %llu %llu %llu",
           (unsigned long long)o1, (unsigned long long)o4, (unsigned long long)o5);
    tap_ok(cot_pair_src_read(s, o4, 7, &got) == 0 && !strcmp(got.s, "{\"b\":2}"),
           "read again: %s", got.s);
    tap_ok(cot_pair_src_check(s) == 0, "unchanged");
    cot_mute++;
    uint64_t ox;
    tap_ok(cot_pair_src_add(s, 5, "{\"c\":3}x", 8, &ox) < 0, "a line not where the reader saw it: error");
    f = fopen(path.s, "a");
    fputs("\n", f);
    fclose(f);
    tap_ok(cot_pair_src_check(s) < 0, "a file that changed is an error");
    cot_mute--;
    cot_pair_src_close(s);
    /* zstd magic: spilled */
    f = fopen(path.s, "w");
    fputs("\x28\xb5\x2f\xfd not really", f);
    fclose(f);
    setenv("COT_DIFF_SPILL", "1", 1);   /* else read again (test-pair) */
    s = cot_pair_src_open(path.s);
    unsetenv("COT_DIFF_SPILL");
    tap_ok(s && cot_pair_src_spilled(s), "zstd with COT_DIFF_SPILL=1: spilled");
    cot_buf_t big = {0};
    for (int i = 0; i < 300000; i++) cot_buf_addc(&big, (char)('a' + i % 26));
    tap_ok(cot_pair_src_add(s, 1, "{\"x\":1}", 7, &o1) == 0 &&
           cot_pair_src_add(s, 2, big.s, big.len, &o4) == 0 &&
           cot_pair_src_add(s, 9, "{}", 2, &o5) == 0 && cot_pair_src_done(s) == 0,
           "spilled three lines");
    tap_ok(cot_pair_src_read(s, o5, 2, &got) == 0 && !strcmp(got.s, "{}") &&
           cot_pair_src_read(s, o4, big.len, &got) == 0 && got.len == big.len &&
           !memcmp(got.s, big.s, big.len), "spill read back");
    tap_ok(cot_pair_src_spill_bytes(s) == 7 + 1 + big.len + 1 + 2 + 1, "spill bytes");
    cot_pair_src_close(s);
    remove(path.s);
    rmdir(dir);
    cot_buf_free(&big);
    cot_buf_free(&path);
    cot_buf_free(&got);
}

/* Empty keys never pair; the pairing check never passes on nothing. */
static void test_pair_empty(void)
{
    tap_ok(cot_pair_key_empty("", 0) && cot_pair_key_empty(" \t\n\r\v\f", 6) &&
           !cot_pair_key_empty(" x ", 3) && !cot_pair_key_empty("0", 1),
           "empty keys: nothing or only whitespace");
    cot_pair_index_t *ix = cot_pair_index_new();
    cot_pair_add(ix, NULL, 0, 0, 2, 1);
    cot_pair_add(ix, "", 0, 3, 2, 2);
    size_t first;
    tap_is_long((long)cot_pair_find(ix, "", 0, &first), 1,
                "an unkeyed original is never found");
    tap_ok(first == 1, "... only the keyed one");
    tap_ok(cot_pair_count(ix) == 2 && cot_pair_keys(ix) == 1 &&
           cot_pair_unused(ix) == 2, "... but counted, and unused");
    cot_pair_index_free(ix);

    cot_buf_t m = {0};
    tap_ok(cot_pair_check(0, 0, 0, "key: id", &m) == 1 &&
           !strcmp(m.s, "no SFT record to compare (key: id); nothing was compared"),
           "check: nothing compared fails, even at min 0");
    tap_ok(cot_pair_check(0, 1319, 0, "key: id", &m) == 1 &&
           !strcmp(m.s, "0 of 1319 records found an original (key: id); "
                        "nothing was compared"), "check: nothing paired fails");
    tap_ok(cot_pair_check(659, 1319, 0.5, "key: id", &m) == 1 &&
           strstr(m.s, "659 of 1319") && strstr(m.s, "--min-paired 0.5"),
           "check: just under half fails at 0.5");
    tap_ok(cot_pair_check(660, 1319, 0.5, "key: id", &m) == 0 &&
           cot_pair_check(1, 2, 0.5, "k", &m) == 0 &&
           cot_pair_check(1, 1000, 0, "k", &m) == 0 &&
           cot_pair_check(2, 2, 1, "k", &m) == 0 &&
           cot_pair_check(1, 2, 1, "k", &m) == 1, "check: at or above min passes");
    cot_buf_free(&m);
}

/* Interning (tokens to ids by their bytes: up to 8 bytes as one word, the
 * last few tokens of a text by a copy, longer ones by a hash and then their
 * bytes; a table that grows from 512 slots): texts from a vocabulary of
 * 3000 random tokens of 1 to 40 bytes -- words of letters, of 2-byte
 * letters (U+00E0..), whitespace runs, digit runs, and pairs of words that
 * differ only inside (the same first and last 8 bytes) -- so thousands of
 * distinct tokens, the table grown several times.  The script must keep
 * exactly the DP LCS of the tokens compared by their bytes (lcsref), the
 * hunks turn a into b, and the whitespace counts are the tokenizer's. */
static void ivocab_make(cot_buf_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        cot_buf_t *w = &v[i];
        size_t len = 1 + (tap_rn(3) ? tap_rn(12) : tap_rn(40));
        switch (i % 6) {
        case 0: case 1:                         /* ASCII letters */
            for (size_t k = 0; k < len; k++) cot_buf_addc(w, (char)('a' + tap_rn(3)));
            break;
        case 2:                                 /* 2-byte letters */
            for (size_t k = 0; k < (len + 1) / 2; k++) {
                cot_buf_addc(w, (char)0xC3);
                cot_buf_addc(w, (char)(0xA0 + tap_rn(3)));
            }
            break;
        case 3:                                 /* whitespace runs */
            for (size_t k = 0; k < len; k++) cot_buf_addc(w, " \t\n"[tap_rn(3)]);
            break;
        case 4:                                 /* digit runs */
            for (size_t k = 0; k < len; k++) cot_buf_addc(w, (char)('0' + tap_rn(2)));
            break;
        default:                                /* the one before, changed inside */
            cot_buf_add(w, v[i - 1].s, v[i - 1].len);
            if (w->len > 16 && (unsigned char)w->s[8] < 0x80)
                w->s[8] = w->s[8] == '0' || w->s[8] == 'a' ? (char)(w->s[8] + 1)
                                                           : (char)(w->s[8] - 1);
            break;
        }
    }
}

static void test_intern(void)
{
    enum { NV = 3000 };
    cot_buf_t *v = calloc(NV, sizeof *v);
    ivocab_make(v, NV);
    cot_differ_t *d = cot_diff_new();
    int bad_lcs = 0, bad_apply = 0, bad_words = 0, n = 0;
    for (int it = 0; it < 150; it++) {
        cot_buf_t a = {0}, b = {0};
        size_t nv = it % 3 ? NV : 40;           /* many distinct, or few */
        size_t nt = 50 + tap_rn(250);
        for (size_t i = 0; i < nt; i++) {
            /* a separator between tokens of one class, so each is a token */
            const cot_buf_t *w = &v[tap_rn(nv)];
            cot_buf_add(&a, w->s, w->len);
            cot_buf_adds(&a, tap_rn(2) ? "," : "");
        }
        if (it % 2) {
            cot_buf_add(&b, a.s, a.len);
            for (int e = 0; e < 10; e++) {      /* splice in other tokens */
                size_t at = tap_rn(b.len + 1);
                while (at < b.len && ((unsigned char)b.s[at] & 0xC0) == 0x80) at++;
                const cot_buf_t *w = &v[tap_rn(nv)];
                cot_buf_t t = {0};
                cot_buf_add(&t, b.s, at);
                cot_buf_adds(&t, ",");
                cot_buf_add(&t, w->s, w->len);
                cot_buf_adds(&t, ",");
                cot_buf_add(&t, b.s + at, b.len - at);
                cot_buf_clear(&b);
                cot_buf_add(&b, t.s, t.len);
                cot_buf_free(&t);
            }
        } else {
            for (size_t i = 0; i < nt; i++) {
                const cot_buf_t *w = &v[tap_rn(nv)];
                cot_buf_add(&b, w->s, w->len);
                cot_buf_adds(&b, ",");
            }
        }
        cot_diff_t r;
        cot_diff_run(d, a.s, a.len, b.s, b.len, &r);
        n++;
        if (r.lcs != lcsref(a.s, a.len, b.s, b.len, 0) && bad_lcs++ < 3)
            tap_diag("intern: lcs %zu, DP %zu", r.lcs, lcsref(a.s, a.len, b.s, b.len, 0));
        if (!lcsref_applies(a.s, a.len, b.s, b.len, &r)) bad_apply++;
        size_t wsa, wsb;
        size_t ta = cot_diff_tokens(a.s, a.len, NULL, &wsa, 1);
        size_t tb = cot_diff_tokens(b.s, b.len, NULL, &wsb, 1);
        if (r.tokens_a != ta || r.tokens_b != tb || r.words_a != ta - wsa ||
            r.words_b != tb - wsb)
            bad_words++;
        cot_buf_free(&a);
        cot_buf_free(&b);
    }
    tap_diag("interning: %d pairs", n);
    tap_is_long(bad_lcs, 0, "interning, up to 3000 distinct tokens of 1-40 bytes: "
                "the script keeps the DP LCS");
    tap_is_long(bad_apply, 0, "... and its hunks turn a into b");
    tap_is_long(bad_words, 0, "... A and B are the tokenizer's counts");
    for (size_t i = 0; i < NV; i++) cot_buf_free(&v[i]);
    free(v);
    cot_diff_free(d);
}

int main(void)
{
    tap_seed(20261123);
    cot_differ_t *d = cot_diff_new();
    test_tokens();
    test_examples(d);
    test_property(d);
    test_tokenizer_ref();
    test_fastpath();
    test_bounded();
    test_large(d);
    test_intern();
    cot_diff_free(d);
    test_pair();
    test_pair_empty();
    test_pair_src();
    return tap_done();
}
