/* stats.c -- see stats.h */
#include "stats.h"
#include "json.h"
#include "record.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- interval estimates and tests -------------------------------------- */

void cot_stats_wilson(uint64_t k, uint64_t n, double z, double *lo, double *hi)
{
    if (n == 0) { *lo = 0; *hi = 1; return; }
    double nn = (double)n, p = (double)k / nn, z2 = z * z;
    double denom = 1 + z2 / nn;
    double centre = (p + z2 / (2 * nn)) / denom;
    double half = z * sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn)) / denom;
    *lo = centre - half;
    *hi = centre + half;
    /* The exact bounds at k = 0 and k = n are 0 and 1; rounding must not
     * push them outside [0, 1]. */
    if (k == 0 || *lo < 0) *lo = 0;
    if (k == n || *hi > 1) *hi = 1;
}

double cot_stats_norm_sf(double z)
{
    return 0.5 * erfc(z / M_SQRT2);
}

void cot_stats_trend(const uint64_t *k, const uint64_t *n, const double *s,
                     size_t m, cot_trend_t *out)
{
    double N = 0, K = 0, S = 0;
    size_t used = 0;
    memset(out, 0, sizeof *out);
    out->p = out->p_rise = 1;
    for (size_t i = 0; i < m; i++) {
        if (!n[i]) continue;
        N += (double)n[i];
        K += (double)k[i];
        S += (double)n[i] * s[i];
        used++;
    }
    if (used < 2) return;
    double pbar = K / N, sbar = S / N, T = 0, Sxx = 0;
    for (size_t i = 0; i < m; i++) {
        if (!n[i]) continue;
        double d = s[i] - sbar;
        T += (double)k[i] * d;
        Sxx += (double)n[i] * d * d;
    }
    if (Sxx <= 0 || pbar <= 0 || pbar >= 1) return;
    out->ok = 1;
    out->slope = T / Sxx;
    out->z = T / sqrt(pbar * (1 - pbar) * Sxx);
    out->p = erfc(fabs(out->z) / M_SQRT2);
    out->p_rise = cot_stats_norm_sf(out->z);
}

/* ---- Welford ------------------------------------------------------------ */

/* Keep deviations in units of 2^scale, scale >= s: rescaling by a power of
 * two is exact (bar underflow of deviations 2^1000 times smaller than the
 * largest, which cannot move the sum). */
static void welford_rescale(cot_welford_t *w, int s)
{
    if (s <= w->scale) return;
    w->m2 = ldexp(w->m2, -2 * (s - w->scale));
    w->scale = s;
}

/* The scale a value needs: 0 up to 2^COT_WELFORD_BIG_EXP. */
static int welford_need(double x)
{
    int e = ilogb(x);
    return x != 0 && e > COT_WELFORD_BIG_EXP ? e - COT_WELFORD_BIG_EXP : 0;
}

void cot_welford_add(cot_welford_t *w, double x)
{
    if (w->n == 0 || x < w->min) w->min = x;
    if (w->n == 0 || x > w->max) w->max = x;
    welford_rescale(w, welford_need(x));
    w->n++;
    /* At scale 0, ldexp(v, 0) == v: plain Welford, bit for bit. */
    double xs = ldexp(x, -w->scale), ms = ldexp(w->mean, -w->scale);
    double d = xs - ms;
    ms += d / (double)w->n;
    w->m2 += d * (xs - ms);
    w->mean = ldexp(ms, w->scale);
}

void cot_welford_merge(cot_welford_t *a, const cot_welford_t *b)
{
    if (b->n == 0) return;
    if (a->n == 0) { *a = *b; return; }
    cot_welford_t bb = *b;
    int s = a->scale > bb.scale ? a->scale : bb.scale;
    welford_rescale(a, s);
    welford_rescale(&bb, s);
    double na = (double)a->n, nb = (double)bb.n, n = na + nb;
    double ams = ldexp(a->mean, -s), d = ldexp(bb.mean, -s) - ams;
    a->mean = ldexp(ams + d * nb / n, s);
    a->m2 += bb.m2 + d * d * na * nb / n;
    if (bb.min < a->min) a->min = bb.min;
    if (bb.max > a->max) a->max = bb.max;
    a->n += bb.n;
}

double cot_welford_sd(const cot_welford_t *w)
{
    if (w->n < 2) return NAN;
    double v = w->m2 / (double)(w->n - 1);
    return v > 0 ? ldexp(sqrt(v), w->scale) : 0;
}

/* ---- sketch -------------------------------------------------------------- */

static double sk_lgamma(void)
{
    static double lg;
    if (!lg) lg = log((1 + COT_SKETCH_ALPHA) / (1 - COT_SKETCH_ALPHA));
    return lg;
}

double cot_sketch_value(int64_t i)
{
    const double g = (1 + COT_SKETCH_ALPHA) / (1 - COT_SKETCH_ALPHA);
    double e = (double)i * sk_lgamma();
    /* The top buckets' centres are near DBL_MAX: keep exp() in range. */
    if (e > 700) return exp(e - 1) * (2 * M_E / (g + 1));
    return 2 * exp(e) / (g + 1);
}

static void side_add(cot_sketch_side_t *sd, int64_t i, uint64_t c)
{
    if (sd->len == 0) {
        sd->c = cot_calloc(1, sizeof *sd->c);
        sd->off = i;
        sd->len = 1;
    } else if (i < sd->off) {
        size_t grow = (size_t)(sd->off - i);
        sd->c = cot_realloc(sd->c, (sd->len + grow) * sizeof *sd->c);
        memmove(sd->c + grow, sd->c, sd->len * sizeof *sd->c);
        memset(sd->c, 0, grow * sizeof *sd->c);
        sd->len += grow;
        sd->off = i;
    } else if (i >= sd->off + (int64_t)sd->len) {
        size_t nl = (size_t)(i - sd->off) + 1;
        sd->c = cot_realloc(sd->c, nl * sizeof *sd->c);
        memset(sd->c + sd->len, 0, (nl - sd->len) * sizeof *sd->c);
        sd->len = nl;
    }
    sd->c[i - sd->off] += c;
}

void cot_sketch_add_bucket(cot_sketch_t *s, int sign, int64_t index, uint64_t c)
{
    if (!c) return;
    if (sign > 0) side_add(&s->pos, index, c);
    else if (sign < 0) side_add(&s->neg, index, c);
    else s->zero += c;
    s->n += c;
}

int64_t cot_sketch_index(double a)
{
    return (int64_t)ceil(log(a) / sk_lgamma());
}

