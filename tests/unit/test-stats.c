/* test-stats.c -- interval arithmetic, the trend test, mergeable summaries,
 * the quantile sketch's error bound, partial round trips and gate parsing. */
#include "report.h"
#include "stats.h"
#include "tap.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static void test_wilson(void)
{
    /* Published values: Newcombe (1998), "Two-sided confidence intervals
     * for the single proportion", Statistics in Medicine 17:857-872,
     * Table I, method 3 (Wilson score), to 4 decimals. */
    static const struct { unsigned k, n; double lo, hi; } pub[] = {
        {81, 263, 0.2553, 0.3662}, {15, 148, 0.0624, 0.1605},
        {0, 20, 0.0000, 0.1611},   {1, 29, 0.0061, 0.1718},
    };
    for (size_t i = 0; i < sizeof pub / sizeof *pub; i++) {
        double lo, hi;
        cot_stats_wilson(pub[i].k, pub[i].n, COT_Z95, &lo, &hi);
        tap_is_double(lo, pub[i].lo, 5e-5, "Wilson lower bound (Newcombe)");
        tap_is_double(hi, pub[i].hi, 5e-5, "Wilson upper bound (Newcombe)");
    }
    /* Full precision, from the closed form evaluated independently in
     * Python (centre +- half, z = 1.959963984540054). */
    double lo, hi;
    cot_stats_wilson(0, 10, COT_Z95, &lo, &hi);
    tap_is_double(lo, 0, 0, "0/10 lower bound is exactly 0");
    tap_is_double(hi, 0.2775327998628892, 1e-12, "0/10 upper bound");
    cot_stats_wilson(5, 10, COT_Z95, &lo, &hi);
    tap_is_double(lo, 0.236593090512564, 1e-12, "5/10 lower bound");
    tap_is_double(hi, 0.7634069094874361, 1e-12, "5/10 upper bound");
    cot_stats_wilson(81, 263, COT_Z95, &lo, &hi);
    tap_is_double(lo, 0.2552885198782742, 1e-12, "81/263 lower bound");
    tap_is_double(hi, 0.36620957698280004, 1e-12, "81/263 upper bound");
    cot_stats_wilson(10, 10, COT_Z95, &lo, &hi);
    tap_is_double(hi, 1, 0, "10/10 upper bound is exactly 1");
    cot_stats_wilson(0, 0, COT_Z95, &lo, &hi);
    tap_ok(lo == 0 && hi == 1, "no trials: [0, 1]");
}

static void test_normal(void)
{
    tap_is_double(cot_stats_norm_sf(0), 0.5, 1e-15, "P(Z > 0) = 0.5");
    tap_is_double(cot_stats_norm_sf(COT_Z95), 0.025, 1e-12, "P(Z > 1.95996) = 0.025");
    tap_is_double(cot_stats_norm_sf(-COT_Z95), 0.975, 1e-12, "P(Z > -1.95996) = 0.975");
    tap_is_double(cot_stats_norm_sf(3), 0.0013498980316301, 1e-14, "P(Z > 3)");
}

