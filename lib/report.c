/* report.c -- see report.h */
#include "report.h"
#include "fields.h"

#include <float.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/stat.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- gates --------------------------------------------------------------- */

const char *cot_gate_parse(cot_gate_t *g, int kind, const char *spec)
{
    memset(g, 0, sizeof *g);
    g->kind = kind;
    const char *colon = strrchr(spec, ':');
    if (!colon) return "expected ':LIMIT' at the end";
    double lim;
    if (cot_parse_double(colon + 1, -DBL_MAX, DBL_MAX, &lim) < 0)
        return "LIMIT is not a number";
    if (kind != COT_GATE_MAX_MEAN && (lim < 0 || lim > 1))
        return "a rate LIMIT must be between 0 and 1";
    size_t flen = (size_t)(colon - spec);
    if (kind != COT_GATE_MAX_MEAN) {
        const char *eq = memchr(spec, '=', flen);
        if (!eq) return "expected FIELD=VALUE:LIMIT";
        g->value = cot_strndup(eq + 1, (size_t)(colon - eq - 1));
        flen = (size_t)(eq - spec);
    }
    g->field = cot_strndup(spec, flen);
    g->spec = cot_strdup(spec);
    g->limit = lim;
    return NULL;
}

void cot_gate_free(cot_gate_t *g)
{
    free(g->spec);
    free(g->field);
    free(g->value);
    memset(g, 0, sizeof *g);
}

/* ---- figures ------------------------------------------------------------- */

typedef struct {
    char    *label;
    double   vlo, vhi, score;
} rbucket_t;

typedef struct {
    uint64_t *n, *k;             /* [nb]                                  */
    cot_trend_t t;
    int rise;
    uint64_t missing;            /* records with a trend value but no for-field */
    uint64_t bad;                /* ... and an ill-typed for-field           */
} rseries_t;

typedef struct {
    char *name;                  /* "(all)" or "meta.env=code,..."         */
    char *key;                   /* internal key (NULL for the overall)    */
    const cot_group_t *g;
    size_t **vorder;             /* [ncount]: value indices, by count desc */
    rseries_t *ser;              /* [nfor]                                  */
} rgroup_t;

typedef struct {
    size_t gate;                 /* index in ro->gates, or SIZE_MAX: rise  */
    size_t grp, f;               /* group; for-spec index for a rise       */
    double val, lo, hi;
    uint64_t k, n;
    uint64_t bad;                /* records with an ill-typed value there  */
    size_t used;                 /* a rise: the buckets that hold data     */
    int pass, nodata;
    int notrend;                 /* a rise: data in fewer than two buckets */
} rcheck_t;

struct cot_report {
    const cot_stat_t *st;
    const cot_report_opts_t *ro;
    cot_group_t *all;
    rgroup_t *grp;               /* grp[0] is the overall                   */
    size_t ngrp;
    rbucket_t *bk;               /* trend buckets, shared by all groups     */
    size_t nb;
    size_t *bmap;                /* overall natural key index -> bucket      */
    int numeric, by_value;
    rcheck_t *chk;
    size_t nchk, nfail;
    unsigned char *hide;         /* [nnum]: a quiet field nobody has       */
    cot_buf_t tb;                /* scratch */
};

static char *show(const char *key)
{
    cot_buf_t b = {0};
    cot_stats_key_show(key, &b);
    char *s = cot_strdup(b.s ? b.s : "");
    cot_buf_free(&b);
    return s;
}

/* Groups sort by each key component: numbers (numerically) before strings
 * (bytewise), then ill-typed, then missing. */
static int comp_rank(const char *c, size_t n)
{
    if (n == 4 && !memcmp(c, COT_KEY_MISSING, 4)) return 3;
    if (n == 1 && c[0] == '?') return 2;
    if (c[0] == '"') return 1;
    return 0;
}

static int key_cmp(const char *a, const char *b)
{
    for (;;) {
        size_t na = strcspn(a, "\t"), nb = strcspn(b, "\t");
        int ra = comp_rank(a, na), rb = comp_rank(b, nb);
        if (ra != rb) return ra < rb ? -1 : 1;
        if (ra == 0) {
            double x = strtod(a, NULL), y = strtod(b, NULL);
            if (x != y) return x < y ? -1 : 1;
        }
        size_t m = na < nb ? na : nb;
        int c = memcmp(a, b, m);
        if (c) return c;
        if (na != nb) return na < nb ? -1 : 1;
        if (!a[na] || !b[nb]) return a[na] ? 1 : b[nb] ? -1 : 0;
        a += na + 1;
        b += nb + 1;
    }
}

static const cot_cat_t *sort_cat;
static int val_cmp(const void *x, const void *y)
{
    size_t i = *(const size_t *)x, j = *(const size_t *)y;
    if (sort_cat->cnt[i] != sort_cat->cnt[j])
        return sort_cat->cnt[i] > sort_cat->cnt[j] ? -1 : 1;
    return key_cmp(sort_cat->vals.keys[i], sort_cat->vals.keys[j]);
}

static const cot_smap_t *sort_keys;
static const double *sort_vals;
static char *const *sort_labs;
static int nat_cmp(const void *x, const void *y)
{
    size_t i = *(const size_t *)x, j = *(const size_t *)y;
    if (sort_vals && sort_vals[i] != sort_vals[j])
        return sort_vals[i] < sort_vals[j] ? -1 : 1;
    if (!sort_vals) {
        int c = strcmp(sort_labs[i], sort_labs[j]);
        if (c) return c;
    }
    return strcmp(sort_keys->keys[i], sort_keys->keys[j]);
}

static void fmt_g(cot_buf_t *b, double x)
{
    char t[32];
    if (x == 0) x = 0;
    snprintf(t, sizeof t, "%.6g", x);
    cot_buf_adds(b, t);
}

/* Build the shared trend buckets from the overall's natural values. */
static void build_buckets(cot_report_t *r)
{
    const cot_smap_t *keys = &r->all->tr.keys;
    size_t nk = keys->n;
    double *v = cot_calloc(nk + 1, sizeof *v);
    char **lab = cot_calloc(nk + 1, sizeof *lab);
    r->numeric = nk > 0;
    for (size_t i = 0; i < nk; i++) {
        lab[i] = show(keys->keys[i]);
        if (cot_parse_double(lab[i], -DBL_MAX, DBL_MAX, &v[i]) < 0) r->numeric = 0;
    }
    size_t *ord = cot_calloc(nk + 1, sizeof *ord);
    for (size_t i = 0; i < nk; i++) ord[i] = i;
    sort_keys = keys;
    sort_vals = r->numeric ? v : NULL;
    sort_labs = lab;
    qsort(ord, nk, sizeof *ord, nat_cmp);
    int mode = r->ro->scores;
    r->by_value = r->numeric && mode != COT_SCORES_INDEX;

    r->bmap = cot_calloc(nk + 1, sizeof *r->bmap);
    /* dist[j]: index of ord[j]'s distinct value.  Values that read the same
     * (the number 9 and the string "9") share a natural bucket. */
    size_t *dist = cot_calloc(nk + 1, sizeof *dist), nd = 0;
    for (size_t j = 0; j < nk; j++) {
        size_t i = ord[j];
        if (j > 0 && (r->numeric ? v[i] != v[ord[j - 1]] : strcmp(lab[i], lab[ord[j - 1]])))
            nd++;
        dist[j] = nd;
    }
    if (nk) nd++;
    size_t nbins = r->ro->buckets > 0 ? (size_t)r->ro->buckets : nd;
    size_t *bin = cot_calloc(nk + 1, sizeof *bin);
    for (size_t j = 0; j < nk; j++) {
        size_t i = ord[j];
        if (r->ro->buckets <= 0) bin[i] = dist[j];
        else if (r->numeric) {
            /* Equal-width ranges over [min, max]; empty ones are dropped. */
            double lo = v[ord[0]], hi = v[ord[nk - 1]];
            double f = hi > lo ? (v[i] - lo) / (hi - lo) : 0;
            size_t b = (size_t)(f * (double)nbins);
            bin[i] = b >= nbins ? nbins - 1 : b;
        } else {
            /* Runs of consecutive distinct values. */
            bin[i] = dist[j] * nbins / nd;
        }
    }
    free(dist);
    /* Number the non-empty bins in order; keep member ranges for labels. */
    r->bk = cot_calloc(nk + 1, sizeof *r->bk);
    size_t last = SIZE_MAX;
    size_t first_j = 0;
    for (size_t j = 0; j <= nk; j++) {
        size_t b = j < nk ? bin[ord[j]] : SIZE_MAX;
        if (j > 0 && b != last) {
            /* close bucket for members ord[first_j .. j) */
            rbucket_t *rb = &r->bk[r->nb];
            size_t a = ord[first_j], z = ord[j - 1];
            cot_buf_t t = {0};
            cot_buf_adds(&t, lab[a]);
            if (strcmp(lab[a], lab[z])) { cot_buf_adds(&t, ".."); cot_buf_adds(&t, lab[z]); }
            rb->label = cot_strdup(t.s);
            cot_buf_free(&t);
            rb->vlo = r->numeric ? v[a] : (double)first_j;
            rb->vhi = r->numeric ? v[z] : (double)(j - 1);
            rb->score = r->by_value ? (rb->vlo + rb->vhi) / 2 : (double)r->nb;
            for (size_t q = first_j; q < j; q++) r->bmap[ord[q]] = r->nb;
            r->nb++;
            first_j = j;
        }
        last = b;
    }
    for (size_t i = 0; i < nk; i++) free(lab[i]);
    free(lab);
    free(v);
    free(ord);
    free(bin);
}

static void build_series(cot_report_t *r, rgroup_t *rg)
{
    const cot_stat_opts_t *o = &r->st->o;
    rg->ser = cot_calloc(o->nfor + 1, sizeof *rg->ser);
    double *s = cot_calloc(r->nb + 1, sizeof *s);
    for (size_t b = 0; b < r->nb; b++) s[b] = r->bk[b].score;
    for (size_t f = 0; f < o->nfor; f++) {
        rseries_t *se = &rg->ser[f];
        se->n = cot_calloc(r->nb + 1, sizeof *se->n);
        se->k = cot_calloc(r->nb + 1, sizeof *se->k);
        se->missing = rg->g->tr.for_missing[f];
        se->bad = rg->g->tr.for_badtype[f];
        const cot_tgroup_t *t = &rg->g->tr;
        for (size_t j = 0; j < t->keys.n; j++) {
            long i = cot_smap_find(&r->all->tr.keys, t->keys.keys[j],
                                   strlen(t->keys.keys[j]));
            if (i < 0) continue;   /* cannot happen: overall holds all keys */
            size_t b = r->bmap[i];
            se->n[b] += t->n[j * o->nfor + f];
            se->k[b] += t->k[j * o->nfor + f];
        }
        cot_stats_trend(se->k, se->n, s, r->nb, &se->t);
        se->rise = se->t.ok && se->t.z > 0 && se->t.p < r->ro->alpha;
    }
    free(s);
}