int64_t cot_sketch_index_min(void) { return cot_sketch_index(COT_SKETCH_MIN); }
int64_t cot_sketch_index_max(void) { return cot_sketch_index(DBL_MAX); }

int cot_sketch_exact(const cot_sketch_t *s)
{
    return !s->inexact && s->nex == s->n;
}

static void exact_drop(cot_sketch_t *s)
{
    free(s->ex);
    s->ex = NULL;
    s->nex = 0;
    s->inexact = 1;
}

void cot_sketch_add_exact(cot_sketch_t *s, double x)
{
    if (s->inexact) return;
    if (s->nex >= COT_SKETCH_EXACT) { exact_drop(s); return; }
    /* Grow by doubling, from 16: small groups stay small. */
    if (!(s->nex & (s->nex - 1)) && s->nex >= 16)
        s->ex = cot_realloc(s->ex, 2 * s->nex * sizeof *s->ex);
    else if (!s->ex)
        s->ex = cot_malloc(16 * sizeof *s->ex);
    s->ex[s->nex++] = x;
    if (x != floor(x)) s->notint = 1;
}

void cot_sketch_add(cot_sketch_t *s, double x)
{
    double a = fabs(x);
    if (x != floor(x)) s->notint = 1;
    cot_sketch_add_exact(s, x);
    if (a < COT_SKETCH_MIN) { cot_sketch_add_bucket(s, 0, 0, 1); return; }
    cot_sketch_add_bucket(s, x > 0 ? 1 : -1, cot_sketch_index(a), 1);
}

void cot_sketch_merge(cot_sketch_t *a, const cot_sketch_t *b)
{
    if (cot_sketch_exact(a) && cot_sketch_exact(b) && a->nex + b->nex <= COT_SKETCH_EXACT) {
        for (size_t i = 0; i < b->nex; i++) cot_sketch_add_exact(a, b->ex[i]);
    } else {
        exact_drop(a);
    }
    a->notint |= b->notint;
    for (size_t i = 0; i < b->pos.len; i++)
        cot_sketch_add_bucket(a, 1, b->pos.off + (int64_t)i, b->pos.c[i]);
    for (size_t i = 0; i < b->neg.len; i++)
        cot_sketch_add_bucket(a, -1, b->neg.off + (int64_t)i, b->neg.c[i]);
    cot_sketch_add_bucket(a, 0, 0, b->zero);
}

static int dbl_cmp(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

static double exact_quantile(const cot_sketch_t *s, double q)
{
    /* Sorted on demand: quantiles are asked for a few times per report. */
    qsort(s->ex, s->nex, sizeof *s->ex, dbl_cmp);
    double h = q * (double)(s->nex - 1), lo = floor(h);
    size_t i = (size_t)lo;
    if (i + 1 >= s->nex) return s->ex[s->nex - 1];
    return s->ex[i] + (h - lo) * (s->ex[i + 1] - s->ex[i]);
}

static double bucket_quantile(const cot_sketch_t *s, double q);

double cot_sketch_quantile(const cot_sketch_t *s, double q)
{
    if (s->n == 0) return NAN;
    if (q < 0) q = 0;
    if (q > 1) q = 1;
    if (cot_sketch_exact(s)) return exact_quantile(s, q);
    double x = bucket_quantile(s, q);
    return s->notint ? x : nearbyint(x);
}

static double bucket_quantile(const cot_sketch_t *s, double q)
{
    uint64_t r = (uint64_t)floor(q * (double)(s->n - 1)), cum = 0;
    for (size_t j = s->neg.len; j-- > 0;) {
        cum += s->neg.c[j];
        if (cum > r) return -cot_sketch_value(s->neg.off + (int64_t)j);
    }
    cum += s->zero;
    if (cum > r) return 0;
    for (size_t j = 0; j < s->pos.len; j++) {
        cum += s->pos.c[j];
        if (cum > r) return cot_sketch_value(s->pos.off + (int64_t)j);
    }
    return NAN;   /* not reached: counts add up to n */
}

void cot_sketch_free(cot_sketch_t *s)
{
    free(s->pos.c);
    free(s->neg.c);
    free(s->ex);
    memset(s, 0, sizeof *s);
}

/* ---- string map ---------------------------------------------------------- */

static uint64_t hash(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)p[i]) * 1099511628211ULL;
    return h ^ (h >> 29);
}

static int key_eq(const char *k, const char *p, size_t n)
{
    return !strncmp(k, p, n) && k[n] == 0;
}

long cot_smap_find(const cot_smap_t *m, const char *key, size_t len)
{
    if (!m->cap) return -1;
    for (size_t i = hash(key, len) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        uint32_t v = m->slot[i];
        if (!v) return -1;
        if (key_eq(m->keys[v - 1], key, len)) return (long)v - 1;
    }
}

static void smap_grow(cot_smap_t *m)
{
    size_t cap = m->cap ? m->cap * 2 : 16;
    uint32_t *slot = cot_calloc(cap, sizeof *slot);
    for (size_t j = 0; j < m->n; j++) {
        size_t i = hash(m->keys[j], strlen(m->keys[j])) & (cap - 1);
        while (slot[i]) i = (i + 1) & (cap - 1);
        slot[i] = (uint32_t)j + 1;
    }
    free(m->slot);
    m->slot = slot;
    m->cap = cap;
    m->keys = cot_realloc(m->keys, cap / 2 * sizeof *m->keys);
}

size_t cot_smap_intern(cot_smap_t *m, const char *key, size_t len, int *isnew)
{
    if (isnew) *isnew = 0;
    if (m->cap) {
        for (size_t i = hash(key, len) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
            uint32_t v = m->slot[i];
            if (!v) break;
            if (key_eq(m->keys[v - 1], key, len)) return v - 1;
        }
    }
    if ((m->n + 1) * 2 > m->cap) smap_grow(m);
    size_t i = hash(key, len) & (m->cap - 1);
    while (m->slot[i]) i = (i + 1) & (m->cap - 1);
    m->keys[m->n] = cot_strndup(key, len);
    m->slot[i] = (uint32_t)m->n + 1;
    if (isnew) *isnew = 1;
    return m->n++;
}

void cot_smap_free(cot_smap_t *m)
{
    for (size_t i = 0; i < m->n; i++) free(m->keys[i]);
    free(m->keys);
    free(m->slot);
    memset(m, 0, sizeof *m);
}

/* ---- value keys ---------------------------------------------------------- */

void cot_stats_fmt_num(double x, cot_buf_t *b)
{
    char t[40];
    if (x == 0) x = 0;   /* no "-0" */
    snprintf(t, sizeof t, "%.15g", x);
    if (strtod(t, NULL) != x) snprintf(t, sizeof t, "%.17g", x);
    cot_buf_adds(b, t);
}

