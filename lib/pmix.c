/* pmix.c -- the mixture over the profile's views (cot-profile mix --views).
 *
 * Own records are N(0, R) in the z-scores of the combined score's features,
 * R the shrunk correlation build fitted on the held-out records; off-policy
 * ones N(m, S), fitted by EM on the scored set.  See profile.h. */
#include "profile.h"
#include "record.h"
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define D COT_PROFILE_COMB_MAX

/* Where a feature's raw value is in a shift object. */
static const char *feat_path(int kind)
{
    switch (kind) {
    case COT_PCAL_WBITS: return "views.words.bits";
    case COT_PCAL_WWIN: return "worst_window.bits";
    case COT_PCAL_WPEAK: return "views.words.peak";
    case COT_PCAL_CBITS: return "views.chars.bits";
    case COT_PCAL_CPEAK: return "views.chars.peak";
    case COT_PCAL_LAYOUT: return "views.layout.rms_z";
    case COT_PCAL_WLLR: return "views.words.llr";
    case COT_PCAL_CLLR: return "views.chars.llr";
    default: return NULL;
    }
}

/* Where the shift object writes a feature's z against the held-out
 * records of the profile that scored it. */
static const char *z_path(int kind)
{
    switch (kind) {
    case COT_PCAL_WBITS: return "views.words.z";
    case COT_PCAL_WWIN: return "worst_window.z";
    case COT_PCAL_WPEAK: return "views.words.peak_z";
    case COT_PCAL_CBITS: return "views.chars.z";
    case COT_PCAL_CPEAK: return "views.chars.peak_z";
    case COT_PCAL_LAYOUT: return "views.layout.z";
    case COT_PCAL_WLLR: return "views.words.llr_z";
    case COT_PCAL_CLLR: return "views.chars.llr_z";
    default: return NULL;
    }
}

/* a = L L' (lower L) for the d x d a: 0, or -1 when a is not positive
 * definite; *ld = log det a. */
static int chol(const double a[][D], int d, double l[][D], double *ld)
{
    *ld = 0;
    for (int i = 0; i < d; i++)
        for (int j = 0; j <= i; j++) {
            double s = a[i][j];
            for (int k = 0; k < j; k++) s -= l[i][k] * l[j][k];
            if (i == j) {
                if (!(s > 0)) return -1;
                l[i][i] = sqrt(s);
                *ld += log(s);
            } else {
                l[i][j] = s / l[j][j];
            }
        }
    for (int i = 0; i < d; i++)
        for (int j = i + 1; j < d; j++) l[i][j] = 0;
    return 0;
}

/* |L^-1 v|^2: v' a^-1 v for a = L L'. */
static double solve_sq(const double l[][D], int d, const double *v)
{
    double y[D], q = 0;
    for (int i = 0; i < d; i++) {
        double s = v[i];
        for (int k = 0; k < i; k++) s -= l[i][k] * y[k];
        y[i] = s / l[i][i];
        q += y[i] * y[i];
    }
    return q;
}

/* z' ri z */
static double quad(const double ri[][D], int d, const double *z)
{
    double q = 0;
    for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++) q += z[i] * ri[i][j] * z[j];
    return q;
}

/* z of raw features x[0..d) against own component o: 1, 2 beyond every
 * own sample, 0 a feature missing. */
static int zed(const cot_profile_vmix_t *m, const cot_profile_vnull_t *o, const double *x,
               double *z)
{
    int beyond = 0;
    for (int k = 0; k < m->d; k++) {
        if (isnan(x[k])) return 0;
        if (isinf(x[k])) { beyond = 1; z[k] = 0; continue; }
        if (o->sd[k] > 0) z[k] = (x[k] - o->mu[k]) / o->sd[k];
        else if (fabs(x[k] - o->mu[k]) > 1e-9 * (1 + fabs(o->mu[k]))) { beyond = 1; z[k] = 0; }
        else z[k] = 0;
    }
    return beyond ? 2 : 1;
}

/* NANs last */
static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    if (isnan(x) || isnan(y)) return isnan(x) - isnan(y);
    return x < y ? -1 : x > y;
}

/* Whether shift's threshold (at its fpr) is the one own component o's
 * profile gives, as the scorer took it: 1 yes or cannot tell (none
 * written, or unresolved), 0 no. */
static int same_threshold(const cot_profile_vnull_t *o, const cJSON *shift)
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(shift, "threshold"),
                *f = cJSON_GetObjectItemCaseSensitive(shift, "fpr");
    if (!cJSON_IsNumber(t) || !cJSON_IsNumber(f) ||
        !(f->valuedouble > 0 && f->valuedouble < 1))
        return 1;
    double c = cot_profile_feat_threshold(o->p, COT_PCAL_SCORE, f->valuedouble, NULL);
    if (isnan(c)) return 1;
    if (isinf(c)) return t->valuedouble >= DBL_MAX;
    double r = round(c * 1e4) / 1e4;
    return fabs(r - t->valuedouble) <= 1e-9 * (1 + fabs(r));
}

