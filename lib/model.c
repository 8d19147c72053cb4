/* model.c -- training, the model file, and scoring (see model.h and
 * cot-model(5)). */
#include "model.h"
#include "judge.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- small helpers ----------------------------------------------------- */

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30; x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27; x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

/* splitmix64: the only random source, so a seed fixes every shuffle. */
static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Uniform in [0, n) without modulo bias worth speaking of (n < 2^32). */
static uint64_t rng_below(uint64_t *s, uint64_t n)
{
    return (uint64_t)(((unsigned __int128)rng_next(s) * n) >> 64);
}

static uint64_t rd64(const unsigned char *p) { uint64_t v; memcpy(&v, p, 8); return le64toh(v); }
static uint32_t rd32(const unsigned char *p) { uint32_t v; memcpy(&v, p, 4); return le32toh(v); }
static double rdf64(const unsigned char *p) { uint64_t v = rd64(p); double d; memcpy(&d, &v, 8); return d; }
static void wr64(unsigned char *p, uint64_t v) { v = htole64(v); memcpy(p, &v, 8); }
static void wr32(unsigned char *p, uint32_t v) { v = htole32(v); memcpy(p, &v, 4); }
static void wrf64(unsigned char *p, double d) { uint64_t v; memcpy(&v, &d, 8); wr64(p, v); }
static void wrf32(unsigned char *p, float f) { uint32_t v; memcpy(&v, &f, 4); wr32(p, v); }

/* ---- the file layout (cot-model(5)) ------------------------------------ */

#define MAGIC "COTMODEL"
#define HDR_SIZE 256
#define OFF_STR 128
#define OFF_CLS 144
#define OFF_W 160
#define OFF_FSIZE 176
#define OFF_CSUM 184
#define CLS_SIZE 80

static uint64_t checksum(const unsigned char *p, size_t n)
{
    uint64_t h = 0x243f6a8885a308d3ULL ^ n;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w = i == OFF_CSUM ? 0 : rd64(p + i);
        h = (h ^ w) * 0x9fb21c651e98df25ULL;
        h ^= h >> 29;
    }
    for (; i < n; i++) { h ^= p[i]; h *= 0x100000001b3ULL; }
    return mix64(h);
}

/* ---- the linear model, shared by training and scoring ------------------- */

/* Logits z[0..C) of a record: the bias, then for each field the weights
 * times the field's TF-IDF vector (binary term frequency, idf_j =
 * ln((1 + N) / (1 + df_j)) + 1 over the N training records, the vector
 * L2-normalised per field).  norm[f] gets each field's norm.  Training's
 * held-out pass and cot-judge --model both call this with the same float
 * weights in the same order, so a calibrated threshold means exactly the
 * same thing in both. */
static void logits(const float *W, const float *idf, uint32_t C, const double *bias,
                   const uint32_t *idx, const uint32_t count[COT_FEAT_NFIELDS],
                   double *z, double norm[COT_FEAT_NFIELDS])
{
    for (uint32_t c = 0; c < C; c++) z[c] = bias[c];
    for (int f = 0; f < COT_FEAT_NFIELDS; f++) {
        uint32_t n = count[f];
        norm[f] = 0;
        if (!n) continue;
        double q = 0;
        for (uint32_t j = 0; j < n; j++) q += (double)idf[idx[j]] * idf[idx[j]];
        const double sc = 1.0 / sqrt(q);
        norm[f] = sc;
        if (C == 1) {
            double s = 0;
            for (uint32_t j = 0; j < n; j++) s += (double)W[idx[j]] * idf[idx[j]];
            z[0] += sc * s;
        } else {
            for (uint32_t c = 0; c < C; c++) {
                double s = 0;
                for (uint32_t j = 0; j < n; j++)
                    s += (double)W[(size_t)idx[j] * C + c] * idf[idx[j]];
                z[c] += sc * s;
            }
        }
        idx += n;
    }
}

/* The same over the file's rows: row j is {idf_j, w_j0 .. w_j(C-1)}, so one
 * bucket costs one cache line.  The held-out pass of training and
 * cot-judge --model both use this, so a calibrated threshold means exactly
 * the same thing in both. */
static void logits_rows(const float *R, uint32_t C, const double *bias, const uint32_t *idx,
                        const uint32_t count[COT_FEAT_NFIELDS], double *z,
                        double norm[COT_FEAT_NFIELDS], double *contrib)
{
    const size_t stride = (size_t)C + 1;
    double acc[COT_MODEL_MAX_CLASSES];
    for (uint32_t c = 0; c < C; c++) z[c] = bias[c];
    for (int f = 0; f < COT_FEAT_NFIELDS; f++) {
        uint32_t n = count[f];
        norm[f] = 0;
        if (!n) continue;
        double q = 0;
        if (C == 1) {
            double s = 0;
            for (uint32_t j = 0; j < n; j++) {
                const float *r = R + (size_t)idx[j] * 2;
                const double v = (double)r[1] * r[0];
                q += (double)r[0] * r[0];
                s += v;
                if (contrib) contrib[j] = v;   /* before the field's norm */
            }
            acc[0] = s;
        } else {
            for (uint32_t c = 0; c < C; c++) acc[c] = 0;
            for (uint32_t j = 0; j < n; j++) {
                const float *r = R + (size_t)idx[j] * stride;
                q += (double)r[0] * r[0];
                for (uint32_t c = 0; c < C; c++) acc[c] += (double)r[1 + c] * r[0];
            }
        }
        const double sc = 1.0 / sqrt(q);
        norm[f] = sc;
        for (uint32_t c = 0; c < C; c++) z[c] += sc * acc[c];
        idx += n;
        if (contrib) contrib += n;
    }
}

/* Probabilities in place: sigmoid for one logit, softmax otherwise. */
static void probs(double *z, uint32_t C)
{
    if (C == 1) { z[0] = 1.0 / (1.0 + exp(-z[0])); return; }
    double mx = z[0], s = 0;
    for (uint32_t c = 1; c < C; c++) if (z[c] > mx) mx = z[c];
    for (uint32_t c = 0; c < C; c++) { z[c] = exp(z[c] - mx); s += z[c]; }
    for (uint32_t c = 0; c < C; c++) z[c] /= s;
}

/* ---- training ----------------------------------------------------------- */

void cot_model_train_opts_init(cot_model_train_opts_t *o)
{
    cot_feat_opts_init(&o->feat);
    o->epochs = 10;
    o->lr = 0.05;
    o->l2 = 1e-6;
    o->seed = 1;
    o->holdout = 0.2;
    o->fpr = 0.01;
    o->max_mem = (size_t)256 << 20;
}