int cot_stats_key(const cJSON *v, cot_buf_t *b)
{
    if (!v || cJSON_IsNull(v)) return -1;
    if (cJSON_IsString(v)) {
        cot_buf_add_json_str(b, v->valuestring, strlen(v->valuestring));
    } else if (cJSON_IsNumber(v) && v->valuestring) {
        cot_buf_adds(b, v->valuestring);   /* as the input spells it (json.h) */
    } else if (cJSON_IsNumber(v)) {
        if (!isfinite(v->valuedouble)) return -2;
        cot_stats_fmt_num(v->valuedouble, b);
    } else if (cJSON_IsBool(v)) {
        cot_buf_adds(b, cJSON_IsTrue(v) ? "true" : "false");
    } else {
        return -2;
    }
    return 0;
}

void cot_stats_key_show(const char *key, cot_buf_t *b)
{
    if (!strcmp(key, COT_KEY_MISSING)) { cot_buf_adds(b, "(missing)"); return; }
    if (!strcmp(key, COT_KEY_BADTYPE)) { cot_buf_adds(b, "(ill-typed)"); return; }
    if (key[0] == '"') {
        cJSON *j = cot_cjson_parse(key, strlen(key), NULL);
        if (cJSON_IsString(j)) cot_buf_adds(b, j->valuestring);
        cJSON_Delete(j);
        return;
    }
    cot_buf_adds(b, key);
}

/* ---- options ------------------------------------------------------------- */

static char **strv_dup(char *const *v, size_t n)
{
    char **d = cot_calloc(n + 1, sizeof *d);
    for (size_t i = 0; i < n; i++) d[i] = cot_strdup(v[i]);
    return d;
}

static void strv_free(char **v, size_t n)
{
    if (!v) return;
    for (size_t i = 0; i < n; i++) free(v[i]);
    free(v);
}

static void opts_copy(cot_stat_opts_t *d, const cot_stat_opts_t *s)
{
    d->nby = s->nby; d->ncount = s->ncount; d->nnum = s->nnum; d->nfor = s->nfor;
    d->by = strv_dup(s->by, s->nby);
    d->count = strv_dup(s->count, s->ncount);
    d->num = strv_dup(s->num, s->nnum);
    d->forf = strv_dup(s->forf, s->nfor);
    d->forv = strv_dup(s->forv, s->nfor);
    d->trend = s->trend ? cot_strdup(s->trend) : NULL;
}

void cot_stat_opts_free(cot_stat_opts_t *o)
{
    strv_free(o->by, o->nby);
    strv_free(o->count, o->ncount);
    strv_free(o->num, o->nnum);
    strv_free(o->forf, o->nfor);
    strv_free(o->forv, o->nfor);
    free(o->trend);
    memset(o, 0, sizeof *o);
}

static int strv_differ(char *const *a, size_t na, char *const *b, size_t nb)
{
    if (na != nb) return 1;
    for (size_t i = 0; i < na; i++)
        if (strcmp(a[i], b[i])) return 1;
    return 0;
}

const char *cot_stat_opts_differ(const cot_stat_opts_t *a,
                                 const cot_stat_opts_t *b)
{
    if (strv_differ(a->by, a->nby, b->by, b->nby)) return "--by";
    if (strv_differ(a->count, a->ncount, b->count, b->ncount)) return "--count";
    if (strv_differ(a->num, a->nnum, b->num, b->nnum)) return "--num";
    if ((a->trend == NULL) != (b->trend == NULL) ||
        (a->trend && strcmp(a->trend, b->trend))) return "--trend";
    if (strv_differ(a->forf, a->nfor, b->forf, b->nfor) ||
        strv_differ(a->forv, a->nfor, b->forv, b->nfor)) return "--for";
    return NULL;
}

/* ---- groups -------------------------------------------------------------- */

static cot_group_t *group_new(const cot_stat_opts_t *o)
{
    cot_group_t *g = cot_calloc(1, sizeof *g);
    g->cat = cot_calloc(o->ncount + 1, sizeof *g->cat);
    g->num = cot_calloc(o->nnum + 1, sizeof *g->num);
    g->tr.for_missing = cot_calloc(o->nfor + 1, sizeof *g->tr.for_missing);
    g->tr.for_badtype = cot_calloc(o->nfor + 1, sizeof *g->tr.for_badtype);
    return g;
}

void cot_group_free(cot_group_t *g, const cot_stat_opts_t *o)
{
    if (!g) return;
    for (size_t i = 0; i < o->ncount; i++) {
        cot_smap_free(&g->cat[i].vals);
        free(g->cat[i].cnt);
    }
    for (size_t i = 0; i < o->nnum; i++) cot_sketch_free(&g->num[i].sk);
    cot_smap_free(&g->tr.keys);
    free(g->tr.n);
    free(g->tr.k);
    free(g->tr.for_missing);
    free(g->tr.for_badtype);
    free(g->cat);
    free(g->num);
    free(g);
}

/* Count `c` more of value `key` in a categorical field. */
static void cat_add(cot_cat_t *c, const char *key, size_t len, uint64_t n)
{
    int isnew;
    size_t i = cot_smap_intern(&c->vals, key, len, &isnew);
    if (isnew) {
        /* keys grows in powers of two alongside; keep cnt the same size */
        c->cnt = cot_realloc(c->cnt, c->vals.cap / 2 * sizeof *c->cnt);
        c->cnt[i] = 0;
    }
    c->cnt[i] += n;
}

static size_t trend_bucket(cot_tgroup_t *t, const char *key, size_t len,
                           size_t nfor)
{
    int isnew;
    size_t i = cot_smap_intern(&t->keys, key, len, &isnew);
    if (isnew) {
        size_t cap = t->keys.cap / 2 * (nfor ? nfor : 1);
        t->n = cot_realloc(t->n, cap * sizeof *t->n);
        t->k = cot_realloc(t->k, cap * sizeof *t->k);
        for (size_t f = 0; f < nfor; f++) t->n[i * nfor + f] = t->k[i * nfor + f] = 0;
    }
    return i;
}