static void build_group(cot_report_t *r, rgroup_t *rg, const char *key,
                        const cot_group_t *g)
{
    const cot_stat_opts_t *o = &r->st->o;
    rg->g = g;
    if (!key) rg->name = cot_strdup("(all)");
    else {
        cot_buf_t b = {0};
        const char *p = key;
        for (size_t i = 0; i < o->nby; i++) {
            size_t n = strcspn(p, "\t");
            char *c = cot_strndup(p, n);
            if (i) cot_buf_addc(&b, ',');
            cot_buf_adds(&b, o->by[i]);
            cot_buf_addc(&b, '=');
            cot_stats_key_show(c, &b);
            free(c);
            p += n + (p[n] ? 1 : 0);
        }
        rg->name = cot_strdup(b.s ? b.s : "");
        rg->key = cot_strdup(key);
        cot_buf_free(&b);
    }
    rg->vorder = cot_calloc(o->ncount + 1, sizeof *rg->vorder);
    for (size_t i = 0; i < o->ncount; i++) {
        const cot_cat_t *c = &g->cat[i];
        rg->vorder[i] = cot_calloc(c->vals.n + 1, sizeof **rg->vorder);
        for (size_t j = 0; j < c->vals.n; j++) rg->vorder[i][j] = j;
        sort_cat = c;
        qsort(rg->vorder[i], c->vals.n, sizeof **rg->vorder, val_cmp);
    }
    if (o->trend) build_series(r, rg);
}

static long field_index(char *const *v, size_t n, const char *f)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(v[i], f)) return (long)i;
    return -1;
}

/* k: the count of values shown as `want` (a string "1" and a number 1 are
 * both shown as 1, and both count). */
static uint64_t cat_count(const cot_cat_t *c, const char *want)
{
    uint64_t k = 0;
    cot_buf_t b = {0};
    for (size_t i = 0; i < c->vals.n; i++) {
        cot_buf_clear(&b);
        cot_stats_key_show(c->vals.keys[i], &b);
        if (!strcmp(b.s ? b.s : "", want)) k += c->cnt[i];
    }
    cot_buf_free(&b);
    return k;
}

static void add_check(cot_report_t *r, const rcheck_t *c)
{
    r->chk = cot_realloc(r->chk, (r->nchk + 1) * sizeof *r->chk);
    r->chk[r->nchk++] = *c;
    if (!c->pass) r->nfail++;
}

static void eval_gates(cot_report_t *r)
{
    const cot_stat_opts_t *o = &r->st->o;
    const cot_report_opts_t *ro = r->ro;
    for (size_t gi = 0; gi < ro->ngates; gi++) {
        const cot_gate_t *gt = &ro->gates[gi];
        for (size_t j = 0; j < r->ngrp; j++) {
            const cot_group_t *g = r->grp[j].g;
            rcheck_t c = {.gate = gi, .grp = j, .pass = 1};
            if (gt->kind == COT_GATE_MAX_MEAN) {
                long fi = field_index(o->num, o->nnum, gt->field);
                const cot_welford_t *w = &g->num[fi].w;
                c.n = w->n;
                c.bad = g->num[fi].badtype;
                if (!w->n) c.nodata = 1;
                else {
                    c.val = w->mean;
                    double sd = cot_welford_sd(w);
                    double h = isnan(sd) ? 0 : COT_Z95 * (sd / sqrt((double)w->n));
                    c.lo = w->mean - h;
                    c.hi = w->mean + h;
                    c.pass = !(w->mean > gt->limit);
                }
            } else {
                long fi = field_index(o->count, o->ncount, gt->field);
                const cot_cat_t *ca = &g->cat[fi];
                c.n = ca->present;
                c.bad = ca->badtype;
                c.k = cat_count(ca, gt->value);
                if (!c.n) c.nodata = 1;
                else {
                    c.val = (double)c.k / (double)c.n;
                    cot_stats_wilson(c.k, c.n, COT_Z95, &c.lo, &c.hi);
                    c.pass = gt->kind == COT_GATE_MAX_RATE ? !(c.val > gt->limit)
                                                           : !(c.val < gt->limit);
                }
            }
            /* No data fails the overall check (a gate on a field nobody
             * filled in must not pass silently); a group without data is
             * simply not judged. */
            if (c.nodata && j == 0) c.pass = 0;
            if (c.nodata && j > 0 && !c.bad) continue;
            /* A value of the wrong type (a string or an object where the
             * gate counts numbers or values) is left out of the figure, so
             * the figure cannot clear the gate: whatever the value was
             * meant to say is unread. */
            if (c.bad) c.pass = 0;
            add_check(r, &c);
        }
    }
    if (!ro->fail_on_rise || !o->trend) return;
    for (size_t f = 0; f < o->nfor; f++)
        for (size_t j = 0; j < r->ngrp; j++) {
            const rseries_t *se = &r->grp[j].ser[f];
            rcheck_t c = {.gate = SIZE_MAX, .grp = j, .f = f, .pass = !se->rise,
                          .bad = se->bad};
            c.val = se->t.ok ? se->t.z : NAN;
            c.lo = se->t.ok ? se->t.slope : NAN;
            c.hi = se->t.ok ? se->t.p : NAN;
            for (size_t x = 0; x < r->nb; x++) {
                c.n += se->n[x];
                c.used += se->n[x] > 0;
            }
            /* As for gates: no trend data at all fails (a misspelt field
             * must not pass a monitoring job); an empty group is skipped.
             * Data in one bucket compares nothing: no rise could show, so
             * the check fails there too rather than vouch for it. */
            if (!c.n) {
                if (j > 0 && !c.bad) continue;
                c.nodata = 1;
                c.pass = 0;
            } else if (c.used < 2) {
                c.notrend = 1;
                c.pass = 0;
            }
            /* As for gates: an ill-typed value is left out of the series,
             * so the series cannot vouch for it. */
            if (c.bad) c.pass = 0;
            add_check(r, &c);
        }
}

static const cot_stat_t *sort_st;
static int grp_cmp(const void *x, const void *y)
{
    size_t i = *(const size_t *)x, j = *(const size_t *)y;
    return key_cmp(sort_st->gkeys.keys[i], sort_st->gkeys.keys[j]);
}

cot_report_t *cot_report_build(const cot_stat_t *st, const cot_report_opts_t *ro)
{
    cot_report_t *r = cot_calloc(1, sizeof *r);
    r->st = st;
    r->ro = ro;
    r->all = cot_stat_overall(st);
    if (st->o.trend) build_buckets(r);
    size_t ng = st->o.nby ? st->gkeys.n : 0;
    r->grp = cot_calloc(ng + 1, sizeof *r->grp);
    r->ngrp = ng + 1;
    build_group(r, &r->grp[0], NULL, r->all);
    size_t *ord = cot_calloc(ng + 1, sizeof *ord);
    for (size_t i = 0; i < ng; i++) ord[i] = i;
    sort_st = st;
    qsort(ord, ng, sizeof *ord, grp_cmp);
    for (size_t i = 0; i < ng; i++)
        build_group(r, &r->grp[i + 1], st->gkeys.keys[ord[i]], st->g[ord[i]]);
    free(ord);
    r->hide = cot_calloc(st->o.nnum + 1, 1);
    for (size_t i = 0; i < st->o.nnum; i++) {
        const cot_num_t *n = &r->all->num[i];
        r->hide[i] = !n->w.n && !n->badtype &&
                     field_index(ro->quiet, ro->nquiet, st->o.num[i]) >= 0;
    }
    eval_gates(r);
    return r;
}

/* The value shown as `want` equals as a number, else the closest. */
static const char *near_value(const char *want, const char *const *shown, size_t n)
{
    double x, y;
    if (cot_parse_double(want, -DBL_MAX, DBL_MAX, &x) == 0)
        for (size_t i = 0; i < n; i++)
            if (cot_parse_double(shown[i], -DBL_MAX, DBL_MAX, &y) == 0 && x == y)
                return shown[i];
    return cot_fields_closest(want, shown, n);
}

/* Warn when no key of vals shows as `value` but one close to it does. */
static void warn_value(const char *opt, const char *spec, const char *field,
                       const char *value, const cot_smap_t *vals)
{
    const char **shown = cot_calloc(vals->n + 1, sizeof *shown);
    int seen = 0;
    for (size_t v = 0; v < vals->n; v++) {
        shown[v] = show(vals->keys[v]);
        seen |= !strcmp(shown[v], value);
    }
    const char *near = seen ? NULL : near_value(value, shown, vals->n);
    if (near)
        cot_warn("%s %s: no record has %s=%s; did you mean %s?", opt, spec, field, value,
                 near);
    for (size_t v = 0; v < vals->n; v++) free((char *)shown[v]);
    free(shown);
}

void cot_report_warn_values(const cot_report_t *r)
{
    const cot_stat_opts_t *o = &r->st->o;
    for (size_t i = 0; i < r->ro->ngates; i++) {
        const cot_gate_t *g = &r->ro->gates[i];
        long f = g->kind == COT_GATE_MAX_MEAN ? -1 : field_index(o->count, o->ncount, g->field);
        if (f >= 0)
            warn_value(g->kind == COT_GATE_MIN_RATE ? "--min-rate" : "--max-rate", g->spec,
                       g->field, g->value, &r->all->cat[f].vals);
    }
    for (size_t f = 0; f < o->nfor && o->trend; f++) {
        uint64_t k = 0;
        for (size_t x = 0; x < r->nb; x++) k += r->grp[0].ser[f].k[x];
        if (k) continue;   /* seen, though past COT_FOR_VALUES_MAX values */
        cot_buf_t spec = {0};
        cot_buf_printf(&spec, "%s=%s", o->forf[f], o->forv[f]);
        warn_value("--for", spec.s, o->forf[f], o->forv[f], &r->st->forvals[f]);
        cot_buf_free(&spec);
    }
}

void cot_report_warn_rejected(const cot_report_t *r)
{
    const cot_stat_t *st = r->st;
    if (!r->nchk || !st->rejected) return;
    cot_warn("the gates were judged on %" PRIu64 " record%s; %" PRIu64 " of %" PRIu64
             " lines read were rejected and are in no figure (see the accounts)",
             st->records, st->records == 1 ? "" : "s", st->rejected, st->lines);
}

