/* test-profile.c -- unit tests for lib/profile.c: tokens, Kneser-Ney
 * probabilities against hand-computed values, the file format (round trip,
 * version mismatch, truncation, corruption), calibration, spans, voice. */
#include "profile.h"
#include "json.h"
#include "record.h"
#include "tap.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[] = "/tmp/test-profile.XXXXXX";
static char path[256], bad[256];


static double prob_of(const cot_profile_t *p, const char *text, size_t i)
{
    cot_ptok_t *t = NULL; size_t tc = 0;
    double *b = NULL; size_t bc = 0;
    size_t n = cot_profile_surprisal(p, text, strlen(text), &t, &tc, &b, &bc);
    double r = i < n ? exp2(-b[i]) : -1;
    free(t); free(b);
    return r;
}

static void test_tokens(void)
{
    cot_ptok_t *t = NULL; size_t cap = 0;
    const char *s = "The cost: 3.50, 1,000 or 7. I'll caf\xc3\xa9_x2";
    size_t n = cot_profile_tokenize(s, strlen(s), &t, &cap);
    /* the | cost | : | 3.50 | , | 1,000 | or | 7 | . | i | ' | ll | café_x | 2 */
    tap_is_long((long)n, 14, "tokens: words, numbers, punctuation");
    tap_is_long(t[3].start, 10, "number 3.50 starts at 10");
    tap_is_long(t[3].end, 14, "number 3.50 keeps its point");
    tap_is_long(t[5].end - t[5].start, 5, "1,000 is one token");
    tap_is_long(t[12].end - t[12].start, 7, "UTF-8 and _ stay inside a word");
    cot_ptok_t *u = NULL; size_t ucap = 0;
    const char *s2 = "the COST";
    cot_profile_tokenize(s2, strlen(s2), &u, &ucap);
    tap_ok(u[0].hash == t[0].hash && u[1].hash == t[1].hash, "lower-cased before hashing");
    double r[COT_PVOICE_N];
    const char *v = "We should check. I think I'll do it; I will.";
    n = cot_profile_tokenize(v, strlen(v), &t, &cap);
    cot_profile_voice(t, n, r);
    tap_is_double(r[COT_PVOICE_PLANNER], 1000.0 / (double)n, 1e-9, "voice: planner rate");
    tap_is_double(r[COT_PVOICE_ASSISTANT], 3000.0 / (double)n, 1e-9, "voice: assistant rate");
    free(t); free(u);
}

/* Corpus "a b" and "a c", order 3 (records start with one <s>).
 * Counts: 3-grams <s> a b, <s> a c: 1 each (raw, highest order).
 * 2-grams: <s> a = 2 (raw: starts with <s>); a b, a c: continuation 1 each.
 * 1-grams: a, b, c: continuation 1 each (left of a is <s>).
 * Every order has only n1 (and n2 for order 2), so counts-of-counts are
 * degenerate and the fixed discounts D1 = 0.5, D2 = 1, D3+ = 1.5 apply.
 * Unigrams: sum 3, gamma0 = 0.5 * 3 / 3 = 0.5, V = 3, uniform 1/4:
 *   P1(a) = (1 - 0.5)/3 + 0.5/4 = 0.2916667;  P1(unk) = 0.125.
 * Context <s> (order 2): sum 2, one continuation with count 2,
 *   gamma = D2 * 1 / 2 = 0.5;  P(a|<s>) = (2-1)/2 + 0.5 * 0.2916667 = 0.6458333.
 * Context a: sum 2, two continuations with count 1, gamma = 0.5 * 2 / 2 = 0.5;
 *   P2(b|a) = (1-0.5)/2 + 0.5 * 0.2916667 = 0.3958333.
 * Context <s> a (order 3): sum 2, gamma 0.5;
 *   P(b|<s> a) = (1-0.5)/2 + 0.5 * 0.3958333 = 0.4479167.
 * Unknown d after <s> a: P1 = 0.125, P2 = 0.5 * 0.125, P3 = 0.5 * 0.0625 = 0.03125.
 * "b a": P(b|<s>) = 0 + 0.5 * 0.2916667 = 0.1458333; context b has no
 *   continuations (gamma 1) and <s> b was never seen, so P(a|<s> b) = P1(a). */
static void test_kn(void)
{
    cot_profile_opts_t o;
    cot_profile_opts_init(&o);
    o.order = 3;
    cot_profile_builder_t *b = cot_profile_builder_new(&o);
    cot_profile_builder_add(b, "a b", 3);
    cot_profile_builder_add(b, "a c", 3);
    tap_is_long(cot_profile_builder_write(b, path), 0, "build writes the profile");
    cot_profile_builder_free(b);
    cot_profile_t *p = cot_profile_load(path);
    tap_ok(p != NULL, "round trip: the written profile loads");
    if (!p) return;
    cot_profile_info_t in;
    cot_profile_info(p, &in);
    tap_is_long((long)in.vocab, 3, "vocabulary 3");
    tap_is_double(in.gamma0, 0.5, 1e-12, "gamma0 = 0.5");
    tap_is_double(in.discount[2][1], 1.0, 1e-12, "fallback D2 = 1");
    tap_is_double(prob_of(p, "a b", 0), 0.6458333, 1e-6, "P(a | <s>)");
    tap_is_double(prob_of(p, "a b", 1), 0.4479167, 1e-6, "P(b | <s> a)");
    tap_is_double(prob_of(p, "A   B", 1), 0.4479167, 1e-6, "case and spacing do not matter");
    tap_is_double(prob_of(p, "a d", 1), 0.03125, 1e-6, "P(unknown | <s> a)");
    tap_is_double(prob_of(p, "b a", 0), 0.1458333, 1e-6, "P(b | <s>) backs off");
    tap_is_double(prob_of(p, "b a", 1), 0.2916667, 1e-6, "P(a | <s> b) = P1(a)");
    /* normalisation over the vocabulary plus <unk>, after <s> a */
    double s = prob_of(p, "a a", 1) + prob_of(p, "a b", 1) + prob_of(p, "a c", 1) +
               prob_of(p, "a zzz", 1);
    tap_is_double(s, 1.0, 1e-6, "P(. | <s> a) sums to 1 over V + <unk>");
    tap_is_long((long)in.ncal, 0, "no hold-out, no calibration");
    tap_ok(isnan(cot_profile_z(p, 0, 3.0)) && isnan(cot_profile_threshold(p, 0, 0.05)),
           "z and threshold are NAN without calibration");
    cot_profile_close(p);
}

/* Modified KN discounts from counts-of-counts.  Records "a b" once, "c d"
 * twice, "e f" three times, "g h" four times, order 3:
 * order 3 (raw): <s> a b = 1, <s> c d = 2, <s> e f = 3, <s> g h = 4, so
 *   n1 = n2 = n3 = n4 = 1, Y = 1/(1+2) = 1/3, D1 = 1 - 2Y = 1/3,
 *   D2 = 2 - 3Y = 1, D3+ = 3 - 4Y = 5/3.
 * order 2: <s> a .. <s> g raw 1, 2, 3, 4 and a b .. g h continuation 1 each,
 *   so n1 = 5, n2 = n3 = n4 = 1, Y = 5/7, D1 = 1 - 2Y/5 = 5/7,
 *   D2 = 2 - 3Y = -1/7, clamped to 0, D3+ = 3 - 4Y = 1/7. */
static void test_discounts(void)
{
    cot_profile_opts_t o;
    cot_profile_opts_init(&o);
    o.order = 3;
    cot_profile_builder_t *b = cot_profile_builder_new(&o);
    static const char *r[] = {"a b", "c d", "e f", "g h"};
    for (int i = 0; i < 4; i++)
        for (int k = 0; k <= i; k++) cot_profile_builder_add(b, r[i], 3);
    cot_profile_builder_write(b, path);
    cot_profile_builder_free(b);
    cot_profile_t *p = cot_profile_load(path);
    if (!p) { tap_ok(0, "discount profile loads"); return; }
    cot_profile_info_t in;
    cot_profile_info(p, &in);
    tap_is_double(in.discount[3][0], 1.0 / 3, 1e-12, "order 3: D1 = 1/3");
    tap_is_double(in.discount[3][1], 1.0, 1e-12, "order 3: D2 = 1");
    tap_is_double(in.discount[3][2], 5.0 / 3, 1e-12, "order 3: D3+ = 5/3");
    tap_is_double(in.discount[2][0], 5.0 / 7, 1e-12, "order 2: D1 = 5/7");
    tap_is_double(in.discount[2][1], 0.0, 1e-12, "order 2: D2 = -1/7 clamped to 0");
    tap_is_double(in.discount[2][2], 1.0 / 7, 1e-12, "order 2: D3+ = 1/7");
    /* Unigrams: a..h each continuation 1 (n1 only: fixed D1 = 0.5), sum 8,
     *   gamma0 = 0.5, V = 8: P1(d) = 0.5/8 + 0.5/9 = 0.1180556.
     * Context c (order 2): c d continuation 1, gamma = D1 = 5/7:
     *   P2(d | c) = (1 - 5/7)/1 + 5/7 * 0.1180556 = 0.3700397.
     * Context <s> c: <s> c d raw 2, sum 2, gamma = D2 * 1 / 2 = 0.5:
     *   P3(d | <s> c) = (2 - 1)/2 + 0.5 * 0.3700397 = 0.6850198. */
    tap_is_double(prob_of(p, "c d", 1), 0.6850198, 1e-6, "P(d | <s> c) with estimated discounts");
    cot_profile_close(p);
}

static int copy_mut(const char *from, const char *to, long trunc, long flip, uint32_t ver)
{
    FILE *f = fopen(from, "rb");
    if (!f) return -1;
    static unsigned char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    if (trunc >= 0 && (size_t)trunc < n) n = (size_t)trunc;
    if (flip >= 0 && (size_t)flip < n) buf[flip] ^= 0x40;
    if (ver) memcpy(buf + 8, &ver, 4);      /* little-endian host assumed */
    f = fopen(to, "wb");
    fwrite(buf, 1, n, f);
    return fclose(f);
}