static void group_merge(cot_group_t *a, const cot_group_t *b,
                        const cot_stat_opts_t *o)
{
    a->records += b->records;
    for (size_t i = 0; i < o->ncount; i++) {
        const cot_cat_t *cb = &b->cat[i];
        cot_cat_t *ca = &a->cat[i];
        ca->present += cb->present;
        ca->missing += cb->missing;
        ca->badtype += cb->badtype;
        for (size_t v = 0; v < cb->vals.n; v++)
            cat_add(ca, cb->vals.keys[v], strlen(cb->vals.keys[v]), cb->cnt[v]);
    }
    for (size_t i = 0; i < o->nnum; i++) {
        cot_welford_merge(&a->num[i].w, &b->num[i].w);
        cot_sketch_merge(&a->num[i].sk, &b->num[i].sk);
        a->num[i].missing += b->num[i].missing;
        a->num[i].badtype += b->num[i].badtype;
    }
    a->tr.missing += b->tr.missing;
    for (size_t f = 0; f < o->nfor; f++) {
        a->tr.for_missing[f] += b->tr.for_missing[f];
        a->tr.for_badtype[f] += b->tr.for_badtype[f];
    }
    for (size_t j = 0; j < b->tr.keys.n; j++) {
        const char *key = b->tr.keys.keys[j];
        size_t i = trend_bucket(&a->tr, key, strlen(key), o->nfor);
        for (size_t f = 0; f < o->nfor; f++) {
            a->tr.n[i * o->nfor + f] += b->tr.n[j * o->nfor + f];
            a->tr.k[i * o->nfor + f] += b->tr.k[j * o->nfor + f];
        }
    }
}

void cot_stat_init(cot_stat_t *st, const cot_stat_opts_t *opts)
{
    memset(st, 0, sizeof *st);
    opts_copy(&st->o, opts);
    st->forvals = cot_calloc(st->o.nfor + 1, sizeof *st->forvals);
}

static void for_seen_key(cot_stat_t *st, size_t f, const char *key, size_t len)
{
    cot_smap_t *m = &st->forvals[f];
    if (m->n < COT_FOR_VALUES_MAX || cot_smap_find(m, key, len) >= 0)
        cot_smap_intern(m, key, len, NULL);
}

/* Remember the values of --for field f in v (cat_kind() 0). */
static void for_seen(cot_stat_t *st, size_t f, const cJSON *v, cot_buf_t *kb)
{
    for (const cJSON *e = cJSON_IsArray(v) ? v->child : v; e;
         e = cJSON_IsArray(v) ? e->next : NULL) {
        cot_buf_clear(kb);
        if (cot_stats_key(e, kb) == 0) for_seen_key(st, f, kb->s, kb->len);
    }
}

static cot_group_t *stat_group(cot_stat_t *st, const char *key, size_t len)
{
    int isnew;
    size_t i = cot_smap_intern(&st->gkeys, key, len, &isnew);
    if (isnew) {
        st->g = cot_realloc(st->g, st->gkeys.cap / 2 * sizeof *st->g);
        st->g[i] = group_new(&st->o);
    }
    return st->g[i];
}

/* What a categorical value (--count, a rate gate, --for) is: -1 missing
 * (absent or null), -2 ill-typed (an object, a number beyond the double
 * range, or an array holding one of those or an array), 0 a value (a
 * scalar, or an array of scalars).  An array's null elements are no
 * label, as a null field is no value; an element of the wrong type makes
 * the whole record ill-typed, as a bare one does: counting the others
 * would drop what it says unseen. */
static int cat_kind(const cJSON *v, cot_buf_t *kb)
{
    if (!v || cJSON_IsNull(v)) return -1;
    if (!cJSON_IsArray(v)) {
        cot_buf_clear(kb);
        return cot_stats_key(v, kb) == -2 ? -2 : 0;
    }
    for (const cJSON *e = v->child; e; e = e->next) {
        cot_buf_clear(kb);
        if (cJSON_IsArray(e) || cot_stats_key(e, kb) == -2) return -2;
    }
    return 0;
}

/* Does value v (a scalar, or an array of scalars: cat_kind() 0) equal the
 * display text `want`?  Strings compare as text, numbers and booleans by
 * their key. */
static int value_is(const cJSON *v, const char *want, cot_buf_t *kb)
{
    if (cJSON_IsArray(v)) {
        for (const cJSON *e = v->child; e; e = e->next)
            if (value_is(e, want, kb)) return 1;
        return 0;
    }
    if (cJSON_IsString(v)) return !strcmp(v->valuestring, want);
    cot_buf_clear(kb);
    if (cot_stats_key(v, kb) < 0) return 0;
    return !strcmp(cot_buf_cstr(kb), want);
}

static void add_cat(cot_cat_t *c, const cJSON *v, cot_buf_t *kb)
{
    int kind = cat_kind(v, kb);
    if (kind == -1) { c->missing++; return; }
    if (kind == -2) { c->badtype++; return; }
    if (cJSON_IsArray(v)) {
        /* Each distinct scalar element once per record (e.g. judge.labels). */
        c->present++;
        for (const cJSON *e = v->child; e; e = e->next) {
            int dup = 0;
            for (const cJSON *p = v->child; p != e && !dup; p = p->next)
                dup = cJSON_Compare(p, e, 1);
            if (dup) continue;
            cot_buf_clear(kb);
            if (cot_stats_key(e, kb) == 0) cat_add(c, kb->s, kb->len, 1);
        }
        return;
    }
    c->present++;
    cat_add(c, kb->s, kb->len, 1);   /* cat_kind() left v's key in kb */
}

void cot_stat_add(cot_stat_t *st, const cJSON *rec)
{
    const cot_stat_opts_t *o = &st->o;
    cot_buf_t *kb = &st->kb;
    st->records++;
    cot_buf_clear(kb);
    for (size_t i = 0; i < o->nby; i++) {
        if (i) cot_buf_addc(kb, '\t');
        int r = cot_stats_key(cot_record_get(rec, o->by[i]), kb);
        if (r == -1) cot_buf_adds(kb, COT_KEY_MISSING);
        else if (r == -2) cot_buf_adds(kb, COT_KEY_BADTYPE);
    }
    cot_group_t *g = stat_group(st, kb->s ? kb->s : "", kb->len);
    g->records++;

    for (size_t i = 0; i < o->ncount; i++)
        add_cat(&g->cat[i], cot_record_get(rec, o->count[i]), kb);

    for (size_t i = 0; i < o->nnum; i++) {
        const cJSON *v = cot_record_get(rec, o->num[i]);
        cot_num_t *n = &g->num[i];
        if (!v || cJSON_IsNull(v)) n->missing++;
        else if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble)) n->badtype++;
        else {
            cot_welford_add(&n->w, v->valuedouble);
            cot_sketch_add(&n->sk, v->valuedouble);
        }
    }

    if (o->trend) {
        cot_buf_clear(kb);
        if (cot_stats_key(cot_record_get(rec, o->trend), kb) < 0) {
            g->tr.missing++;
            return;
        }
        size_t b = trend_bucket(&g->tr, kb->s, kb->len, o->nfor);
        for (size_t f = 0; f < o->nfor; f++) {
            const cJSON *v = cot_record_get(rec, o->forf[f]);
            int kind = cat_kind(v, kb);
            if (kind < 0) {
                (kind == -1 ? g->tr.for_missing : g->tr.for_badtype)[f]++;
                continue;
            }
            g->tr.n[b * o->nfor + f]++;
            if (value_is(v, o->forv[f], kb)) g->tr.k[b * o->nfor + f]++;
            for_seen(st, f, v, kb);
        }
    }
}