enum { MODE_NONE, MODE_POSITIVE, MODE_BOOL, MODE_MULTI };
#define REC_HDR 5          /* words: n, class | held << 31, count[3]      */
#define HELD_BIT 0x80000000u

typedef struct { uint64_t off, words; } chunk_t;

struct cot_model_trainer {
    cot_model_train_opts_t o;
    char **pos;
    int npos, mode;
    char *names[COT_MODEL_MAX_CLASSES];
    uint32_t nnames;
    char *neg_name;          /* MODE_POSITIVE: the one negative value seen */
    int neg_many;
    uint64_t n_train[COT_MODEL_MAX_CLASSES], n_held[COT_MODEL_MAX_CLASSES];
    uint32_t *buf;
    size_t len, cap;         /* in words                                    */
    FILE *spill;
    chunk_t *chunks;
    size_t nchunks, ccap;
    uint64_t ordinal, ntrain, nheld, spill_words;
    uint32_t *df;            /* 2^bits document frequencies (training)      */
    cot_buf_t joined;        /* the positive class's name: "a|b"            */
    cot_feat_work_t fw;
};

cot_model_trainer_t *cot_model_trainer_new(const cot_model_train_opts_t *o,
                                           char *const *positives, int npos)
{
    cot_model_trainer_t *t = cot_calloc(1, sizeof *t);
    t->o = *o;
    t->npos = npos;
    t->pos = cot_calloc((size_t)npos + 1, sizeof *t->pos);
    for (int i = 0; i < npos; i++) t->pos[i] = cot_strdup(positives[i]);
    t->mode = npos ? MODE_POSITIVE : MODE_NONE;
    t->cap = o->max_mem / 4 > 1024 ? o->max_mem / 4 : 1024;
    t->buf = cot_malloc(t->cap * 4);
    t->df = cot_calloc((size_t)1 << o->feat.bits, sizeof *t->df);
    return t;
}

void cot_model_trainer_free(cot_model_trainer_t *t)
{
    if (!t) return;
    for (int i = 0; i < t->npos; i++) free(t->pos[i]);
    free(t->pos);
    for (uint32_t i = 0; i < t->nnames; i++) free(t->names[i]);
    free(t->neg_name);
    free(t->buf);
    free(t->df);
    cot_buf_free(&t->joined);
    free(t->chunks);
    if (t->spill) fclose(t->spill);
    cot_feat_work_free(&t->fw);
    free(t);
}

/* The class of a label, or -1 with *err set. */
static int classify(cot_model_trainer_t *t, const char *s, size_t n, int is_bool,
                    cot_buf_t *err)
{
    if (n > COT_MODEL_MAX_LABEL) {
        cot_buf_printf(err, "label longer than %d bytes", COT_MODEL_MAX_LABEL);
        return -1;
    }
    if (t->mode == MODE_POSITIVE) {
        for (int i = 0; i < t->npos; i++)
            if (strlen(t->pos[i]) == n && !memcmp(t->pos[i], s, n)) return 1;
        if (!t->neg_name) t->neg_name = cot_strndup(s, n);
        else if (strlen(t->neg_name) != n || memcmp(t->neg_name, s, n)) t->neg_many = 1;
        return 0;
    }
    if (t->mode == MODE_NONE) t->mode = is_bool ? MODE_BOOL : MODE_MULTI;
    if ((t->mode == MODE_BOOL) != !!is_bool) {
        cot_buf_printf(err, "labels mix JSON booleans and other values; "
                       "give --positive VALUE for a binary model");
        return -1;
    }
    if (t->mode == MODE_BOOL) return n == 4 && !memcmp(s, "true", 4);
    for (uint32_t i = 0; i < t->nnames; i++)
        if (strlen(t->names[i]) == n && !memcmp(t->names[i], s, n)) return (int)i;
    if (t->nnames == COT_MODEL_MAX_CLASSES) {
        cot_buf_printf(err, "more than %d distinct labels; give --positive VALUE "
                       "for a binary model", COT_MODEL_MAX_CLASSES);
        return -1;
    }
    t->names[t->nnames] = cot_strndup(s, n);
    return (int)t->nnames++;
}

/* An unlinked temporary file in $TMPDIR (tmpfile(3) ignores TMPDIR). */
static FILE *spill_open(void)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir) dir = "/tmp";
    cot_buf_t path = {0};
    cot_buf_printf(&path, "%s/cot-judge-train.XXXXXX", dir);
    int fd = mkstemp(path.s);
    FILE *fp = NULL;
    if (fd >= 0) {
        unlink(path.s);
        if (!(fp = fdopen(fd, "w+b"))) close(fd);
    }
    if (!fp)
        cot_err("%s: cannot create a temporary file for the training vectors "
                "(set TMPDIR, or raise --max-mem): %s", dir, strerror(errno));
    cot_buf_free(&path);
    return fp;
}

static int spill_chunk(cot_model_trainer_t *t)
{
    if (!t->spill && !(t->spill = spill_open())) return -1;
    if (t->len && fwrite(t->buf, 4, t->len, t->spill) != t->len) {
        cot_err("writing the training vectors to a temporary file: %s "
                "(set TMPDIR to a larger disk, or raise --max-mem)",
                strerror(errno ? errno : ENOSPC));
        return -1;
    }
    if (t->nchunks == t->ccap) {
        t->ccap = t->ccap ? t->ccap * 2 : 16;
        t->chunks = cot_realloc(t->chunks, t->ccap * sizeof *t->chunks);
    }
    t->chunks[t->nchunks].off = t->spill_words;
    t->chunks[t->nchunks].words = t->len;
    t->nchunks++;
    t->spill_words += t->len;
    t->len = 0;
    return 0;
}

int cot_model_heldout(const cot_model_train_opts_t *o, const char *group, size_t n,
                      uint64_t ordinal)
{
    uint64_t h = group ? cot_profile_hash_bytes(group, n)
                       : mix64(ordinal + 0x5851f42d4c957f2dULL);
    return (double)(mix64(h ^ mix64(o->seed)) >> 11) * 0x1.0p-53 < o->holdout;
}