static void test_trend(void)
{
    /* Agresti, Categorical Data Analysis (2nd ed., 2002), Table 3.7 and
     * section 3.4.6: infant malformation by mother's alcohol consumption,
     * scores 0, 0.5, 1.5, 4.0, 7.0.  Agresti reports M^2 = (N-1) r^2 = 6.57
     * with P = 0.010.  The Cochran-Armitage z uses N instead of N - 1, so
     * z^2 (N-1)/N must equal M^2.  Independent calculation (Python, same
     * formulas as stats.h):  N = 32574, pbar = 93/32574,
     * sbar = sum n_i s_i / N, T = sum k_i (s_i - sbar) = 10.9697...,
     * Sxx = sum n_i (s_i - sbar)^2 = 6563.96...,
     * z = T / sqrt(pbar (1-pbar) Sxx) = 2.5632272518654204,
     * p = erfc(z / sqrt 2) = 0.010370414572997443, slope = T/Sxx =
     * 0.001671193740328771. */
    const uint64_t k[] = {48, 38, 5, 1, 1};
    const uint64_t n[] = {48 + 17066, 38 + 14464, 5 + 788, 1 + 126, 1 + 37};
    const double s[] = {0, 0.5, 1.5, 4.0, 7.0};
    cot_trend_t t;
    cot_stats_trend(k, n, s, 5, &t);
    tap_ok(t.ok, "Agresti example: test defined");
    tap_is_double(t.z, 2.5632272518654204, 1e-9, "Agresti example: z");
    tap_is_double(t.z * t.z * 32573.0 / 32574.0, 6.57, 0.005,
                  "Agresti example: M^2 = 6.57 as published");
    tap_is_double(t.p, 0.010370414572997443, 1e-9, "Agresti example: two-sided p");
    tap_is_double(t.p_rise, 0.010370414572997443 / 2, 1e-9, "one-sided p is half");
    tap_is_double(t.slope, 0.001671193740328771, 1e-12, "Agresti example: WLS slope");

    /* Reversing the scores reverses the sign, not the p-value. */
    const double r[] = {0, -0.5, -1.5, -4.0, -7.0};
    cot_trend_t tr;
    cot_stats_trend(k, n, r, 5, &tr);
    tap_is_double(tr.z, -t.z, 1e-12, "reversed scores: z changes sign");
    tap_is_double(tr.p, t.p, 1e-12, "reversed scores: same two-sided p");

    const uint64_t fk[] = {3, 3, 3, 3, 3}, fn[] = {20, 20, 20, 20, 20};
    const double fs[] = {100, 200, 300, 400, 500};
    cot_stats_trend(fk, fn, fs, 5, &t);
    tap_ok(t.ok && t.z == 0 && t.p == 1, "flat rates: z = 0, p = 1");

    const uint64_t zk[] = {0, 0, 0};
    cot_stats_trend(zk, fn, fs, 3, &t);
    tap_ok(!t.ok && t.p == 1 && t.z == 0, "all rates zero: degenerate, p = 1");
    cot_stats_trend(fk, fn, fs, 1, &t);
    tap_ok(!t.ok, "one bucket: degenerate");
    const uint64_t gn[] = {20, 0, 20};
    const uint64_t gk[] = {1, 0, 9};
    cot_stats_trend(gk, gn, fs, 3, &t);
    tap_ok(t.ok && t.z > 0, "empty buckets are ignored");
}

static void test_welford(void)
{
    const double x[] = {2, 4, 4, 4, 5, 5, 7, 9};
    cot_welford_t w = {0};
    for (int i = 0; i < 8; i++) cot_welford_add(&w, x[i]);
    tap_is_double(w.mean, 5, 1e-15, "Welford mean");
    tap_is_double(cot_welford_sd(&w), sqrt(32.0 / 7.0), 1e-14, "Welford sample sd");
    tap_ok(w.min == 2 && w.max == 9, "min and max");
    for (int cut = 0; cut <= 8; cut++) {
        cot_welford_t a = {0}, b = {0};
        for (int i = 0; i < cut; i++) cot_welford_add(&a, x[i]);
        for (int i = cut; i < 8; i++) cot_welford_add(&b, x[i]);
        cot_welford_merge(&a, &b);
        tap_ok(a.n == 8 && fabs(a.mean - 5) < 1e-14 && fabs(a.m2 - 32) < 1e-12 &&
               a.min == 2 && a.max == 9, "Chan merge at cut %d equals one pass", cut);
    }
    cot_welford_t one = {0};
    cot_welford_add(&one, 3);
    tap_ok(isnan(cot_welford_sd(&one)), "sd of one value is undefined");
}