size_t cot_report_failures(const cot_report_t *r) { return r->nfail; }

void cot_report_free(cot_report_t *r)
{
    if (!r) return;
    const cot_stat_opts_t *o = &r->st->o;
    for (size_t j = 0; j < r->ngrp; j++) {
        rgroup_t *g = &r->grp[j];
        free(g->name);
        free(g->key);
        for (size_t i = 0; i < o->ncount; i++) free(g->vorder[i]);
        free(g->vorder);
        if (g->ser)
            for (size_t f = 0; f < o->nfor; f++) {
                free(g->ser[f].n);
                free(g->ser[f].k);
            }
        free(g->ser);
    }
    free(r->grp);
    for (size_t b = 0; b < r->nb; b++) free(r->bk[b].label);
    free(r->bk);
    free(r->bmap);
    free(r->chk);
    free(r->hide);
    cot_group_free(r->all, o);
    cot_buf_free(&r->tb);
    free(r);
}

/* ---- shared text helpers -------------------------------------------------- */

static double clampq(const cot_num_t *n, double q)
{
    double x = cot_sketch_quantile(&n->sk, q);
    if (x < n->w.min) x = n->w.min;
    if (x > n->w.max) x = n->w.max;
    return x;
}

static void pct(cot_buf_t *b, double x) { cot_buf_printf(b, "%.2f%%", 100 * x); }

/* One printf format for a column of numbers v[0], v[stride], ... (n of
 * them; NaN and infinities are left out): integers as integers while they
 * are below 1e15; else fixed decimals, enough for four significant digits
 * of the largest magnitude and two of the smallest non-zero one; and
 * scientific notation for the whole column when that would take more than
 * 6 decimals or the magnitudes reach 1e15.  So a column never mixes
 * 1.616e+04 with 7852. */
static void col_fmt(const double *v, size_t stride, size_t n, char fmt[16])
{
    int ints = 1, any = 0;
    double mx = 0, mn = INFINITY;
    for (size_t i = 0; i < n; i++) {
        double x = fabs(v[i * stride]);
        if (!isfinite(x)) continue;
        any = 1;
        if (x != floor(x)) ints = 0;
        if (x > mx) mx = x;
        if (x > 0 && x < mn) mn = x;
    }
    if (!any || (ints && mx < 1e15)) { snprintf(fmt, 16, "%%.0f"); return; }
    int d = 3 - (int)floor(log10(mx)), ds = 1 - (int)floor(log10(mn));
    if (ds > d) d = ds;
    if (mx >= 1e15 || d > 6) { snprintf(fmt, 16, "%%.3e"); return; }
    if (d < 0) d = 0;
    snprintf(fmt, 16, "%%.%df", d);
}

static const char *sfmt(cot_buf_t *b, const char *fmt, double x)
{
    cot_buf_clear(b);
    if (isnan(x)) { cot_buf_adds(b, "-"); return b->s; }
    if (x == 0) x = 0;
    cot_buf_printf(b, fmt, x);
    return b->s;
}

static void gate_desc(const cot_report_t *r, const rcheck_t *c, cot_buf_t *b)
{
    if (c->gate == SIZE_MAX) {
        const cot_stat_opts_t *o = &r->st->o;
        cot_buf_printf(b, "fail-on-rise %s=%s", o->forf[c->f], o->forv[c->f]);
        return;
    }
    const cot_gate_t *g = &r->ro->gates[c->gate];
    cot_buf_printf(b, "%s %s", g->kind == COT_GATE_MAX_RATE ? "max-rate" :
                   g->kind == COT_GATE_MIN_RATE ? "min-rate" : "max-mean", g->spec);
}

/* The precision (from p up to 17 digits) at which %g prints a and b apart
 * when they differ: a mean of 0.2000001 against a limit of 0.2 must not
 * read "mean 0.2 > limit 0.2". */
static int prec_apart(double a, double b, int p)
{
    char x[40], y[40];
    for (; a != b && p < 17; p++) {
        snprintf(x, sizeof x, "%.*g", p, a);
        snprintf(y, sizeof y, "%.*g", p, b);
        if (strcmp(x, y)) break;
    }
    return p;
}

/* Whether a gate's figure alone clears its limit. */
static int gate_value_pass(const cot_report_t *r, const rcheck_t *c)
{
    const cot_gate_t *g = &r->ro->gates[c->gate];
    if (g->kind == COT_GATE_MAX_MEAN || g->kind == COT_GATE_MAX_RATE) return !(c->val > g->limit);
    return !(c->val < g->limit);
}

void cot_report_print_failures(const cot_report_t *r)
{
    cot_buf_t b = {0};
    for (size_t i = 0; i < r->nchk; i++) {
        const rcheck_t *c = &r->chk[i];
        if (c->pass) continue;
        cot_buf_clear(&b);
        gate_desc(r, c, &b);
        cot_buf_printf(&b, ": group %s: ", r->grp[c->grp].name);
        if (c->gate == SIZE_MAX && c->nodata && c->bad) {
            cot_buf_printf(&b, "no data: no record has both %s and a value in %s, and %"
                           PRIu64 " hold%s an ill-typed value there", r->st->o.trend,
                           r->st->o.forf[c->f], c->bad, c->bad == 1 ? "s" : "");
        } else if (c->gate == SIZE_MAX && c->nodata) {
            cot_buf_printf(&b, "no data (no record has both %s and %s)",
                           r->st->o.trend, r->st->o.forf[c->f]);
        } else if (c->gate == SIZE_MAX && c->bad && !c->notrend && !(c->val > 0 &&
                   c->hi < r->ro->alpha)) {
            cot_buf_printf(&b, "%" PRIu64 " record%s hold%s a value that is not a scalar "
                           "in %s (ill-typed), which the trend leaves out; without %s "
                           "no rise is flagged", c->bad, c->bad == 1 ? "" : "s",
                           c->bad == 1 ? "s" : "", r->st->o.forf[c->f],
                           c->bad == 1 ? "it" : "them");
        } else if (c->gate == SIZE_MAX && c->notrend) {
            cot_buf_printf(&b, "no trend: fewer than two buckets of %s hold data (%zu, "
                           "n %" PRIu64 "), so nothing was compared", r->st->o.trend,
                           c->used, c->n);
            if (c->bad)
                cot_buf_printf(&b, "; and %" PRIu64 " ill-typed record%s left out", c->bad,
                               c->bad == 1 ? "" : "s");
        } else if (c->gate == SIZE_MAX) {
            cot_buf_printf(&b, "rising over %s: slope %.4g, z %.3f, p %.4g < alpha %g",
                           r->st->o.trend, c->lo, c->val, c->hi, r->ro->alpha);
            if (c->bad)
                cot_buf_printf(&b, "; and %" PRIu64 " ill-typed record%s left out", c->bad,
                               c->bad == 1 ? "" : "s");
        } else if (c->nodata && c->bad) {
            cot_buf_printf(&b, "no data: no record has a %s in %s, and %" PRIu64 " hold%s "
                           "an ill-typed value", r->ro->gates[c->gate].kind == COT_GATE_MAX_MEAN ?
                           "number" : "value", r->ro->gates[c->gate].field, c->bad,
                           c->bad == 1 ? "s" : "");
        } else if (c->nodata) {
            cot_buf_printf(&b, "no data (no record has %s)",
                           r->ro->gates[c->gate].field);
        } else if (c->bad && gate_value_pass(r, c)) {
            const cot_gate_t *g = &r->ro->gates[c->gate];
            cot_buf_printf(&b, "%" PRIu64 " record%s hold%s %s in %s (ill-typed), which the "
                           "%s leaves out; %s %.6g (n %" PRIu64 ") would pass", c->bad,
                           c->bad == 1 ? "" : "s", c->bad == 1 ? "s" : "",
                           g->kind == COT_GATE_MAX_MEAN ? "a value that is not a number"
                                                        : "a value that is not a scalar",
                           g->field, g->kind == COT_GATE_MAX_MEAN ? "mean" : "rate",
                           g->kind == COT_GATE_MAX_MEAN ? "its mean" : "its rate",
                           c->val, c->n);
        } else {
            const cot_gate_t *g = &r->ro->gates[c->gate];
            int p = prec_apart(c->val, g->limit, 6);
            if (g->kind == COT_GATE_MAX_MEAN)
                cot_buf_printf(&b, "mean %.*g (n %" PRIu64 ") > limit %.*g, 95%% CI "
                               "[%.6g, %.6g]", p, c->val, c->n, p, g->limit, c->lo, c->hi);
            else
                cot_buf_printf(&b, "rate %.*g (%" PRIu64 "/%" PRIu64 ") %s limit %.*g, "
                               "95%% CI [%.6g, %.6g]", p, c->val, c->k, c->n,
                               g->kind == COT_GATE_MAX_RATE ? ">" : "<", p, g->limit,
                               c->lo, c->hi);
            if (c->bad)
                cot_buf_printf(&b, "; and %" PRIu64 " ill-typed record%s left out", c->bad,
                               c->bad == 1 ? "" : "s");
        }
        cot_err("gate failed: %s", b.s);
    }
    cot_buf_free(&b);
}

/* Replace tabs and line breaks so a value stays in its cell. */
static char *cell_clean(const char *s)
{
    char *d = cot_strdup(s);
    for (char *p = d; *p; p++)
        if (*p == '\t' || *p == '\n' || *p == '\r') *p = ' ';
    return d;
}

/* ---- aligned text table ---------------------------------------------------- */

typedef struct {
    size_t ncol;
    const char *align;           /* 'l' or 'r' per column */
    char **cell;
    size_t n;                    /* cells so far */
} tab_t;

static void tab_add(tab_t *t, const char *s)
{
    t->cell = cot_realloc(t->cell, (t->n + 1) * sizeof *t->cell);
    t->cell[t->n++] = cell_clean(s ? s : "");
}

static size_t u8width(const char *s)
{
    size_t w = 0;
    for (; *s; s++) if (((unsigned char)*s & 0xC0) != 0x80) w++;
    return w;
}