int cot_model_trainer_add(cot_model_trainer_t *t, const char *label, size_t label_len,
                          int is_bool, const char *group, size_t group_len,
                          const char *const text[COT_FEAT_NFIELDS],
                          const size_t len[COT_FEAT_NFIELDS], cot_buf_t *err)
{
    int cls = classify(t, label, label_len, is_bool, err);
    if (cls < 0) return -1;
    int held = cot_model_heldout(&t->o, group, group_len, t->ordinal++);
    cot_feat_extract(&t->o.feat, text, len, &t->fw);
    size_t need = REC_HDR + t->fw.n;
    if (t->len + need > t->cap) {
        if (t->len && spill_chunk(t) < 0) return -2;
        if (need > t->cap) {          /* one record beyond the budget       */
            t->cap = need;
            t->buf = cot_realloc(t->buf, t->cap * 4);
        }
    }
    uint32_t *r = t->buf + t->len;
    r[0] = (uint32_t)t->fw.n;
    r[1] = (uint32_t)cls | (held ? HELD_BIT : 0);
    for (int k = 0; k < COT_FEAT_NFIELDS; k++) r[2 + k] = t->fw.count[k];
    for (size_t i = 0; i < t->fw.n; i++) r[REC_HDR + i] = t->fw.f[i].idx;
    t->len += need;
    if (held) { t->nheld++; t->n_held[cls]++; }
    else {
        t->ntrain++;
        t->n_train[cls]++;
        for (size_t i = 0; i < t->fw.n; i++)
            if (t->df[t->fw.f[i].idx] < UINT32_MAX) t->df[t->fw.f[i].idx]++;
    }
    return 0;
}

int cot_model_value_text(const cJSON *v, cot_buf_t *out)
{
    cot_buf_clear(out);
    if (cJSON_IsString(v)) { cot_buf_adds(out, v->valuestring); cot_buf_cstr(out); return 0; }
    if (cJSON_IsBool(v)) { cot_buf_adds(out, cJSON_IsTrue(v) ? "true" : "false"); return 1; }
    if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        if (d == floor(d) && fabs(d) < 9007199254740992.0) cot_buf_printf(out, "%.0f", d);
        else cot_buf_printf(out, "%.17g", d);
        return 0;
    }
    return -1;
}

/* Training state. */
typedef struct {
    uint32_t C;              /* logits                                      */
    float *W, *G;            /* 2^bits * C weights and AdaGrad sums         */
    float *idf;              /* 2^bits                                      */
    double *bias, *Gb, *z;
    const uint32_t *remap;   /* record class -> model class                 */
    double lr, l2;
} state_t;

static void step(state_t *s, const uint32_t *r)
{
    const uint32_t C = s->C;
    const uint32_t y = s->remap[r[1] & 0xffff];
    const uint32_t *idx = r + REC_HDR;
    double *z = s->z, norm[COT_FEAT_NFIELDS];
    logits(s->W, s->idf, C, s->bias, idx, r + 2, z, norm);
    probs(z, C);
    /* z becomes the gradient of the loss with respect to each logit */
    if (C == 1) z[0] -= (double)y;
    else z[y] -= 1.0;
    const float lr = (float)s->lr, l2 = (float)s->l2;
    for (uint32_t c = 0; c < C; c++) {
        double g = z[c];
        if (g == 0) continue;
        s->Gb[c] += g * g;
        s->bias[c] -= s->lr * g / sqrt(s->Gb[c]);
    }
    for (int f = 0; f < COT_FEAT_NFIELDS; f++) {
        uint32_t n = r[2 + f];
        if (!n) continue;
        for (uint32_t c = 0; c < C; c++) {
            const float g = (float)(z[c] * norm[f]);
            if (g == 0) continue;
            for (uint32_t j = 0; j < n; j++) {
                size_t k = (size_t)idx[j] * C + c;
                float gr = g * s->idf[idx[j]] + l2 * s->W[k];
                s->G[k] += gr * gr;
                if (s->G[k] > 0) s->W[k] -= lr * gr / sqrtf(s->G[k]);
            }
        }
        idx += n;
    }
}

/* Record starts of a chunk, for the shuffle.  Returns the count. */
static size_t index_chunk(const uint32_t *w, size_t words, size_t **offs, size_t *cap)
{
    size_t n = 0;
    for (size_t at = 0; at < words; at += REC_HDR + w[at]) {
        if (n == *cap) {
            *cap = *cap ? *cap * 2 : 1024;
            *offs = cot_realloc(*offs, *cap * sizeof **offs);
        }
        (*offs)[n++] = at;
    }
    return n;
}

static int load_chunk(cot_model_trainer_t *t, size_t k)
{
    const chunk_t *c = &t->chunks[k];
    if (c->words > t->cap) {
        t->cap = c->words;
        t->buf = cot_realloc(t->buf, t->cap * 4);
    }
    if (fseeko(t->spill, (off_t)(c->off * 4), SEEK_SET) < 0 ||
        fread(t->buf, 4, c->words, t->spill) != c->words) {
        cot_err("reading the training vectors back from the temporary file: %s",
                errno ? strerror(errno) : "short read");
        return -1;
    }
    t->len = c->words;
    return 0;
}

/* Held-out scores: a reservoir of (class, probabilities) rows. */
typedef struct {
    double *row;             /* cap rows of (1 + P) doubles                 */
    size_t cap, n, P;
    uint64_t seen, rng;
} reservoir_t;

static void reservoir_add(reservoir_t *rv, uint32_t cls, const double *p)
{
    size_t at;
    if (rv->n < rv->cap) at = rv->n++;
    else {
        uint64_t j = rng_below(&rv->rng, rv->seen + 1);
        if (j >= rv->cap) { rv->seen++; return; }
        at = (size_t)j;
    }
    rv->seen++;
    double *r = rv->row + at * (1 + rv->P);
    r[0] = cls;
    memcpy(r + 1, p, rv->P * sizeof *p);
}

typedef struct { double s; int y; } scored_t;

static int cmp_scored(const void *a, const void *b)
{
    const scored_t *x = a, *y = b;
    if (x->s != y->s) return x->s > y->s ? -1 : 1;
    return y->y - x->y;
}