static uint64_t get64(const unsigned char *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static void put64(unsigned char *p, uint64_t v) { memcpy(p, &v, 8); }  /* LE host */
static void reseal(unsigned char *img, size_t n) { put64(img + 376, cot_profile_checksum(img, n)); }

/* Crafted files with a valid checksum (it is not cryptographic). */
static void test_crafted(const unsigned char *good, size_t n)
{
    static unsigned char img[1 << 20];
    const char *why = NULL;
    cot_profile_t *p;
    /* The unigram table's offset past the end of the file: (n - off) used
     * to wrap, the slot count passed, and loading read out of bounds. */
    memcpy(img, good, n);
    put64(img + 216, (n + 4096) & ~(uint64_t)7);
    reseal(img, n);
    p = cot_profile_open_mem(img, n, &why);
    tap_ok(!p && strstr(why, "table layout"), "table offset past the end: %s", p ? "opened" : why);
    cot_profile_close(p);
    /* Every slot of the unigram table taken (entry count left as it was):
     * looking up an unknown word used to probe forever. */
    memcpy(img, good, n);
    uint64_t off = get64(img + 216), slots = get64(img + 224);
    for (uint64_t i = 0; i < slots; i++)
        if (!get64(img + off + 16 * i)) put64(img + off + 16 * i, 0x5eed0000u + i);
    reseal(img, n);
    alarm(10);   /* a hang fails the test instead of stalling the suite */
    p = cot_profile_open_mem(img, n, &why);
    if (p) {
        cot_ptok_t *t = NULL; double *b = NULL; size_t tc = 0, bc = 0;
        cot_profile_surprisal(p, "zzyzx qwfp", 10, &t, &tc, &b, &bc);
        free(t); free(b);
    }
    alarm(0);
    tap_ok(!p && strstr(why, "entry count"), "full hash table rejected: %s", p ? "opened" : why);
    cot_profile_close(p);
    /* The same with the entry count raised to match: slots - 1 < count. */
    put64(img + 232, slots);
    reseal(img, n);
    p = cot_profile_open_mem(img, n, &why);
    tap_ok(!p && strstr(why, "table layout"), "entry count = slots rejected: %s", p ? "opened" : why);
    cot_profile_close(p);
    /* An untouched copy still opens (the checks above are not vacuous). */
    memcpy(img, good, n);
    reseal(img, n);
    p = cot_profile_open_mem(img, n, &why);
    tap_ok(p != NULL, "resealed good image opens");
    cot_profile_close(p);
}

static void test_bad_files(void)
{
    const char *why = NULL;
    cot_profile_t *p;
    copy_mut(path, bad, -1, -1, 3);
    tap_stderr_begin();
    p = cot_profile_load(bad);
    const char *msg = tap_stderr_end();
    tap_ok(!p && strstr(msg, "profile format version 3, this build reads version 2; "
                             "rebuild it"), "version 3 rejected: %s", msg);
    tap_ok(!cot_profile_open_mem("COTPROF\0\2\0\0\0", 12, &why) && strstr(why, "truncated"),
           "short header: %s", why);
    FILE *f = fopen(path, "rb");
    static unsigned char img[1 << 20];
    size_t n = fread(img, 1, sizeof img, f);
    fclose(f);
    img[8] = 9;
    tap_ok(!cot_profile_open_mem(img, n, &why) &&
           !strcmp(why, "profile format version 9, this build reads version 2; rebuild it"),
           "version mismatch message: %s", why);
    img[8] = 2;
    tap_ok(!cot_profile_open_mem(img, n - 16, &why) && strstr(why, "truncated profile"),
           "truncated: %s", why);
    img[600] ^= 1;
    tap_ok(!cot_profile_open_mem(img, n, &why) && strstr(why, "checksum mismatch"),
           "corrupted byte: %s", why);
    img[600] ^= 1;
    img[16] = 9;
    tap_ok(!cot_profile_open_mem(img, n, &why) && strstr(why, "order out of range"),
           "corrupted order: %s", why);
    img[16] = 3;
    img[0] = 'X';
    tap_ok(!cot_profile_open_mem(img, n, &why) && strstr(why, "bad magic"),
           "bad magic: %s", why);
    img[0] = 'C';
    p = cot_profile_open_mem(img, n, &why);
    tap_ok(p != NULL, "restored image opens again");
    cot_profile_close(p);
    copy_mut(path, bad, 100, -1, 0);
    tap_stderr_begin();
    p = cot_profile_load(bad);
    msg = tap_stderr_end();
    tap_ok(!p && strstr(msg, "bad.prof: truncated profile"),
           "truncated file rejected by load: %s", msg);
    test_crafted(img, n);
}

/* Records from one stochastic process: a small vocabulary with a Markov
 * chain, lengths 20..80 tokens. */
static void gen(cot_buf_t *b)
{
    static const char *w[] = {"we", "need", "the", "total", "so", "is", "of",
                              "then", "add", "3", "12", "=", ".", ",", "each",
                              "apples", "costs", "left", "now", "answer"};
    cot_buf_clear(b);
    size_t len = 20 + tap_rnd() % 61, prev = 0;
    for (size_t i = 0; i < len; i++) {
        size_t k = tap_rnd() % 4 ? (prev * 7 + 3 + tap_rnd() % 3) % 20 : tap_rnd() % 20;
        cot_buf_adds(b, w[k]);
        cot_buf_addc(b, ' ');
        prev = k;
    }
}

static void test_calibration(void)
{
    cot_profile_opts_t o;
    cot_profile_opts_init(&o);
    cot_profile_builder_t *b = cot_profile_builder_new(&o);
    cot_buf_t t = {0};
    for (int i = 0; i < 6000; i++) {
        gen(&t);
        if (i % 2) cot_profile_builder_holdout(b, t.s, t.len);
        else cot_profile_builder_add(b, t.s, t.len);
    }
    tap_is_long(cot_profile_builder_write(b, path), 0, "calibrated build");
    cot_profile_builder_free(b);
    cot_profile_t *p = cot_profile_load(path);
    if (!p) { tap_ok(0, "calibrated profile loads"); return; }
    cot_profile_info_t in;
    cot_profile_info(p, &in);
    tap_is_long((long)in.ncal, 3000, "3000 calibration scores");
    double thr = cot_profile_threshold(p, 0, 0.05);
    cot_ptok_t *tk = NULL; size_t tc = 0;
    double *bits = NULL; size_t bc = 0;
    int over = 0, N = 4000;
    for (int i = 0; i < N; i++) {
        gen(&t);
        size_t n = cot_profile_surprisal(p, t.s, t.len, &tk, &tc, &bits, &bc);
        cot_profile_score_t s;
        cot_profile_summarise(tk, bits, n, 32, &s);
        over += s.bits_per_token > thr;
    }
    double fpr = (double)over / N;
    tap_ok(fpr > 0.035 && fpr < 0.065, "FPR at --fpr 0.05 on fresh own samples: %.4f", fpr);
    double pv = cot_profile_p(p, 0, thr);
    tap_ok(pv > 0.03 && pv < 0.07, "p-value at the threshold: %.4f", pv);
    tap_ok(fabs(cot_profile_z(p, 0, in.cal_mean[0])) < 1e-12, "z of the mean is 0");
    /* a different process scores far above */
    const char *other = "Let me consider the geometry of the situation carefully, "
                        "because the triangle inequality might fail here.";
    size_t n = cot_profile_surprisal(p, other, strlen(other), &tk, &tc, &bits, &bc);
    cot_profile_score_t s;
    cot_profile_summarise(tk, bits, n, 4, &s);
    tap_ok(s.bits_per_token > thr && cot_profile_p(p, 0, s.bits_per_token) < 0.001,
           "foreign text is off-policy (%.2f bits > %.2f)", s.bits_per_token, thr);
    tap_is_long((long)(s.worst_tok1 - s.worst_tok0), 4, "worst window has W tokens");
    /* spans: [0, 3) covers "Let"; after it everything is downstream */
    size_t sp[1][2] = {{0, 3}};
    cot_profile_spans_t e;
    cot_profile_spans(tk, bits, n, (const size_t (*)[2])sp, 1, &e);
    tap_ok(e.n_inside == 1 && e.n_after == n - 1 && e.n_before == 0,
           "spans: inside %zu, downstream %zu, before %zu", e.n_inside, e.n_after, e.n_before);
    tap_is_double(e.inside, bits[0], 1e-12, "spans: inside mean");
    free(tk); free(bits);
    cot_buf_free(&t);
    cot_profile_close(p);
}

/* The conformal rank rule on 1..n. */
static void test_conformal(void)
{
    static double x[1000];
    for (int i = 0; i < 1000; i++) x[i] = i + 1;
    cot_profile_thr_t t;
    cot_profile_conformal(x, 40, 40, 0.01, &t);
    tap_ok(t.calibrated && !t.resolved && isnan(t.t), "n 40 cannot hold 0.01");
    tap_is_double(t.min_fpr, 1.0 / 41, 1e-12, "n 40: the least rate is 1/41");
    cot_profile_conformal(x, 40, 40, 0.05, &t);
    tap_ok(t.resolved && t.t == 39 && t.above == 1, "n 40 at 0.05: c_39, 1 above (%g, %llu)",
           t.t, (unsigned long long)t.above);
    cot_profile_conformal(x, 99, 99, 0.01, &t);
    tap_ok(t.resolved && t.t == 99 && t.above == 0, "n 99 at 0.01: the largest");
    cot_profile_conformal(x, 199, 199, 0.01, &t);
    tap_ok(t.resolved && t.t == 198 && t.above == 1, "n 199 at 0.01: c_198");
    cot_profile_conformal(x, 1000, 1000, 0.05, &t);
    tap_ok(t.resolved && t.t == 951 && t.above == 49, "n 1000 at 0.05: c_951");
    /* 100 kept order statistics of ranks 10, 20, ..., 1000: the first at
     * or above rank 951 is rank 960 (conservative) */
    static double k100[100];
    for (int i = 0; i < 100; i++) k100[i] = 10.0 * (i + 1);
    cot_profile_conformal(k100, 100, 1000, 0.05, &t);
    tap_ok(t.resolved && t.t == 960 && t.above == 40, "kept 100 of 1000 at 0.05: rank 960 (%g, %llu)",
           t.t, (unsigned long long)t.above);
    cot_profile_conformal(k100, 100, 1000, 0.001, &t);
    tap_ok(t.resolved && t.t == 1000, "kept 100 of 1000 at 0.001: the largest");
    cot_profile_conformal(k100, 100, 1000, 0.0005, &t);
    tap_ok(!t.resolved, "kept 100 of 1000 at 0.0005: not resolvable");
    cot_profile_conformal(x, 0, 0, 0.05, &t);
    tap_ok(!t.calibrated && !t.resolved, "no values: not calibrated");
    /* The realised rate averaged over calibrations of 40 uniform values:
     * at most fpr (the old rule, floor(fpr n) above, gave 3/41 at 0.05). */
    double sum = 0;
    static double u[40];
    for (int r = 0; r < 4000; r++) {
        for (int i = 0; i < 40; i++) u[i] = (double)(tap_rnd() % 1000000) / 1e6;
        for (int i = 1; i < 40; i++)
            for (int j = i; j > 0 && u[j - 1] > u[j]; j--) { double v = u[j]; u[j] = u[j - 1]; u[j - 1] = v; }
        cot_profile_conformal(u, 40, 40, 0.05, &t);
        sum += 1 - t.t;
    }
    tap_ok(sum / 4000 < 0.052, "mean realised FPR at 0.05 with 40 held out: %.4f", sum / 4000);
}

/* Step lists: gen() with a newline every 8 tokens.  The window and step
 * flags hold their rate on fresh own samples. */
static void test_units(void)
{
    cot_profile_opts_t o;
    cot_profile_opts_init(&o);
    cot_profile_builder_t *b = cot_profile_builder_new(&o);
    cot_buf_t t = {0}, l = {0};
    for (int i = 0; i < 6000; i++) {
        gen(&t);
        cot_buf_clear(&l);
        for (size_t k = 0, sp = 0; k < t.len; k++) {
            char c = t.s[k];
            if (c == ' ' && ++sp % 8 == 0) c = '\n';
            cot_buf_addc(&l, c);
        }
        if (i % 4) cot_profile_builder_holdout(b, l.s, l.len);
        else cot_profile_builder_add(b, l.s, l.len);
    }
    tap_is_long(cot_profile_builder_write(b, path), 0, "step-list build");
    cot_profile_builder_free(b);
    cot_profile_t *p = cot_profile_load(path);
    if (!p) { tap_ok(0, "step-list profile loads"); return; }
    cot_profile_info_t in;
    cot_profile_info(p, &in);
    tap_ok(in.units == 2 && in.unit_window == 32, "windows and steps calibrated, window 32");
    tap_ok(in.unit_n[COT_PUNIT_STEP] > 4500 * 2 && in.unit_indep[COT_PUNIT_WINDOW] < in.unit_n[COT_PUNIT_WINDOW]
           && in.unit_n[COT_PUNIT_WINDOW] > COT_PROFILE_UNIT_CAP,
           "units: %llu windows (%llu disjoint, %llu kept), %llu steps",
           (unsigned long long)in.unit_n[1], (unsigned long long)in.unit_indep[1],
           (unsigned long long)in.unit_kept[1], (unsigned long long)in.unit_n[2]);
    tap_is_long((long)in.unit_kept[COT_PUNIT_WINDOW], COT_PROFILE_UNIT_CAP, "windows kept at the cap");
    cot_profile_thr_t tw, ts;
    tap_ok(cot_profile_unit_threshold(p, COT_PUNIT_WINDOW, 0.05, &tw) &&
           cot_profile_unit_threshold(p, COT_PUNIT_STEP, 0.05, &ts), "both resolved at 0.05");
    cot_profile_work_t w = {0};
    double f[COT_PCAL_N];
    size_t wpos = 0, wflag = 0, nst = 0, sflag = 0;
    int wbad = 0;
    for (int i = 0; i < 3000; i++) {
        gen(&t);
        cot_buf_clear(&l);
        for (size_t k = 0, sp = 0; k < t.len; k++) {
            char c = t.s[k];
            if (c == ' ' && ++sp % 8 == 0) c = '\n';
            cot_buf_addc(&l, c);
        }
        size_t m = cot_profile_features(p, l.s, l.len, 32, &w, f);
        cot_profile_units(p, l.s, l.len, m, &w);
        size_t W = m < 32 ? m : 32;
        double sum = 0;
        for (size_t k = 0; k < m; k++) {
            sum += w.ubits[k];
            if (k >= W) sum -= w.ubits[k - W];
            if (k + 1 >= W) { wpos++; wflag += sum / (double)W > tw.t; }
        }
        for (size_t k = 0; k < w.nsteps; k++) { nst++; sflag += w.steps[k].value > ts.t; }
        /* the words view without a reference, with unknown words spliced in */
        if (i % 3 == 0) cot_buf_add(&l, " zzyzx qwfp 7 the", 17);
        if (i % 10 == 0) wbad += cot_profile_words_check(p, l.s, l.len, &w) != 0;
    }
    tap_is_long(wbad, 0, "words view: keys by rows and the unrolled lookups give the keys "
                "and doubles of the token-by-token recurrence");
    double fw = (double)wflag / (double)wpos, fs = (double)sflag / (double)nst;
    tap_ok(fw > 0.035 && fw < 0.065, "window FPR at 0.05 on fresh own samples: %.4f", fw);
    tap_ok(fs > 0.04 && fs < 0.06, "step FPR at 0.05 on fresh own samples: %.4f", fs);
    cot_profile_units(p, "a b\n\n  \nc .\n", 12, cot_profile_features(p, "a b\n\n  \nc .\n", 12, 32, &w, f), &w);
    tap_ok(w.nsteps == 2 && w.steps[0].start == 0 && w.steps[0].end == 3 &&
           w.steps[1].start == 8 && w.steps[1].end == 11, "steps: blank lines skipped, token spans");
    cot_profile_work_free(&w);
    cot_buf_free(&t); cot_buf_free(&l);
    cot_profile_close(p);
    /* the unit section (header 472): absent in older profiles, so they
     * still open, with no window or step calibration; a kept count that
     * does not add up is refused */
    static unsigned char img[16 << 20];
    FILE *fp = fopen(path, "rb");
    size_t n = fread(img, 1, sizeof img, fp);
    fclose(fp);
    const char *why = NULL;
    uint64_t uoff = get64(img + 472);
    put64(img + 472, 0); put64(img + 480, 0);
    reseal(img, n);
    p = cot_profile_open_mem(img, n, &why);
    cot_profile_info(p, &in);
    tap_ok(p && in.units == 0 && !cot_profile_unit_threshold(p, COT_PUNIT_WINDOW, 0.05, &tw) &&
           !tw.calibrated && cot_profile_unit_threshold(p, COT_PUNIT_RECORD, 0.05, &tw),
           "no unit section: opens, records calibrated, windows not");
    cot_profile_close(p);
    put64(img + 472, uoff); put64(img + 480, n - uoff);
    put64(img + uoff + 8 + 16, get64(img + uoff + 8 + 16) + 1);   /* windows kept */
    reseal(img, n);
    p = cot_profile_open_mem(img, n, &why);
    tap_ok(!p && strstr(why, "unit calibration"), "bad unit section: %s", p ? "opened" : why);
    cot_profile_close(p);
    /* a held-out count past 2^53 (found by fuzz-profile: the rank rule
     * converted 2^64 to an integer) */
    put64(img + uoff + 8 + 16, get64(img + uoff + 8 + 16) - 1);
    put64(img + uoff + 8, ~(uint64_t)0);
    reseal(img, n);
    p = cot_profile_open_mem(img, n, &why);
    tap_ok(!p && strstr(why, "unit calibration"), "held-out count 2^64-1 refused: %s",
           p ? "opened" : why);
    cot_profile_close(p);
}

static void test_prune(void)
{
    cot_profile_opts_t o;
    cot_profile_opts_init(&o);
    o.max_mem = 1 << 20;
    cot_profile_builder_t *b = cot_profile_builder_new(&o);
    cot_buf_t t = {0};
    for (int i = 0; i < 3000; i++) {
        cot_buf_clear(&t);
        for (int k = 0; k < 40; k++) cot_buf_printf(&t, "w%llu ", (unsigned long long)(tap_rnd() % 5000));
        cot_profile_builder_add(b, t.s, t.len);
    }
    cot_profile_build_stats_t s;
    cot_profile_builder_stats(b, &s);
    tap_ok(s.sweeps > 0 && s.peak_bytes <= (2u << 20),
           "on-line pruning keeps the tables near the budget (%u sweeps, peak %zu)",
           s.sweeps, s.peak_bytes);
    tap_is_long(cot_profile_builder_write(b, path), 0, "pruned profile writes");
    cot_profile_builder_free(b);
    cot_profile_t *p = cot_profile_load(path);
    tap_ok(p && prob_of(p, "w1 w2 w3", 2) > 0, "pruned profile scores");
    cot_profile_close(p);
    cot_buf_free(&t);
}

/* The chars view: letter runs by case shape, digit runs by length, every
 * other byte its own token, one space folded into the next token. */
static void test_chars_view(void)
{
    cot_ptok_t *t = NULL, *u = NULL; size_t cap = 0, ucap = 0;
    const char *s = "Ben has 12 ** x\n";
    size_t n = cot_profile_tokenize_chars(s, strlen(s), &t, &cap);
    /* Ben | has | 12 | * | * | x | \n */
    tap_is_long((long)n, 7, "chars: 7 tokens");
    tap_is_long(t[3].start, 11, "chars: '*' is a token of its own");
    const char *s2 = "Ann was 47 ** y\n";
    cot_profile_tokenize_chars(s2, strlen(s2), &u, &ucap);
    int same = 1;
    for (size_t i = 0; i < n; i++) same &= t[i].hash == u[i].hash;
    tap_ok(same, "chars: same shapes, same tokens");
    const char *s3 = "ben has 12 ** x\n";
    cot_profile_tokenize_chars(s3, strlen(s3), &u, &ucap);
    tap_ok(u[0].hash != t[0].hash && u[1].hash == t[1].hash, "chars: case shape counts");
    const char *s4 = "Ben has 12 **x\n";
    cot_profile_tokenize_chars(s4, strlen(s4), &u, &ucap);
    tap_ok(u[5].hash != t[5].hash && u[4].hash == t[4].hash, "chars: a space before a token counts");
    const char *s5 = "Ben has 123 ** x\n";
    cot_profile_tokenize_chars(s5, strlen(s5), &u, &ucap);
    tap_ok(u[2].hash != t[2].hash, "chars: digit-run length counts");
    double f[COT_PLAYOUT_N];
    const char *l = "ab\n\nabcd\n";
    cot_profile_layout(l, strlen(l), f);
    tap_is_double(f[0], log1p(3.0), 1e-12, "layout: mean line length, blank lines skipped");
    tap_is_double(f[1], log1p(2.0), 1e-12, "layout: two lines");
    tap_is_double(f[2], 1.0 / 3.0, 1e-12, "layout: coefficient of variation");
    free(t); free(u);
}

/* The scorer's one pass cuts the word tokens, the chars tokens and the
 * layout exactly as the three separate functions do: on the cases where
 * the tokenisations differ and on random bytes of every class. */
static void test_scan(void)
{
    static const char *const cases[] = {
        "", " ", "a", "a ", " a", "a  b", "a   b    c", "snake_case x", "_x_", "caf\xc3\xa9 ok",
        "\xe2\x80\x9cHi\xe2\x80\x9d", "3,000.5 and 1.2.3 and 4. and .5 and 7,", "x\ty\r\n\n z\x7f",
        "**Bold** <<2*3=6>> $\\frac{1}{2}$", "ABC Abc aBc abc A", "12345 1234 1 ,1 1,", "\n\n\n",
        "a\n b \n\t\n", "\x01\x02 \x1f", "x_1 y2z 9a",
    };
    int bad = 0;
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++)
        if (cot_profile_scan_check(cases[k], strlen(cases[k]))) {
            bad++;
            tap_diag("scan differs on case %zu", k);
        }
    static const char alpha[] = "aAzZ_09 .,\n\t\r\x7f\x01*#$(\x80\xc3\xa9\xff";
    char s[64];
    for (int i = 0; i < 50000; i++) {
        size_t n = tap_rnd() % sizeof s;
        for (size_t j = 0; j < n; j++) s[j] = alpha[tap_rnd() % (sizeof alpha - 1)];
        if (cot_profile_scan_check(s, n)) bad++;
    }
    tap_is_long(bad, 0, "one pass: the tokens and layout of the three functions");
}