const char *cot_stat_twice(const cot_stat_t *st, const cJSON *rec, const char **path)
{
    const cot_stat_opts_t *o = &st->o;
    const char *twice;
#define TWICE(p) do { cot_record_get_unique(rec, (p), &twice);        \
                      if (twice) { *path = (p); return twice; } } while (0)
    for (size_t i = 0; i < o->nby; i++) TWICE(o->by[i]);
    for (size_t i = 0; i < o->ncount; i++) TWICE(o->count[i]);
    for (size_t i = 0; i < o->nnum; i++) TWICE(o->num[i]);
    if (o->trend) {
        TWICE(o->trend);
        for (size_t f = 0; f < o->nfor; f++) TWICE(o->forf[f]);
    }
#undef TWICE
    *path = NULL;
    return NULL;
}

void cot_stat_add_reject(cot_stat_t *st, const char *kind, uint64_t n)
{
    int isnew;
    size_t i = cot_smap_intern(&st->rkinds, kind, strlen(kind), &isnew);
    if (isnew) {
        st->rcount = cot_realloc(st->rcount, st->rkinds.cap / 2 * sizeof *st->rcount);
        st->rcount[i] = 0;
    }
    st->rcount[i] += n;
}

cot_group_t *cot_stat_overall(const cot_stat_t *st)
{
    cot_group_t *all = group_new(&st->o);
    for (size_t i = 0; i < st->gkeys.n; i++) group_merge(all, st->g[i], &st->o);
    return all;
}

void cot_stat_free(cot_stat_t *st)
{
    for (size_t i = 0; i < st->gkeys.n; i++) cot_group_free(st->g[i], &st->o);
    free(st->g);
    cot_smap_free(&st->gkeys);
    cot_smap_free(&st->rkinds);
    free(st->rcount);
    for (size_t f = 0; st->forvals && f < st->o.nfor; f++) cot_smap_free(&st->forvals[f]);
    free(st->forvals);
    cot_buf_free(&st->scratch);
    cot_buf_free(&st->kb);
    cot_stat_opts_free(&st->o);
}

/* ---- partials ------------------------------------------------------------ */

static void put_str(cot_buf_t *b, const char *s)
{
    cot_buf_add_json_str(b, s, strlen(s));
}

static void put_strv(cot_buf_t *b, char *const *v, size_t n)
{
    cot_buf_addc(b, '[');
    for (size_t i = 0; i < n; i++) {
        if (i) cot_buf_addc(b, ',');
        put_str(b, v[i]);
    }
    cot_buf_addc(b, ']');
}

/* Only finite doubles reach a partial (see cot_welford_t); were one not,
 * null is written, which the reader refuses: a partial is always JSON. */
static void put_dbl(cot_buf_t *b, double x)
{
    char t[40];
    if (!isfinite(x)) { cot_buf_adds(b, "null"); return; }
    snprintf(t, sizeof t, "%.17g", x);
    cot_buf_adds(b, t);
}

/* Sparse: [[index, count], ...] for the non-empty buckets. */
static void put_side(cot_buf_t *b, const cot_sketch_side_t *s)
{
    int first = 1;
    cot_buf_addc(b, '[');
    for (size_t i = 0; i < s->len; i++) {
        if (!s->c[i]) continue;
        cot_buf_printf(b, "%s[%" PRId64 ",%" PRIu64 "]", first ? "" : ",",
                       s->off + (int64_t)i, s->c[i]);
        first = 0;
    }
    cot_buf_addc(b, ']');
}

static void put_group(cot_buf_t *b, const cot_stat_opts_t *o, const char *key,
                      const cot_group_t *g)
{
    cot_buf_adds(b, "{\"key\":");
    put_str(b, key);
    cot_buf_printf(b, ",\"records\":%" PRIu64 ",\"count\":[", g->records);
    for (size_t i = 0; i < o->ncount; i++) {
        const cot_cat_t *c = &g->cat[i];
        cot_buf_printf(b, "%s{\"present\":%" PRIu64 ",\"missing\":%" PRIu64
                       ",\"badtype\":%" PRIu64 ",\"values\":[", i ? "," : "",
                       c->present, c->missing, c->badtype);
        for (size_t v = 0; v < c->vals.n; v++) {
            cot_buf_adds(b, v ? ",[" : "[");
            put_str(b, c->vals.keys[v]);
            cot_buf_printf(b, ",%" PRIu64 "]", c->cnt[v]);
        }
        cot_buf_adds(b, "]}");
    }
    cot_buf_adds(b, "],\"num\":[");
    for (size_t i = 0; i < o->nnum; i++) {
        const cot_num_t *n = &g->num[i];
        cot_buf_printf(b, "%s{\"missing\":%" PRIu64 ",\"badtype\":%" PRIu64
                       ",\"n\":%" PRIu64 ",\"mean\":", i ? "," : "",
                       n->missing, n->badtype, n->w.n);
        put_dbl(b, n->w.mean);
        cot_buf_adds(b, ",\"m2\":");
        put_dbl(b, n->w.m2);
        cot_buf_adds(b, ",\"min\":");
        put_dbl(b, n->w.n ? n->w.min : 0);
        cot_buf_adds(b, ",\"max\":");
        put_dbl(b, n->w.n ? n->w.max : 0);
        cot_buf_printf(b, ",\"scale\":%d,\"zero\":%" PRIu64 ",\"pos\":", n->w.scale,
                       n->sk.zero);
        put_side(b, &n->sk.pos);
        cot_buf_adds(b, ",\"neg\":");
        put_side(b, &n->sk.neg);
        cot_buf_printf(b, ",\"notint\":%s", n->sk.notint ? "true" : "false");
        if (cot_sketch_exact(&n->sk)) {
            /* The values, for exact quantiles after the merge. */
            cot_buf_adds(b, ",\"exact\":[");
            for (size_t k = 0; k < n->sk.nex; k++) {
                if (k) cot_buf_addc(b, ',');
                put_dbl(b, n->sk.ex[k]);
            }
            cot_buf_addc(b, ']');
        }
        cot_buf_addc(b, '}');
    }
    cot_buf_printf(b, "],\"trend\":{\"missing\":%" PRIu64 ",\"for_missing\":[",
                   g->tr.missing);
    for (size_t f = 0; f < o->nfor; f++)
        cot_buf_printf(b, "%s%" PRIu64, f ? "," : "", g->tr.for_missing[f]);
    cot_buf_adds(b, "],\"for_badtype\":[");
    for (size_t f = 0; f < o->nfor; f++)
        cot_buf_printf(b, "%s%" PRIu64, f ? "," : "", g->tr.for_badtype[f]);
    cot_buf_adds(b, "],\"buckets\":[");
    for (size_t j = 0; j < g->tr.keys.n; j++) {
        cot_buf_adds(b, j ? ",[" : "[");
        put_str(b, g->tr.keys.keys[j]);
        cot_buf_adds(b, ",[");
        for (size_t f = 0; f < o->nfor; f++)
            cot_buf_printf(b, "%s%" PRIu64 ",%" PRIu64, f ? "," : "",
                           g->tr.n[j * o->nfor + f], g->tr.k[j * o->nfor + f]);
        cot_buf_adds(b, "]]");
    }
    cot_buf_adds(b, "]}}");
}