/* Values whose squares overflow a double (issue 15, defect 6). */
static void test_welford_huge(void)
{
    cot_welford_t w = {0}, a = {0}, b = {0};
    cot_welford_add(&w, 1e200);
    cot_welford_add(&w, -1e200);
    tap_ok(isfinite(w.m2) && w.mean == 0, "1e200 and -1e200: m2 stays finite, mean 0");
    tap_is_double(cot_welford_sd(&w) / 1e200, M_SQRT2, 1e-15, "their sd is sqrt(2) 1e200");
    cot_welford_add(&a, 1e200);
    cot_welford_add(&b, -1e200);
    cot_welford_merge(&a, &b);
    tap_ok(a.scale == w.scale && a.mean == w.mean &&
           fabs(cot_welford_sd(&a) / cot_welford_sd(&w) - 1) < 1e-15,
           "their merge equals one pass (scale %d)", a.scale);
    /* Ordinary values never leave scale 0, so results are plain Welford. */
    cot_welford_t o = {0};
    cot_welford_add(&o, 1e144);
    cot_welford_add(&o, -3);
    tap_ok(o.scale == 0, "values up to 2^480 keep scale 0");
    cot_welford_t m = {0};
    cot_welford_add(&m, DBL_MAX);
    cot_welford_add(&m, -DBL_MAX);
    tap_ok(isfinite(m.m2) && m.mean == 0 && isinf(cot_welford_sd(&m)),
           "+-DBL_MAX: m2 finite, sd beyond the double range is inf");
}

/* Writer and reader agree on the sketch's index range (defect 7). */
static void test_sketch_range(void)
{
    tap_ok(cot_sketch_index(DBL_MAX) == cot_sketch_index_max(), "top index is DBL_MAX's");
    tap_ok(cot_sketch_index(COT_SKETCH_MIN) == cot_sketch_index_min(),
           "bottom index is COT_SKETCH_MIN's");
    tap_ok(cot_sketch_index_max() > 20000 && cot_sketch_index_min() < -1000,
           "range %lld..%lld", (long long)cot_sketch_index_min(),
           (long long)cot_sketch_index_max());
    tap_ok(isfinite(cot_sketch_value(cot_sketch_index_max())),
           "the top bucket's centre is finite");
}

static int dcmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static uint64_t rng = 88172645463325252ULL;
static double urand(void)
{
    rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0;
}

static void test_sketch(void)
{
    enum { N = 60000 };
    double *v = malloc(N * sizeof *v);
    cot_sketch_t all, part[3];
    memset(&all, 0, sizeof all);
    memset(part, 0, sizeof part);
    for (int i = 0; i < N; i++) {
        double u = urand();
        /* Heavy-tailed mix: lognormal-ish magnitudes over 8 decades, some
         * negatives and some exact zeros. */
        double x = exp(18 * urand() - 9) * (u < 0.2 ? -1 : 1);
        if (u > 0.97) x = 0;
        v[i] = x;
        cot_sketch_add(&all, x);
        cot_sketch_add(&part[i % 3], x);
    }
    qsort(v, N, sizeof *v, dcmp);
    const double qs[] = {0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 1};
    int within = 1;
    for (size_t i = 0; i < sizeof qs / sizeof *qs; i++) {
        double truth = v[(size_t)floor(qs[i] * (N - 1))];
        double est = cot_sketch_quantile(&all, qs[i]);
        double err = fabs(est - truth);
        if (err > COT_SKETCH_ALPHA * fabs(truth) * (1 + 1e-9) + COT_SKETCH_MIN) {
            within = 0;
            tap_diag("q %g: estimate %.17g, truth %.17g", qs[i], est, truth);
        }
    }
    tap_ok(within, "sketch quantiles within relative error %g", COT_SKETCH_ALPHA);
    tap_ok(all.pos.len + all.neg.len < 2000, "sketch size bounded (%zu buckets)",
           all.pos.len + all.neg.len);
    cot_sketch_t m = {0};
    for (int i = 0; i < 3; i++) cot_sketch_merge(&m, &part[i]);
    int same = m.n == all.n && m.zero == all.zero && m.pos.off == all.pos.off &&
               m.pos.len == all.pos.len && m.neg.len == all.neg.len &&
               !memcmp(m.pos.c, all.pos.c, m.pos.len * sizeof *m.pos.c) &&
               !memcmp(m.neg.c, all.neg.c, m.neg.len * sizeof *m.neg.c);
    tap_ok(same, "merged sketch has exactly the single-pass buckets");
    int qsame = 1;
    for (size_t i = 0; i < sizeof qs / sizeof *qs; i++)
        qsame &= cot_sketch_quantile(&m, qs[i]) == cot_sketch_quantile(&all, qs[i]);
    tap_ok(qsame, "merged quantiles equal single-pass quantiles");
    cot_sketch_t e = {0};
    tap_ok(isnan(cot_sketch_quantile(&e, 0.5)), "empty sketch: NAN");
    cot_sketch_add(&e, 1e-12);
    tap_ok(cot_sketch_quantile(&e, 0.5) == 1e-12, "a tiny value is exact while kept");
    e.inexact = 1;
    tap_ok(cot_sketch_quantile(&e, 0.5) == 0, "tiny magnitudes count as zero in the buckets");
    cot_sketch_free(&e);
    cot_sketch_free(&m);
    cot_sketch_free(&all);
    for (int i = 0; i < 3; i++) cot_sketch_free(&part[i]);
    free(v);
}