/* A rewriter's markup that the own samples never use: the combined score
 * flags it at the calibrated FPR, and a reference corpus that holds it
 * turns the score into a log-likelihood ratio. */
static void test_views_reference(void)
{
    cot_profile_opts_t o;
    cot_profile_opts_init(&o);
    cot_profile_builder_t *b = cot_profile_builder_new(&o);
    cot_buf_t t = {0}, r = {0};
    for (int i = 0; i < 4000; i++) {
        gen(&t);
        if (i % 4 == 0) cot_profile_builder_holdout(b, t.s, t.len);
        else cot_profile_builder_add(b, t.s, t.len);
        if (i % 4 == 0) continue;        /* held-out own text is not in it */
        if (i % 2) {                     /* the reference: half rewritten */
            cot_buf_clear(&r);
            cot_buf_printf(&r, "Q ** %s", t.s);
            cot_profile_builder_reference(b, r.s, r.len);
        } else cot_profile_builder_reference(b, t.s, t.len);
    }
    tap_is_long(cot_profile_builder_write(b, path), 0, "build with a reference");
    cot_profile_builder_free(b);
    cot_profile_t *p = cot_profile_load(path);
    if (!p) { tap_ok(0, "reference profile loads"); return; }
    cot_profile_info_t in;
    cot_profile_info(p, &in);
    tap_is_long(in.views, 15, "all four views");
    tap_ok(in.ncomb == 3 && in.comb[0] == COT_PCAL_WLLR && in.comb[1] == COT_PCAL_CLLR,
           "with a reference the score combines the ratios");
    uint64_t above;
    double thr = cot_profile_feat_threshold(p, COT_PCAL_SCORE, 0.05, &above);
    /* conformal: j = ceil(0.95 (n + 1)), n - j above it */
    tap_is_long((long)above, (long)in.ncal - (long)ceil(0.95 * (double)(in.ncal + 1) - 1e-9),
                "threshold rests on n - ceil((1 - fpr)(n + 1)) records");
    cot_profile_work_t w = {0};
    int own_over = 0, rw_over = 0, N = 2000;
    double f[COT_PCAL_N];
    for (int i = 0; i < N; i++) {
        gen(&t);
        cot_profile_features(p, t.s, t.len, 32, &w, f);
        own_over += f[COT_PCAL_SCORE] > thr;
        cot_buf_clear(&r);
        cot_buf_printf(&r, "Q ** %s", t.s);
        cot_profile_features(p, r.s, r.len, 32, &w, f);
        rw_over += f[COT_PCAL_SCORE] > thr;
        if (i == 0)
            tap_ok(f[COT_PCAL_CLLR] > 0 && f[COT_PCAL_WLLR] > 0,
                   "rewritten: positive ratios (%.3f, %.3f)", f[COT_PCAL_WLLR], f[COT_PCAL_CLLR]);
    }
    /* The scorer's cache of chars probabilities gives the doubles of the
     * token-by-token recurrence, warm or cold, on own text and on text
     * with bytes the profile never saw (random spans spliced in). */
    static const char alpha[] = "aZq_ 0123456789.,\n\t\r\x7f*#$(\xc3\xa9\xe2\x80\x9c  ";
    int memo_bad = 0, words_bad = 0;
    cot_profile_work_t cold = {0};
    for (int i = 0; i < 3000; i++) {
        gen(&t);
        if (i % 3) {
            size_t at = tap_rnd() % (t.len + 1), k = tap_rnd() % 24;
            cot_buf_t x = {0};
            cot_buf_add(&x, t.s, at);
            while (k--) cot_buf_addc(&x, alpha[tap_rnd() % (sizeof alpha - 1)]);
            cot_buf_add(&x, t.s + at, t.len - at);
            cot_buf_clear(&t);
            cot_buf_add(&t, x.s, x.len);
            cot_buf_free(&x);
        }
        memo_bad += cot_profile_chars_check(p, t.s, t.len, &w) != 0;
        words_bad += cot_profile_words_check(p, t.s, t.len, &w) != 0;
        if (i % 100 == 0) {
            memo_bad += cot_profile_chars_check(p, t.s, t.len, &cold) != 0;
            cot_profile_work_free(&cold);
        }
    }
    tap_is_long(memo_bad, 0, "chars cache: the same probabilities as without it");
    /* every length up to a few vectors of keys, from the first token on */
    for (size_t len = 0; len < 120; len++) {
        cot_buf_clear(&t);
        for (size_t k = 0; k < len; k++) {
            if (tap_rnd() % 3) cot_buf_add(&t, "the sum ", 8);
            else cot_buf_addc(&t, alpha[tap_rnd() % (sizeof alpha - 1)]);
        }
        words_bad += cot_profile_words_check(p, t.s, t.len, &w) != 0;
    }
    tap_is_long(words_bad, 0, "words views with a reference: keys by rows and the unrolled "
                "lookups give the keys and doubles of the token-by-token recurrence");
    double fpr = (double)own_over / N;
    tap_ok(fpr > 0.03 && fpr < 0.07, "score FPR at 0.05 on fresh own samples: %.4f", fpr);
    tap_ok(rw_over > N * 0.95, "rewritten flagged: %d of %d", rw_over, N);
    cot_profile_work_free(&w);
    cot_profile_close(p);
    cot_buf_free(&t); cot_buf_free(&r);
}