static void tab_emit(tab_t *t, cot_buf_t *b)
{
    size_t *w = cot_calloc(t->ncol, sizeof *w);
    for (size_t i = 0; i < t->n; i++) {
        size_t x = u8width(t->cell[i]);
        if (x > w[i % t->ncol]) w[i % t->ncol] = x;
    }
    for (size_t i = 0; i < t->n; i++) {
        size_t c = i % t->ncol, pad = w[c] - u8width(t->cell[i]);
        if (c == 0) cot_buf_adds(b, "  ");
        else cot_buf_adds(b, "  ");
        int last = c == t->ncol - 1;
        if (t->align[c] == 'r') for (size_t p = 0; p < pad; p++) cot_buf_addc(b, ' ');
        cot_buf_adds(b, t->cell[i]);
        if (t->align[c] != 'r' && !last) for (size_t p = 0; p < pad; p++) cot_buf_addc(b, ' ');
        if (last) {
            while (b->len && b->s[b->len - 1] == ' ') b->len--;
            cot_buf_addc(b, '\n');
        }
        free(t->cell[i]);
    }
    free(t->cell);
    free(w);
    t->cell = NULL;
    t->n = 0;
}

static void spark(const rseries_t *se, size_t nb, cot_buf_t *b)
{
    static const char *bars[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
    if (nb == 0) return;
    /* At most 48 characters: pool neighbouring buckets when there are more. */
    size_t per = (nb + 47) / 48, m = (nb + per - 1) / per;
    double *rate = cot_calloc(m + 1, sizeof *rate), mx = 0;
    int *has = cot_calloc(m + 1, sizeof *has);
    for (size_t i = 0; i < m; i++) {
        uint64_t n = 0, k = 0;
        for (size_t j = i * per; j < (i + 1) * per && j < nb; j++) {
            n += se->n[j];
            k += se->k[j];
        }
        has[i] = n > 0;
        rate[i] = n ? (double)k / (double)n : 0;
        if (rate[i] > mx) mx = rate[i];
    }
    for (size_t i = 0; i < m; i++) {
        if (!has[i]) { cot_buf_addc(b, ' '); continue; }
        int lv = mx > 0 ? (int)lround(rate[i] / mx * 7) : 0;
        cot_buf_adds(b, bars[lv]);
    }
    free(rate);
    free(has);
}

/* Blank lines: every line read was used, rejected or skipped as blank. */
static uint64_t skipped(const cot_stat_t *st)
{
    return st->lines > st->records + st->rejected
           ? st->lines - st->records - st->rejected : 0;
}

static void accounting_text(const cot_report_t *r, cot_buf_t *b)
{
    const cot_stat_t *st = r->st;
    cot_buf_printf(b, "records: %" PRIu64 " lines read, %" PRIu64 " used, %"
                   PRIu64 " rejected", st->lines, st->records, st->rejected);
    if (skipped(st)) cot_buf_printf(b, ", %" PRIu64 " skipped (blank)", skipped(st));
    for (size_t i = 0; i < st->rkinds.n; i++)
        cot_buf_printf(b, "%s%s %" PRIu64, i ? ", " : " (", st->rkinds.keys[i],
                       st->rcount[i]);
    if (st->rkinds.n) cot_buf_addc(b, ')');
    if (st->partials) cot_buf_printf(b, "; %" PRIu64 " partials merged", st->partials);
    cot_buf_addc(b, '\n');
}

static const char *trend_title(const cot_report_t *r, cot_buf_t *b)
{
    cot_buf_clear(b);
    if (r->ro->buckets > 0) cot_buf_printf(b, "%zu buckets", r->nb);
    else cot_buf_adds(b, "natural values");
    cot_buf_printf(b, ", scores = %s", r->by_value ? "values" : "bucket index");
    return b->s;
}

void cot_report_table(const cot_report_t *r, cot_buf_t *b)
{
    const cot_stat_opts_t *o = &r->st->o;
    cot_buf_t t = {0}, u = {0};
    tab_t tab = {0};
    accounting_text(r, b);
    if (o->nby) {
        cot_buf_printf(b, "groups by %s", o->by[0]);
        for (size_t i = 1; i < o->nby; i++) cot_buf_printf(b, ",%s", o->by[i]);
        cot_buf_printf(b, ": %zu\n", r->ngrp - 1);
    }
    for (size_t i = 0; i < o->ncount; i++) {
        cot_buf_printf(b, "\n%s\n", o->count[i]);
        tab = (tab_t){.ncol = 6, .align = "llrrrr"};
        const char *hd[] = {"group", "value", "count", "n", "rate", "95% CI"};
        for (int h = 0; h < 6; h++) tab_add(&tab, hd[h]);
        for (size_t j = 0; j < r->ngrp; j++) {
            const rgroup_t *rg = &r->grp[j];
            const cot_cat_t *c = &rg->g->cat[i];
            for (size_t v = 0; v < c->vals.n; v++) {
                size_t x = rg->vorder[i][v];
                double lo, hi, p = (double)c->cnt[x] / (double)c->present;
                cot_stats_wilson(c->cnt[x], c->present, COT_Z95, &lo, &hi);
                tab_add(&tab, rg->name);
                cot_buf_clear(&t);
                cot_stats_key_show(c->vals.keys[x], &t);
                tab_add(&tab, t.s);
                tab_add(&tab, sfmt(&t, "%.0f", (double)c->cnt[x]));
                tab_add(&tab, sfmt(&t, "%.0f", (double)c->present));
                cot_buf_clear(&t);
                pct(&t, p);
                tab_add(&tab, t.s);
                cot_buf_clear(&t);
                cot_buf_adds(&t, "[");
                pct(&t, lo);
                cot_buf_adds(&t, ", ");
                pct(&t, hi);
                cot_buf_adds(&t, "]");
                tab_add(&tab, t.s);
            }
            const uint64_t miss[2] = {c->missing, c->badtype};
            const char *mname[2] = {"(missing)", "(ill-typed)"};
            for (int m = 0; m < 2; m++) {
                if (!miss[m]) continue;
                tab_add(&tab, rg->name);
                tab_add(&tab, mname[m]);
                tab_add(&tab, sfmt(&t, "%.0f", (double)miss[m]));
                tab_add(&tab, "");
                tab_add(&tab, "");
                tab_add(&tab, "");
            }
        }
        tab_emit(&tab, b);
    }
    for (size_t i = 0; i < o->nnum; i++) {
        if (r->hide[i]) continue;
        cot_buf_printf(b, "\n%s\n", o->num[i]);
        tab = (tab_t){.ncol = 11, .align = "lrrrrrrrrrr"};
        const char *hd[] = {"group", "n", "missing", "ill-typed", "mean", "sd",
                            "min", "p50", "p90", "p99", "max"};
        for (int h = 0; h < 11; h++) tab_add(&tab, hd[h]);
        /* The seven figures of every group first, so that each column gets
         * one number format (col_fmt). */
        double *v = cot_calloc(r->ngrp * 7 + 1, sizeof *v);
        for (size_t j = 0; j < r->ngrp; j++) {
            const cot_num_t *n = &r->grp[j].g->num[i];
            int has = n->w.n > 0;
            double row[7] = {has ? n->w.mean : NAN, cot_welford_sd(&n->w),
                             has ? n->w.min : NAN, has ? clampq(n, 0.5) : NAN,
                             has ? clampq(n, 0.9) : NAN, has ? clampq(n, 0.99) : NAN,
                             has ? n->w.max : NAN};
            memcpy(v + j * 7, row, sizeof row);
        }
        char fmt[7][16];
        for (int c = 0; c < 7; c++) col_fmt(v + c, 7, r->ngrp, fmt[c]);
        for (size_t j = 0; j < r->ngrp; j++) {
            const cot_num_t *n = &r->grp[j].g->num[i];
            tab_add(&tab, r->grp[j].name);
            tab_add(&tab, sfmt(&t, "%.0f", (double)n->w.n));
            tab_add(&tab, sfmt(&t, "%.0f", (double)n->missing));
            tab_add(&tab, sfmt(&t, "%.0f", (double)n->badtype));
            for (int c = 0; c < 7; c++) tab_add(&tab, sfmt(&t, fmt[c], v[j * 7 + c]));
        }
        free(v);
        tab_emit(&tab, b);
    }
    for (size_t f = 0; f < o->nfor; f++) {
        cot_buf_printf(b, "\ntrend of %s=%s over %s (%s; rise: z > 0 and p < %g)\n",
                       o->forf[f], o->forv[f], o->trend, trend_title(r, &u),
                       r->ro->alpha);
        tab = (tab_t){.ncol = 9, .align = "lrlrrrrrl"};
        const char *hd[] = {"group", "buckets", "trend", "first", "last", "slope",
                            "z", "p", "rise"};
        for (int h = 0; h < 9; h++) tab_add(&tab, hd[h]);
        for (size_t j = 0; j < r->ngrp; j++) {
            const rseries_t *se = &r->grp[j].ser[f];
            size_t used = 0, fi = SIZE_MAX, li = 0;
            for (size_t x = 0; x < r->nb; x++)
                if (se->n[x]) { used++; if (fi == SIZE_MAX) fi = x; li = x; }
            tab_add(&tab, r->grp[j].name);
            tab_add(&tab, sfmt(&t, "%.0f", (double)used));
            cot_buf_clear(&t);
            spark(se, r->nb, &t);
            tab_add(&tab, t.s ? t.s : "");
            cot_buf_clear(&t);
            if (used) pct(&t, (double)se->k[fi] / (double)se->n[fi]);
            tab_add(&tab, t.s ? t.s : "");
            cot_buf_clear(&t);
            if (used) pct(&t, (double)se->k[li] / (double)se->n[li]);
            tab_add(&tab, t.s ? t.s : "");
            tab_add(&tab, sfmt(&t, "%+.4g", se->t.ok ? se->t.slope : NAN));
            tab_add(&tab, sfmt(&t, "%.3f", se->t.ok ? se->t.z : NAN));
            tab_add(&tab, sfmt(&t, "%.4g", se->t.ok ? se->t.p : NAN));
            tab_add(&tab, se->rise ? "RISE" : se->t.ok ? "no" : "-");
        }
        tab_emit(&tab, b);
        if (r->nb) cot_buf_printf(b, "\n");
        tab = (tab_t){.ncol = 6, .align = "llrrrr"};
        const char *hb[] = {"group", o->trend, "k", "n", "rate", "95% CI"};
        for (int h = 0; h < 6 && r->nb; h++) tab_add(&tab, hb[h]);
        for (size_t j = 0; j < r->ngrp; j++) {
            const rseries_t *se = &r->grp[j].ser[f];
            for (size_t x = 0; x < r->nb; x++) {
                if (!se->n[x]) continue;
                double lo, hi;
                cot_stats_wilson(se->k[x], se->n[x], COT_Z95, &lo, &hi);
                tab_add(&tab, r->grp[j].name);
                tab_add(&tab, r->bk[x].label);
                tab_add(&tab, sfmt(&t, "%.0f", (double)se->k[x]));
                tab_add(&tab, sfmt(&t, "%.0f", (double)se->n[x]));
                cot_buf_clear(&t);
                pct(&t, (double)se->k[x] / (double)se->n[x]);
                tab_add(&tab, t.s);
                cot_buf_clear(&t);
                cot_buf_adds(&t, "[");
                pct(&t, lo);
                cot_buf_adds(&t, ", ");
                pct(&t, hi);
                cot_buf_adds(&t, "]");
                tab_add(&tab, t.s);
            }
        }
        tab_emit(&tab, b);
        uint64_t tm = r->grp[0].g->tr.missing, fb = r->grp[0].ser[f].bad;
        if (tm || r->grp[0].ser[f].missing || fb) {
            cot_buf_printf(b, "  missing: %" PRIu64 " without %s, %" PRIu64
                           " without %s", tm, o->trend, r->grp[0].ser[f].missing,
                           o->forf[f]);
            if (fb) cot_buf_printf(b, "; ill-typed: %" PRIu64 " in %s", fb, o->forf[f]);
            cot_buf_addc(b, '\n');
        }
    }
    if (r->nchk) {
        cot_buf_printf(b, "\ngates (point estimate against the limit)\n");
        tab = (tab_t){.ncol = 6, .align = "llrrrl"};
        const char *hd[] = {"gate", "group", "value", "limit", "95% CI", "result"};
        for (int h = 0; h < 6; h++) tab_add(&tab, hd[h]);
        for (size_t i = 0; i < r->nchk; i++) {
            const rcheck_t *c = &r->chk[i];
            cot_buf_clear(&t);
            gate_desc(r, c, &t);
            tab_add(&tab, t.s);
            tab_add(&tab, r->grp[c->grp].name);
            if (c->gate == SIZE_MAX && (c->nodata || c->notrend)) {
                tab_add(&tab, c->nodata ? "no data" : "no trend");
                tab_add(&tab, sfmt(&t, "p<%g", r->ro->alpha));
                tab_add(&tab, "");
            } else if (c->gate == SIZE_MAX) {
                tab_add(&tab, sfmt(&t, "z %.3f", c->val));
                tab_add(&tab, sfmt(&t, "p<%g", r->ro->alpha));
                tab_add(&tab, "");
            } else if (c->nodata) {
                tab_add(&tab, "no data");
                tab_add(&tab, sfmt(&t, "%g", r->ro->gates[c->gate].limit));
                tab_add(&tab, "");
            } else {
                /* As in the failure line: the two apart when they differ. */
                double lim = r->ro->gates[c->gate].limit;
                int p = prec_apart(c->val, lim, 4), q = p > 6 ? p : 6;
                cot_buf_clear(&t);
                cot_buf_printf(&t, "%.*g", p, c->val == 0 ? 0 : c->val);   /* no -0 */
                tab_add(&tab, t.s);
                cot_buf_clear(&t);
                cot_buf_printf(&t, "%.*g", q, lim);
                tab_add(&tab, t.s);
                cot_buf_clear(&t);
                cot_buf_printf(&t, "[%.4g, %.4g]", c->lo, c->hi);
                tab_add(&tab, t.s);
            }
            tab_add(&tab, c->pass ? "pass" : "FAIL");
        }
        tab_emit(&tab, b);
    }
    cot_buf_free(&t);
    cot_buf_free(&u);
}

/* ---- JSON ------------------------------------------------------------------ */

static void jstr(cot_buf_t *b, const char *s) { cot_buf_add_json_str(b, s, strlen(s)); }

static void jnum(cot_buf_t *b, double x)
{
    if (isnan(x) || isinf(x)) cot_buf_adds(b, "null");
    else fmt_g(b, x);
}

static void jkey(cot_buf_t *b, const char *key)
{
    if (!strcmp(key, COT_KEY_MISSING) || !strcmp(key, COT_KEY_BADTYPE))
        cot_buf_adds(b, "null");
    else cot_buf_adds(b, key);   /* keys are JSON literals already */
}

static void json_group(const cot_report_t *r, const rgroup_t *rg, cot_buf_t *b)
{
    const cot_stat_opts_t *o = &r->st->o;
    const cot_group_t *g = rg->g;
    cot_buf_adds(b, "{\"group\":");
    if (!rg->key) cot_buf_adds(b, "null");
    else {
        cot_buf_addc(b, '{');
        const char *p = rg->key;
        for (size_t i = 0; i < o->nby; i++) {
            size_t n = strcspn(p, "\t");
            char *c = cot_strndup(p, n);
            if (i) cot_buf_addc(b, ',');
            jstr(b, o->by[i]);
            cot_buf_addc(b, ':');
            jkey(b, c);
            free(c);
            p += n + (p[n] ? 1 : 0);
        }
        cot_buf_addc(b, '}');
    }
    cot_buf_printf(b, ",\"name\":");
    jstr(b, rg->name);
    cot_buf_printf(b, ",\"records\":%" PRIu64 ",\"count\":{", g->records);
    for (size_t i = 0; i < o->ncount; i++) {
        const cot_cat_t *c = &g->cat[i];
        if (i) cot_buf_addc(b, ',');
        jstr(b, o->count[i]);
        cot_buf_printf(b, ":{\"n\":%" PRIu64 ",\"missing\":%" PRIu64
                       ",\"ill_typed\":%" PRIu64 ",\"values\":[",
                       c->present, c->missing, c->badtype);
        for (size_t v = 0; v < c->vals.n; v++) {
            size_t x = rg->vorder[i][v];
            double lo, hi;
            cot_stats_wilson(c->cnt[x], c->present, COT_Z95, &lo, &hi);
            cot_buf_adds(b, v ? ",{\"value\":" : "{\"value\":");
            jkey(b, c->vals.keys[x]);
            cot_buf_printf(b, ",\"count\":%" PRIu64 ",\"rate\":", c->cnt[x]);
            jnum(b, (double)c->cnt[x] / (double)c->present);
            cot_buf_adds(b, ",\"lo\":");
            jnum(b, lo);
            cot_buf_adds(b, ",\"hi\":");
            jnum(b, hi);
            cot_buf_addc(b, '}');
        }
        cot_buf_adds(b, "]}");
    }
    cot_buf_adds(b, "},\"num\":{");
    for (size_t i = 0, first = 1; i < o->nnum; i++) {
        const cot_num_t *n = &g->num[i];
        int has = n->w.n > 0;
        if (r->hide[i]) continue;
        if (!first) cot_buf_addc(b, ',');
        first = 0;
        jstr(b, o->num[i]);
        cot_buf_printf(b, ":{\"n\":%" PRIu64 ",\"missing\":%" PRIu64
                       ",\"ill_typed\":%" PRIu64 ",\"mean\":", n->w.n, n->missing,
                       n->badtype);
        jnum(b, has ? n->w.mean : NAN);
        cot_buf_adds(b, ",\"sd\":");
        jnum(b, cot_welford_sd(&n->w));
        cot_buf_adds(b, ",\"min\":");
        jnum(b, has ? n->w.min : NAN);
        cot_buf_adds(b, ",\"p50\":");
        jnum(b, has ? clampq(n, 0.5) : NAN);
        cot_buf_adds(b, ",\"p90\":");
        jnum(b, has ? clampq(n, 0.9) : NAN);
        cot_buf_adds(b, ",\"p99\":");
        jnum(b, has ? clampq(n, 0.99) : NAN);
        cot_buf_adds(b, ",\"max\":");
        jnum(b, has ? n->w.max : NAN);
        cot_buf_addc(b, '}');
    }
    cot_buf_adds(b, "},\"trend\":[");
    for (size_t f = 0; f < o->nfor; f++) {
        const rseries_t *se = &rg->ser[f];
        if (f) cot_buf_addc(b, ',');
        cot_buf_adds(b, "{\"field\":");
        jstr(b, o->forf[f]);
        cot_buf_adds(b, ",\"value\":");
        jstr(b, o->forv[f]);
        cot_buf_printf(b, ",\"missing_trend\":%" PRIu64 ",\"missing\":%" PRIu64
                       ",\"ill_typed\":%" PRIu64 ",\"buckets\":[", g->tr.missing,
                       se->missing, se->bad);
        int first = 1;
        for (size_t x = 0; x < r->nb; x++) {
            if (!se->n[x]) continue;
            double lo, hi;
            cot_stats_wilson(se->k[x], se->n[x], COT_Z95, &lo, &hi);
            cot_buf_adds(b, first ? "{\"bucket\":" : ",{\"bucket\":");
            first = 0;
            jstr(b, r->bk[x].label);
            cot_buf_adds(b, ",\"score\":");
            jnum(b, r->bk[x].score);
            cot_buf_printf(b, ",\"k\":%" PRIu64 ",\"n\":%" PRIu64 ",\"rate\":",
                           se->k[x], se->n[x]);
            jnum(b, (double)se->k[x] / (double)se->n[x]);
            cot_buf_adds(b, ",\"lo\":");
            jnum(b, lo);
            cot_buf_adds(b, ",\"hi\":");
            jnum(b, hi);
            cot_buf_addc(b, '}');
        }
        cot_buf_adds(b, "],\"slope\":");
        jnum(b, se->t.ok ? se->t.slope : NAN);
        cot_buf_adds(b, ",\"z\":");
        jnum(b, se->t.ok ? se->t.z : NAN);
        cot_buf_adds(b, ",\"p\":");
        jnum(b, se->t.ok ? se->t.p : NAN);
        cot_buf_adds(b, ",\"p_rise\":");
        jnum(b, se->t.ok ? se->t.p_rise : NAN);
        cot_buf_printf(b, ",\"rise\":%s}", se->rise ? "true" : "false");
    }
    cot_buf_adds(b, "]}");
}

void cot_report_json(const cot_report_t *r, cot_buf_t *b)
{
    const cot_stat_t *st = r->st;
    const cot_stat_opts_t *o = &st->o;
    cot_buf_printf(b, "{\"records\":{\"lines\":%" PRIu64 ",\"used\":%" PRIu64
                   ",\"rejected\":%" PRIu64 ",\"skipped\":%" PRIu64
                   ",\"rejected_kinds\":{",
                   st->lines, st->records, st->rejected, skipped(st));
    for (size_t i = 0; i < st->rkinds.n; i++) {
        if (i) cot_buf_addc(b, ',');
        jstr(b, st->rkinds.keys[i]);
        cot_buf_printf(b, ":%" PRIu64, st->rcount[i]);
    }
    cot_buf_printf(b, "},\"partials\":%" PRIu64 "},\"options\":{\"by\":[", st->partials);
    for (size_t i = 0; i < o->nby; i++) { if (i) cot_buf_addc(b, ','); jstr(b, o->by[i]); }
    cot_buf_adds(b, "],\"trend\":");
    if (o->trend) jstr(b, o->trend); else cot_buf_adds(b, "null");
    cot_buf_printf(b, ",\"buckets\":%ld,\"scores\":\"%s\",\"alpha\":", r->ro->buckets,
                   r->by_value ? "value" : "index");
    jnum(b, r->ro->alpha);
    cot_buf_printf(b, ",\"z\":%.16g,\"sketch_alpha\":%g},\"overall\":",
                   COT_Z95, COT_SKETCH_ALPHA);
    json_group(r, &r->grp[0], b);
    cot_buf_adds(b, ",\"groups\":[");
    for (size_t j = 1; j < r->ngrp; j++) {
        if (j > 1) cot_buf_addc(b, ',');
        json_group(r, &r->grp[j], b);
    }
    cot_buf_adds(b, "],\"gates\":[");
    cot_buf_t t = {0};
    for (size_t i = 0; i < r->nchk; i++) {
        const rcheck_t *c = &r->chk[i];
        if (i) cot_buf_addc(b, ',');
        cot_buf_clear(&t);
        gate_desc(r, c, &t);
        cot_buf_adds(b, "{\"gate\":");
        jstr(b, t.s);
        cot_buf_adds(b, ",\"group\":");
        jstr(b, r->grp[c->grp].name);
        if (c->gate == SIZE_MAX) {
            cot_buf_adds(b, ",\"z\":");
            jnum(b, c->val);
            cot_buf_adds(b, ",\"slope\":");
            jnum(b, c->lo);
            cot_buf_adds(b, ",\"p\":");
            jnum(b, c->hi);
            cot_buf_printf(b, ",\"buckets\":%zu,\"ill_typed\":%" PRIu64, c->used, c->bad);
        } else if (c->nodata) {
            cot_buf_adds(b, ",\"value\":null");
        } else {
            cot_buf_adds(b, ",\"value\":");
            jnum(b, c->val);
            cot_buf_adds(b, ",\"lo\":");
            jnum(b, c->lo);
            cot_buf_adds(b, ",\"hi\":");
            jnum(b, c->hi);
            cot_buf_printf(b, ",\"n\":%" PRIu64, c->n);
        }
        if (c->gate != SIZE_MAX) {
            cot_buf_adds(b, ",\"limit\":");
            jnum(b, r->ro->gates[c->gate].limit);
            cot_buf_printf(b, ",\"ill_typed\":%" PRIu64, c->bad);
        }
        cot_buf_printf(b, ",\"pass\":%s}", c->pass ? "true" : "false");
    }
    cot_buf_free(&t);
    cot_buf_printf(b, "],\"status\":\"%s\"}\n", r->nfail ? "fail" : "pass");
}

/* ---- TSV ------------------------------------------------------------------- */

static void tcell(cot_buf_t *b, const char *s, int last)
{
    char *c = cell_clean(s);
    cot_buf_adds(b, c);
    free(c);
    cot_buf_addc(b, last ? '\n' : '\t');
}

static void tnum(cot_buf_t *b, double x, int last)
{
    if (!isnan(x)) fmt_g(b, x);
    cot_buf_addc(b, last ? '\n' : '\t');
}

static void tu64(cot_buf_t *b, uint64_t x) { cot_buf_printf(b, "%" PRIu64 "\t", x); }

/* section group field value count n missing rate lo hi mean sd min p50 p90
 * p99 max slope z p result */
static void trow(cot_buf_t *b, const char *sec, const char *grp, const char *field,
                 const char *value)
{
    tcell(b, sec, 0);
    tcell(b, grp, 0);
    tcell(b, field, 0);
    tcell(b, value, 0);
}

static void tempty(cot_buf_t *b, int n)
{
    for (int i = 0; i < n; i++) cot_buf_addc(b, '\t');
}

void cot_report_tsv(const cot_report_t *r, cot_buf_t *b)
{
    const cot_stat_t *st = r->st;
    const cot_stat_opts_t *o = &st->o;
    cot_buf_t t = {0};
    cot_buf_adds(b, "section\tgroup\tfield\tvalue\tcount\tn\tmissing\trate\tlo\thi\t"
                 "mean\tsd\tmin\tp50\tp90\tp99\tmax\tslope\tz\tp\tresult\n");
    const char *an[4] = {"lines", "used", "rejected", "skipped"};
    const uint64_t av[4] = {st->lines, st->records, st->rejected, skipped(st)};
    for (int i = 0; i < 4; i++) {
        trow(b, "records", "", an[i], "");
        tu64(b, av[i]);
        tempty(b, 15);
        cot_buf_addc(b, '\n');
    }
    for (size_t i = 0; i < st->rkinds.n; i++) {
        trow(b, "records", "", "rejected", st->rkinds.keys[i]);
        tu64(b, st->rcount[i]);
        tempty(b, 15);
        cot_buf_addc(b, '\n');
    }
    for (size_t j = 0; j < r->ngrp; j++) {
        const rgroup_t *rg = &r->grp[j];
        for (size_t i = 0; i < o->ncount; i++) {
            const cot_cat_t *c = &rg->g->cat[i];
            for (size_t v = 0; v < c->vals.n; v++) {
                size_t x = rg->vorder[i][v];
                double lo, hi;
                cot_stats_wilson(c->cnt[x], c->present, COT_Z95, &lo, &hi);
                cot_buf_clear(&t);
                cot_stats_key_show(c->vals.keys[x], &t);
                trow(b, "count", rg->name, o->count[i], t.s);
                tu64(b, c->cnt[x]);
                tu64(b, c->present);
                tu64(b, c->missing + c->badtype);
                tnum(b, (double)c->cnt[x] / (double)c->present, 0);
                tnum(b, lo, 0);
                tnum(b, hi, 0);
                tempty(b, 10);
                cot_buf_addc(b, '\n');
            }
            if (!c->vals.n) {
                trow(b, "count", rg->name, o->count[i], "");
                cot_buf_printf(b, "0\t0\t%" PRIu64, c->missing + c->badtype);
                tempty(b, 14);
                cot_buf_addc(b, '\n');
            }
        }
        for (size_t i = 0; i < o->nnum; i++) {
            const cot_num_t *n = &rg->g->num[i];
            int has = n->w.n > 0;
            if (r->hide[i]) continue;
            trow(b, "num", rg->name, o->num[i], "");
            cot_buf_addc(b, '\t');
            tu64(b, n->w.n);
            tu64(b, n->missing + n->badtype);
            tempty(b, 3);
            tnum(b, has ? n->w.mean : NAN, 0);
            tnum(b, cot_welford_sd(&n->w), 0);
            tnum(b, has ? n->w.min : NAN, 0);
            tnum(b, has ? clampq(n, 0.5) : NAN, 0);
            tnum(b, has ? clampq(n, 0.9) : NAN, 0);
            tnum(b, has ? clampq(n, 0.99) : NAN, 0);
            tnum(b, has ? n->w.max : NAN, 0);
            tempty(b, 3);
            cot_buf_addc(b, '\n');
        }
        for (size_t f = 0; f < o->nfor; f++) {
            const rseries_t *se = &rg->ser[f];
            cot_buf_clear(&t);
            cot_buf_printf(&t, "%s=%s", o->forf[f], o->forv[f]);
            for (size_t x = 0; x < r->nb; x++) {
                if (!se->n[x]) continue;
                double lo, hi;
                cot_stats_wilson(se->k[x], se->n[x], COT_Z95, &lo, &hi);
                trow(b, "trend", rg->name, t.s, r->bk[x].label);
                tu64(b, se->k[x]);
                tu64(b, se->n[x]);
                cot_buf_addc(b, '\t');
                tnum(b, (double)se->k[x] / (double)se->n[x], 0);
                tnum(b, lo, 0);
                tnum(b, hi, 0);
                tempty(b, 10);
                cot_buf_addc(b, '\n');
            }
            trow(b, "trend-test", rg->name, t.s, o->trend);
            tempty(b, 2);
            tu64(b, se->missing + se->bad + rg->g->tr.missing);
            tempty(b, 10);
            tnum(b, se->t.ok ? se->t.slope : NAN, 0);
            tnum(b, se->t.ok ? se->t.z : NAN, 0);
            tnum(b, se->t.ok ? se->t.p : NAN, 0);
            tcell(b, se->rise ? "rise" : se->t.ok ? "flat" : "", 1);
        }
    }
    for (size_t i = 0; i < r->nchk; i++) {
        const rcheck_t *c = &r->chk[i];
        cot_buf_clear(&t);
        gate_desc(r, c, &t);
        trow(b, "gate", r->grp[c->grp].name, t.s, "");
        if (c->gate == SIZE_MAX) {
            tempty(b, 13);
            tnum(b, c->lo, 0);
            tnum(b, c->val, 0);
            tnum(b, c->hi, 0);
        } else {
            if (r->ro->gates[c->gate].kind != COT_GATE_MAX_MEAN && !c->nodata)
                tu64(b, c->k);
            else
                cot_buf_addc(b, '\t');
            tu64(b, c->n);
            cot_buf_addc(b, '\t');
            if (c->nodata) tempty(b, 3);
            else {
                tnum(b, c->val, 0);
                tnum(b, c->lo, 0);
                tnum(b, c->hi, 0);
            }
            tempty(b, 10);
        }
        tcell(b, c->pass ? "pass" : "fail", 1);
    }
    cot_buf_free(&t);
}

/* ---- SVG ------------------------------------------------------------------- */

static void xesc(cot_buf_t *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': cot_buf_adds(b, "&lt;"); break;
        case '>': cot_buf_adds(b, "&gt;"); break;
        case '&': cot_buf_adds(b, "&amp;"); break;
        case '"': cot_buf_adds(b, "&quot;"); break;
        default:
            /* XML 1.0 forbids most control characters. */
            if ((unsigned char)*s < 0x20 && *s != '\t' && *s != '\n') cot_buf_addc(b, ' ');
            else cot_buf_addc(b, *s);
        }
    }
}