/* Exact quantiles up to COT_SKETCH_EXACT values, as pandas/numpy give them
 * (linear interpolation), through merges too; the buckets past that. */
static void test_exact(void)
{
    static const double v[] = {1, 2, 2, 3, 3, 3, 4, 4, 4, 4, 100};
    cot_sketch_t s = {0}, a = {0}, b = {0}, m = {0};
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        cot_sketch_add(&s, v[i]);
        cot_sketch_add(i % 2 ? &a : &b, v[i]);
    }
    tap_ok(cot_sketch_exact(&s), "11 values: exact");
    tap_is_double(cot_sketch_quantile(&s, 0.5), 3, 0, "median 3, not 2.97");
    tap_is_double(cot_sketch_quantile(&s, 0.9), 4, 0, "p90 4");
    tap_is_double(cot_sketch_quantile(&s, 0.99), 90.4, 1e-12, "p99 90.4 (pandas), not 4.01");
    tap_is_double(cot_sketch_quantile(&s, 0.25), 2.5, 0, "p25 interpolates: 2.5");
    tap_is_double(cot_sketch_quantile(&s, 0), 1, 0, "p0 is the minimum");
    tap_is_double(cot_sketch_quantile(&s, 1), 100, 0, "p100 is the maximum");
    cot_sketch_merge(&m, &a);
    cot_sketch_merge(&m, &b);
    tap_ok(cot_sketch_exact(&m) && cot_sketch_quantile(&m, 0.99) == cot_sketch_quantile(&s, 0.99),
           "merged parts stay exact and agree");
    /* One past the bound: the buckets answer, rounded for integer data. */
    cot_sketch_t big = {0}, half1 = {0}, half2 = {0}, hm = {0};
    for (int i = 0; i <= COT_SKETCH_EXACT; i++) {
        cot_sketch_add(&big, (double)(i % 97));
        cot_sketch_add(i < COT_SKETCH_EXACT / 2 ? &half1 : &half2, (double)(i % 97));
    }
    tap_ok(!cot_sketch_exact(&big) && big.ex == NULL, "past %d values: buckets only, memory freed",
           COT_SKETCH_EXACT);
    double q = cot_sketch_quantile(&big, 0.5);
    tap_ok(q == floor(q) && fabs(q - 48) <= 1, "integer data: an integer quantile (%g)", q);
    tap_ok(cot_sketch_exact(&half1) && cot_sketch_exact(&half2), "each half is exact");
    cot_sketch_merge(&hm, &half1);
    cot_sketch_merge(&hm, &half2);
    tap_ok(!cot_sketch_exact(&hm) && cot_sketch_quantile(&hm, 0.5) == q,
           "halves merged past the bound: the same as one pass");
    cot_sketch_t f = {0};
    cot_sketch_add(&f, 0.25);
    cot_sketch_add(&f, 0.75);
    f.inexact = 1;
    q = cot_sketch_quantile(&f, 1);
    tap_ok(q != floor(q), "non-integer data is not rounded (%g)", q);
    cot_sketch_free(&s); cot_sketch_free(&a); cot_sketch_free(&b); cot_sketch_free(&m);
    cot_sketch_free(&big); cot_sketch_free(&half1); cot_sketch_free(&half2);
    cot_sketch_free(&hm); cot_sketch_free(&f);
}