/* A layout feature that is the same in every own record (one line each)
 * has sd exactly 0: its sum of squares minus n mean^2 is rounding noise,
 * and that noise as an sd gave a text of three lines a layout z in the
 * millions and a combined score of 23 million.  With sd 0, a one-line text
 * counts 0 there, and a text of three lines is beyond every own record:
 * layout is infinite (it was 0, which let such a rewrite pass unseen). */
static void test_constant_layout(void)
{
    cot_profile_opts_t o;
    cot_profile_opts_init(&o);
    cot_profile_builder_t *b = cot_profile_builder_new(&o);
    cot_buf_t t = {0};
    const uint64_t rs = tap_state();
    for (int i = 0; i < 3000; i++) {
        gen(&t);
        if (i % 4 == 0) cot_profile_builder_holdout(b, t.s, t.len);
        else cot_profile_builder_add(b, t.s, t.len);
    }
    tap_seed(rs);
    tap_is_long(cot_profile_builder_write(b, path), 0, "one-line build");
    cot_profile_builder_free(b);
    cot_profile_t *p = cot_profile_load(path);
    if (!p) { tap_ok(0, "one-line profile loads"); cot_buf_free(&t); return; }
    cot_profile_info_t in;
    cot_profile_info(p, &in);
    int k = 0;
    while (k < COT_PLAYOUT_N && strcmp(cot_playout_names[k], "lines")) k++;
    tap_ok(k < COT_PLAYOUT_N && in.layout_sd[k] == 0.0 && in.layout_mean[k] > 0,
           "a constant feature: mean %.4f, sd exactly 0 (%.3g)", k < COT_PLAYOUT_N ?
           in.layout_mean[k] : NAN, k < COT_PLAYOUT_N ? in.layout_sd[k] : NAN);
    cot_profile_work_t w = {0};
    double f[COT_PCAL_N];
    static const char three[] = "we need the total\nso add 3 and 12\nthe answer is 15 .";
    cot_profile_features(p, three, sizeof three - 1, 32, &w, f);
    tap_ok(isinf(f[COT_PCAL_LAYOUT]) && f[COT_PCAL_LAYOUT] > 0 && isinf(f[COT_PCAL_SCORE]),
           "three lines against one-line own text: layout rms z %.4f, score %.4f",
           f[COT_PCAL_LAYOUT], f[COT_PCAL_SCORE]);
    const uint64_t rs2 = tap_state();
    gen(&t);
    tap_seed(rs2);
    cot_profile_features(p, t.s, t.len, 32, &w, f);
    tap_ok(isfinite(f[COT_PCAL_LAYOUT]) && f[COT_PCAL_LAYOUT] < 100 && isfinite(f[COT_PCAL_SCORE]),
           "a one-line text like the own ones: layout rms z %.4f, score %.4f",
           f[COT_PCAL_LAYOUT], f[COT_PCAL_SCORE]);
    cot_profile_work_free(&w);
    cot_profile_close(p);
    cot_buf_free(&t);
}

