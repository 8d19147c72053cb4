/* test-diff-simd.c -- the tokenizer's SIMD path (16 ASCII bytes a step)
 * gives the scalar path's tokens exactly: counts, whitespace counts and
 * token starts, on random texts of every ASCII class, '.' between and
 * beside digits, non-ASCII bytes at every offset mod 16, every length
 * 0..100 and long ones, and every short pattern across a chunk boundary.
 * Where the target has no SSE2 both paths are the scalar one. */
#include "diff.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Pieces: every ASCII class, '.' with and without digits around it,
 * valid and invalid UTF-8 (Unicode spaces, letters, CJK, emoji, stray and
 * truncated bytes). */
static const char *pieces[] = {
    "a", "Z", "_", "word", "x_1", "@", "[", "`", "{", "~", "\x7f", "\x01", "\x00",
    "0", "7", "42", "3.14", "1.2.3", "1..2", ".5", "5.", ".", "..", "a.1", "1.a",
    " ", "  ", "\t", "\n", "\r\n", "\v", "\f", "\x0e", "\x08", "-", "+", "=", ",",
    "\xc2\xa0", "\xe3\x80\x80", "\xe2\x80\x83", "caf\xc3\xa9", "\xc3\x97", "\xe4\xb8\xad",
    "\xf0\x9f\x98\x80", "\x80", "\xbf", "\xc3", "\xe4\xb8", "\xff", "\xf5", "\xc0\xaf"};
#define NPIECES (sizeof pieces / sizeof *pieces)

static size_t gen(char *buf, size_t len)
{
    size_t n = 0;
    /* Mostly ASCII, so the SIMD chunks are taken, with non-ASCII now and then. */
    int ascii_only = tap_rn(3) == 0;
    while (n < len) {
        const char *s = pieces[tap_rn(NPIECES)];
        size_t l = strlen(s);
        if (!l) l = 1;                                  /* the NUL piece */
        if ((unsigned char)s[0] >= 0x80 && (ascii_only || tap_rn(4))) continue;
        if (n + l > len) l = len - n;
        memcpy(buf + n, s, l);
        n += l;
    }
    return n;
}

/* 1 when both paths give the same tokens for p[0..n). */
static int same(const char *p, size_t n, uint32_t *s1, uint32_t *s2)
{
    size_t w1, w2, w3, w4;
    size_t n1 = cot_diff_tokens(p, n, s1, &w1, 0);
    size_t n2 = cot_diff_tokens(p, n, s2, &w2, 1);
    size_t n3 = cot_diff_tokens(p, n, NULL, &w3, 0);
    size_t n4 = cot_diff_tokens(p, n, NULL, &w4, 1);
    return n1 == n2 && n3 == n2 && n4 == n2 && w1 == w2 && w3 == w2 && w4 == w2 &&
           !memcmp(s1, s2, n1 * sizeof *s1);
}

static void test_random(void)
{
    enum { MAX = 20000 };
    char *buf = malloc(MAX + 64);
    uint32_t *s1 = malloc((MAX + 64) * sizeof *s1), *s2 = malloc((MAX + 64) * sizeof *s2);
    int bad = 0, texts = 0;
    for (size_t len = 0; len <= 100; len++)
        for (int it = 0; it < 300; it++, texts++) {
            size_t n = gen(buf + 1, len);
            /* from an odd address too: the loads are unaligned */
            if (!same(buf + 1 + (it & 1), n - (it & 1 && n ? 1 : 0), s1, s2)) bad++;
        }
    tap_is_long(bad, 0, "SIMD = scalar tokens, lengths 0..100");
    bad = 0;
    for (int it = 0; it < 300; it++, texts++) {
        size_t n = gen(buf, 1000 + tap_rn(MAX - 1000));
        if (!same(buf, n, s1, s2)) bad++;
    }
    tap_is_long(bad, 0, "SIMD = scalar tokens, 300 long texts");
    free(buf);
    free(s1);
    free(s2);
}