/* One-vs-rest metrics of scores s (descending order after the sort). */
static void metrics(scored_t *v, size_t n, double fpr, cot_model_class_t *m)
{
    qsort(v, n, sizeof *v, cmp_scored);
    uint64_t P = 0, N = 0;
    for (size_t i = 0; i < n; i++) { if (v[i].y) P++; else N++; }
    m->heldout_pos = P;
    m->heldout_neg = N;
    m->auroc = m->pr_auc = m->f1 = m->tpr = m->fpr = m->threshold = NAN;
    if (!P || !N) return;
    /* AUROC (Mann-Whitney, ties count one half) and average precision,
     * a group of tied scores at a time */
    double auc = 0, ap = 0;
    uint64_t tp = 0, fp = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        uint64_t gp = 0, gn = 0;
        for (; j < n && v[j].s == v[i].s; j++) { if (v[j].y) gp++; else gn++; }
        auc += (double)gn * ((double)tp + 0.5 * (double)gp);
        tp += gp; fp += gn;
        if (gp) ap += (double)gp / (double)P * (double)tp / (double)(tp + fp);
        i = j;
    }
    m->auroc = auc / ((double)P * (double)N);
    m->pr_auc = ap;
    /* the threshold: just above the (k+1)-th highest negative, so that at
     * most k = floor(fpr * N) negatives score at or above it */
    uint64_t k = (uint64_t)floor(fpr * (double)N + 1e-9), seen = 0;
    double t = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i].y) continue;
        if (seen++ == k) { t = nextafter(v[i].s, INFINITY); break; }
    }
    uint64_t ftp = 0, ffp = 0;
    for (size_t i = 0; i < n && v[i].s >= t; i++) { if (v[i].y) ftp++; else ffp++; }
    m->threshold = t;
    m->tpr = (double)ftp / (double)P;
    m->fpr = (double)ffp / (double)N;
    m->f1 = ftp ? 2.0 * (double)ftp / (double)(2 * ftp + ffp + (P - ftp)) : 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The class names of the file, in class order, and the record-class ->
 * file-class map. */
static uint32_t final_classes(cot_model_trainer_t *t, const char **names, uint32_t *remap,
                              uint32_t *positive)
{
    *positive = 0;
    if (t->mode == MODE_POSITIVE || t->mode == MODE_BOOL) {
        if (t->mode == MODE_BOOL) { names[0] = "false"; names[1] = "true"; }
        else {
            names[0] = t->neg_name && !t->neg_many ? t->neg_name : "other";
            cot_buf_clear(&t->joined);
            for (int i = 0; i < t->npos; i++)
                cot_buf_printf(&t->joined, "%s%s", i ? "|" : "", t->pos[i]);
            names[1] = cot_buf_cstr(&t->joined);
        }
        remap[0] = 0; remap[1] = 1;
        *positive = 1;
        return 2;
    }
    char *sorted[COT_MODEL_MAX_CLASSES];
    memcpy(sorted, t->names, t->nnames * sizeof *sorted);
    qsort(sorted, t->nnames, sizeof *sorted, cmp_str);
    for (uint32_t i = 0; i < t->nnames; i++) {
        names[i] = sorted[i];
        for (uint32_t j = 0; j < t->nnames; j++)
            if (t->names[j] == sorted[i]) remap[j] = i;
    }
    return t->nnames;
}

