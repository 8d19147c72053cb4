/* stats.h -- the numbers behind cot-stat: interval estimates, a trend test,
 * mergeable summaries, and the grouped aggregate that cot-stat fills from
 * records, writes as a partial and merges back.
 *
 * Everything here is exact where it can be and mergeable by construction:
 * counts add, Welford summaries combine with Chan's formula, and the
 * quantile sketch merges by adding bucket counts, so a sharded run merged
 * gives the same counts and the same quantiles as one pass.
 */
#ifndef COT_STATS_H
#define COT_STATS_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>
#include "fingerprint.h"
#include "util.h"

/* ---- interval estimates and tests -------------------------------------- */

/* z for a two-sided 95% interval: the 0.975 quantile of N(0,1). */
#define COT_Z95 1.959963984540054

/* Wilson score interval for k successes in n trials with critical value z
 * (COT_Z95 for 95%).  n == 0 gives [0, 1]. */
void cot_stats_wilson(uint64_t k, uint64_t n, double z, double *lo, double *hi);

/* Standard normal upper tail P(Z > z), computed as erfc(z/sqrt 2)/2. */
double cot_stats_norm_sf(double z);

typedef struct {
    double slope;     /* weighted least-squares slope of rate on score,
                         weights n_i (rate change per unit of score)      */
    double z;         /* Cochran-Armitage statistic; > 0 means rising     */
    double p;         /* two-sided p-value, erfc(|z|/sqrt 2)              */
    double p_rise;    /* one-sided p-value for a rise, P(Z > z)           */
    int    ok;        /* 0 when degenerate (fewer than two scores with
                         data, or every rate 0 or every rate 1): then
                         slope, z are 0 and p, p_rise are 1               */
} cot_trend_t;

/* Cochran-Armitage test for a linear trend in proportions k[i]/n[i] over
 * scores s[i], i < m, and the WLS slope.  Buckets with n[i] == 0 are
 * ignored.  Formulas (Agresti, Categorical Data Analysis, 5.3.5):
 *   N = sum n_i, pbar = sum k_i / N, sbar = sum n_i s_i / N,
 *   T = sum k_i (s_i - sbar), Sxx = sum n_i (s_i - sbar)^2,
 *   z = T / sqrt(pbar (1 - pbar) Sxx),  slope = T / Sxx. */
void cot_stats_trend(const uint64_t *k, const uint64_t *n, const double *s,
                     size_t m, cot_trend_t *out);

/* ---- Welford mean / variance, mergeable -------------------------------- */

/* Squares of values beyond 2^480 (about 3e144) would overflow a double, so
 * once such a value is seen the deviations are kept in units of 2^scale:
 * m2 is the sum of squared deviations divided by 4^scale.  Below that
 * (scale 0) the arithmetic is plain Welford.  For any finite inputs mean,
 * m2 and min/max stay finite; only an sd beyond the double range (values
 * near +-1.8e308) comes out infinite. */
#define COT_WELFORD_BIG_EXP 480

typedef struct {
    uint64_t n;
    double mean, m2;      /* running mean, sum of squared deviations / 4^scale */
    double min, max;      /* valid when n > 0                        */
    int    scale;         /* 0 .. 1100                               */
} cot_welford_t;

void   cot_welford_add(cot_welford_t *w, double x);    /* x finite */
/* a += b (Chan, Golub and LeVeque's pairwise update). */
void   cot_welford_merge(cot_welford_t *a, const cot_welford_t *b);
/* Sample standard deviation (n - 1); NAN when n < 2; INFINITY only when the
 * true sd exceeds DBL_MAX. */
double cot_welford_sd(const cot_welford_t *w);

/* ---- quantile sketch ---------------------------------------------------- */

/* DDSketch-style log buckets (Masson, Rim and Lee, VLDB 2019).  A value x
 * with |x| >= COT_SKETCH_MIN goes to bucket i = cot_sketch_index(|x|) =
 * ceil(log|x| / log gamma),
 * gamma = (1 + alpha) / (1 - alpha), one bucket array for each sign;
 * smaller magnitudes count as zero.  A quantile is answered with the
 * bucket's centre 2 gamma^i / (gamma + 1), so it is within relative error
 * alpha of the true order statistic x_(floor(q (n - 1))) (0-based), and
 * within COT_SKETCH_MIN absolutely for values counted as zero.  Memory is
 * bounded by the range of magnitudes: indices run from
 * cot_sketch_index(COT_SKETCH_MIN) (-1036) to cot_sketch_index(DBL_MAX)
 * (35,488), about 36,500 buckets per sign for the whole double range, never
 * more with the number of values.  Merging adds bucket counts, so a merged
 * sketch equals the single-pass one exactly. */
