/* pair.c -- see pair.h */
#include "pair.h"

#include <stdlib.h>
#include <string.h>

static int is_ws(unsigned char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

void cot_pair_normalize(const char *p, size_t n, cot_buf_t *out)
{
    size_t i = 0;
    cot_buf_reserve(out, n + 1);
    while (i < n && is_ws((unsigned char)p[i])) i++;
    while (n > i && is_ws((unsigned char)p[n - 1])) n--;
    while (i < n) {
        size_t j = i;
        while (j < n && !is_ws((unsigned char)p[j])) j++;
        cot_buf_add(out, p + i, j - i);
        if (j == n) break;
        cot_buf_addc(out, ' ');
        while (j < n && is_ws((unsigned char)p[j])) j++;
        i = j;
    }
    cot_buf_cstr(out);
}

static uint64_t mix64(uint64_t z)        /* splitmix64's finaliser */
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

uint64_t cot_pair_hash(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    uint64_t h = 0x243F6A8885A308D3ULL ^ (n * 0x9E3779B97F4A7C15ULL);
    size_t i = 0;
    /* Eight bytes at a time, assembled little-endian by hand so the value
     * (and so the shard of a key) is the same on every machine. */
    for (; i + 8 <= n; i += 8) {
        uint64_t w = 0;
        for (int k = 7; k >= 0; k--) w = w << 8 | p[i + k];
        h = (h ^ mix64(w)) * 0x9E3779B97F4A7C15ULL;
        h ^= h >> 29;
    }
    uint64_t w = 0;
    for (size_t k = n; k > i; k--) w = w << 8 | p[k - 1];
    h = (h ^ mix64(w ^ 0xA5A5A5A5ULL)) * 0x9E3779B97F4A7C15ULL;
    return mix64(h);
}

int cot_pair_key_empty(const char *key, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_ws((unsigned char)key[i])) return 0;
    return 1;
}

int cot_pair_check(unsigned long long paired, unsigned long long total,
                   double min, const char *key, cot_buf_t *msg)
{
    cot_buf_clear(msg);
    if (total == 0) {
        cot_buf_printf(msg, "no SFT record to compare (%s); nothing was compared",
                       key);
        return 1;
    }
    if (paired == 0) {
        cot_buf_printf(msg, "0 of %llu records found an original (%s); "
                       "nothing was compared", total, key);
        return 1;
    }
    if ((double)paired < min * (double)total) {
        cot_buf_printf(msg, "%llu of %llu records found an original (%s), "
                       "fewer than --min-paired %g", paired, total, key, min);
        return 1;
    }
    return 0;
}

typedef struct {
    uint64_t cot, id, answer, raw;      /* arena offsets                   */
    uint32_t cot_len, id_len, answer_len, raw_len;
    uint32_t next;                      /* next with the same key, or ~0   */
    uint8_t used;
} entry_t;

typedef struct {
    uint64_t hash, key;
    uint32_t key_len, first, last, count;
} group_t;

struct cot_pair_index {
    char *arena;
    size_t alen, acap;
    entry_t *ent;
    size_t nent, cent;
    group_t *grp;
    size_t ngrp, cgrp;
    uint32_t *tab;                      /* group number + 1, 0 empty       */
    size_t ctab;
    size_t nused;
    int keep_raw, force_hash;
};

cot_pair_index_t *cot_pair_index_new(int keep_raw)
{
    cot_pair_index_t *ix = cot_calloc(1, sizeof *ix);
    ix->keep_raw = keep_raw;
    ix->ctab = 1024;
    ix->tab = cot_calloc(ix->ctab, sizeof *ix->tab);
    return ix;
}

void cot_pair_index_free(cot_pair_index_t *ix)
{
    if (!ix) return;
    free(ix->arena); free(ix->ent); free(ix->grp); free(ix->tab);
    free(ix);
}

void cot_pair_index_force_hash(cot_pair_index_t *ix, int on)
{
    ix->force_hash = on;
}

static uint64_t key_hash(const cot_pair_index_t *ix, const char *k, size_t n)
{
    return ix->force_hash ? 42 : cot_pair_hash(k, n);
}

static uint64_t store(cot_pair_index_t *ix, const char *p, size_t n)
{
    if (ix->alen + n > ix->acap) {
        size_t c = ix->acap ? ix->acap : 1 << 16;
        while (c < ix->alen + n) c *= 2;
        ix->arena = cot_realloc(ix->arena, c);
        ix->acap = c;
    }
    if (n) memcpy(ix->arena + ix->alen, p, n);
    ix->alen += n;
    return ix->alen - n;
}

/* Slot for key: the group's slot when present, else the empty slot where
 * it would go.  The table is kept at most half full. */