int cot_model_trainer_write(cot_model_trainer_t *t, const char *path,
                            const char *label_path, const char *group_path)
{
    if (t->ntrain + t->nheld == 0) {
        cot_err("no labelled records to train on");
        return COT_EXIT_DATA;
    }
    if (t->mode == MODE_MULTI && t->nnames < 2) {
        cot_err("every labelled record has the label '%s': nothing to learn "
                "(for a binary model, give --positive VALUE)", t->names[0]);
        return COT_EXIT_DATA;
    }
    const char *names[COT_MODEL_MAX_CLASSES];
    uint32_t remap[COT_MODEL_MAX_CLASSES], positive;
    uint32_t K = final_classes(t, names, remap, &positive);
    const int binary = t->mode == MODE_POSITIVE || t->mode == MODE_BOOL;
    /* counts per file class */
    uint64_t ntr[COT_MODEL_MAX_CLASSES] = {0}, nho[COT_MODEL_MAX_CLASSES] = {0};
    uint32_t nrec = binary ? 2 : t->nnames;
    for (uint32_t i = 0; i < nrec; i++) {
        ntr[remap[i]] += t->n_train[i];
        nho[remap[i]] += t->n_held[i];
    }
    for (uint32_t c = 0; c < K; c++) {
        if (ntr[c] + nho[c] == 0) {
            if (binary)
                cot_err("no %s records: a binary model needs both", c == positive
                        ? "positive (--positive)" : "negative (other labels)");
            else
                cot_err("no records of class '%s'", names[c]);
            return COT_EXIT_DATA;
        }
        if (ntr[c] == 0) {
            cot_err("class '%s' has no training records (all %llu are held out): "
                    "lower --holdout or use a finer --group", names[c],
                    (unsigned long long)nho[c]);
            return COT_EXIT_DATA;
        }
    }
    if (t->spill && t->len && spill_chunk(t) < 0) return COT_EXIT_IO;
    if (t->spill && fflush(t->spill) != 0) {
        cot_err("writing the training vectors to a temporary file: %s", strerror(errno));
        return COT_EXIT_IO;
    }

    const uint32_t C = binary ? 1 : K;
    const size_t B = (size_t)1 << t->o.feat.bits;
    state_t s = {0};
    s.C = C;
    s.W = cot_calloc(B * C, sizeof *s.W);
    s.G = cot_calloc(B * C, sizeof *s.G);
    s.bias = cot_calloc(C, sizeof *s.bias);
    s.Gb = cot_calloc(C, sizeof *s.Gb);
    s.z = cot_calloc(K, sizeof *s.z);
    s.remap = remap;
    s.idf = cot_malloc(B * sizeof *s.idf);
    for (size_t j = 0; j < B; j++)
        s.idf[j] = (float)(log((1.0 + (double)t->ntrain) / (1.0 + (double)t->df[j])) + 1.0);
    s.lr = t->o.lr;
    s.l2 = t->o.l2;
    uint64_t rng = mix64(t->o.seed ^ 0x2545f4914f6cdd1dULL);
    size_t *offs = NULL, ocap = 0;
    size_t nch = t->spill ? t->nchunks : 1;
    size_t *order = cot_malloc(nch * sizeof *order);
    int st = 0;
    for (uint32_t ep = 0; ep < t->o.epochs && !st; ep++) {
        for (size_t i = 0; i < nch; i++) order[i] = i;
        for (size_t i = nch; i > 1; i--) {
            size_t j = (size_t)rng_below(&rng, i), x = order[i - 1];
            order[i - 1] = order[j]; order[j] = x;
        }
        for (size_t ci = 0; ci < nch && !st; ci++) {
            if (t->spill && load_chunk(t, order[ci]) < 0) { st = COT_EXIT_IO; break; }
            size_t n = index_chunk(t->buf, t->len, &offs, &ocap);
            for (size_t i = n; i > 1; i--) {
                size_t j = (size_t)rng_below(&rng, i), x = offs[i - 1];
                offs[i - 1] = offs[j]; offs[j] = x;
            }
            for (size_t i = 0; i < n; i++) {
                const uint32_t *r = t->buf + offs[i];
                if (!(r[1] & HELD_BIT)) step(&s, r);
            }
        }
    }
    free(order);
    free(offs);
    free(s.G);
    free(s.Gb);

    /* the file's rows, and the held-out pass over them */
    float *rows = cot_malloc(B * (C + 1) * sizeof *rows);
    for (size_t j = 0; j < B; j++) {
        rows[j * (C + 1)] = s.idf[j];
        for (uint32_t c = 0; c < C; c++) rows[j * (C + 1) + 1 + c] = s.W[j * C + c];
    }
    reservoir_t rv = {0};
    rv.P = C;
    rv.cap = COT_MODEL_RESERVOIR_BYTES / ((1 + rv.P) * sizeof(double));
    if (rv.cap > t->nheld) rv.cap = (size_t)t->nheld;
    rv.row = cot_malloc((rv.cap ? rv.cap : 1) * (1 + rv.P) * sizeof(double));
    rv.rng = mix64(t->o.seed ^ 0x7f4a7c159e3779b9ULL);
    for (size_t ci = 0; ci < nch && !st; ci++) {
        if (t->spill && load_chunk(t, ci) < 0) { st = COT_EXIT_IO; break; }
        for (size_t at = 0; at < t->len; at += REC_HDR + t->buf[at]) {
            const uint32_t *r = t->buf + at;
            if (!(r[1] & HELD_BIT)) continue;
            double nrm[COT_FEAT_NFIELDS];
            logits_rows(rows, C, s.bias, r + REC_HDR, r + 2, s.z, nrm, NULL);
            probs(s.z, C);
            reservoir_add(&rv, remap[r[1] & 0xffff], s.z);
        }
    }
    cot_model_class_t cls[COT_MODEL_MAX_CLASSES];
    memset(cls, 0, sizeof cls);
    scored_t *v = cot_malloc((rv.n ? rv.n : 1) * sizeof *v);
    uint64_t correct = 0;
    for (size_t i = 0; i < rv.n; i++) {
        const double *r = rv.row + i * (1 + rv.P);
        uint32_t y = (uint32_t)r[0], best = 0;
        if (binary) best = r[1] >= 0.5;
        else for (uint32_t c = 1; c < K; c++) if (r[1 + c] > r[1 + best]) best = c;
        correct += best == y;
    }
    for (uint32_t c = 0; c < K; c++) {
        cls[c].bias = binary ? (c == positive ? s.bias[0] : 0) : s.bias[c];
        cls[c].train_n = ntr[c];
        if (binary && c != positive) {
            cls[c].threshold = cls[c].auroc = cls[c].pr_auc = cls[c].f1 =
                cls[c].tpr = cls[c].fpr = NAN;
            cls[c].heldout_pos = nho[c];
            cls[c].heldout_neg = nho[positive];
            continue;
        }
        for (size_t i = 0; i < rv.n; i++) {
            const double *r = rv.row + i * (1 + rv.P);
            v[i].s = binary ? r[1] : r[1 + c];
            v[i].y = (uint32_t)r[0] == c;
        }
        metrics(v, rv.n, t->o.fpr, &cls[c]);
        if (isnan(cls[c].threshold)) {
            cot_err("class '%s': the held-out sample has no %s, so the threshold at "
                    "--fpr cannot be calibrated: raise --holdout", names[c],
                    cls[c].heldout_pos ? "negatives" : "positives");
            st = COT_EXIT_DATA;
        } else if ((double)cls[c].heldout_neg * t->o.fpr < 1.0 && cot_verbose >= 1) {
            cot_warn("class '%s': only %llu held-out negatives, fewer than 1/fpr: "
                     "the threshold at --fpr %g is loosely determined",
                     names[c], (unsigned long long)cls[c].heldout_neg, t->o.fpr);
        }
    }
    free(v);
    free(rv.row);

    /* the image */
    cot_buf_t str = {0};
    cot_buf_add(&str, label_path, strlen(label_path) + 1);
    cot_buf_add(&str, group_path ? group_path : "", strlen(group_path ? group_path : "") + 1);
    for (uint32_t c = 0; c < K; c++) cot_buf_add(&str, names[c], strlen(names[c]) + 1);
    size_t str_off = HDR_SIZE, str_size = str.len;
    size_t cls_off = (str_off + str_size + 7) & ~(size_t)7, cls_size = (size_t)K * CLS_SIZE;
    size_t w_off = cls_off + cls_size, w_size = B * (C + 1) * 4;
    size_t total = w_off + w_size;
    unsigned char *img = NULL;
    if (!st) {
        img = cot_calloc(1, total);
        memcpy(img, MAGIC, 8);
        wr32(img + 8, COT_MODEL_VERSION);
        wr32(img + 12, HDR_SIZE);
        wr32(img + 16, t->o.feat.bits);
        wr32(img + 20, t->o.feat.word_ngrams);
        wr32(img + 24, t->o.feat.char_ngrams);
        wr32(img + 28, t->o.feat.fields);
        wr32(img + 32, K);
        wr32(img + 36, C);
        wr32(img + 40, binary ? 1 : 0);
        wr32(img + 44, positive);
        wr32(img + 48, t->o.epochs);
        wr64(img + 56, t->o.seed);
        wr64(img + 64, t->ntrain);
        wr64(img + 72, t->nheld);
        wr64(img + 80, t->spill ? t->nchunks : 0);
        wrf64(img + 88, t->o.fpr);
        wrf64(img + 96, t->o.lr);
        wrf64(img + 104, t->o.l2);
        wrf64(img + 112, t->o.holdout);
        wrf64(img + 120, rv.n ? (double)correct / (double)rv.n : NAN);
        wr64(img + OFF_STR, str_off); wr64(img + OFF_STR + 8, str_size);
        wr64(img + OFF_CLS, cls_off); wr64(img + OFF_CLS + 8, cls_size);
        wr64(img + OFF_W, w_off); wr64(img + OFF_W + 8, w_size);
        wr64(img + OFF_FSIZE, total);
        memcpy(img + str_off, str.s, str_size);
        for (uint32_t c = 0; c < K; c++) {
            unsigned char *q = img + cls_off + (size_t)c * CLS_SIZE;
            const cot_model_class_t *m = &cls[c];
            wrf64(q, m->bias); wrf64(q + 8, m->threshold); wrf64(q + 16, m->auroc);
            wrf64(q + 24, m->pr_auc); wrf64(q + 32, m->f1); wrf64(q + 40, m->tpr);
            wrf64(q + 48, m->fpr); wr64(q + 56, m->heldout_pos);
            wr64(q + 64, m->heldout_neg); wr64(q + 72, m->train_n);
        }
        for (size_t i = 0; i < B * (C + 1); i++) wrf32(img + w_off + 4 * i, rows[i]);
        wr64(img + OFF_CSUM, checksum(img, total));
        st = cot_write_file_atomic(path, img, total);
    }
    if (!st && cot_verbose >= 2) {
        if (binary) {
            const cot_model_class_t *m = &cls[positive];
            cot_info("%s: %llu records trained, %llu held out (%llu positive); "
                     "held-out AUROC %.4f, PR-AUC %.4f; threshold %.6g at fpr %g: "
                     "TPR %.4f, FPR %.4f, F1 %.4f", path,
                     (unsigned long long)t->ntrain, (unsigned long long)t->nheld,
                     (unsigned long long)m->heldout_pos, m->auroc, m->pr_auc,
                     m->threshold, t->o.fpr, m->tpr, m->fpr, m->f1);
        } else {
            cot_info("%s: %llu records trained, %llu held out, %u classes; "
                     "held-out accuracy %.4f", path, (unsigned long long)t->ntrain,
                     (unsigned long long)t->nheld, K,
                     rv.n ? (double)correct / (double)rv.n : NAN);
            for (uint32_t c = 0; c < K; c++)
                cot_info("  class '%s': AUROC %.4f, PR-AUC %.4f; threshold %.6g at "
                         "fpr %g: TPR %.4f, FPR %.4f, F1 %.4f", names[c], cls[c].auroc,
                         cls[c].pr_auc, cls[c].threshold, t->o.fpr, cls[c].tpr,
                         cls[c].fpr, cls[c].f1);
        }
    }
    free(img);
    cot_buf_free(&str);
    free(rows);
    free(s.W);
    free(s.idf);
    free(s.bias);
    free(s.z);
    return st;
}