#define COT_SKETCH_ALPHA 0.01
#define COT_SKETCH_MIN   1e-9

/* The bucket index of a magnitude a >= COT_SKETCH_MIN (finite). */
int64_t cot_sketch_index(double a);
/* The range of indices cot_sketch_add() can make: what a partial may hold. */
int64_t cot_sketch_index_min(void);
int64_t cot_sketch_index_max(void);

typedef struct {
    int64_t  off;     /* bucket index of c[0]   */
    size_t   len;
    uint64_t *c;
} cot_sketch_side_t;

/* Up to COT_SKETCH_EXACT values are also kept as they are, so that small
 * sets (most groups of an audit) get exact quantiles, the ones pandas gives
 * by default (linear interpolation between order statistics); past that the
 * values are let go and the buckets answer.  Merges keep them while the
 * total stays within the bound, so a merged run is exact exactly when one
 * pass is. */
#define COT_SKETCH_EXACT 10000

typedef struct {
    cot_sketch_side_t pos, neg;
    uint64_t zero, n;
    double  *ex;      /* the values themselves, while exact (nex == n)     */
    size_t   nex;
    int      inexact; /* more than COT_SKETCH_EXACT values were seen, or a
                         partial without them was merged in               */
    int      notint;  /* some value is not an integer                     */
} cot_sketch_t;

void   cot_sketch_add(cot_sketch_t *s, double x);        /* x finite */
/* 1 while every value is kept (quantiles are exact). */
int    cot_sketch_exact(const cot_sketch_t *s);
/* Keep x as one of the exact values of a sketch read from a partial (its
 * buckets come with cot_sketch_add_bucket); call once per value. */
void   cot_sketch_add_exact(cot_sketch_t *s, double x);
/* Add count c to bucket `index` of one side (sign > 0: positive,
 * sign < 0: negative, 0: the zero count), as read from a partial. */
void   cot_sketch_add_bucket(cot_sketch_t *s, int sign, int64_t index,
                             uint64_t c);
void   cot_sketch_merge(cot_sketch_t *a, const cot_sketch_t *b);
/* The q-quantile (0 <= q <= 1); NAN when empty.  Exact (pandas' linear
 * interpolation: x[floor(h)] + (h - floor(h)) (x[floor(h)+1] - x[floor(h)]),
 * h = q (n - 1)) while the values are kept; else the bucket's centre, rounded
 * to an integer when every value was one. */
double cot_sketch_quantile(const cot_sketch_t *s, double q);
/* The bucket centre that represents index i (for histograms). */
double cot_sketch_value(int64_t i);
void   cot_sketch_free(cot_sketch_t *s);

/* ---- a small string-keyed map ------------------------------------------ */

/* Open addressing; keys are copied.  Values are indices 0..n-1 in insertion
 * order, so callers keep parallel arrays. */
typedef struct {
    char   **keys;    /* keys[i] for index i (insertion order)           */
    size_t   n;
    uint32_t *slot;   /* hash table of index + 1 (0 = empty), cap slots  */
    size_t   cap;
} cot_smap_t;

/* Index of key, or -1. */
long   cot_smap_find(const cot_smap_t *m, const char *key, size_t len);
/* Index of key, inserting it when new (*isnew set when given). */
size_t cot_smap_intern(cot_smap_t *m, const char *key, size_t len, int *isnew);
void   cot_smap_free(cot_smap_t *m);

/* ---- value keys --------------------------------------------------------- */

/* How a JSON value is keyed: strings as a JSON string literal ("\"x\""),
 * numbers as the input spells them (their source text, json.h: 1 and 1.0
 * are two keys, and 12345678901234567890 is not rounded), a number without
 * source text in shortest round-trip form, true/false; a missing field or null is COT_KEY_MISSING, an object or
 * array is COT_KEY_BADTYPE.  Returns 0, or -1 (missing) / -2 (ill-typed)
 * with b untouched. */
#define COT_KEY_MISSING "null"
#define COT_KEY_BADTYPE "?"
int  cot_stats_key(const cJSON *v, cot_buf_t *b);
/* Write a key as a person reads it into b: strings unquoted, missing as
 * "(missing)", ill-typed as "(ill-typed)". */
void cot_stats_key_show(const char *key, cot_buf_t *b);
/* Format a double in shortest round-trip form ("3", "0.1", "1e+300"). */
void cot_stats_fmt_num(double x, cot_buf_t *b);

/* ---- the grouped aggregate --------------------------------------------- */

typedef struct {
    char **by, **count, **num;     /* field paths                        */
    size_t nby, ncount, nnum;
    char  *trend;                  /* trend field or NULL                */
    char **forf, **forv;           /* --for FIELD=VALUE pairs            */
    size_t nfor;
} cot_stat_opts_t;

