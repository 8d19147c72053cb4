/* ngram.c -- hashed word and character n-grams (see ngram.h). */
#include "ngram.h"

#include <stdlib.h>
#include <string.h>

const char *const cot_feat_field_names[COT_FEAT_NFIELDS] = {"cot", "answer", "prompt"};

void cot_feat_opts_init(cot_feat_opts_t *o)
{
    o->bits = 20;
    o->word_ngrams = 2;
    o->char_ngrams = 0;
    o->fields = 1u << COT_FEAT_COT;
}

int cot_feat_parse_fields(const char *s, uint32_t *mask)
{
    uint32_t m = 0;
    for (const char *p = s; *p;) {
        const char *q = strchr(p, ',');
        size_t n = q ? (size_t)(q - p) : strlen(p);
        int k = 0;
        for (; k < COT_FEAT_NFIELDS; k++)
            if (strlen(cot_feat_field_names[k]) == n && !memcmp(p, cot_feat_field_names[k], n))
                break;
        if (k == COT_FEAT_NFIELDS) return -1;
        m |= 1u << k;
        p = q ? q + 1 : p + n;
    }
    if (!m) return -1;
    *mask = m;
    return 0;
}

static inline uint64_t mix(uint64_t x)
{
    x ^= x >> 30; x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27; x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

/* Distinct per field and per n-gram kind, so the spaces never share a
 * hash by construction (buckets may still collide). */
static const uint64_t field_seed[COT_FEAT_NFIELDS] = {
    0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL};
#define CHAR_SEED 0xa54ff53a5f1d36f1ULL

static void add(cot_feat_work_t *w, uint64_t h, unsigned shift,
                uint8_t field, uint8_t order, size_t s, size_t e)
{
    /* h is a product of mixed token hashes: one more multiply spreads it
     * well enough for the top bits */
    uint32_t idx = (uint32_t)(((h ^ (h >> 29)) * 0xbf58476d1ce4e5b9ULL) >> shift);
    /* de-duplicate in a small open-addressing set (idx + 1; 0 = empty),
     * sized for the field, so it stays in cache */
    uint32_t j = (idx * 0x9e3779b1u) & w->smask;
    while (w->set[j]) {
        if (w->set[j] == idx + 1) return;
        j = (j + 1) & w->smask;
    }
    w->set[j] = idx + 1;
    if (w->n == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 1024;
        w->f = cot_realloc(w->f, w->cap * sizeof *w->f);
        w->idx = cot_realloc(w->idx, w->cap * sizeof *w->idx);
    }
    w->idx[w->n] = idx;
    cot_feat_t *f = &w->f[w->n++];
    f->idx = idx;
    f->start = (uint32_t)s;
    f->end = (uint32_t)e;
    f->field = field;
    f->order = order;
}

/* Clear the set, sized for at most `most` features at a load <= 1/2. */
static void set_reset(cot_feat_work_t *w, size_t most)
{
    size_t n = 64;
    while (n < 2 * most) n *= 2;
    if (n > w->scap) {
        free(w->set);
        w->set = cot_malloc(n * sizeof *w->set);
        w->scap = n;
    }
    w->smask = (uint32_t)(n - 1);
    memset(w->set, 0, n * sizeof *w->set);
}

static void words(const cot_feat_opts_t *o, const char *p, size_t n, uint8_t field,
                  cot_feat_work_t *w)
{
    size_t m = cot_profile_tokenize(p, n, &w->toks, &w->tcap);
    const cot_ptok_t *t = w->toks;
    const unsigned shift = 64 - o->bits;
    const uint64_t fs = field_seed[field];
    const size_t N = o->word_ngrams;
    set_reset(w, m * N + (o->char_ngrams ? n : 0));
    for (size_t i = 0; i < m; i++) {
        uint64_t h = fs;
        for (size_t k = 0; k < N && i + k < m; k++) {
            h = (h ^ t[i + k].hash) * 0x9e3779b97f4a7c15ULL + k;
            add(w, h, shift, field, (uint8_t)(k + 1), t[i].start, t[i + k].end);
        }
    }
}

static void chars(const cot_feat_opts_t *o, const char *text, size_t n, uint8_t field,
                  cot_feat_work_t *w)
{
    const unsigned char *p = (const unsigned char *)text;
    const size_t L = o->char_ngrams;
    const unsigned shift = 64 - o->bits;
    const uint64_t seed = field_seed[field] ^ CHAR_SEED ^ L;
    if (n < L) return;
    for (size_t i = 0; i + L <= n; i++) {
        if ((p[i] & 0xC0) == 0x80) continue;
        uint64_t v = 0;
        for (size_t k = 0; k < L; k++) {
            unsigned c = p[i + k];
            if (c >= 'A' && c <= 'Z') c += 32;
            v |= (uint64_t)c << (8 * k);
        }
        /* the span, widened to whole UTF-8 characters */
        size_t e = i + L;
        while (e < n && (p[e] & 0xC0) == 0x80) e++;
        add(w, mix(v ^ seed), shift, field, 0, i, e);
    }
}

void cot_feat_extract(const cot_feat_opts_t *o, const char *const text[COT_FEAT_NFIELDS],
                      const size_t len[COT_FEAT_NFIELDS], cot_feat_work_t *w)
{
    w->n = 0;
    for (int k = 0; k < COT_FEAT_NFIELDS; k++) {
        size_t n0 = w->n;
        if ((o->fields >> k & 1) && text[k]) {
            words(o, text[k], len[k], (uint8_t)k, w);   /* resets the set */
            if (o->char_ngrams) chars(o, text[k], len[k], (uint8_t)k, w);
        }
        w->count[k] = (uint32_t)(w->n - n0);
    }
}

void cot_feat_work_free(cot_feat_work_t *w)
{
    free(w->f);
    free(w->idx);
    free(w->set);
    free(w->toks);
    memset(w, 0, sizeof *w);
}