/* ---- loading ------------------------------------------------------------ */

struct cot_model {
    const unsigned char *p;
    size_t n;
    int mapped;
    cot_model_info_t info;
    const float *R;          /* 2^bits rows of {idf, weights...}            */
    float *R_own;            /* converted copy on a big-endian host         */
    double bias[COT_MODEL_MAX_CLASSES], thr[COT_MODEL_MAX_CLASSES];
    const char *names[COT_MODEL_MAX_CLASSES];
};

static const char *validate(const unsigned char *p, size_t n)
{
    if (n < 8 || memcmp(p, MAGIC, 8) != 0) return "not a cot model (bad magic)";
    if (n < HDR_SIZE) return "truncated model (header incomplete)";
    if (rd32(p + 8) != COT_MODEL_VERSION) return NULL;   /* caller words it */
    if (rd32(p + 12) != HDR_SIZE) return "corrupted model (bad header size)";
    uint64_t fsize = rd64(p + OFF_FSIZE);
    if (fsize > n) return "truncated model (shorter than its header says)";
    if (fsize < n) return "corrupted model (longer than its header says)";
    if (checksum(p, n) != rd64(p + OFF_CSUM)) return "corrupted model (checksum mismatch)";
    uint32_t bits = rd32(p + 16), wn = rd32(p + 20), cn = rd32(p + 24), fields = rd32(p + 28);
    uint32_t K = rd32(p + 32), C = rd32(p + 36), binary = rd32(p + 40), pos = rd32(p + 44);
    if (bits < COT_FEAT_BITS_MIN || bits > COT_FEAT_BITS_MAX || wn < 1 ||
        wn > COT_FEAT_WORD_MAX || cn == 1 || cn > COT_FEAT_CHAR_MAX || !fields ||
        fields >> COT_FEAT_NFIELDS)
        return "corrupted model (feature settings out of range)";
    if (K < 2 || K > COT_MODEL_MAX_CLASSES || binary > 1 || C != (binary ? 1 : K) ||
        (binary && (K != 2 || pos > 1)))
        return "corrupted model (class settings out of range)";
    for (int s = 0; s < 3; s++) {
        uint64_t off = rd64(p + OFF_STR + 16 * s), sz = rd64(p + OFF_STR + 16 * s + 8);
        if (off < HDR_SIZE || off > n || sz > n - off)
            return "corrupted model (section out of bounds)";
    }
    if (rd64(p + OFF_CLS + 8) != (uint64_t)K * CLS_SIZE || rd64(p + OFF_CLS) % 8)
        return "corrupted model (class section)";
    if (rd64(p + OFF_W + 8) != ((uint64_t)(C + 1) << bits) * 4 || rd64(p + OFF_W) % 8)
        return "corrupted model (weight section)";
    const unsigned char *s = p + rd64(p + OFF_STR);
    uint64_t sz = rd64(p + OFF_STR + 8), nul = 0;
    for (uint64_t i = 0; i < sz; i++) nul += !s[i];
    if (!sz || s[sz - 1] || nul != (uint64_t)K + 2) return "corrupted model (string section)";
    return NULL;
}

/* n little-endian floats of the file, in place on a little-endian host
 * (sections are 8-aligned in a mapped page), else converted into *own. */
static const float *floats(const unsigned char *p, size_t n, float **own)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    (void)n; (void)own;
    return (const float *)(const void *)p;
#else
    *own = cot_malloc((n ? n : 1) * sizeof **own);
    for (size_t i = 0; i < n; i++) {
        uint32_t u = rd32(p + 4 * i);
        memcpy(&(*own)[i], &u, 4);
    }
    return *own;
#endif
}