#define SVG_W   720.0
#define PX0     70.0       /* plot left   */
#define PW      610.0      /* plot width  */
#define PH      150.0      /* plot height */
#define PANEL   230.0      /* panel height with title and axis labels */
#define FONT    11.0       /* px, class tick/axis and plain text      */
#define FONT_T  12.0       /* px, class title (bold)                  */
#define LABW    150.0      /* count bars: width of the value labels   */
#define ROWH    18.0       /* count bars: one value                   */
#define MAXROWS 12         /* count bars: values drawn per panel      */

/* Width of s in px at font size px, estimated on the safe side: no font
 * metrics are at hand, so each ASCII character counts with an upper bound
 * of its class in the common sans-serif faces (DejaVu Sans, the widest of
 * them, measured with rsvg-convert), bold 10% wider, and anything outside
 * ASCII as a full em (CJK, emoji).  Plots never rely on text being
 * narrower than this, so labels do not collide or leave the canvas. */
static double char_em(unsigned char c)
{
    if (strchr("il.,:;'|Ij", c)) return 0.36;
    if (strchr(" ft()[]-/\\r!\"", c)) return 0.48;
    if (strchr("`{}", c)) return 0.74;
    if (strchr("mwMW@%", c)) return 1.04;
    if (c >= 'A' && c <= 'Z') return 0.80;
    if (c >= '0' && c <= '9') return 0.66;
    if (c >= 'a' && c <= 'z') return 0.68;
    return 0.86;
}