/* A non-ASCII character at every offset mod 16 of ASCII text, and a '.'
 * or a digit at every offset, with digits, letters or spaces around. */
static void test_offsets(void)
{
    static const char *odd[] = {"\xc3\xa9", "\xe3\x80\x80", "\x80", "\xf0\x9f\x98\x80",
                                "\xc3", ".", "1", "a", " ", "\xc3\x97", "\xd0\xb6\xd0\xb6",
                                "\xc2\xa0", "\xc3\xa9\x80"};
    static const char *fill[] = {"0123456789", "ab cd ef g", "1.2 3.4 5.", "..........",
                                 "9.9.9.9.9.", "a1.b2.c3. "};
    char buf[128];
    uint32_t s1[128], s2[128];
    int bad = 0;
    for (size_t f = 0; f < sizeof fill / sizeof *fill; f++)
        for (size_t o = 0; o < sizeof odd / sizeof *odd; o++)
            for (size_t len = 1; len <= 64; len++)
                for (size_t at = 0; at < len; at++) {
                    for (size_t k = 0; k < len; k++) buf[k] = fill[f][k % 10];
                    size_t l = strlen(odd[o]);
                    if (at + l > len) continue;
                    memcpy(buf + at, odd[o], l);
                    if (!same(buf, len, s1, s2)) bad++;
                }
    tap_is_long(bad, 0, "SIMD = scalar tokens, an odd character at every offset");
}

/* Letters of two bytes (the SIMD path takes a chunk whose only non-ASCII
 * bytes are whole letters U+00C0..U+07FF as ASCII with letters) among
 * their look-alikes: the signs U+00D7 and U+00F7, lead 0xC2 (signs, and
 * the spaces U+0085 and U+00A0), the ends of the range (U+00C0, U+07FF),
 * a lead or a continuation alone, an extra continuation, a lead before
 * ASCII, three- and four-byte characters; dense (every chunk non-ASCII)
 * and sparse, at every length to 100 and from every offset mod 16. */
static void test_letters(void)
{
    static const char *lp[] = {
        "\xc3\xa9", "\xc3\xbc", "\xc3\x80", "\xc3\xbf", "\xc4\x80", "\xd0\xb6", "\xdf\xbf",
        "\xc3\x97", "\xc3\xb7", "\xc2\xa0", "\xc2\x85", "\xc2\xbf", "\xc2\x80", "\xc3", "\xdf",
        "\x80", "\xbf", "\xc3\xa9\x80", "\xc3" "a", "\xe0\xa0\x80", "\xe2\x80\x94",
        "\xf0\x9f\x98\x80", "\xc0\x80", "\xc1\xbf",
        "a", "Zz", "_", "1", "42", "3.14", ".", " ", "  ", "\n", "-", "caf\xc3\xa9", "\xc3\xbc" "ber"};
    char buf[256];
    uint32_t s1[256], s2[256];
    int bad = 0, texts = 0;
    for (int it = 0; it < 20000; it++, texts++) {
        size_t len = tap_rn(101), n = 0, off = tap_rn(16);
        int sparse = it % 2, valid_only = it % 3 == 0;
        while (n < len) {
            const char *t = lp[tap_rn(sizeof lp / sizeof *lp)];
            unsigned c = (unsigned char)t[0];
            if (c >= 0x80 && sparse && tap_rn(4)) continue;
            if (valid_only && c >= 0x80 && !(c >= 0xC3 && c <= 0xDF && t[1] && !t[2] &&
                                             strcmp(t, "\xc3\x97") && strcmp(t, "\xc3\xb7")))
                continue;
            size_t l = strlen(t);
            if (n + l > len) l = len - n;
            memcpy(buf + off + n, t, l);
            n += l;
        }
        if (!same(buf + off, n, s1, s2)) bad++;
    }
    tap_diag("%d texts with letters of two bytes", texts);
    tap_is_long(bad, 0, "SIMD = scalar tokens, letters of two bytes among look-alikes");
}