cot_model_t *cot_model_open_mem(const void *mem, size_t n, const char **why)
{
    static char vmsg[128];
    const unsigned char *p = mem;
    const char *w = validate(p, n);
    if (!w && rd32(p + 8) != COT_MODEL_VERSION) {
        snprintf(vmsg, sizeof vmsg, "model format version %u, this build reads version %u; "
                 "train it again with cot-judge train", (unsigned)rd32(p + 8), COT_MODEL_VERSION);
        w = vmsg;
    }
    if (w) { *why = w; return NULL; }
    cot_model_t *m = cot_calloc(1, sizeof *m);
    cot_model_info_t *in = &m->info;
    m->p = p; m->n = n;
    in->version = rd32(p + 8);
    in->feat.bits = rd32(p + 16);
    in->feat.word_ngrams = rd32(p + 20);
    in->feat.char_ngrams = rd32(p + 24);
    in->feat.fields = rd32(p + 28);
    in->nclasses = rd32(p + 32);
    in->binary = rd32(p + 40);
    in->positive = rd32(p + 44);
    in->epochs = rd32(p + 48);
    in->seed = rd64(p + 56);
    in->train = rd64(p + 64);
    in->heldout = rd64(p + 72);
    in->chunks = rd64(p + 80);
    in->fpr = rdf64(p + 88);
    in->lr = rdf64(p + 96);
    in->l2 = rdf64(p + 104);
    in->holdout = rdf64(p + 112);
    in->accuracy = rdf64(p + 120);
    in->file_size = n;
    const char *s = (const char *)p + rd64(p + OFF_STR);
    in->label_path = s; s += strlen(s) + 1;
    in->group_path = s; s += strlen(s) + 1;
    for (uint32_t c = 0; c < in->nclasses; c++) { m->names[c] = s; s += strlen(s) + 1; }
    const unsigned char *cl = p + rd64(p + OFF_CLS);
    for (uint32_t c = 0; c < in->nclasses; c++) {
        m->bias[c] = rdf64(cl + (size_t)c * CLS_SIZE);
        m->thr[c] = rdf64(cl + (size_t)c * CLS_SIZE + 8);
    }
    if (in->binary) m->bias[0] = m->bias[in->positive];
    m->R = floats(p + rd64(p + OFF_W), (size_t)rd64(p + OFF_W + 8) / 4, &m->R_own);
    return m;
}

cot_model_t *cot_model_load(const char *path)
{
    size_t n;
    void *mp = cot_map_file(path, HDR_SIZE, MAGIC, "model", &n);
    if (!mp) return NULL;
    const char *why = NULL;
    cot_model_t *m = cot_model_open_mem(mp, n, &why);
    if (!m) {
        munmap(mp, n);
        cot_err("%s: %s", path, why);
        errno = 0;
        return NULL;
    }
    m->mapped = 1;
    return m;
}

void cot_model_close(cot_model_t *m)
{
    if (!m) return;
    if (m->mapped) munmap((void *)m->p, m->n);
    free(m->R_own);
    free(m);
}

void cot_model_info(const cot_model_t *m, cot_model_info_t *info) { *info = m->info; }

const char *cot_model_class_name(const cot_model_t *m, uint32_t k)
{
    return k < m->info.nclasses ? m->names[k] : NULL;
}

void cot_model_class(const cot_model_t *m, uint32_t k, cot_model_class_t *c)
{
    const unsigned char *q = m->p + rd64(m->p + OFF_CLS) + (size_t)k * CLS_SIZE;
    c->bias = rdf64(q); c->threshold = rdf64(q + 8); c->auroc = rdf64(q + 16);
    c->pr_auc = rdf64(q + 24); c->f1 = rdf64(q + 32); c->tpr = rdf64(q + 40);
    c->fpr = rdf64(q + 48); c->heldout_pos = rd64(q + 56);
    c->heldout_neg = rd64(q + 64); c->train_n = rd64(q + 72);
}

/* ---- scoring ------------------------------------------------------------ */

void cot_model_work_free(cot_model_work_t *w)
{
    cot_feat_work_free(&w->fw);
    free(w->z);
    cot_buf_free(&w->tmp);
    memset(w, 0, sizeof *w);
}

void cot_model_predict(const cot_model_t *m, const char *const text[COT_FEAT_NFIELDS],
                       const size_t len[COT_FEAT_NFIELDS], cot_model_work_t *w,
                       cot_model_pred_t *out)
{
    const cot_model_info_t *in = &m->info;
    const uint32_t C = in->binary ? 1 : in->nclasses;
    cot_feat_extract(&in->feat, text, len, &w->fw);
    /* z: the logits, then per-feature contributions (binary) */
    size_t need = in->nclasses + w->fw.n + 1;
    if (w->zcap < need) {
        w->zcap = need + 1024;
        free(w->z);
        w->z = cot_malloc(w->zcap * sizeof *w->z);
    }
    w->contrib = w->z + in->nclasses;
    logits_rows(m->R, C, m->bias, w->fw.idx, w->fw.count, w->z, w->norm,
                in->binary ? w->contrib : NULL);
    probs(w->z, C);
    if (in->binary) {
        out->p = w->z[0];
        out->threshold = m->thr[in->positive];
        out->flagged = out->p >= out->threshold;
        out->label = out->flagged ? in->positive : 1 - in->positive;
        out->flags = (uint64_t)out->flagged << in->positive;
    } else {
        uint32_t best = 0;
        out->flags = 0;
        for (uint32_t c = 0; c < C; c++) {
            if (w->z[c] > w->z[best]) best = c;
            if (w->z[c] >= m->thr[c]) out->flags |= (uint64_t)1 << c;
        }
        out->label = best;
        out->p = w->z[best];
        out->threshold = m->thr[best];
        out->flagged = out->p >= out->threshold;
    }
}

/* How much feature i pushed the record towards class `label`. */
static double contribution(const cot_model_t *m, const cot_model_work_t *w, size_t i,
                           uint32_t label)
{
    const cot_model_info_t *in = &m->info;
    const cot_feat_t *f = &w->fw.f[i];
    if (in->binary) {
        double v = w->norm[f->field] * w->contrib[i];
        return label == in->positive ? v : -v;
    }
    const float *r = m->R + (size_t)f->idx * (in->nclasses + 1);
    return w->norm[f->field] * r[0] * r[1 + label];
}