static double text_w(const char *s, double px, int bold)
{
    double em = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x80) em += char_em(*p);
        else if ((*p & 0xC0) != 0x80) em += 1.0;
    }
    return em * px * (bold ? 1.1 : 1.0);
}

/* s shortened to fit maxw (px), with "..." in the middle when cut: both
 * ends of a label usually matter (a path and its value).  Returns 1 when
 * cut. */
static int fit(const char *s, double maxw, double px, int bold, cot_buf_t *o)
{
    cot_buf_clear(o);
    if (text_w(s, px, bold) <= maxw) { cot_buf_adds(o, s); return 0; }
    size_t n = strlen(s);
    /* Character boundaries, so a cut never splits a UTF-8 sequence. */
    size_t *cb = cot_calloc(n + 2, sizeof *cb), nc = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) cb[nc++] = i;
    cb[nc] = n;
    size_t keep = nc;
    for (;;) {
        size_t head = (keep + 1) / 2, tail = keep - head;
        cot_buf_clear(o);
        cot_buf_add(o, s, cb[head]);
        cot_buf_adds(o, "...");
        cot_buf_adds(o, s + cb[nc - tail]);
        if (text_w(o->s, px, bold) <= maxw || keep == 0) break;
        keep--;
    }
    free(cb);
    return 1;
}