/* Own component o from profile p (its features in f, d of them): 0, or -1
 * with *why. */
static int own_init(cot_profile_vnull_t *o, const cot_profile_t *p, int *d, int *f,
                    const char **why)
{
    cot_profile_info_t in;
    cot_profile_info(p, &in);
    double ri[D][D];
    *d = cot_profile_comb(p, f, o->mu, o->sd, ri);
    if (!in.cal_rows) {
        *why = "keeps no held-out records' features (built before cot-profile kept "
               "them, or with --holdout 0); rebuild it";
        return -1;
    }
    if (*d < 1) {
        *why = "has no combined score (too few held-out records); rebuild it with "
               "more own samples or a larger --holdout";
        return -1;
    }
    memcpy(o->ri0, ri, sizeof ri);
    double l[D][D], ldri;
    if (chol(ri, *d, l, &ldri) < 0) {
        *why = "has a combined score whose correlation is not positive definite "
               "(a damaged profile?); rebuild it";
        return -1;
    }
    o->ld0 = -ldri;
    o->p = p;
    /* R itself, the start for S: column j solves (L L') x = e_j */
    for (int j = 0; j < *d; j++) {
        double y[D], x[D];
        for (int i = 0; i < *d; i++) {
            double s = i == j;
            for (int k = 0; k < i; k++) s -= l[i][k] * y[k];
            y[i] = s / l[i][i];
        }
        for (int i = *d - 1; i >= 0; i--) {
            double s = y[i];
            for (int k = i + 1; k < *d; k++) s -= l[k][i] * x[k];
            x[i] = s / l[i][i];
        }
        for (int i = 0; i < *d; i++) o->r0[i][j] = x[i];
    }
    return 0;
}

int cot_profile_vmix_init(cot_profile_vmix_t *m, cot_profile_t *const *p, int np,
                          const char **why, int *which)
{
    memset(m, 0, sizeof *m);
    m->stride = 1;
    m->pi = m->weight = NAN;
    m->max_iters = COT_VMIX_ITERS;
    const char *env = getenv("COT_VMIX_ITERS");
    long it;
    if (env && cot_parse_long(env, 1, 1000000, &it) == 0) m->max_iters = (unsigned)it;
    else if (env)
        cot_warn("ignoring COT_VMIX_ITERS=%s: not a number of rounds from 1 to 1000000 "
                 "(EM runs up to %d)", env, COT_VMIX_ITERS);
    m->np = np;
    for (int k = 0; k < np; k++) {
        int d, f[D];
        *which = k;
        if (own_init(&m->own[k], p[k], &d, f, why) < 0) return -1;
        if (!k) {
            m->d = d;
            memcpy(m->f, f, sizeof f);
        } else if (d != m->d || memcmp(f, m->f, (size_t)d * sizeof *f)) {
            *why = "scores other features than the first profile (profiles of one "
                   "set come from the same own samples, with the same options)";
            return -1;
        }
    }
    return 0;
}

int cot_profile_vmix_record(const cot_profile_vmix_t *m, const cJSON *shift, double *z, int *k)
{
    double x[D];
    *k = 0;
    if (!cJSON_IsObject(shift)) return 0;
    const cJSON *pk = cJSON_GetObjectItemCaseSensitive(shift, "profile");
    if (m->np > 1 || pk) {
        if (!cJSON_IsNumber(pk) || pk->valuedouble != floor(pk->valuedouble) ||
            pk->valuedouble < 1 || pk->valuedouble > m->np)
            return -1;
        *k = (int)pk->valuedouble - 1;
    }
    const cot_profile_vnull_t *o = &m->own[*k];
    if (!same_threshold(o, shift)) return -2;
    for (int i = 0; i < m->d; i++) {
        const char *path = feat_path(m->f[i]);
        const cJSON *v = path ? cot_record_get(shift, path) : NULL;
        if (!cJSON_IsNumber(v)) return 0;
        /* jq's infinity, as the shift object writes one */
        x[i] = v->valuedouble >= DBL_MAX ? INFINITY : v->valuedouble;
        /* the z the scorer wrote must be this profile's: x = z sd + mean,
         * both rounded to 4 decimals (else another profile scored it, and
         * its held-out records say that the threshold does not) */
        const cJSON *zv = cot_record_get(shift, z_path(m->f[i]));
        if (cJSON_IsNumber(zv) && isfinite(x[i]) && o->sd[i] > 0 &&
            fabs(zv->valuedouble) < DBL_MAX &&
            fabs(zv->valuedouble * o->sd[i] + o->mu[i] - x[i]) >
                1e-4 * (1 + o->sd[i]) + 1e-9 * fabs(o->mu[i]))
            return -2;
    }
    return zed(m, o, x, z);
}