/* The shift object's text (cot_profile_shift_print(), what cot-profile
 * score splices into a line) is what cot_json_print() writes for its tree
 * (cot_profile_shift_json() and cot_profile_add_logprob()), for every
 * option the tools pass: windows and steps, per-token bits, edit spans,
 * logprobs, an uncalibrated window, fprs the held-out units do or do not
 * resolve, and texts from empty to foreign.  The generator's draws of the
 * tests after this one are left as they were. */
static void test_shift_text(const char *what)
{
    const uint64_t rs = tap_state();
    cot_profile_t *p = cot_profile_load(path);
    if (!p) { tap_ok(0, "%s: profile loads", what); return; }
    static const double fprs[] = {0.2, 0.05, 0.01, 0.001};
    static const double curvs[] = {0.5, -3.25, -60, 7, NAN};
    cot_profile_work_t w = {0};
    cot_buf_t t = {0}, out = {0};
    cJSON *hunks = cJSON_Parse("[[0,3],[5,9],{\"b_start\":2,\"b_end\":4}]");
    long bad = 0, n = 0, spans = 0, steps = 0, logp = 0;
    for (int i = 0; i < 1500; i++) {
        gen(&t);
        switch (i % 6) {
        case 1: for (size_t k = 0, sp = 0; k < t.len; k++)   /* a step list */
                    if (t.s[k] == ' ' && ++sp % 8 == 0) t.s[k] = '\n';
                break;
        case 2: cot_buf_clear(&t); cot_buf_printf(&t, "Q ** zzyzx %d", i); break;
        case 3: if (i % 30 == 3) cot_buf_clear(&t); break;   /* no tokens */
        case 4: cot_buf_adds(&t, " \xc3\xa9 $$x^2$$ <<3*4=12>>"); break;
        default: break;
        }
        cot_profile_shift_opts_t o;
        cot_profile_shift_opts_init(&o);
        o.window = i % 5 == 4 ? 4 : 32;
        o.fpr = fprs[i % 4];
        o.units = i % 7 != 0;
        o.per_token = i % 11 == 0;
        long nspans = -1;
        if (i % 3 == 0) nspans = t.len >= 9 ? cot_profile_spans_json(hunks, t.len, &w) : 0;
        const double *curv = i % 4 == 1 ? &curvs[i / 4 % 5] : NULL;
        bad += cot_profile_shift_check(p, t.s, t.len, nspans, &o, &w, curv) != 0;
        n++;
        int off;
        cot_buf_clear(&out);
        cot_profile_shift_print(&out, p, t.s, t.len, nspans, &o, &w, &off, curv);
        cot_buf_cstr(&out);
        spans += strstr(out.s, "\"windows\":{") && strstr(out.s, "\"spans\":[[") != NULL;
        steps += strstr(out.s, "\"steps\":{") && !strstr(out.s, "\"steps\":{\"threshold\":null");
        logp += strstr(out.s, "\"combined_p\":0") != NULL;
    }
    tap_ok(bad == 0, "%s: the shift text is the tree's, in %ld records (%ld differ)", what,
           n, bad);
    tap_ok(spans > 0 && steps > 0 && logp > 0,
           "%s: flagged spans in %ld, calibrated steps in %ld, a combined p in %ld", what,
           spans, steps, logp);
    cJSON_Delete(hunks);
    cot_buf_free(&t);
    cot_buf_free(&out);
    cot_profile_work_free(&w);
    cot_profile_close(p);
    tap_seed(rs);
}

/* The reference's fingerprints: a scored record with the words of a
 * reference record (case and spacing aside) is in the reference, and what
 * rests on the reference's ratios is null; a reference record with the
 * words of a held-out own record is left out of the reference; a profile
 * built before the fingerprints opens and cannot tell (null); a section
 * out of order is refused. */