/* A text element; one that had to be shortened carries the whole text as
 * its <title> (the tooltip). */
static void svg_text_fit(cot_buf_t *b, double x, double y, const char *anchor,
                         const char *cls, const char *s, double maxw)
{
    int bold = strstr(cls, "title") != NULL;
    cot_buf_t t = {0};
    int cut = fit(s, maxw, bold ? FONT_T : FONT, bold, &t);
    cot_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" class=\"%s\">",
                   x, y, anchor, cls);
    if (cut) {
        cot_buf_adds(b, "<title>");
        xesc(b, s);
        cot_buf_adds(b, "</title>");
    }
    xesc(b, t.s ? t.s : "");
    cot_buf_adds(b, "</text>\n");
    cot_buf_free(&t);
}

static void svg_text(cot_buf_t *b, double x, double y, const char *anchor,
                     const char *cls, const char *s)
{
    /* Anchored at x, the text may use the room between x and the edge of
     * the canvas (both halves of it when centred). */
    double room = !strcmp(anchor, "start") ? SVG_W - 4 - x
                : !strcmp(anchor, "end")   ? x - 4
                : 2 * fmin(x - 4, SVG_W - 4 - x);
    svg_text_fit(b, x, y, anchor, cls, s, room);
}

/* A panel title: the whole width, shortened when longer. */
static void svg_title(cot_buf_t *b, double top, const char *cls, const char *s)
{
    svg_text_fit(b, 8, top + 20, "start", cls, s, SVG_W - 16);
}

static void svg_axes(cot_buf_t *b, double y0, const char *ylo, const char *yhi)
{
    cot_buf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                   "class=\"frame\"/>\n", PX0, y0, PW, PH);
    svg_text_fit(b, PX0 - 6, y0 + PH + 4, "end", "tick", ylo, PX0 - 10);
    svg_text_fit(b, PX0 - 6, y0 + 8, "end", "tick", yhi, PX0 - 10);
}

/* Tick labels under the points xs[0..m): as many as fit side by side, each
 * at most 120 px, the first and the last always among them; a label that
 * would cross an edge of the canvas is anchored to that edge instead. */
static void svg_xlabels(cot_buf_t *b, const double *xs, char *const *lab, size_t m,
                        double y)
{
    double *l = cot_calloc(m + 1, sizeof *l), *rr = cot_calloc(m + 1, sizeof *rr);
    char **s = cot_calloc(m + 1, sizeof *s);
    const char **anc = cot_calloc(m + 1, sizeof *anc);
    double *ax = cot_calloc(m + 1, sizeof *ax);
    size_t *keep = cot_calloc(m + 1, sizeof *keep), nk = 0;
    cot_buf_t t = {0};
    for (size_t i = 0; i < m; i++) {
        fit(lab[i], 120, FONT, 0, &t);
        s[i] = cot_strdup(t.s ? t.s : "");
        double w = text_w(s[i], FONT, 0);
        l[i] = xs[i] - w / 2;
        rr[i] = xs[i] + w / 2;
        anc[i] = "middle";
        ax[i] = xs[i];
        if (l[i] < 4) { l[i] = 4; rr[i] = 4 + w; anc[i] = "start"; ax[i] = 4; }
        if (rr[i] > SVG_W - 4) {
            rr[i] = SVG_W - 4; l[i] = rr[i] - w; anc[i] = "end"; ax[i] = SVG_W - 4;
        }
    }
    const double gap = 8;
    for (size_t i = 0; i < m; i++)
        if (!nk || l[i] >= rr[keep[nk - 1]] + gap) keep[nk++] = i;
    if (m > 1 && keep[nk - 1] != m - 1) {
        while (nk > 1 && l[m - 1] < rr[keep[nk - 1]] + gap) nk--;
        if (l[m - 1] >= rr[keep[nk - 1]] + gap) keep[nk++] = m - 1;
    }
    for (size_t k = 0; k < nk; k++) {
        size_t i = keep[k];
        cot_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" class=\"tick\">",
                       ax[i], y, anc[i]);
        if (strcmp(s[i], lab[i])) {
            cot_buf_adds(b, "<title>");
            xesc(b, lab[i]);
            cot_buf_adds(b, "</title>");
        }
        xesc(b, s[i]);
        cot_buf_adds(b, "</text>\n");
    }
    for (size_t i = 0; i < m; i++) free(s[i]);
    free(s); free(l); free(rr); free(anc); free(ax); free(keep);
    cot_buf_free(&t);
}

static void svg_trend(const cot_report_t *r, const rgroup_t *rg, size_t f,
                      double top, cot_buf_t *b)
{
    const cot_stat_opts_t *o = &r->st->o;
    const rseries_t *se = &rg->ser[f];
    cot_buf_t t = {0};
    cot_buf_printf(&t, "%s=%s over %s, %s", o->forf[f], o->forv[f], o->trend, rg->name);
    if (se->t.ok)
        cot_buf_printf(&t, ": slope %+.3g, z %.2f, p %.3g%s", se->t.slope, se->t.z,
                       se->t.p, se->rise ? " (RISE)" : "");
    svg_title(b, top, se->rise ? "title rise" : "title", t.s);
    double y0 = top + 32, ymax = 0;
    size_t m = 0;
    double *xs = cot_calloc(r->nb + 1, sizeof *xs), *lo = cot_calloc(r->nb + 1, sizeof *lo),
           *hi = cot_calloc(r->nb + 1, sizeof *hi), *p = cot_calloc(r->nb + 1, sizeof *p);
    size_t *bi = cot_calloc(r->nb + 1, sizeof *bi);
    char **labs = cot_calloc(r->nb + 1, sizeof *labs);
    for (size_t x = 0; x < r->nb; x++) {
        if (!se->n[x]) continue;
        cot_stats_wilson(se->k[x], se->n[x], COT_Z95, &lo[m], &hi[m]);
        p[m] = (double)se->k[x] / (double)se->n[x];
        bi[m] = x;
        labs[m] = r->bk[x].label;
        if (hi[m] > ymax) ymax = hi[m];
        m++;
    }
    ymax = ceil(ymax * 20) / 20;
    if (ymax <= 0) ymax = 0.05;
    double s0 = r->nb ? r->bk[0].score : 0, s1 = r->nb ? r->bk[r->nb - 1].score : 1;
    for (size_t i = 0; i < m; i++) {
        double s = r->bk[bi[i]].score;
        xs[i] = s1 > s0 ? PX0 + 10 + (PW - 20) * (s - s0) / (s1 - s0) : PX0 + PW / 2;
    }
    cot_buf_clear(&t);
    pct(&t, ymax);
    svg_axes(b, y0, "0%", t.s);
#define YV(v) (y0 + PH - PH * (v) / ymax)
    if (m) {
        cot_buf_adds(b, "<polygon class=\"band\" points=\"");
        for (size_t i = 0; i < m; i++) cot_buf_printf(b, "%.2f,%.2f ", xs[i], YV(hi[i]));
        for (size_t i = m; i-- > 0;)
            cot_buf_printf(b, "%.2f,%.2f%s", xs[i], YV(lo[i]), i ? " " : "");
        cot_buf_adds(b, "\"/>\n<polyline class=\"rate\" points=\"");
        for (size_t i = 0; i < m; i++)
            cot_buf_printf(b, "%.2f,%.2f%s", xs[i], YV(p[i]), i + 1 < m ? " " : "");
        cot_buf_adds(b, "\"/>\n");
        for (size_t i = 0; i < m; i++) {
            cot_buf_printf(b, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"2.5\"><title>", xs[i],
                           YV(p[i]));
            cot_buf_clear(&t);
            cot_buf_printf(&t, "%s: %" PRIu64 "/%" PRIu64 " = ", r->bk[bi[i]].label,
                           se->k[bi[i]], se->n[bi[i]]);
            pct(&t, p[i]);
            cot_buf_adds(&t, " [");
            pct(&t, lo[i]);
            cot_buf_adds(&t, ", ");
            pct(&t, hi[i]);
            cot_buf_adds(&t, "]");
            xesc(b, t.s);
            cot_buf_adds(b, "</title></circle>\n");
        }
        svg_xlabels(b, xs, labs, m, y0 + PH + 16);
    }
#undef YV
    svg_text(b, PX0 + PW / 2, y0 + PH + 32, "middle", "axis", o->trend);
    free(xs); free(lo); free(hi); free(p); free(bi); free(labs);
    cot_buf_free(&t);
}