static size_t slot(const cot_pair_index_t *ix, uint64_t h, const char *k,
                   size_t n)
{
    size_t mask = ix->ctab - 1, i = (size_t)(h >> 17) & mask;
    for (;; i = (i + 1) & mask) {
        uint32_t g = ix->tab[i];
        if (!g) return i;
        const group_t *gr = &ix->grp[g - 1];
        if (gr->hash == h && gr->key_len == n &&
            !memcmp(ix->arena + gr->key, k, n))
            return i;
    }
}

static void rehash(cot_pair_index_t *ix)
{
    free(ix->tab);
    ix->ctab *= 2;
    ix->tab = cot_calloc(ix->ctab, sizeof *ix->tab);
    size_t mask = ix->ctab - 1;
    for (size_t g = 0; g < ix->ngrp; g++) {
        size_t i = (size_t)(ix->grp[g].hash >> 17) & mask;
        while (ix->tab[i]) i = (i + 1) & mask;
        ix->tab[i] = (uint32_t)(g + 1);
    }
}

size_t cot_pair_add(cot_pair_index_t *ix, const char *key, size_t klen,
                    const char *id, size_t id_len, const char *cot,
                    size_t cot_len, const char *answer, size_t answer_len,
                    const char *raw, size_t raw_len)
{
    if (key && 2 * (ix->ngrp + 1) > ix->ctab) rehash(ix);
    uint64_t h = key ? key_hash(ix, key, klen) : 0;
    size_t s = key ? slot(ix, h, key, klen) : 0;
    if (ix->nent == ix->cent) {
        ix->cent = ix->cent ? 2 * ix->cent : 1024;
        ix->ent = cot_realloc(ix->ent, ix->cent * sizeof *ix->ent);
    }
    size_t e = ix->nent++;
    entry_t *en = &ix->ent[e];
    memset(en, 0, sizeof *en);
    en->next = UINT32_MAX;
    en->id = store(ix, id, id_len);
    en->id_len = (uint32_t)id_len;
    en->cot = store(ix, cot, cot_len);
    en->cot_len = (uint32_t)cot_len;
    en->answer = store(ix, answer, answer_len);
    en->answer_len = (uint32_t)answer_len;
    if (ix->keep_raw && raw) {
        en->raw = store(ix, raw, raw_len);
        en->raw_len = (uint32_t)raw_len;
    }
    if (!key) return e;
    if (ix->tab[s]) {
        group_t *g = &ix->grp[ix->tab[s] - 1];
        ix->ent[g->last].next = (uint32_t)e;
        g->last = (uint32_t)e;
        g->count++;
        return e;
    }
    if (ix->ngrp == ix->cgrp) {
        ix->cgrp = ix->cgrp ? 2 * ix->cgrp : 1024;
        ix->grp = cot_realloc(ix->grp, ix->cgrp * sizeof *ix->grp);
    }
    group_t *g = &ix->grp[ix->ngrp];
    g->hash = h;
    g->key = store(ix, key, klen);
    g->key_len = (uint32_t)klen;
    g->first = g->last = (uint32_t)e;
    g->count = 1;
    ix->tab[s] = (uint32_t)++ix->ngrp;
    return e;
}

size_t cot_pair_find(const cot_pair_index_t *ix, const char *key, size_t klen,
                     size_t *first)
{
    size_t s = slot(ix, key_hash(ix, key, klen), key, klen);
    *first = COT_PAIR_NONE;
    if (!ix->tab[s]) return 0;
    const group_t *g = &ix->grp[ix->tab[s] - 1];
    *first = g->first;
    return g->count;
}

size_t cot_pair_next(const cot_pair_index_t *ix, size_t e)
{
    uint32_t n = ix->ent[e].next;
    return n == UINT32_MAX ? COT_PAIR_NONE : n;
}

void cot_pair_get(const cot_pair_index_t *ix, size_t e, cot_pair_entry_t *out)
{
    const entry_t *en = &ix->ent[e];
    const char *a = ix->arena ? ix->arena : "";
    out->id = a + en->id;
    out->id_len = en->id_len;
    out->cot = a + en->cot;
    out->cot_len = en->cot_len;
    out->answer = a + en->answer;
    out->answer_len = en->answer_len;
    out->raw = ix->keep_raw ? a + en->raw : NULL;
    out->raw_len = en->raw_len;
    out->used = en->used;
}

void cot_pair_mark_used(cot_pair_index_t *ix, size_t e)
{
    if (!ix->ent[e].used) ix->nused++;
    ix->ent[e].used = 1;
}

size_t cot_pair_count(const cot_pair_index_t *ix) { return ix->nent; }
size_t cot_pair_keys(const cot_pair_index_t *ix) { return ix->ngrp; }
size_t cot_pair_unused(const cot_pair_index_t *ix) { return ix->nent - ix->nused; }

size_t cot_pair_bytes(const cot_pair_index_t *ix)
{
    return ix->alen + ix->nent * sizeof *ix->ent + ix->ngrp * sizeof *ix->grp +
           ix->ctab * sizeof *ix->tab + sizeof *ix;
}