static void test_reference_set(void)
{
    cot_profile_opts_t o;
    cot_profile_opts_init(&o);
    cot_profile_builder_t *b = cot_profile_builder_new(&o);
    cot_buf_t t = {0}, h0 = {0}, r0 = {0}, x = {0}, t0 = {0};
    for (int i = 0; i < 1200; i++) {
        gen(&t);
        if (i % 4 == 0) {
            cot_profile_builder_holdout(b, t.s, t.len);
            if (!h0.len) cot_buf_add(&h0, t.s, t.len);
        } else {
            cot_profile_builder_add(b, t.s, t.len);
            if (!t0.len) cot_buf_add(&t0, t.s, t.len);
        }
    }
    int left = 0, kept = 0;
    for (int i = 0; i < 300; i++) {
        gen(&t);
        cot_buf_clear(&x);
        cot_buf_printf(&x, "Q ** %d %s", i, t.s);
        if (i == 7) cot_buf_add(&r0, x.s, x.len);
        kept += cot_profile_builder_reference(b, x.s, x.len) == 0;
        if (i % 100 == 0) kept += cot_profile_builder_reference(b, x.s, x.len) == 0;
    }
    left += cot_profile_builder_reference(b, h0.s, h0.len);
    cot_buf_clear(&x);                           /* the same words, spaced */
    for (size_t k = 0; k < h0.len; k++) {
        char c = h0.s[k];
        cot_buf_addc(&x, c >= 'a' && c <= 'z' ? (char)(c - 32) : c);
        if (c == ' ') cot_buf_addc(&x, ' ');
    }
    left += cot_profile_builder_reference(b, x.s, x.len);
    for (unsigned f = 2; f <= COT_PROFILE_MAX_FOLDS; f++) {   /* folds: 1..f, even */
        unsigned cnt[COT_PROFILE_MAX_FOLDS + 1] = {0}, lo = ~0u, hi = 0;
        for (int i = 0; i < 8000; i++) {
            char id[16];
            snprintf(id, sizeof id, "r%d", i);
            unsigned k = cot_profile_fold(cot_profile_hash_bytes(id, strlen(id)), f);
            if (k >= 1 && k <= f) cnt[k]++;
        }
        for (unsigned k = 1; k <= f; k++) {
            if (cnt[k] < lo) lo = cnt[k];
            if (cnt[k] > hi) hi = cnt[k];
        }
        if (f == 2 || f == COT_PROFILE_MAX_FOLDS)
            tap_ok(lo + hi > 0 && lo * f > 8000 * 0.85 && hi * f < 8000 * 1.15,
                   "%u folds of 8000 ids: %u..%u each", f, lo, hi);
    }
    tap_ok(kept == 303 && left == 2, "reference: %d counted, %d held-out copies left out",
           kept, left);
    cot_profile_build_stats_t st;
    cot_profile_builder_stats(b, &st);
    tap_ok(st.ref_records == 303 && st.ref_left_out == 2, "stats: %llu reference records, "
           "%llu left out", (unsigned long long)st.ref_records,
           (unsigned long long)st.ref_left_out);
    tap_is_long(cot_profile_builder_write(b, bad), 0, "build with a reference set");
    cot_profile_builder_free(b);
    static unsigned char img[8 << 20];
    FILE *fp = fopen(bad, "rb");
    size_t n = fread(img, 1, sizeof img, fp);
    fclose(fp);
    const char *why = NULL;
    cot_profile_t *p = cot_profile_open_mem(img, n, &why);
    if (!p) { tap_ok(0, "reference set profile opens: %s", why); return; }
    cot_profile_info_t in;
    cot_profile_info(p, &in);
    tap_ok(in.trained_kept && in.trained_fingerprints > 850 && in.trained_fingerprints <= 900,
           "info: %llu distinct training fingerprints",
           (unsigned long long)in.trained_fingerprints);
    tap_ok(in.ref_kept && in.ref_fingerprints == 300 && in.ref_left_out == 2,
           "info: %llu distinct fingerprints, %llu left out",
           (unsigned long long)in.ref_fingerprints, (unsigned long long)in.ref_left_out);
    cot_profile_shift_opts_t so;
    cot_profile_shift_opts_init(&so);
    so.units = 1;
    cot_profile_work_t w = {0};
    int off = -1;
    cJSON *sh = cot_profile_shift_json(p, r0.s, r0.len, -1, &so, &w, &off);
    tap_ok(w.in_reference == 1 && off == 0 &&
           cJSON_IsTrue(cJSON_GetObjectItem(sh, "in_reference")) &&
           cJSON_IsNull(cJSON_GetObjectItem(sh, "score")) &&
           cJSON_IsNull(cJSON_GetObjectItem(sh, "score_p")) &&
           cJSON_IsNull(cJSON_GetObjectItem(sh, "off_policy")) &&
           cJSON_IsNull(cot_record_get(sh, "views.words.llr")) &&
           cJSON_IsNull(cot_record_get(sh, "views.chars.llr")) &&
           cJSON_IsNull(cot_record_get(sh, "windows.flagged")) &&
           cJSON_IsNull(cot_record_get(sh, "steps.flagged")) &&
           cJSON_IsNumber(cot_record_get(sh, "views.words.bits")),
           "a reference record: in_reference, its ratios, score and flags null");
    cJSON_Delete(sh);
    tap_ok(cot_profile_shift_check(p, r0.s, r0.len, -1, &so, &w, NULL) == 0,
           "a reference record: the shift text is the tree's");
    cot_buf_clear(&x);
    cot_buf_printf(&x, "Q ** 7 %s", "fresh words here");
    sh = cot_profile_shift_json(p, x.s, x.len, -1, &so, &w, &off);
    tap_ok(w.in_reference == 0 && cJSON_IsFalse(cJSON_GetObjectItem(sh, "in_reference")) &&
           cJSON_IsNumber(cJSON_GetObjectItem(sh, "score")) &&
           cJSON_IsBool(cJSON_GetObjectItem(sh, "off_policy")),
           "another record: not in the reference, scored");
    cJSON_Delete(sh);
    sh = cot_profile_shift_json(p, h0.s, h0.len, -1, &so, &w, &off);
    tap_ok(w.in_reference == 0 && cJSON_IsNumber(cJSON_GetObjectItem(sh, "score")),
           "the held-out copy left out of the reference is not in it");
    tap_ok(w.trained == 0 && !cJSON_GetObjectItem(sh, "trained"),
           "a held-out record was not trained on: no \"trained\"");
    cJSON_Delete(sh);
    sh = cot_profile_shift_json(p, t0.s, t0.len, -1, &so, &w, &off);
    tap_ok(w.trained == 1 && cJSON_IsTrue(cJSON_GetObjectItem(sh, "trained")) &&
           cJSON_IsNumber(cJSON_GetObjectItem(sh, "score_p")),
           "a training record: \"trained\": true, its scores kept");
    cJSON_Delete(sh);
    tap_ok(cot_profile_shift_check(p, t0.s, t0.len, -1, &so, &w, NULL) == 0,
           "a training record: the shift text is the tree's");
    cot_profile_close(p);
    /* a profile built before the fingerprints: 488..503 zero */
    uint64_t roff = get64(img + 488), rsz = get64(img + 496);
    put64(img + 488, 0); put64(img + 496, 0);
    reseal(img, n);
    p = cot_profile_open_mem(img, n, &why);
    cot_profile_info(p, &in);
    sh = p ? cot_profile_shift_json(p, r0.s, r0.len, -1, &so, &w, &off) : NULL;
    tap_ok(p && !in.ref_kept && !in.trained_kept && w.in_reference == -1 && w.trained == -1 &&
           cJSON_IsNull(cJSON_GetObjectItem(sh, "in_reference")) &&
           cJSON_IsNumber(cJSON_GetObjectItem(sh, "score")),
           "no fingerprints: opens, in_reference null (cannot tell)");
    tap_is_long(p ? cot_profile_warn_calibration(p, 0.05, 0, 1) : -1, 1,
                "no fingerprints: a tool that scores warns once (and says what to do)");
    tap_is_long(p ? cot_profile_warn_calibration(p, 0.05, 0, 0) : -1, 0,
                "no fingerprints: build does not warn of them");
    cJSON_Delete(sh);
    cot_profile_close(p);
    put64(img + 488, roff); put64(img + 496, rsz);
    uint64_t a = get64(img + roff + 32), c = get64(img + roff + 40);
    put64(img + roff + 32, c); put64(img + roff + 40, a);
    reseal(img, n);
    p = cot_profile_open_mem(img, n, &why);
    tap_ok(!p && strstr(why, "fingerprints"), "fingerprints out of order: %s",
           p ? "opened" : why);
    cot_profile_close(p);
    put64(img + roff + 32, a); put64(img + roff + 40, c);
    uint64_t fold = get64(img + roff + 16);
    tap_ok(fold == 0, "the whole reference: fold 0 of 0");
    put64(img + roff + 16, (uint64_t)1 << 32 | 1);           /* fold 1 of 1 */
    reseal(img, n);
    p = cot_profile_open_mem(img, n, &why);
    tap_ok(!p && strstr(why, "fingerprints"), "fold 1 of 1: %s", p ? "opened" : why);
    cot_profile_close(p);
    put64(img + roff + 16, (uint64_t)2 << 32 | 3);           /* fold 3 of 2 */
    reseal(img, n);
    p = cot_profile_open_mem(img, n, &why);
    tap_ok(!p && strstr(why, "fingerprints"), "fold 3 of 2: %s", p ? "opened" : why);
    cot_profile_close(p);
    put64(img + roff + 16, (uint64_t)2 << 32 | 2);           /* fold 2 of 2 */
    reseal(img, n);
    p = cot_profile_open_mem(img, n, &why);
    cot_profile_info(p, &in);
    tap_ok(p && in.ref_fold == 2 && in.ref_folds == 2, "fold 2 of 2 opens and says so");
    cot_profile_close(p);
    put64(img + roff + 16, fold);
    put64(img + roff, get64(img + roff) + 1);
    reseal(img, n);
    p = cot_profile_open_mem(img, n, &why);
    tap_ok(!p && strstr(why, "fingerprints"), "a count past the section: %s",
           p ? "opened" : why);
    cot_profile_close(p);
    cot_profile_work_free(&w);
    cot_buf_free(&t); cot_buf_free(&h0); cot_buf_free(&r0); cot_buf_free(&x);
    cot_buf_free(&t0);
    unlink(bad);
}

/* The loader checks every view table: a full table (no empty slot) and an
 * offset past the end are refused, not probed for ever or read past. */
static void test_bad_views(void)
{
    static unsigned char img[8 << 20];
    FILE *f = fopen(path, "rb");
    size_t n = fread(img, 1, sizeof img, f);
    fclose(f);
    const char *why = NULL;
    cot_profile_t *p = cot_profile_open_mem(img, n, &why);
    tap_ok(p != NULL && n < sizeof img, "view image opens (%zu bytes)", n);
    cot_profile_close(p);
    /* the chars view block is at the offset in section 0 (header 392) */
    uint64_t blk;
    memcpy(&blk, img + 392, 8);
    unsigned char *d = img + blk + 176;          /* order-1 table desc */
    uint64_t off, slots;
    memcpy(&off, d, 8); memcpy(&slots, d + 8, 8);
    unsigned char save[16];
    uint64_t i = 0;
    for (; i < slots; i++) {                      /* fill one empty slot */
        uint64_t k; memcpy(&k, img + off + i * 16, 8);
        if (!k) break;
    }
    memcpy(save, img + off + i * 16, 16);
    uint64_t fake = 0x1234567;
    memcpy(img + off + i * 16, &fake, 8);
    reseal(img, n);
    tap_ok(!cot_profile_open_mem(img, n, &why) && strstr(why, "table entries"),
           "a table with more keys than it says is refused: %s", why);
    memcpy(img + off + i * 16, save, 16);
    uint64_t big = (uint64_t)n + 4096;
    memcpy(d, &big, 8);
    reseal(img, n);
    tap_ok(!cot_profile_open_mem(img, n, &why) && strstr(why, "table layout"),
           "a table past the end is refused: %s", why);
    memcpy(d, &off, 8);
    reseal(img, n);
    p = cot_profile_open_mem(img, n, &why);
    tap_ok(p != NULL, "restored view image opens");
    cot_profile_close(p);
}

/* The mixture: 8000 uniform p-values and 2000 near 0 give a rewritten
 * fraction near 0.2 with an interval around it, posteriors near 1 at small
 * p and 0 at large p. */
static void test_mixture(void)
{
    static double p[10000];
    for (int i = 0; i < 8000; i++) p[i] = (double)(tap_rnd() >> 11) * 0x1.0p-53;
    for (int i = 8000; i < 10000; i++) p[i] = (double)(tap_rnd() >> 11) * 0x1.0p-53 * 0.01;
    cot_profile_mix_t m;
    cot_profile_mix_fit(p, 10000, 0, &m);
    tap_ok(fabs(m.rewritten - 0.2) < 0.03, "mix: rewritten fraction %.4f (truth 0.2)", m.rewritten);
    tap_ok(m.lo < 0.2 && m.hi > 0.2 && m.hi - m.lo < 0.06, "mix: interval %.4f-%.4f", m.lo, m.hi);
    /* the first bin, [0, 0.05), holds about 400 own and 2000 rewritten */
    tap_ok(fabs(cot_profile_mix_posterior(&m, 0.001) - 2000.0 / 2400) < 0.03,
           "mix: small p, posterior %.3f (bin truth 0.833)",
           cot_profile_mix_posterior(&m, 0.001));
    tap_ok(cot_profile_mix_posterior(&m, 0.7) < 0.1, "mix: large p, posterior %.3f",
           cot_profile_mix_posterior(&m, 0.7));
    for (int i = 0; i < 10000; i++) p[i] = (double)(tap_rnd() >> 11) * 0x1.0p-53;
    cot_profile_mix_fit(p, 10000, 0, &m);
    tap_ok(m.rewritten < 0.03 && m.lo == 0, "mix: all own, fraction %.4f, interval from %.4f",
           m.rewritten, m.lo);
    cot_profile_mix_fit(p, 0, 0, &m);
    tap_ok(isnan(m.rewritten) && isnan(cot_profile_mix_posterior(&m, 0.5)), "mix: nothing to fit");
    cot_profile_mix_known(&m, 5);
    tap_ok(m.rewritten == 0 && m.lo == 0 && m.hi == 0 && m.known == 5,
           "mix: nothing fitted, 5 known untouched: fraction 0");
    /* 8000 own + 2000 near 0, and 10000 known untouched: the fraction of
     * all 20000 is half the fit's; the posteriors are the fit's */
    for (int i = 0; i < 10000; i++)
        p[i] = i < 2000 ? (double)(tap_rnd() >> 11) * 0x1.0p-53 * 0.01
                        : (double)(tap_rnd() >> 11) * 0x1.0p-53;
    cot_profile_mix_fit(p, 10000, 0, &m);
    double r = m.rewritten, lo = m.lo, hi = m.hi, post = cot_profile_mix_posterior(&m, 0.001);
    cot_profile_mix_known(&m, 10000);
    tap_ok(fabs(m.rewritten - r / 2) < 1e-12 && fabs(m.lo - lo / 2) < 1e-12 &&
           fabs(m.hi - hi / 2) < 1e-12 && fabs(m.rewritten - 0.1) < 0.02 &&
           cot_profile_mix_posterior(&m, 0.001) == post,
           "mix: 10000 known untouched halve the fraction (%.4f -> %.4f), posteriors kept",
           r, m.rewritten);
}