#define HBINS 20

static void svg_hist(const cot_report_t *r, const rgroup_t *rg, size_t i, double top,
                     cot_buf_t *b)
{
    const cot_num_t *n = &rg->g->num[i];
    cot_buf_t t = {0};
    uint64_t h[HBINS] = {0}, mx = 0;
    double lo = n->w.min, hi = n->w.max;
    /* Bin each sketch bucket at its centre (clamped to [min, max]): the
     * histogram is as exact as the sketch, and merges the same way. */
    for (int side = -1; side <= 1; side++) {
        const cot_sketch_side_t *sd = side < 0 ? &n->sk.neg : &n->sk.pos;
        size_t len = side == 0 ? 1 : sd->len;
        for (size_t j = 0; j < len; j++) {
            uint64_t c = side == 0 ? n->sk.zero : sd->c[j];
            if (!c) continue;
            double v = side == 0 ? 0 : side * cot_sketch_value(sd->off + (int64_t)j);
            if (v < lo) v = lo;
            if (v > hi) v = hi;
            size_t bin = hi > lo ? (size_t)((v - lo) / (hi - lo) * HBINS) : 0;
            if (bin >= HBINS) bin = HBINS - 1;
            h[bin] += c;
        }
    }
    for (int j = 0; j < HBINS; j++) if (h[j] > mx) mx = h[j];
    cot_buf_printf(&t, "%s, %s: n %" PRIu64, r->st->o.num[i], rg->name, n->w.n);
    if (n->w.n)
        cot_buf_printf(&t, ", mean %.4g, p50 %.4g, p90 %.4g", n->w.mean, clampq(n, 0.5),
                       clampq(n, 0.9));
    else
        cot_buf_adds(&t, " (no values)");
    svg_title(b, top, "title", t.s);
    double y0 = top + 32;
    cot_buf_clear(&t);
    cot_buf_printf(&t, "%" PRIu64, mx);
    svg_axes(b, y0, "0", t.s);
    double bw = PW / HBINS;
    for (int j = 0; j < HBINS && mx; j++) {
        if (!h[j]) continue;
        double ht = PH * (double)h[j] / (double)mx;
        cot_buf_printf(b, "<rect class=\"bar\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" "
                       "height=\"%.2f\"><title>%" PRIu64 "</title></rect>\n",
                       PX0 + j * bw + 1, y0 + PH - ht, bw - 2, ht, h[j]);
    }
    if (n->w.n) {
        cot_buf_clear(&t);
        cot_buf_printf(&t, "%.4g", lo);
        svg_text_fit(b, PX0, y0 + PH + 16, "start", "tick", t.s, PW / 2 - 8);
        cot_buf_clear(&t);
        cot_buf_printf(&t, "%.4g", hi);
        svg_text_fit(b, PX0 + PW, y0 + PH + 16, "end", "tick", t.s, PW / 2 - 8);
    }
    cot_buf_free(&t);
}

/* Rows a count panel draws: the most frequent values, then one row for the
 * rest, then (missing) and (ill-typed) when there are any. */
static size_t count_rows(const rgroup_t *rg, size_t i)
{
    const cot_cat_t *c = &rg->g->cat[i];
    size_t n = c->vals.n < MAXROWS ? c->vals.n : MAXROWS;
    if (c->vals.n > MAXROWS) n++;
    if (c->missing) n++;
    if (c->badtype) n++;
    return n ? n : 1;
}

static double count_height(const rgroup_t *rg, size_t i)
{
    return 52 + ROWH * (double)count_rows(rg, i);
}

static void count_row(cot_buf_t *b, double y, const char *label, uint64_t k,
                      uint64_t total, uint64_t mx, const char *cls)
{
    const double x0 = 8 + LABW + 6, xw = SVG_W - 8 - 110 - x0;
    cot_buf_t t = {0};
    svg_text_fit(b, 8 + LABW, y + 12, "end", "tick", label, LABW);
    double w = mx ? xw * (double)k / (double)mx : 0;
    if (k && w < 1) w = 1;
    cot_buf_printf(b, "<rect class=\"%s\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" "
                   "height=\"%.2f\"><title>", cls, x0, y + 2, w, ROWH - 4);
    xesc(b, label);
    cot_buf_printf(b, ": %" PRIu64 "</title></rect>\n", k);
    cot_buf_printf(&t, "%" PRIu64 " (", k);
    pct(&t, total ? (double)k / (double)total : 0);
    cot_buf_addc(&t, ')');
    svg_text_fit(b, x0 + w + 4, y + 12, "start", "tick", t.s, SVG_W - 8 - (x0 + w + 4));
    cot_buf_free(&t);
}

/* Count bars: one horizontal bar per value, longest first; rates are of the
 * records that have the field (as in the table). */
static void svg_count(const cot_report_t *r, const rgroup_t *rg, size_t i, double top,
                      cot_buf_t *b)
{
    const cot_cat_t *c = &rg->g->cat[i];
    const size_t *ord = rg->vorder[i];
    cot_buf_t t = {0}, v = {0};
    cot_buf_printf(&t, "%s, %s: n %" PRIu64, r->st->o.count[i], rg->name, c->present);
    if (c->missing || c->badtype)
        cot_buf_printf(&t, ", %" PRIu64 " missing, %" PRIu64 " ill-typed", c->missing,
                       c->badtype);
    svg_title(b, top, "title", t.s);
    size_t shown = c->vals.n < MAXROWS ? c->vals.n : MAXROWS;
    uint64_t mx = 0, rest = 0;
    for (size_t j = 0; j < c->vals.n; j++) {
        uint64_t k = c->cnt[ord[j]];
        if (j < shown) { if (k > mx) mx = k; }
        else rest += k;
    }
    if (rest > mx) mx = rest;
    if (c->missing > mx) mx = c->missing;
    if (c->badtype > mx) mx = c->badtype;
    uint64_t total = c->present + c->missing + c->badtype;
    double y = top + 32;
    for (size_t j = 0; j < shown; j++, y += ROWH) {
        cot_buf_clear(&v);
        cot_stats_key_show(c->vals.keys[ord[j]], &v);
        count_row(b, y, v.s ? v.s : "", c->cnt[ord[j]], c->present, mx, "bar");
    }
    if (c->vals.n > shown) {
        cot_buf_clear(&v);
        cot_buf_printf(&v, "(%zu other values)", c->vals.n - shown);
        count_row(b, y, v.s, rest, c->present, mx, "bar other");
        y += ROWH;
    }
    if (c->missing) { count_row(b, y, "(missing)", c->missing, total, mx, "bar absent"); y += ROWH; }
    if (c->badtype) { count_row(b, y, "(ill-typed)", c->badtype, total, mx, "bar absent"); y += ROWH; }
    if (!total) svg_text(b, 8 + LABW + 6, y + 12, "start", "axis", "no records");
    cot_buf_free(&t);
    cot_buf_free(&v);
}

int cot_report_svg_target_ok(const char *path)
{
    struct stat sb;
    if (!strcmp(path, "-") || stat(path, &sb) < 0 || !S_ISREG(sb.st_mode)) return 1;
    FILE *f = fopen(path, "rb");
    if (!f) return 1;   /* writing it will say why */
    int c;
    while ((c = getc(f)) == ' ' || c == '\t' || c == '\n' || c == '\r') ;
    fclose(f);
    return c == EOF || c == '<';
}

/* Which groups get a panel of their own: the overall, then each --by group
 * (the overall alone when there is no --by). */
static size_t svg_ngroups(const cot_report_t *r) { return r->ngrp; }

void cot_report_svg(const cot_report_t *r, cot_buf_t *b)
{
    const cot_stat_opts_t *o = &r->st->o;
    size_t ng = svg_ngroups(r);
    /* Panels, top to bottom: trends, count bars, histograms; each for the
     * overall and then for every group. */
    double h = 40;
    for (size_t f = 0; f < o->nfor; f++) h += PANEL * (double)ng;
    for (size_t i = 0; i < o->ncount; i++)
        for (size_t j = 0; j < ng; j++) h += count_height(&r->grp[j], i);
    for (size_t i = 0; i < o->nnum; i++) h += r->hide[i] ? 0 : PANEL * (double)ng;
    int empty = h == 40;
    if (empty) h += 40;
    cot_buf_printf(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                   "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
                   "height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\">\n", SVG_W, h, SVG_W, h);
    cot_buf_adds(b,
        "<style>\n"
        "text{font-family:sans-serif;font-size:11px;fill:#222}\n"
        ".title{font-size:12px;font-weight:bold}\n.rise{fill:#b00020}\n"
        ".tick{fill:#555}\n.axis{fill:#555;font-style:italic}\n"
        ".frame{fill:none;stroke:#999;stroke-width:1}\n"
        ".band{fill:#1f77b4;fill-opacity:0.2;stroke:none}\n"
        ".rate{fill:none;stroke:#1f77b4;stroke-width:2}\n"
        "circle{fill:#1f77b4}\n.bar{fill:#2ca02c}\n.other{fill:#98df8a}\n"
        ".absent{fill:#bbb}\n"
        "</style>\n");
    cot_buf_printf(b, "<rect width=\"%.0f\" height=\"%.0f\" fill=\"#fff\"/>\n", SVG_W, h);
    cot_buf_t t = {0};
    cot_buf_printf(&t, "cot-stat: %" PRIu64 " records", r->st->records);
    svg_title(b, 4, "title", t.s);
    if (empty)
        svg_text(b, 8, 60, "start", "axis",
                 "nothing to draw: give --count, --num or --trend with --for");
    cot_buf_free(&t);
    double top = 40;
    for (size_t f = 0; f < o->nfor; f++)
        for (size_t j = 0; j < ng; j++, top += PANEL)
            svg_trend(r, &r->grp[j], f, top, b);
    for (size_t i = 0; i < o->ncount; i++)
        for (size_t j = 0; j < ng; j++) {
            svg_count(r, &r->grp[j], i, top, b);
            top += count_height(&r->grp[j], i);
        }
    for (size_t i = 0; i < o->nnum; i++)
        for (size_t j = 0; j < ng && !r->hide[i]; j++, top += PANEL)
            svg_hist(r, &r->grp[j], i, top, b);
    cot_buf_adds(b, "</svg>\n");
}