void cot_stat_partial_write(const cot_stat_t *st, cot_buf_t *b)
{
    const cot_stat_opts_t *o = &st->o;
    cot_buf_printf(b, "{\"cot_stat_partial\":%d,\"fingerprint\":", COT_PARTIAL_VERSION);
    if (st->fp) cot_fp_write(st->fp, b);
    else {
        cot_fp_t none = {.tool = "cot-stat " COT_VERSION};
        cot_fp_write(&none, b);
    }
    cot_buf_adds(b, ",\"options\":{\"by\":");
    put_strv(b, o->by, o->nby);
    cot_buf_adds(b, ",\"count\":");
    put_strv(b, o->count, o->ncount);
    cot_buf_adds(b, ",\"num\":");
    put_strv(b, o->num, o->nnum);
    cot_buf_adds(b, ",\"trend\":");
    if (o->trend) put_str(b, o->trend);
    else cot_buf_adds(b, "null");
    cot_buf_adds(b, ",\"for\":[");
    for (size_t f = 0; f < o->nfor; f++) {
        cot_buf_adds(b, f ? ",[" : "[");
        put_str(b, o->forf[f]);
        cot_buf_addc(b, ',');
        put_str(b, o->forv[f]);
        cot_buf_addc(b, ']');
    }
    cot_buf_printf(b, "]},\"accounting\":{\"lines\":%" PRIu64 ",\"records\":%"
                   PRIu64 ",\"rejected\":%" PRIu64 ",\"partials\":%" PRIu64
                   ",\"rejected_kinds\":{", st->lines, st->records, st->rejected,
                   st->partials);
    for (size_t i = 0; i < st->rkinds.n; i++) {
        if (i) cot_buf_addc(b, ',');
        put_str(b, st->rkinds.keys[i]);
        cot_buf_printf(b, ":%" PRIu64, st->rcount[i]);
    }
    cot_buf_adds(b, "}},\"for_values\":[");
    for (size_t f = 0; f < o->nfor; f++) {
        if (f) cot_buf_addc(b, ',');
        put_strv(b, st->forvals[f].keys, st->forvals[f].n);
    }
    cot_buf_adds(b, "],\"groups\":[");
    for (size_t i = 0; i < st->gkeys.n; i++) {
        if (i) cot_buf_addc(b, ',');
        put_group(b, o, st->gkeys.keys[i], st->g[i]);
    }
    cot_buf_adds(b, "]}\n");
}

/* Reading.  Every accessor checks the type, so a damaged partial gives a
 * message, never a crash. */
static const cJSON *get(const cJSON *j, const char *k)
{
    return cJSON_GetObjectItemCaseSensitive(j, k);
}

static int get_u64(const cJSON *j, uint64_t *out)
{
    if (!cJSON_IsNumber(j) || j->valuedouble < 0 || j->valuedouble > 9007199254740992.0 ||
        j->valuedouble != floor(j->valuedouble)) return -1;
    *out = (uint64_t)j->valuedouble;
    return 0;
}

static int get_strv(const cJSON *j, char ***v, size_t *n)
{
    if (!cJSON_IsArray(j)) return -1;
    size_t m = (size_t)cJSON_GetArraySize(j), i = 0;
    *v = cot_calloc(m + 1, sizeof **v);
    *n = 0;
    for (const cJSON *e = j->child; e; e = e->next) {
        if (!cJSON_IsString(e)) return -1;
        (*v)[i++] = cot_strdup(e->valuestring);
        *n = i;
    }
    return 0;
}

int cot_stat_is_partial(const cJSON *j)
{
    return cJSON_IsObject(j) && get(j, "cot_stat_partial") != NULL;
}

const char *cot_stat_partial_opts(const cJSON *j, cot_stat_opts_t *o)
{
    memset(o, 0, sizeof *o);
    if (!cJSON_IsObject(j) || !cJSON_IsNumber(get(j, "cot_stat_partial")))
        return "not a cot-stat partial (made with cot-stat --partial)";
    double v = get(j, "cot_stat_partial")->valuedouble;
    if (v >= 1 && v <= 3)
        return "a partial of an older cot-stat (format 1 has no fingerprint; format 2 "
               "keys numbers by their value, not their text, and has no exact "
               "values; format 3 counts an ill-typed --for value as missing): make "
               "it again with this cot-stat";
    if (v != COT_PARTIAL_VERSION)
        return "a partial of another cot-stat version (unknown format): make it "
               "again with this cot-stat";
    const cJSON *op = get(j, "options"), *t;
    if (!cJSON_IsObject(op)) return "partial without options";
    if (get_strv(get(op, "by"), &o->by, &o->nby) < 0 ||
        get_strv(get(op, "count"), &o->count, &o->ncount) < 0 ||
        get_strv(get(op, "num"), &o->num, &o->nnum) < 0)
        return "damaged partial: bad options";
    t = get(op, "trend");
    if (cJSON_IsString(t)) o->trend = cot_strdup(t->valuestring);
    else if (!cJSON_IsNull(t)) return "damaged partial: bad trend option";
    const cJSON *fo = get(op, "for");
    if (!cJSON_IsArray(fo)) return "damaged partial: bad for option";
    size_t m = (size_t)cJSON_GetArraySize(fo);
    o->forf = cot_calloc(m + 1, sizeof *o->forf);
    o->forv = cot_calloc(m + 1, sizeof *o->forv);
    for (const cJSON *e = fo->child; e; e = e->next) {
        const cJSON *a = cJSON_GetArrayItem(e, 0), *b = cJSON_GetArrayItem(e, 1);
        if (!cJSON_IsString(a) || !cJSON_IsString(b))
            return "damaged partial: bad for option";
        o->forf[o->nfor] = cot_strdup(a->valuestring);
        o->forv[o->nfor++] = cot_strdup(b->valuestring);
    }
    return NULL;
}