/* A rewrite of gen()'s text: its words in another order, punctuation and
 * markup added (the kind of thing a rewriter's voice does). */
static void gen_rewritten(cot_buf_t *b)
{
    static const char *w[] = {"**First**,", "we", "compute", "the", "total:", "-", "so",
                              "3", "+", "12", "=", "15.", "Then", "each", "apples",
                              "left", "now", "**answer**", "is", "costs"};
    cot_buf_clear(b);
    size_t len = 20 + tap_rnd() % 61;
    for (size_t i = 0; i < len; i++) {
        cot_buf_adds(b, w[tap_rnd() % 20]);
        cot_buf_addc(b, ' ');       /* one line, as gen()'s: else layout says it */
    }
}

/* mix --views: the held-out rows are kept and match what scoring gives;
 * EM on a set of fresh own records and rewrites finds the rewritten
 * weight, flags the rewrites, and holds the rate on the own records of
 * the set; a record beyond the own samples, one without a feature, one
 * with a bad shift.profile; a profile without rows is refused. */
static void test_views_mixture(void)
{
    cot_profile_opts_t o;
    cot_profile_opts_init(&o);
    cot_profile_builder_t *b = cot_profile_builder_new(&o);
    cot_buf_t t = {0};
    enum { HELD = 800 };
    static cot_buf_t held[50];
    for (int i = 0, h = 0; i < 4000 + HELD; i++) {
        gen(&t);
        if (i % 6 == 5 && h < HELD) {
            if (h < 50) { cot_buf_clear(&held[h]); cot_buf_add(&held[h], t.s, t.len); }
            cot_profile_builder_holdout(b, t.s, t.len);
            h++;
        } else {
            cot_profile_builder_add(b, t.s, t.len);
        }
    }
    tap_is_long(cot_profile_builder_write(b, path), 0, "views: build");
    cot_profile_builder_free(b);
    cot_profile_t *p = cot_profile_load(path);
    if (!p) { tap_ok(0, "views: profile loads"); return; }
    cot_profile_info_t in;
    cot_profile_info(p, &in);
    tap_ok(in.cal_rows == in.ncal && in.ncal == HELD, "views: %llu held-out rows kept",
           (unsigned long long)in.cal_rows);
    cot_profile_shift_opts_t so;
    cot_profile_shift_opts_init(&so);
    cot_profile_work_t w = {0};
    cot_profile_vmix_t m;
    const char *why = NULL;
    int which = -1;
    int vi = cot_profile_vmix_init(&m, &p, 1, &why, &which);
    tap_ok(vi == 0 && m.d == 5, "views: set up on the 5 features of the combined score (%d)",
           m.d);
    /* row i is held-out record i's features, as its score writes them */
    int rows_bad = 0;
    for (int i = 0; i < 50; i++) {
        int off;
        cJSON *sh = cot_profile_shift_json(p, held[i].s, held[i].len, -1, &so, &w, &off);
        double z[COT_PROFILE_COMB_MAX], zr[COT_PROFILE_COMB_MAX];
        int k, r = cot_profile_vmix_record(&m, sh, z, &k);
        double x[COT_PROFILE_COMB_MAX];
        for (int j = 0; j < m.d; j++) {
            x[j] = cot_profile_cal_row(p, (uint64_t)i, m.f[j]);
            zr[j] = (x[j] - m.own[0].mu[j]) / m.own[0].sd[j];
            if (r != 1 || k != 0 || fabs(zr[j] - z[j]) > 1e-3) rows_bad++;
        }
        cJSON_Delete(sh);
        cot_buf_free(&held[i]);
    }
    tap_ok(rows_bad == 0, "views: held-out rows are the records' features (%d off)", rows_bad);
    tap_ok(isnan(cot_profile_cal_row(p, HELD, 0)), "views: no row past the last");
    /* the set: 2000 fresh own records and 500 rewrites */
    enum { OWN = 2000, REW = 500 };
    static double zs[OWN + REW][COT_PROFILE_COMB_MAX];
    for (int i = 0; i < OWN + REW; i++) {
        if (i < OWN) gen(&t); else gen_rewritten(&t);
        int off, k;
        cJSON *sh = cot_profile_shift_json(p, t.s, t.len, -1, &so, &w, &off);
        int r = cot_profile_vmix_record(&m, sh, zs[i], &k);
        cJSON_Delete(sh);
        if (r != 1) { tap_ok(0, "views: record %d has every feature (%d)", i, r); break; }
        cot_profile_vmix_add(&m, zs[i], k);
    }
    cot_profile_vmix_fit(&m, &p);
    tap_ok(m.n == OWN + REW && m.converged && fabs(m.weight - 0.2) < 0.03,
           "views: EM converged (%u rounds), weight %.4f (truth 0.2)", m.iters, m.weight);
    cot_profile_thr_t thr;
    cot_profile_vmix_threshold(&m, 0.01, 0, &thr);
    int fp = 0, tp = 0;
    double post_own = 0, post_rew = 0;
    for (int i = 0; i < OWN + REW; i++) {
        double sc = cot_profile_vmix_score(&m, zs[i], 0);
        double po = cot_profile_vmix_posterior(&m, zs[i], 0);
        if (i < OWN) fp += sc > thr.t, post_own += po;
        else tp += sc > thr.t, post_rew += po;
    }
    /* 2000 own records at a threshold from 800 held out: at most 41 above
     * it is what a correct calibration gives 999 times in 1000 */
    tap_ok(thr.resolved && fp <= 41, "views: %d of %d own records flagged at --fpr 0.01", fp, OWN);
    tap_ok(tp >= REW * 95 / 100, "views: %d of %d rewrites flagged", tp, REW);
    tap_ok(post_own / OWN < 0.05 && post_rew / REW > 0.95,
           "views: mean posterior own %.4f, rewritten %.4f", post_own / OWN, post_rew / REW);
    double s0 = cot_profile_vmix_score(&m, zs[OWN], 0);
    double p0 = cot_profile_vmix_p(&m, s0, 0);
    tap_ok(p0 > 0 && p0 <= 1.0 / (HELD + 1) + 1e-12 && cot_profile_vmix_p(&m, -1e300, 0) == 1,
           "views: a rewrite's p-value is the least the held-out rows resolve (%.5f)", p0);
    /* a shift beyond the own samples, one without a feature, bad profiles */
    cJSON *sh = cJSON_Parse("{\"views\": {\"words\": {\"bits\": 1.7976931348623157e+308, "
                            "\"peak\": 3}, \"chars\": {\"bits\": 1, \"peak\": 2}, "
                            "\"layout\": {\"rms_z\": 1}}}");
    double z[COT_PROFILE_COMB_MAX];
    int k;
    tap_is_long(cot_profile_vmix_record(&m, sh, z, &k), 2, "views: infinite feature: beyond");
    cJSON_DeleteItemFromObject(cJSON_GetObjectItem(sh, "views"), "layout");
    tap_is_long(cot_profile_vmix_record(&m, sh, z, &k), 0, "views: a feature missing: not scored");
    cJSON_AddNumberToObject(sh, "profile", 2);
    tap_is_long(cot_profile_vmix_record(&m, sh, z, &k), -1, "views: shift.profile 2 of 1: bad");
    cJSON_Delete(sh);
    /* a record scored by this profile at --fpr 0.05 passes; with another
     * threshold, or a z that is not this profile's, it does not */
    so.fpr = 0.05;
    gen(&t);
    int off;
    sh = cot_profile_shift_json(p, t.s, t.len, -1, &so, &w, &off);
    so.fpr = 0.01;
    int r0 = cot_profile_vmix_record(&m, sh, z, &k);
    cJSON *th = cJSON_GetObjectItem(sh, "threshold");
    double keep = th->valuedouble;
    cJSON_SetNumberValue(th, keep + 0.01);
    int r1 = cot_profile_vmix_record(&m, sh, z, &k);
    cJSON_SetNumberValue(th, keep);
    cJSON *wz = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(sh, "views"),
                                                        "words"), "z");
    cJSON_SetNumberValue(wz, wz->valuedouble + 0.01);
    int r2 = cot_profile_vmix_record(&m, sh, z, &k);
    cJSON_Delete(sh);
    tap_ok(r0 == 1 && r1 == -2 && r2 == -2,
           "views: its own profile's record passes (%d); another threshold (%d) or z (%d) "
           "does not", r0, r1, r2);
    cot_profile_vmix_free(&m);
    /* subtler rewrites (one word in 5 swapped for another): the rate still
     * held on the set's own records, most rewrites flagged; the weight
     * overstates the fraction here (0.46 for 0.2: the own features are not
     * Gaussian, and the off-policy component takes in their tail), as
     * cot-profile(1) says: the fraction to go by is Storey's */
    vi = cot_profile_vmix_init(&m, &p, 1, &why, &which);
    for (int i = 0; i < OWN + REW; i++) {
        gen(&t);
        if (i >= OWN) {
            static const char *sw[] = {"apples", "costs", "left", "we", "so", "12"};
            cot_buf_t u = {0};
            for (char *q = strtok(t.s, " "); q; q = strtok(NULL, " ")) {
                cot_buf_adds(&u, tap_rnd() % 5 ? q : sw[tap_rnd() % 6]);
                cot_buf_addc(&u, ' ');
            }
            cot_buf_clear(&t);
            cot_buf_add(&t, u.s, u.len);
            cot_buf_free(&u);
        }
        int off, k;
        cJSON *sh = cot_profile_shift_json(p, t.s, t.len, -1, &so, &w, &off);
        if (cot_profile_vmix_record(&m, sh, zs[i], &k) == 1) cot_profile_vmix_add(&m, zs[i], k);
        cJSON_Delete(sh);
    }
    cot_profile_vmix_fit(&m, &p);
    cot_profile_vmix_threshold(&m, 0.01, 0, &thr);
    fp = tp = 0;
    for (int i = 0; i < OWN + REW; i++) {
        double sc = cot_profile_vmix_score(&m, zs[i], 0);
        if (i < OWN) fp += sc > thr.t; else tp += sc > thr.t;
    }
    tap_ok(vi == 0 && m.n == OWN + REW && fp <= 41 && tp >= 300 && m.weight > 0.2,
           "views, subtle rewrites: weight %.4f (truth 0.2), %d of %d own and %d of %d "
           "rewrites flagged", m.weight, fp, OWN, tp, REW);
    cot_profile_vmix_free(&m);
    /* past COT_VMIX_FIT records, every 2nd, 4th, ... is kept */
    vi = cot_profile_vmix_init(&m, &p, 1, &why, &which);
    for (size_t i = 0; i < 5 * (size_t)COT_VMIX_FIT; i++) {
        double zz[COT_PROFILE_COMB_MAX] = {(double)i};
        cot_profile_vmix_add(&m, zz, 0);
    }
    int spaced = m.stride == 8 && m.nz == 5 * (size_t)COT_VMIX_FIT / 8;
    for (size_t i = 0; spaced && i < m.nz; i++) spaced = m.z[i * (size_t)m.d] == (double)(8 * i);
    tap_ok(vi == 0 && spaced, "views: %d records offered, every %zuth kept: %zu",
           5 * COT_VMIX_FIT, m.stride, m.nz);
    cot_profile_vmix_free(&m);
    /* a profile built before the rows were kept: its calibration section
     * ends after the sorted values */
    FILE *f = fopen(path, "rb");
    fseek(f, 0, SEEK_END);
    size_t n = (size_t)ftell(f);
    unsigned char *img = malloc(n);
    rewind(f);
    size_t got = fread(img, 1, n, f);
    fclose(f);
    put64(img + 344, get64(img + 344) - 8 * COT_PCAL_N * (uint64_t)HELD);
    reseal(img, n);
    f = fopen(bad, "wb");
    fwrite(img, 1, got, f);
    fclose(f);
    free(img);
    cot_profile_t *old = cot_profile_load(bad);
    why = "";
    if (old) cot_profile_info(old, &in);
    vi = old ? cot_profile_vmix_init(&m, &old, 1, &why, &which) : 0;
    tap_ok(old && in.cal_rows == 0 && in.ncal == HELD && vi < 0 && strstr(why, "rebuild it"),
           "views: a profile without rows loads, and mix --views refuses it: %s", why);
    cot_profile_close(old);
    cot_profile_work_free(&w);
    cot_buf_free(&t);
    cot_profile_close(p);
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The interval's coverage when the p-values rest on a small held-out set:
 * in each of 400 trials, 200 held-out own scores and a scored set of 5000
 * fresh own scores (uniform) and 500 rewritten ones (beyond every held-out
 * score), p = (1 + #{held-out >= x}) / 201 as cot-profile score writes it.
 * The calibration's error is shared by the whole set, so the interval of
 * its sampling only (cal 0) covers the true 1/11 in about a third of the
 * trials; with cal 200 in about 95%. */
static void test_mixture_coverage(void)
{
    enum { TRIALS = 400, CAL = 200, OWN = 5000, REW = 500 };
    static double cal[CAL], p[OWN + REW];
    const double truth = (double)REW / (OWN + REW);
    int in0 = 0, in1 = 0;
    double w0 = 0, w1 = 0;
    const uint64_t rs = tap_state();   /* the later tests draw as before */
    tap_seed(11);
    for (int t = 0; t < TRIALS; t++) {
        for (int i = 0; i < CAL; i++) cal[i] = (double)(tap_rnd() >> 11) * 0x1.0p-53;
        qsort(cal, CAL, sizeof *cal, cmp_dbl);
        for (int i = 0; i < OWN; i++) {
            double x = (double)(tap_rnd() >> 11) * 0x1.0p-53;
            size_t lo = 0, hi = CAL;          /* the first held-out score >= x */
            while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                if (cal[mid] < x) lo = mid + 1; else hi = mid;
            }
            p[i] = (1.0 + (double)(CAL - lo)) / (CAL + 1);
        }
        for (int i = OWN; i < OWN + REW; i++) p[i] = 1.0 / (CAL + 1);
        cot_profile_mix_t m0, m1;
        cot_profile_mix_fit(p, OWN + REW, 0, &m0);
        cot_profile_mix_fit(p, OWN + REW, CAL, &m1);
        in0 += m0.lo <= truth && truth <= m0.hi;
        in1 += m1.lo <= truth && truth <= m1.hi;
        w0 += m0.hi - m0.lo;
        w1 += m1.hi - m1.lo;
        if (t == 0)
            tap_ok(m1.rewritten == m0.rewritten && m1.lo <= m0.lo && m1.hi >= m0.hi &&
                       m1.cal == CAL && m0.cal == 0,
                   "mix: the calibration's error widens the interval, not the estimate "
                   "(%.4f: %.4f-%.4f against %.4f-%.4f)", m1.rewritten, m1.lo, m1.hi,
                   m0.lo, m0.hi);
    }
    tap_ok(in1 >= 0.92 * TRIALS && in1 <= 0.99 * TRIALS,
           "mix: with 200 held-out records the 95%% interval covers the truth in "
           "%d of %d trials (mean width %.3f)", in1, TRIALS, w1 / TRIALS);
    tap_ok(in0 < 0.6 * TRIALS,
           "mix: the set's sampling alone covers it in %d of %d (mean width %.3f): "
           "why mix takes -p", in0, TRIALS, w0 / TRIALS);
    tap_seed(rs);
}