static void test_keys(void)
{
    cot_buf_t b = {0};
    const char *cases[][2] = {
        {"\"rationalized\"", "\"rationalized\""}, {"3", "3"}, {"3.0", "3"},
        {"0.1", "0.1"}, {"-0", "0"}, {"true", "true"}, {"1e300", "1e+300"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        cJSON *j = cJSON_Parse(cases[i][0]);
        cot_buf_clear(&b);
        tap_ok(cot_stats_key(j, &b) == 0, "key of %s", cases[i][0]);
        tap_is_str(cot_buf_cstr(&b), cases[i][1], "key text");
        cJSON_Delete(j);
    }
    cJSON *o = cJSON_Parse("{\"a\":1}"), *nul = cJSON_Parse("null");
    tap_is_long(cot_stats_key(NULL, &b), -1, "absent field: missing");
    tap_is_long(cot_stats_key(nul, &b), -1, "null: missing");
    tap_is_long(cot_stats_key(o, &b), -2, "object: ill-typed");
    cJSON_Delete(o);
    cJSON_Delete(nul);
    cot_buf_clear(&b);
    cot_stats_key_show("\"a\\tb\"", &b);
    tap_is_str(cot_buf_cstr(&b), "a\tb", "shown string is decoded");
    cot_buf_free(&b);

    cot_smap_t m = {0};
    char k[32];
    int ok = 1;
    for (int i = 0; i < 5000; i++) {
        snprintf(k, sizeof k, "key%d", i);
        ok &= cot_smap_intern(&m, k, strlen(k), NULL) == (size_t)i;
    }
    for (int i = 0; i < 5000; i++) {
        snprintf(k, sizeof k, "key%d", i);
        ok &= cot_smap_find(&m, k, strlen(k)) == i;
    }
    tap_ok(ok && cot_smap_find(&m, "nope", 4) == -1, "string map: 5000 keys");
    cot_smap_free(&m);
}

static void test_partial(void)
{
    char *by[] = {"meta.env"}, *count[] = {"judge.verdict", "judge.labels"},
         *num[] = {"x"}, *ff[] = {"judge.verdict"}, *fv[] = {"rationalized"};
    cot_stat_opts_t o = {by, count, num, 1, 2, 1, "meta.step", ff, fv, 1};
    cot_stat_t a, b, c;
    cot_stat_init(&a, &o);
    cot_stat_init(&b, &o);
    const char *recs[] = {
        "{\"meta\":{\"env\":\"code\",\"step\":1},\"judge\":{\"verdict\":\"clean\",\"labels\":[\"x\",\"x\",\"y\"]},\"x\":0.5}",
        "{\"meta\":{\"env\":\"math\",\"step\":2},\"judge\":{\"verdict\":\"rationalized\"},\"x\":-2}",
        "{\"meta\":{\"step\":2},\"judge\":{\"verdict\":{}},\"x\":\"7\"}",
        "{\"meta\":{\"env\":\"code\",\"step\":3},\"judge\":{\"verdict\":\"rationalized\"},\"x\":1e6}",
    };
    for (int i = 0; i < 4; i++) {
        cJSON *j = cJSON_Parse(recs[i]);
        cot_stat_add(&a, j);
        cot_stat_add(i % 2 ? &b : &a, j);   /* b sees half, a sees all + half */
        cJSON_Delete(j);
    }
    a.lines = a.records;   /* as cot-stat sets them: a partial reads no more */
    cot_buf_t pa = {0}, pc = {0};
    cot_stat_partial_write(&a, &pa);
    cJSON *j = cJSON_Parse(pa.s);
    cot_stat_opts_t po;
    tap_ok(j && cot_stat_partial_opts(j, &po) == NULL, "partial options read back");
    tap_ok(cot_stat_opts_differ(&po, &o) == NULL, "partial options equal");
    cot_stat_init(&c, &po);
    tap_ok(cot_stat_partial_merge(&c, j) == NULL, "partial merges");
    cot_stat_partial_write(&c, &pc);
    /* Identical but for the count of partials merged (0 -> 1). */
    char *want = strstr(pa.s, "\"partials\":0");
    tap_ok(want != NULL, "a direct run has merged no partials");
    if (want) want[11] = '1';
    tap_is_str(pc.s, pa.s, "partial -> merge -> partial is byte-identical");
    cot_group_t *g = cot_stat_overall(&a);
    tap_ok(g->records == 6 && g->cat[0].badtype == 2 && g->num[0].badtype == 2,
           "ill-typed values are counted as ill-typed, not zero");
    long lx = cot_smap_find(&g->cat[1].vals, "\"x\"", 3);
    tap_ok(lx >= 0 && g->cat[1].cnt[lx] == 2, "array elements count once per record");
    cot_group_free(g, &a.o);
    char *by2[] = {"meta.model"};
    cot_stat_opts_t o2 = o;
    o2.by = by2;
    tap_is_str(cot_stat_opts_differ(&o, &o2), "--by", "different --by is refused");
    o2 = o;
    o2.ncount = 1;
    tap_is_str(cot_stat_opts_differ(&o, &o2), "--count", "different --count is refused");
    cJSON *bad = cJSON_Parse("{\"hello\":1}");
    cot_stat_opts_t bo;
    tap_ok(cot_stat_partial_opts(bad, &bo) != NULL, "not a partial: refused");
    cot_stat_opts_free(&bo);
    cJSON_Delete(bad);
    cJSON_Delete(j);
    cot_stat_opts_free(&po);
    cot_buf_free(&pa);
    cot_buf_free(&pc);
    cot_stat_free(&a);
    cot_stat_free(&b);
    cot_stat_free(&c);
}

static void test_gates(void)
{
    cot_gate_t g;
    tap_ok(cot_gate_parse(&g, COT_GATE_MAX_RATE, "judge.verdict=rationalized:0.01") == NULL,
           "rate gate parses");
    tap_is_str(g.field, "judge.verdict", "gate field");
    tap_is_str(g.value, "rationalized", "gate value");
    tap_is_double(g.limit, 0.01, 0, "gate limit");
    cot_gate_free(&g);
    tap_ok(cot_gate_parse(&g, COT_GATE_MIN_RATE, "meta.t=a:b=c:0.5") == NULL &&
           !strcmp(g.value, "a:b=c"), "value may hold ':' and '='");
    cot_gate_free(&g);
    tap_ok(cot_gate_parse(&g, COT_GATE_MAX_MEAN, "diff.cot.similarity:-3") == NULL &&
           g.limit == -3, "mean gate parses");
    cot_gate_free(&g);
    tap_is_str(cot_gate_parse(&g, COT_GATE_MAX_RATE, "a=b:1.5"),
               "a rate LIMIT must be between 0 and 1", "rate limit over 1");
    tap_is_str(cot_gate_parse(&g, COT_GATE_MAX_RATE, "a:0.5"),
               "expected FIELD=VALUE:LIMIT", "rate gate without value");
    tap_is_str(cot_gate_parse(&g, COT_GATE_MAX_MEAN, "a"),
               "expected ':LIMIT' at the end", "no limit");
    tap_is_str(cot_gate_parse(&g, COT_GATE_MAX_MEAN, "a:x"),
               "LIMIT is not a number", "limit not a number");
}

int main(void)
{
    test_wilson();
    test_normal();
    test_trend();
    test_welford();
    test_welford_huge();
    test_sketch();
    test_sketch_range();
    test_exact();
    test_keys();
    test_partial();
    test_gates();
    return tap_done();
}