static int read_side(const cJSON *j, cot_sketch_t *sk, int sign, const char **why)
{
    if (!cJSON_IsArray(j)) return -1;
    for (const cJSON *e = j->child; e; e = e->next) {
        const cJSON *i = cJSON_GetArrayItem(e, 0);
        uint64_t c;
        if (!cJSON_IsNumber(i) || !(i->valuedouble >= (double)cot_sketch_index_min()) ||
            !(i->valuedouble <= (double)cot_sketch_index_max()) ||
            i->valuedouble != floor(i->valuedouble) ||
            get_u64(cJSON_GetArrayItem(e, 1), &c) < 0) {
            /* The writer makes indices in exactly this range. */
            *why = "damaged partial: a sketch bucket index outside the double range";
            return -1;
        }
        cot_sketch_add_bucket(sk, sign, (int64_t)i->valuedouble, c);
    }
    return 0;
}

/* A finite number: cJSON reads 1e999 as infinity, which no writer makes. */
static double dbl(const cJSON *j, int *bad)
{
    if (!cJSON_IsNumber(j) || !isfinite(j->valuedouble)) { *bad = 1; return 0; }
    return j->valuedouble;
}

static const char *read_group(const cJSON *j, const cot_stat_opts_t *o,
                              cot_group_t *g)
{
    const char *dmg = "damaged partial: bad group";
    if (get_u64(get(j, "records"), &g->records) < 0) return dmg;
    const cJSON *c = get(j, "count"), *n = get(j, "num"), *t = get(j, "trend");
    if (!cJSON_IsArray(c) || (size_t)cJSON_GetArraySize(c) != o->ncount ||
        !cJSON_IsArray(n) || (size_t)cJSON_GetArraySize(n) != o->nnum ||
        !cJSON_IsObject(t)) return dmg;
    size_t i = 0;
    for (const cJSON *e = c->child; e; e = e->next, i++) {
        cot_cat_t *ca = &g->cat[i];
        const cJSON *vals = get(e, "values");
        if (get_u64(get(e, "present"), &ca->present) < 0 ||
            get_u64(get(e, "missing"), &ca->missing) < 0 ||
            get_u64(get(e, "badtype"), &ca->badtype) < 0 || !cJSON_IsArray(vals))
            return dmg;
        /* Every record is present, missing or ill-typed, and a value is
         * counted at most once per present record (array elements once
         * each: the counts need not add up to present). */
        if (ca->present + ca->missing + ca->badtype != g->records)
            return "damaged partial: a count field's present, missing and ill-typed "
                   "do not add up to the group's records";
        for (const cJSON *v = vals->child; v; v = v->next) {
            const cJSON *k = cJSON_GetArrayItem(v, 0);
            uint64_t cnt;
            if (!cJSON_IsString(k) || get_u64(cJSON_GetArrayItem(v, 1), &cnt) < 0)
                return dmg;
            if (!cnt || cnt > ca->present)
                return "damaged partial: a value counted more often than the records "
                       "that have the field, or never";
            if (cot_smap_find(&ca->vals, k->valuestring, strlen(k->valuestring)) >= 0)
                return "damaged partial: a value listed twice";
            cat_add(ca, k->valuestring, strlen(k->valuestring), cnt);
        }
    }
    i = 0;
    for (const cJSON *e = n->child; e; e = e->next, i++) {
        cot_num_t *nu = &g->num[i];
        int bad = 0;
        if (get_u64(get(e, "missing"), &nu->missing) < 0 ||
            get_u64(get(e, "badtype"), &nu->badtype) < 0 ||
            get_u64(get(e, "n"), &nu->w.n) < 0) return dmg;
        if (nu->w.n + nu->missing + nu->badtype != g->records)
            return "damaged partial: a numeric field's n, missing and ill-typed do not "
                   "add up to the group's records";
        nu->w.mean = dbl(get(e, "mean"), &bad);
        nu->w.m2 = dbl(get(e, "m2"), &bad);
        nu->w.min = dbl(get(e, "min"), &bad);
        nu->w.max = dbl(get(e, "max"), &bad);
        uint64_t z, sc;
        const char *why = dmg;
        if (bad) return "damaged partial: mean, m2, min and max must be finite numbers";
        if (nu->w.m2 < 0 || get_u64(get(e, "scale"), &sc) < 0 || sc > 1100 ||
            (nu->w.n && nu->w.min > nu->w.max) || get_u64(get(e, "zero"), &z) < 0 ||
            read_side(get(e, "pos"), &nu->sk, 1, &why) < 0 ||
            read_side(get(e, "neg"), &nu->sk, -1, &why) < 0) return why;
        nu->w.scale = (int)sc;
        cot_sketch_add_bucket(&nu->sk, 0, 0, z);
        if (nu->sk.n != nu->w.n) return "damaged partial: sketch count differs";
        const cJSON *ni = get(e, "notint"), *ex = get(e, "exact");
        nu->sk.notint = !cJSON_IsFalse(ni);
        if (ex) {
            if (!cJSON_IsArray(ex) || (uint64_t)cJSON_GetArraySize(ex) != nu->w.n ||
                nu->w.n > COT_SKETCH_EXACT)
                return "damaged partial: the exact values do not match the count";
            for (const cJSON *x = ex->child; x; x = x->next) {
                if (!cJSON_IsNumber(x) || !isfinite(x->valuedouble))
                    return "damaged partial: an exact value is not a finite number";
                cot_sketch_add_exact(&nu->sk, x->valuedouble);
            }
        } else if (nu->w.n) {
            nu->sk.inexact = 1;
        }
    }
    const cJSON *fm = get(t, "for_missing"), *fb = get(t, "for_badtype"),
                *bk = get(t, "buckets");
    if (get_u64(get(t, "missing"), &g->tr.missing) < 0 || !cJSON_IsArray(fm) ||
        (size_t)cJSON_GetArraySize(fm) != o->nfor || !cJSON_IsArray(fb) ||
        (size_t)cJSON_GetArraySize(fb) != o->nfor || !cJSON_IsArray(bk))
        return dmg;
    i = 0;
    for (const cJSON *e = fm->child; e; e = e->next, i++)
        if (get_u64(e, &g->tr.for_missing[i]) < 0) return dmg;
    i = 0;
    for (const cJSON *e = fb->child; e; e = e->next, i++)
        if (get_u64(e, &g->tr.for_badtype[i]) < 0) return dmg;
    for (const cJSON *e = bk->child; e; e = e->next) {
        const cJSON *k = cJSON_GetArrayItem(e, 0), *v = cJSON_GetArrayItem(e, 1);
        if (!cJSON_IsString(k) || !cJSON_IsArray(v) ||
            (size_t)cJSON_GetArraySize(v) != 2 * o->nfor) return dmg;
        if (cot_smap_find(&g->tr.keys, k->valuestring, strlen(k->valuestring)) >= 0)
            return "damaged partial: a trend value listed twice";
        size_t b = trend_bucket(&g->tr, k->valuestring, strlen(k->valuestring),
                                o->nfor);
        const cJSON *x = v->child;
        for (size_t f = 0; f < o->nfor; f++, x = x->next->next) {
            uint64_t nn, kk;
            if (get_u64(x, &nn) < 0 || get_u64(x->next, &kk) < 0 || kk > nn)
                return dmg;
            g->tr.n[b * o->nfor + f] += nn;
            g->tr.k[b * o->nfor + f] += kk;
        }
    }
    /* A record with a trend value is counted once for each --for field:
     * in a bucket, missing or ill-typed. */
    if (g->tr.missing > g->records) return dmg;
    for (size_t f = 0; f < o->nfor; f++) {
        uint64_t in = g->tr.for_missing[f] + g->tr.for_badtype[f];
        for (size_t b = 0; b < g->tr.keys.n; b++) in += g->tr.n[b * o->nfor + f];
        if (in != g->records - g->tr.missing)
            return "damaged partial: a trend's counts do not add up to the group's "
                   "records";
    }
    return NULL;
}