cJSON *cot_model_pred_json(const cot_model_t *m, const char *const text[COT_FEAT_NFIELDS],
                           const cot_model_work_t *w, const cot_model_pred_t *pr)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "label", m->names[pr->label]);
    cJSON_AddNumberToObject(o, "p", pr->p);
    cJSON_AddNumberToObject(o, "threshold", pr->threshold);
    cJSON_AddBoolToObject(o, "flagged", pr->flagged);
    if (!m->info.binary) {
        cJSON *fl = cJSON_AddArrayToObject(o, "flags");
        for (uint32_t c = 0; c < m->info.nclasses; c++)
            if (pr->flags >> c & 1) cJSON_AddItemToArray(fl, cJSON_CreateString(m->names[c]));
    }
    /* the top contributions (a bounded insertion sort over a pool), then
     * greedily the strongest ones whose spans do not overlap */
    enum { POOL = 4 * COT_MODEL_EVIDENCE };
    size_t pool[POOL], top[COT_MODEL_EVIDENCE];
    double pv[POOL], val[COT_MODEL_EVIDENCE];
    size_t np = 0, nt = 0;
    const int bin = m->info.binary;
    const double sign = !bin || pr->label == m->info.positive ? 1.0 : -1.0;
    double thr = 0;
    for (size_t i = 0, f = 0, fend = 0; i < w->fw.n; i++) {   /* a min-heap */
        while (i >= fend) fend += w->fw.count[f++];
        double v = bin ? sign * w->norm[f - 1] * w->contrib[i]
                       : contribution(m, w, i, pr->label);
        if (!(v > thr)) continue;     /* thr: 0, then the pool's minimum */
        size_t k;
        if (np < POOL) {                          /* sift up */
            k = np++;
            while (k > 0 && pv[(k - 1) / 2] > v) {
                pv[k] = pv[(k - 1) / 2]; pool[k] = pool[(k - 1) / 2]; k = (k - 1) / 2;
            }
        } else {                                  /* replace the root, sift down */
            k = 0;
            for (;;) {
                size_t c = 2 * k + 1;
                if (c >= np) break;
                if (c + 1 < np && pv[c + 1] < pv[c]) c++;
                if (pv[c] >= v) break;
                pv[k] = pv[c]; pool[k] = pool[c]; k = c;
            }
        }
        pv[k] = v; pool[k] = i;
        if (np == POOL) thr = pv[0];
    }
    /* strongest first; equal contributions in feature order */
    for (size_t a = 1; a < np; a++) {
        double v = pv[a];
        size_t x = pool[a], b = a;
        while (b > 0 && (pv[b - 1] < v || (pv[b - 1] == v && pool[b - 1] > x))) {
            pv[b] = pv[b - 1]; pool[b] = pool[b - 1]; b--;
        }
        pv[b] = v; pool[b] = x;
    }
    for (size_t k = 0; k < np && nt < COT_MODEL_EVIDENCE; k++) {
        const cot_feat_t *f = &w->fw.f[pool[k]];
        int clash = 0;
        for (size_t j = 0; j < nt && !clash; j++) {
            const cot_feat_t *g = &w->fw.f[top[j]];
            clash = g->field == f->field && g->start < f->end && f->start < g->end;
        }
        if (clash) continue;
        top[nt] = pool[k];
        val[nt++] = pv[k];
    }
    cJSON *ev = cJSON_AddArrayToObject(o, "evidence");
    for (size_t k = 0; k < nt; k++) {
        const cot_feat_t *f = &w->fw.f[top[k]];
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "rule", "model");
        cJSON_AddStringToObject(e, "label", m->names[pr->label]);
        cJSON_AddStringToObject(e, "field", cot_feat_field_names[f->field]);
        cJSON_AddNumberToObject(e, "start", f->start);
        cJSON_AddNumberToObject(e, "end", f->end);
        size_t n = f->end - f->start;
        if (n > 200) {
            n = 200;
            while (n > 0 && ((unsigned char)text[f->field][f->start + n] & 0xC0) == 0x80) n--;
        }
        char t[201];                     /* n <= 200, cut above */
        memcpy(t, text[f->field] + f->start, n);
        t[n] = 0;
        cJSON_AddStringToObject(e, "text", t);
        cJSON_AddNumberToObject(e, "weight", round(val[k] * 1e4) / 1e4);
        cJSON_AddItemToArray(ev, e);
    }
    return o;
}

int cot_model_labels_are_verdicts(const cot_model_t *m)
{
    const cot_model_info_t *in = &m->info;
    for (uint32_t c = 0; c < in->nclasses; c++) {
        if (in->binary && c != in->positive) continue;
        int v = cot_verdict_parse(m->names[c], strlen(m->names[c]));
        if (v >= 0 && v != COT_V_JUDGE_ERROR) return 0;
    }
    return -1;
}

void cot_model_judge(const cot_model_t *m, const cot_record_view_t *v,
                     int set_verdict, cJSON *jo, cot_model_work_t *w)
{
    const char *text[COT_FEAT_NFIELDS] = {v->cot, v->answer, v->prompt};
    const size_t len[COT_FEAT_NFIELDS] = {v->cot_len, v->answer_len, v->prompt_len};
    size_t have = 0;
    for (int k = 0; k < COT_FEAT_NFIELDS; k++)
        if (m->info.feat.fields >> k & 1 && text[k]) have += len[k];
    if (!have) {        /* nothing to score: training never saw such records */
        cot_record_set(jo, "model", cJSON_CreateNull());
        return;
    }
    cot_model_pred_t pr;
    cot_model_predict(m, text, len, w, &pr);
    cJSON *mo = cot_model_pred_json(m, text, w, &pr);
    /* the verdict to raise to: the highest flagged one */
    int to = -1;
    if (set_verdict >= 0) to = pr.flagged && pr.label == m->info.positive ? set_verdict : -1;
    else if (set_verdict == -2)
        for (uint32_t c = 0; c < m->info.nclasses; c++) {
            if (!(pr.flags >> c & 1)) continue;
            int v = cot_verdict_parse(m->names[c], strlen(m->names[c]));
            if (v != COT_V_JUDGE_ERROR && v > to) to = v;
        }
    if (to >= 0) {
        cJSON *labels = cJSON_GetObjectItemCaseSensitive(jo, "labels");
        if (labels) cJSON_AddItemToArray(labels, cJSON_CreateString("model"));
        cJSON *ev = cJSON_GetObjectItemCaseSensitive(jo, "evidence");
        const cJSON *e;
        if (ev) cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(mo, "evidence"))
            cJSON_AddItemToArray(ev, cJSON_Duplicate(e, 1));
        const cJSON *vd = cJSON_GetObjectItemCaseSensitive(jo, "verdict");
        int cur = cJSON_IsString(vd) ? cot_verdict_parse(vd->valuestring,
                                                         strlen(vd->valuestring)) : -1;
        if (cur < to)
            cot_record_set(jo, "verdict", cJSON_CreateString(cot_verdict_name((cot_verdict_t)to)));
    }
    cot_record_set(jo, "model", mo);
}