/* Room for `more` rows past nz. */
static void room(cot_profile_vmix_t *m, size_t more)
{
    size_t want = m->nz + more;
    if (m->zcap >= want) return;
    if (want < 2 * m->zcap) want = 2 * m->zcap;
    if (want < 1024) want = 1024;
    m->z = cot_realloc(m->z, want * (size_t)m->d * sizeof *m->z);
    m->zp = cot_realloc(m->zp, want);
    m->zcap = want;
}

static void keep(cot_profile_vmix_t *m, const double *z, int k)
{
    room(m, 1);
    memcpy(m->z + m->nz * (size_t)m->d, z, (size_t)m->d * sizeof *z);
    m->zp[m->nz++] = (unsigned char)k;
}

void cot_profile_vmix_add(cot_profile_vmix_t *m, const double *z, int k)
{
    if (m->seen++ % m->stride) return;
    if (m->nz == (size_t)COT_VMIX_FIT) {           /* keep every other one */
        for (size_t i = 0; i < COT_VMIX_FIT / 2; i++) {
            memmove(m->z + i * (size_t)m->d, m->z + 2 * i * (size_t)m->d,
                    (size_t)m->d * sizeof *m->z);
            m->zp[i] = m->zp[2 * i];
        }
        m->nz = COT_VMIX_FIT / 2;
        m->stride *= 2;
        if ((m->seen - 1) % m->stride) return;
    }
    keep(m, z, k);
}

/* log N(z; m, S) - log N(z; 0, R_k), the 2 pi terms cancelling; q0 is
 * z' R_k^-1 z. */
static double llr(const cot_profile_vmix_t *m, const double *z, double q0, int k)
{
    double v[D];
    for (int i = 0; i < m->d; i++) v[i] = z[i] - m->m[i];
    return -0.5 * (solve_sq(m->l1, m->d, v) + m->ld1) + 0.5 * (q0 + m->own[k].ld0);
}

static double logistic(double a)
{
    return a > 0 ? 1 / (1 + exp(-a)) : exp(a) / (1 + exp(a));
}