/* cot_profile_number() prints exactly what cJSON's spelling of the double
 * is (%1.15g, or %1.17g when that does not read back), for every value the
 * shift object holds (four decimals) and for any other double. */
static int num_same(double d, cot_buf_t *a, cot_buf_t *b, int *with_text)
{
    cJSON *x = cot_profile_number(d), *y = cJSON_CreateNumber(d);
    cot_buf_clear(a);
    cot_buf_clear(b);
    cot_json_print_number(a, x);
    cot_json_print_number(b, y);
    *with_text += x->valuestring != NULL;
    int ok = a->len == b->len && !memcmp(a->s, b->s, a->len) &&
             (x->valuedouble == d || (isnan(d) && isnan(x->valuedouble)));
    if (!ok) tap_diag("number %.17g: %.*s, cJSON %.*s", d, (int)a->len, a->s,
                      (int)b->len, b->s);
    cJSON_Delete(x);
    cJSON_Delete(y);
    return ok;
}

static void test_number_text(void)
{
    cot_buf_t a = {0}, b = {0};
    long bad = 0, n = 0;
    int with_text = 0;
    for (long k = -300000; k <= 300000; k++, n++)    /* every k / 10^4 near 0 */
        bad += !num_same((double)k / 1e4, &a, &b, &with_text);
    int small_text = with_text;
    for (int i = 0; i < 100000; i++, n++) {          /* k of every length */
        int digits = 1 + (int)(tap_rnd() % 16);
        long long lim = 1, k;
        for (int j = 0; j < digits; j++) lim *= 10;
        k = (long long)(tap_rnd() % (uint64_t)lim);
        if (tap_rnd() & 1) k = -k;
        bad += !num_same((double)k / 1e4, &a, &b, &with_text);
    }
    for (int i = 0; i < 100000; i++, n++) {          /* r4 of scores, any scale */
        double x = ldexp((double)(tap_rnd() >> 11) * 0x1.0p-53, (int)(tap_rnd() % 80) - 20);
        if (tap_rnd() & 1) x = -x;
        bad += !num_same(round(x * 1e4) / 1e4, &a, &b, &with_text);
        bad += !num_same(x, &a, &b, &with_text);     /* not four decimals */
        n++;
    }
    double odd[] = {0.0001, -0.0001, 0.00005, 1e-5, 99999999999.9999, 1e11 - 0.0001,
                    1e11 + 0.5, 99999999999.99995, 0.1 + 0.2, 1.0 / 3, 0.01, 0.05,
                    -0.0, 0.0, 0.5, 1e15, 1e16, 9007199254740993.0, 0x1p53 + 0.5,
                    NAN, INFINITY, -INFINITY, 5e-324, 1.7976931348623157e308};
    for (size_t i = 0; i < sizeof odd / sizeof *odd; i++, n++)
        bad += !num_same(odd[i], &a, &b, &with_text);
    tap_is_long(bad, 0, "number text: the same as cJSON's spelling");
    tap_is_long(small_text, 600000 - 60, "number text: four-decimal values near 0 carry their text");
    tap_ok(with_text > n / 2, "number text: %d of %ld values carry their text", with_text, n);
    cot_buf_free(&a);
    cot_buf_free(&b);
}

int main(void)
{
    tap_seed(20261123);
    cot_prog = "test-profile";
    if (!mkdtemp(dir)) return 1;
    snprintf(path, sizeof path, "%s/m.prof", dir);
    snprintf(bad, sizeof bad, "%s/bad.prof", dir);
    test_tokens();
    test_kn();
    test_discounts();
    test_bad_files();
    test_calibration();
    test_conformal();
    test_units();
    test_shift_text("step lists");
    test_prune();
    test_chars_view();
    test_scan();
    test_constant_layout();
    test_views_reference();
    test_shift_text("with a reference");
    test_reference_set();
    test_bad_views();
    test_mixture();
    test_mixture_coverage();
    test_views_mixture();
    test_number_text();
    unlink(path); unlink(bad); rmdir(dir);
    return tap_done();
}