const char *cot_stat_partial_merge(cot_stat_t *st, const cJSON *j)
{
    const cJSON *ac = get(j, "accounting"), *gs = get(j, "groups");
    uint64_t lines, records, rejected, partials;
    if (!cJSON_IsObject(ac) || !cJSON_IsArray(gs) ||
        get_u64(get(ac, "lines"), &lines) < 0 ||
        get_u64(get(ac, "records"), &records) < 0 ||
        get_u64(get(ac, "rejected"), &rejected) < 0 ||
        get_u64(get(ac, "partials"), &partials) < 0 ||
        !cJSON_IsObject(get(ac, "rejected_kinds")))
        return "damaged partial: bad accounting";
    if (records + rejected > lines)
        return "damaged partial: more records and rejected lines than lines read";
    uint64_t sum = 0;
    cot_smap_t seen = {0};
    for (const cJSON *g = gs->child; g; g = g->next) {
        const cJSON *k = get(g, "key");
        if (!cJSON_IsString(k)) { cot_smap_free(&seen); return "damaged partial: bad group key"; }
        int isnew;
        cot_smap_intern(&seen, k->valuestring, strlen(k->valuestring), &isnew);
        if (!isnew) { cot_smap_free(&seen); return "damaged partial: a group listed twice"; }
        cot_group_t *tmp = group_new(&st->o);
        const char *e = read_group(g, &st->o, tmp);
        if (e) { cot_group_free(tmp, &st->o); cot_smap_free(&seen); return e; }
        sum += tmp->records;
        group_merge(stat_group(st, k->valuestring, strlen(k->valuestring)),
                    tmp, &st->o);
        cot_group_free(tmp, &st->o);
    }
    cot_smap_free(&seen);
    if (sum != records) return "damaged partial: group records do not add up";
    const cJSON *fv = get(j, "for_values");
    if (!cJSON_IsArray(fv) || (size_t)cJSON_GetArraySize(fv) != st->o.nfor)
        return "damaged partial: bad for_values";
    size_t f = 0;
    for (const cJSON *a = fv->child; a; a = a->next, f++) {
        if (!cJSON_IsArray(a)) return "damaged partial: bad for_values";
        for (const cJSON *k = a->child; k; k = k->next) {
            if (!cJSON_IsString(k)) return "damaged partial: bad for_values";
            for_seen_key(st, f, k->valuestring, strlen(k->valuestring));
        }
    }
    uint64_t kinds = 0;
    for (const cJSON *r = get(ac, "rejected_kinds")->child; r; r = r->next) {
        uint64_t n;
        if (get_u64(r, &n) < 0) return "damaged partial: bad rejection count";
        kinds += n;
    }
    if (kinds != rejected)
        return "damaged partial: the rejection kinds do not add up to the rejected lines";
    for (const cJSON *r = get(ac, "rejected_kinds")->child; r; r = r->next) {
        uint64_t n;
        get_u64(r, &n);
        cot_stat_add_reject(st, r->string, n);
    }
    st->lines += lines;
    st->records += records;
    st->rejected += rejected;
    st->partials += partials ? partials : 1;
    return NULL;
}

void cot_stat_field_counts(const cot_stat_t *st, char kind, size_t i,
                           uint64_t *had, uint64_t *n)
{
    const cot_stat_opts_t *o = &st->o;
    *had = *n = 0;
    for (size_t k = 0; k < st->gkeys.n; k++) {
        const cot_group_t *g = st->g[k];
        if (kind == 'b') {   /* the i-th tab-separated part of the group key */
            const char *p = st->gkeys.keys[k];
            for (size_t j = 0; j < i && p; j++)
                if ((p = strchr(p, '\t'))) p++;
            size_t len = p ? strcspn(p, "\t") : 0;
            *n += g->records;
            if (p && !(len == strlen(COT_KEY_MISSING) && !memcmp(p, COT_KEY_MISSING, len)))
                *had += g->records;
        } else if (kind == 'c') {
            *had += g->cat[i].present + g->cat[i].badtype;
            *n += g->cat[i].present + g->cat[i].badtype + g->cat[i].missing;
        } else if (kind == 'n') {
            *had += g->num[i].w.n + g->num[i].badtype;
            *n += g->num[i].w.n + g->num[i].badtype + g->num[i].missing;
        } else if (kind == 't') {
            *n += g->records;
            *had += g->records - g->tr.missing;
        } else if (kind == 'f') {
            uint64_t with = g->records - g->tr.missing, got = g->tr.for_badtype[i];
            for (size_t b = 0; b < g->tr.keys.n; b++) got += g->tr.n[b * o->nfor + i];
            *n += with;
            *had += got;
        }
    }
}