typedef struct {                   /* categorical field in one group     */
    cot_smap_t vals;
    uint64_t  *cnt;                /* per value (index of vals)          */
    uint64_t   present, missing, badtype;
} cot_cat_t;

typedef struct {                   /* numeric field in one group         */
    cot_welford_t w;
    cot_sketch_t  sk;
    uint64_t      missing, badtype;
} cot_num_t;

typedef struct {                   /* trend buckets in one group         */
    cot_smap_t keys;               /* natural trend values               */
    uint64_t  *n, *k;              /* [bucket * nfor + f]                */
    uint64_t   missing;            /* records without a trend value      */
    uint64_t  *for_missing;        /* [f]: for-field missing (or null)   */
    uint64_t  *for_badtype;        /* [f]: for-field ill-typed           */
} cot_tgroup_t;

typedef struct {
    uint64_t   records;
    cot_cat_t *cat;                /* [ncount] */
    cot_num_t *num;                /* [nnum]   */
    cot_tgroup_t tr;
} cot_group_t;

typedef struct {
    cot_stat_opts_t o;
    cot_smap_t  gkeys;             /* group key: by-keys joined with '\t' */
    cot_group_t **g;               /* [gkeys.n]                           */
    uint64_t    lines, records, rejected;
    cot_smap_t  rkinds;            /* rejection kinds                     */
    uint64_t   *rcount;
    uint64_t    partials;          /* partials merged (0: a direct run)   */
    cot_smap_t *forvals;           /* [nfor]: the keys each --for field
                                      holds where the trend field has a
                                      value (array elements one by one),
                                      at most COT_FOR_VALUES_MAX: what a
                                      misspelt --for VALUE may have meant */
    const cot_fp_t *fp;            /* written into partials; NULL: none   */
    cot_buf_t   scratch, kb;
} cot_stat_t;

/* opts is copied (deep).  */
void cot_stat_init(cot_stat_t *st, const cot_stat_opts_t *opts);
void cot_stat_add(cot_stat_t *st, const cJSON *rec);
/* The first member on the way of one of st's paths (--by, --count, --num,
 * --trend, --for, in that order) that rec gives twice, and that path in
 * *path; NULL when none is.  cot_stat_add() would count the first one,
 * Python's json and jq the last: such a record is bad data, not counted. */
const char *cot_stat_twice(const cot_stat_t *st, const cJSON *rec, const char **path);
void cot_stat_add_reject(cot_stat_t *st, const char *kind, uint64_t n);
/* A new group holding everything (the "overall" figures); caller frees it
 * with cot_group_free(g, &st->o). */
cot_group_t *cot_stat_overall(const cot_stat_t *st);
void cot_group_free(cot_group_t *g, const cot_stat_opts_t *o);
void cot_stat_free(cot_stat_t *st);

/* Return NULL when a and b shape a run the same way, else a message naming
 * the first option that differs (static storage). */
const char *cot_stat_opts_differ(const cot_stat_opts_t *a,
                                 const cot_stat_opts_t *b);

/* The partial: one JSON object on one line, exact (counts as integers,
 * doubles in round-trip form, every one finite), with st->fp as its
 * "fingerprint" (an empty one when NULL).  Appends to b. */
#define COT_PARTIAL_VERSION 4
#define COT_FOR_VALUES_MAX 1024
void cot_stat_partial_write(const cot_stat_t *st, cot_buf_t *b);
/* Is j a cot-stat partial (of any version)?  For refusing one as a record. */
int cot_stat_is_partial(const cJSON *j);
/* Read the options of a partial into o (strings owned by o; free with
 * cot_stat_opts_free).  Returns NULL or a message saying what is wrong. */
const char *cot_stat_partial_opts(const cJSON *j, cot_stat_opts_t *o);
/* Merge a partial into st, whose options must equal the partial's (check
 * with cot_stat_opts_differ first).  NULL or an error message. */
const char *cot_stat_partial_merge(cot_stat_t *st, const cJSON *j);
void cot_stat_opts_free(cot_stat_opts_t *o);

/* How many records had a value for field i of a kind ('b' --by, 'c'
 * --count, 'n' --num, 't' --trend, 'f' --for), out of how many were looked
 * at (*n; for a --for field, the records with a trend value).  A value of
 * the wrong type counts as had, except for the trend field, where the
 * aggregate cannot tell it from a missing one.  For a merged run, which
 * holds no records, only counts. */
void cot_stat_field_counts(const cot_stat_t *st, char kind, size_t i,
                           uint64_t *had, uint64_t *n);

#endif