void cot_profile_vmix_fit(cot_profile_vmix_t *m, cot_profile_t *const *p)
{
    const int d = m->d;
    const size_t ns = m->nz;
    m->n = ns;
    /* The held-out records go into the fit too, unlabelled like the set's:
     * the fitted score is then a function of both alike, so that a held-out
     * own record and an own record of the set stay exchangeable, and the
     * threshold taken from the held-out ones holds for the set's.  (Fitted
     * on the set alone, its own records shape the score and the held-out
     * ones do not.) */
    size_t rows = 0;
    for (int k = 0; k < m->np; k++) {
        cot_profile_info_t in;
        cot_profile_info(p[k], &in);
        rows += in.cal_rows;
    }
    room(m, rows);
    for (int k = 0; k < m->np; k++) {
        cot_profile_info_t in;
        cot_profile_info(p[k], &in);
        for (uint64_t i = 0; i < in.cal_rows; i++) {
            double x[D], z[D];
            for (int j = 0; j < d; j++) x[j] = cot_profile_cal_row(p[k], i, m->f[j]);
            if (zed(m, &m->own[k], x, z) == 1) keep(m, z, k);
        }
    }
    const size_t n = m->nz;
    double s[D][D];
    memcpy(s, m->own[0].r0, sizeof s);
    for (int j = 0; j < d; j++) m->m[j] = 0;
    for (size_t i = 0; i < ns; i++)
        for (int j = 0; j < d; j++) m->m[j] += m->z[i * (size_t)d + j];
    for (int j = 0; j < d; j++) m->m[j] = ns ? 2 * m->m[j] / (double)ns : 0;
    chol(s, d, m->l1, &m->ld1);
    m->pi = 0.5;
    if (ns) {
        double *q0 = cot_malloc(n * sizeof *q0), *r = cot_malloc(n * sizeof *r);
        for (size_t i = 0; i < n; i++)
            q0[i] = quad(m->own[m->zp[i]].ri0, d, m->z + i * (size_t)d);
        double prev = -INFINITY;
        for (m->iters = 0; m->iters < m->max_iters; m->iters++) {
            /* E: responsibilities, and the mean log-likelihood */
            double ll = 0, sr = 0, lp1 = log(m->pi), lp0 = log1p(-m->pi);
            for (size_t i = 0; i < n; i++) {
                double a = lp1 + llr(m, m->z + i * (size_t)d, q0[i], m->zp[i]) - lp0;
                r[i] = logistic(a);
                ll += lp0 - 0.5 * (q0[i] + m->own[m->zp[i]].ld0) +
                      (a > 0 ? a + log1p(exp(-a)) : log1p(exp(a)));
                sr += r[i];
            }
            ll /= (double)n;
            if (fabs(ll - prev) < 1e-9) { m->converged = 1; break; }
            prev = ll;
            /* M: pi, m, S (+ the ridge); a component that empties ends it */
            if (!(sr > 1e-9) || !(sr < (double)n - 1e-9)) { m->converged = 1; break; }
            m->pi = sr / (double)n;
            double mm[D] = {0};
            for (size_t i = 0; i < n; i++)
                for (int j = 0; j < d; j++) mm[j] += r[i] * m->z[i * (size_t)d + j];
            for (int j = 0; j < d; j++) mm[j] /= sr;
            memset(s, 0, sizeof s);
            for (size_t i = 0; i < n; i++) {
                const double *z = m->z + i * (size_t)d;
                for (int a = 0; a < d; a++)
                    for (int b = 0; b <= a; b++) s[a][b] += r[i] * (z[a] - mm[a]) * (z[b] - mm[b]);
            }
            for (int a = 0; a < d; a++) {
                for (int b = 0; b <= a; b++) s[b][a] = s[a][b] = s[a][b] / sr;
                s[a][a] += COT_VMIX_RIDGE;
            }
            memcpy(m->m, mm, sizeof mm);
            if (chol(s, d, m->l1, &m->ld1) < 0) break;     /* cannot: the ridge */
        }
        /* the weight of the set's records, not of the held-out ones */
        double sw = 0, lp1 = log(m->pi), lp0 = log1p(-m->pi);
        for (size_t i = 0; i < ns; i++)
            sw += logistic(lp1 + llr(m, m->z + i * (size_t)d, q0[i], m->zp[i]) - lp0);
        m->weight = sw / (double)ns;
        free(q0);
        free(r);
    }
    free(m->z);
    free(m->zp);
    m->z = NULL;
    m->zp = NULL;
    m->nz = 0;
    /* each profile's held-out scores: the null its p-values and flags rest on */
    for (int k = 0; k < m->np; k++) {
        cot_profile_vnull_t *o = &m->own[k];
        cot_profile_info_t in;
        cot_profile_info(p[k], &in);
        o->nh = in.cal_rows;
        o->h = cot_malloc((o->nh ? o->nh : 1) * sizeof *o->h);
        for (uint64_t i = 0; i < o->nh; i++) {
            double x[D], z[D];
            for (int j = 0; j < d; j++) x[j] = cot_profile_cal_row(p[k], i, m->f[j]);
            /* one without a feature counts as beyond (it raises the threshold) */
            o->h[i] = zed(m, o, x, z) == 1 ? cot_profile_vmix_score(m, z, k) : INFINITY;
        }
        qsort(o->h, o->nh, sizeof *o->h, cmp_double);
    }
}

double cot_profile_vmix_score(const cot_profile_vmix_t *m, const double *z, int k)
{
    return llr(m, z, quad(m->own[k].ri0, m->d, z), k);
}

double cot_profile_vmix_posterior(const cot_profile_vmix_t *m, const double *z, int k)
{
    if (!(m->pi > 0)) return 0;
    return logistic(log(m->pi) - log1p(-m->pi) + cot_profile_vmix_score(m, z, k));
}

double cot_profile_vmix_p(const cot_profile_vmix_t *m, double score, int k)
{
    const cot_profile_vnull_t *o = &m->own[k];
    if (isnan(score) || !o->h) return NAN;
    uint64_t lo = 0, hi = o->nh;            /* held-out scores >= score */
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (o->h[mid] < score) lo = mid + 1; else hi = mid;
    }
    return (1.0 + (double)(o->nh - lo)) / ((double)o->nh + 1.0);
}

void cot_profile_vmix_threshold(const cot_profile_vmix_t *m, double fpr, int k,
                                cot_profile_thr_t *t)
{
    cot_profile_conformal(m->own[k].h, m->own[k].nh, m->own[k].nh, fpr, t);
}

void cot_profile_vmix_free(cot_profile_vmix_t *m)
{
    free(m->z);
    free(m->zp);
    for (int k = 0; k < m->np; k++) free(m->own[k].h);
    memset(m, 0, sizeof *m);
}