/* Every string of 5 symbols around a chunk boundary (starting 13..17 of
 * 32 bytes of ASCII background). */
static void test_boundaries(void)
{
    static const char sym[] = {'a', '1', '.', ' ', '-', '\x80', '\xc3', '\xa9'};
    static const char *bg[] = {"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "11111111111111111111111111111111",
                               "                                "};
    char buf[40];
    uint32_t s1[40], s2[40];
    int bad = 0;
    for (size_t g = 0; g < 3; g++)
        for (size_t at = 13; at <= 17; at++)
            for (unsigned c = 0; c < 8 * 8 * 8 * 8 * 8; c++) {
                memcpy(buf, bg[g], 32);
                for (unsigned k = 0, x = c; k < 5; k++, x /= 8) buf[at + k] = sym[x % 8];
                /* and cut at the pattern's end, so the lookahead meets the end */
                if (!same(buf, 32, s1, s2) || !same(buf, at + 5, s1, s2)) bad++;
            }
    tap_is_long(bad, 0, "SIMD = scalar tokens, every 5-symbol pattern across a chunk boundary");
}

/* The differ's switch gives the same results as the default. */
static void test_differ(void)
{
    cot_differ_t *d = cot_diff_new(), *s = cot_diff_new();
    cot_diff_set_scalar(d, 0);
    cot_diff_set_scalar(s, 1);
    char a[600], b[600];
    int bad = 0;
    for (int it = 0; it < 2000; it++) {
        size_t an = gen(a, tap_rn(500)), bn;
        memcpy(b, a, an);
        bn = an;
        if (it % 3) for (int e = 0; e < 3 && bn; e++) b[tap_rn(bn)] = pieces[tap_rn(NPIECES)][0];
        cot_diff_t r1, r2;
        cot_diff_run(d, a, an, b, bn, &r1);
        size_t nh = r1.nhunks;
        cot_hunk_t h[600];
        if (nh) memcpy(h, r1.hunks, nh * sizeof *h);
        cot_diff_run(s, a, an, b, bn, &r2);
        if (r1.tokens_a != r2.tokens_a || r1.tokens_b != r2.tokens_b ||
            r1.words_a != r2.words_a || r1.words_b != r2.words_b ||
            r1.words_kept != r2.words_kept || r1.similarity != r2.similarity ||
            nh != r2.nhunks || (nh && memcmp(h, r2.hunks, nh * sizeof *h)))
            bad++;
    }
    tap_is_long(bad, 0, "cot_diff_set_scalar(): the same diffs, 2000 pairs");
    cot_diff_free(d);
    cot_diff_free(s);
}

static void test_examples(void)
{
    uint32_t st[64];
    size_t ws;
    /* 32 bytes, two SIMD chunks: the '.' of "13.14" is byte 16 */
    const char *t = "we have numbr 13.14 and then xy.";
    size_t n = cot_diff_tokens(t, strlen(t), st, &ws, 0);
    tap_is_long((long)n, 14, "chunked: 14 tokens");
    tap_is_long((long)ws, 6, "chunked: 6 whitespace runs");
    tap_is_long(st[6], 14, "chunked: the number 13.14 starts at 14");
    tap_is_long(st[7], 19, "chunked: ... and is one token, the space after it at 19");
    /* A token at every byte for more chunks than a byte counter holds. */
    enum { LONG = 16 * 1000 + 5 };
    char *p = malloc(LONG);
    for (size_t i = 0; i < LONG; i++) p[i] = i % 2 ? ' ' : '-';
    tap_is_long((long)cot_diff_tokens(p, LONG, NULL, &ws, 0), LONG, "16,005 tokens of a byte each");
    tap_is_long((long)ws, LONG / 2, "... 8,002 of them whitespace");
    free(p);
}

int main(void)
{
    tap_seed(20261201);
    test_examples();
    test_random();
    test_offsets();
    test_boundaries();
    test_letters();
    test_differ();
    return tap_done();
}
