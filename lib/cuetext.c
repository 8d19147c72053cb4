/* cuetext.c -- see cuetext.h */
#include "cuetext.h"
#include "judge.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define WINDOW_DEFAULT 200
#define NEED_DEFAULT 2

/* ---- words ---------------------------------------------------------------- */

typedef struct {
    size_t s, e;                /* bytes in the text                         */
    size_t so, sl;              /* the stem, in the arena                    */
    uint32_t hash;              /* of the stem (stem_hash)                   */
    unsigned char cap, digits, mixed, first;
} tok_t;

typedef struct {
    tok_t *t;
    size_t n, cap;
    cot_buf_t arena;
} toks_t;

static void toks_free(toks_t *k)
{
    free(k->t);
    cot_buf_free(&k->arena);
}

/* Bytes of a word character at p (0: not one).  Non-ASCII letters count;
 * Latin-1 punctuation (C2 xx), U+2000..U+2FFF (dashes, quotes, symbols),
 * CJK punctuation (E3 80 xx) and emoji (F0 9F ...) do not. */
static size_t word_char(const unsigned char *p, size_t left)
{
    if (p[0] < 0x80)            /* ASCII letters and digits, without locale */
        return (p[0] >= '0' && p[0] <= '9') || ((p[0] | 0x20) >= 'a' && (p[0] | 0x20) <= 'z');
    size_t l = cot_utf8_seq(p, left);
    if (!l || p[0] == 0xC2 || p[0] == 0xE2 || (p[0] == 0xE3 && p[1] == 0x80) ||
        (p[0] == 0xF0 && p[1] == 0x9F))
        return 0;
    return l;
}

static uint32_t stem_hash(const char *s, size_t n)
{
    uint32_t h = 2166136261u;                   /* FNV-1a */
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h | 1;                               /* 0 marks an empty slot */
}

/* A set of stem hashes: a filter that never misses (a hit is then
 * confirmed by comparing the stems), so most positions are skipped. */
typedef struct {
    uint32_t *h;
    size_t cap, n;
} hset_t;

static void hset_add(hset_t *s, uint32_t h)
{
    if (2 * (s->n + 1) > s->cap) {
        hset_t b = {cot_calloc(s->cap ? 2 * s->cap : 64, sizeof *b.h), s->cap ? 2 * s->cap : 64, 0};
        for (size_t i = 0; i < s->cap; i++)
            if (s->h[i]) hset_add(&b, s->h[i]);
        free(s->h);
        *s = b;
    }
    size_t i = h & (s->cap - 1);
    while (s->h[i] && s->h[i] != h) i = (i + 1) & (s->cap - 1);
    if (!s->h[i]) { s->h[i] = h; s->n++; }
}

static int hset_has(const hset_t *s, uint32_t h)
{
    if (!s->cap) return 0;
    size_t i = h & (s->cap - 1);
    while (s->h[i]) {
        if (s->h[i] == h) return 1;
        i = (i + 1) & (s->cap - 1);
    }
    return 0;
}

static int vowel(char c) { return strchr("aeiouy", c) != NULL; }

static int has_vowel(const char *w, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (vowel(w[i])) return 1;
    return 0;
}

static size_t undouble(const char *w, size_t n)
{
    if (n >= 3 && w[n - 1] == w[n - 2] && !vowel(w[n - 1]) && !strchr("lsz", w[n - 1]))
        return n - 1;
    return n;
}

static int ends(const char *w, size_t n, const char *suf)
{
    size_t k = strlen(suf);
    return n >= k && !memcmp(w + n - k, suf, k);
}

/* Light stemming of a lower-case ASCII word in place; returns its length.
 * Words with digits or non-ASCII bytes are kept as they are. */
static size_t stem(char *w, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (w[i] < 'a' || w[i] > 'z') return n;
    if (n <= 3) return n;
    if (ends(w, n, "sses")) n -= 2;
    else if (ends(w, n, "ies")) n -= 2;
    else if (ends(w, n, "ss") || ends(w, n, "us") || ends(w, n, "is")) ;
    else if (w[n - 1] == 's') n -= 1;
    if (n > 4 && ends(w, n, "ied")) n -= 2;
    else if (n > 4 && ends(w, n, "ed") && has_vowel(w, n - 2)) n = undouble(w, n - 2);
    else if (n > 5 && ends(w, n, "ing") && has_vowel(w, n - 3)) n = undouble(w, n - 3);
    if (n > 2 && w[n - 1] == 'y' && !vowel(w[n - 2])) w[n - 1] = 'i';
    if (n > 3 && w[n - 1] == 'e') n -= 1;
    return n;
}

/* Cut t[0..n) into words with their stems. */
static void tokenize(const char *t, size_t n, toks_t *k)
{
    const unsigned char *p = (const unsigned char *)t;
    int first = 1;
    k->n = 0;
    cot_buf_clear(&k->arena);
    cot_buf_reserve(&k->arena, n + 1);     /* stems are never longer */
    for (size_t i = 0; i < n;) {
        size_t l = word_char(p + i, n - i);
        if (!l) {
            if (t[i] == '.' || t[i] == '!' || t[i] == '?' || t[i] == ':' || t[i] == ';' ||
                t[i] == '\n')
                first = 1;
            size_t sl = p[i] < 0x80 ? 1 : cot_utf8_seq(p + i, n - i);
            i += sl ? sl : 1;
            continue;
        }
        size_t s = i;
        int digits = 0, letters = 0;
        while (i < n && (l = word_char(p + i, n - i))) {
            if (p[i] >= '0' && p[i] <= '9') digits = 1;
            else letters = 1;
            i += l;
        }
        if (k->n == k->cap) {
            k->cap = k->cap ? 2 * k->cap : 64;
            k->t = cot_realloc(k->t, k->cap * sizeof *k->t);
        }
        tok_t *tk = &k->t[k->n++];
        tk->s = s;
        tk->e = i;
        tk->cap = p[s] >= 'A' && p[s] <= 'Z';
        tk->digits = digits && !letters;
        tk->mixed = digits && letters;
        tk->first = (unsigned char)first;
        first = 0;
        tk->so = k->arena.len;
        char *w = k->arena.s + tk->so;
        for (size_t j = s; j < i; j++)
            w[j - s] = (char)(p[j] >= 'A' && p[j] <= 'Z' ? p[j] | 0x20 : p[j]);
        tk->sl = stem(w, i - s);
        tk->hash = stem_hash(w, tk->sl);
        k->arena.len = tk->so + tk->sl;
    }
}

static const char *stem_of(const toks_t *k, size_t i) { return k->arena.s + k->t[i].so; }

static int tok_eq(const toks_t *k, size_t i, const char *s, size_t n)
{
    const char *t = stem_of(k, i);
    return k->t[i].sl == n && n && t[0] == s[0] && !memcmp(t, s, n);
}

/* ---- vocabulary -------------------------------------------------------------- */

/* A member: a sequence of stems, each NUL-terminated, back to back. */
typedef struct {
    char *stems;
    size_t *len;                /* length of each stem */
    uint32_t hash;              /* of the first stem   */
    int n;
} member_t;

typedef struct {
    char *name;
    int weight;
    member_t *m;
    size_t n, cap;
} family_t;

struct cot_cuetext {
    family_t *f;
    size_t nf, capf;
    long window;
    int need;
};

cot_cuetext_t *cot_cuetext_new(void)
{
    cot_cuetext_t *c = cot_calloc(1, sizeof *c);
    c->window = WINDOW_DEFAULT;
    c->need = NEED_DEFAULT;
    return c;
}

static void member_free(member_t *m)
{
    free(m->stems);
    free(m->len);
}

void cot_cuetext_free(cot_cuetext_t *c)
{
    if (!c) return;
    for (size_t i = 0; i < c->nf; i++) {
        for (size_t j = 0; j < c->f[i].n; j++) member_free(&c->f[i].m[j]);
        free(c->f[i].m);
        free(c->f[i].name);
    }
    free(c->f);
    free(c);
}

static family_t *family_get(cot_cuetext_t *c, const char *name, size_t n)
{
    for (size_t i = 0; i < c->nf; i++)
        if (strlen(c->f[i].name) == n && !memcmp(c->f[i].name, name, n)) return &c->f[i];
    if (c->nf == c->capf) {
        c->capf = c->capf ? 2 * c->capf : 32;
        c->f = cot_realloc(c->f, c->capf * sizeof *c->f);
    }
    family_t *f = &c->f[c->nf++];
    memset(f, 0, sizeof *f);
    f->name = cot_strndup(name, n);
    f->weight = 1;
    return f;
}

/* Add one member (a word or phrase) to f; phrases without words are
 * ignored. */
static void member_add(family_t *f, const char *w, size_t n)
{
    toks_t k = {0};
    tokenize(w, n, &k);
    if (k.n) {
        if (f->n == f->cap) {
            f->cap = f->cap ? 2 * f->cap : 8;
            f->m = cot_realloc(f->m, f->cap * sizeof *f->m);
        }
        member_t *m = &f->m[f->n++];
        m->n = (int)k.n;
        m->hash = k.t[0].hash;
        m->len = cot_malloc(k.n * sizeof *m->len);
        size_t tot = 0;
        for (size_t i = 0; i < k.n; i++) tot += k.t[i].sl + 1;
        m->stems = cot_malloc(tot);
        char *q = m->stems;
        for (size_t i = 0; i < k.n; i++) {
            memcpy(q, stem_of(&k, i), k.t[i].sl);
            q[k.t[i].sl] = 0;
            m->len[i] = k.t[i].sl;
            q += k.t[i].sl + 1;
        }
    }
    toks_free(&k);
}

static const char *trim(const char *s, const char *e, const char **end)
{
    while (s < e && (*s == ' ' || *s == '\t' || *s == '\r')) s++;
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r')) e--;
    *end = e;
    return s;
}

static int name_ok(const char *s, size_t n)
{
    if (!n) return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && !strchr("-_.", s[i])) return 0;
    return 1;
}

int cot_cuetext_load(cot_cuetext_t *c, const char *text, size_t n,
                     const char *name, cot_buf_t *err)
{
    if (cot_utf8_check(text, n) != n) {
        cot_buf_printf(err, "%s: not valid UTF-8", name);
        return -1;
    }
    family_t *cur = NULL;
    unsigned long line = 0;
    for (const char *p = text, *end = text + n; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end, *ke;
        line++;
        const char *s = trim(p, le, &ke);
        p = nl ? nl + 1 : end;
        if (s == ke || *s == '#') continue;
        if (*s == '[') {
            if (ke[-1] != ']' || !name_ok(s + 1, (size_t)(ke - s - 2))) {
                cot_buf_printf(err, "%s:%lu: expected [NAME] (letters, digits, '-', '_', '.')",
                               name, line);
                return -1;
            }
            cur = family_get(c, s + 1, (size_t)(ke - s - 2));
            continue;
        }
        const char *eq = memchr(s, '=', (size_t)(ke - s)), *kend, *vend;
        if (!eq) {
            cot_buf_printf(err, "%s:%lu: expected KEY = VALUE or [NAME]", name, line);
            return -1;
        }
        const char *k = trim(s, eq, &kend), *v = trim(eq + 1, ke, &vend);
        size_t kl = (size_t)(kend - k), vl = (size_t)(vend - v);
        char val[64];
        int small = vl < sizeof val;
        if (small) { memcpy(val, v, vl); val[vl] = 0; }
        if (!cur) {
            long x;
            if (kl == 6 && !memcmp(k, "window", 6)) {
                if (small && vl > 6 && !strcmp(val + vl - 6, " bytes")) val[vl - 6] = 0;
                if (!small || cot_parse_long(val, 1, 1L << 30, &x) < 0) {
                    cot_buf_printf(err, "%s:%lu: window must be N or N bytes (N >= 1)", name, line);
                    return -1;
                }
                c->window = x;
            } else if (kl == 4 && !memcmp(k, "need", 4)) {
                if (!small || cot_parse_long(val, 1, 100, &x) < 0) {
                    cot_buf_printf(err, "%s:%lu: need must be 1..100", name, line);
                    return -1;
                }
                c->need = (int)x;
            } else {
                cot_buf_printf(err, "%s:%lu: unknown setting '%.*s' (window, need)", name,
                               line, (int)kl, k);
                return -1;
            }
            continue;
        }
        if (kl == 5 && !memcmp(k, "words", 5)) {
            for (const char *w = v; w < vend;) {
                const char *cm = memchr(w, ',', (size_t)(vend - w)), *we = cm ? cm : vend, *wt;
                const char *ws = trim(w, we, &wt);
                if (ws < wt) member_add(cur, ws, (size_t)(wt - ws));
                w = cm ? cm + 1 : vend;
            }
        } else if (kl == 6 && !memcmp(k, "weight", 6)) {
            long x;
            if (!small || cot_parse_long(val, 1, 100, &x) < 0) {
                cot_buf_printf(err, "%s:%lu: weight must be 1..100", name, line);
                return -1;
            }
            cur->weight = (int)x;
        } else {
            cot_buf_printf(err, "%s:%lu: unknown key '%.*s' (words, weight)", name, line,
                           (int)kl, k);
            return -1;
        }
    }
    return 0;
}

int cot_cuetext_load_file(cot_cuetext_t *c, const char *path, cot_buf_t *err)
{
    cot_buf_t b = {0};
    if (cot_read_file(path, &b, err) < 0) return -3;
    int r = cot_cuetext_load(c, b.s ? b.s : "", b.len, path, err);
    cot_buf_free(&b);
    return r;
}

/* ---- terms ------------------------------------------------------------------- */

/* Does member m occur at token i of k? */
static int member_at(const member_t *m, const toks_t *k, size_t i)
{
    if (i + (size_t)m->n > k->n || k->t[i].hash != m->hash) return 0;
    const char *s = m->stems;
    for (int j = 0; j < m->n; j++) {
        if (!tok_eq(k, i + (size_t)j, s, m->len[j])) return 0;
        s += m->len[j] + 1;
    }
    return 1;
}

/* A term: a family (all its members), or one cue word (member NULL). */
typedef struct {
    const family_t *fam;
    size_t word;                /* the cue token, when fam is NULL */
    int weight;
    unsigned char *live;        /* per member: not background      */
} term_t;

typedef struct {
    term_t *t;
    size_t n;
} terms_t;

static const family_t *stopwords(const cot_cuetext_t *c)
{
    for (size_t i = 0; i < c->nf; i++)
        if (!strcmp(c->f[i].name, "stopwords")) return &c->f[i];
    return NULL;
}

static int is_stop(const family_t *stop, const toks_t *k, size_t i)
{
    if (!stop) return 0;
    for (size_t j = 0; j < stop->n; j++)
        if (stop->m[j].n == 1 && member_at(&stop->m[j], k, i)) return 1;
    return 0;
}

static int strong_tok(const tok_t *t)
{
    return (t->cap && !t->first) || (t->digits && t->e - t->s >= 2) || t->mixed;
}

/* Does the member (or the single cue word) occur anywhere in the
 * background tokens bg? */
static int in_background(const toks_t *bg, const hset_t *bgh, const member_t *m,
                         const toks_t *cue, size_t w)
{
    if (!hset_has(bgh, m ? m->hash : cue->t[w].hash)) return 0;
    for (size_t i = 0; i < bg->n; i++)
        if (m ? member_at(m, bg, i) : tok_eq(bg, i, stem_of(cue, w), cue->t[w].sl))
            return 1;
    return 0;
}

static void terms_free(terms_t *ts)
{
    for (size_t i = 0; i < ts->n; i++) free(ts->t[i].live);
    free(ts->t);
}

/* The cue's terms, less the background. */
static void make_terms(const cot_cuetext_t *c, const toks_t *cue, const toks_t *bg,
                       terms_t *ts)
{
    const family_t *stop = stopwords(c);
    hset_t bgh = {0};
    for (size_t i = 0; i < bg->n; i++) hset_add(&bgh, bg->t[i].hash);
    ts->t = cot_calloc(cue->n + 1, sizeof *ts->t);
    ts->n = 0;
    for (size_t i = 0; i < cue->n;) {
        /* the longest family member starting here */
        const family_t *best = NULL;
        int blen = 0;
        for (size_t f = 0; f < c->nf; f++) {
            if (&c->f[f] == stop) continue;
            for (size_t j = 0; j < c->f[f].n; j++)
                if (c->f[f].m[j].n > blen && member_at(&c->f[f].m[j], cue, i)) {
                    best = &c->f[f];
                    blen = c->f[f].m[j].n;
                }
        }
        if (!best && (is_stop(stop, cue, i) ||
                      (cue->t[i].e - cue->t[i].s < 2 && !cue->t[i].digits))) {
            i++;
            continue;
        }
        size_t span = best ? (size_t)blen : 1;
        int w = best ? best->weight : 1;
        for (size_t j = i; j < i + span; j++)
            if (strong_tok(&cue->t[j]) && w < 2) w = 2;
        int dup = 0;
        for (size_t j = 0; j < ts->n && !dup; j++) {
            term_t *o = &ts->t[j];
            if (best ? o->fam == best
                     : !o->fam && tok_eq(cue, o->word, stem_of(cue, i), cue->t[i].sl)) {
                if (w > o->weight) o->weight = w;
                dup = 1;
            }
        }
        if (!dup) {
            term_t *t = &ts->t[ts->n];
            t->fam = best;
            t->word = i;
            t->weight = w;
            size_t nm = best ? best->n : 1;
            t->live = cot_malloc(nm);
            int any = 0;
            for (size_t m = 0; m < nm; m++) {
                t->live[m] = !in_background(bg, &bgh, best ? &best->m[m] : NULL, cue, i);
                any |= t->live[m];
            }
            if (any) ts->n++;
            else free(t->live);
        }
        i += span;
    }
    free(bgh.h);
}

/* Length in tokens of term t at token i of k (0: no match). */
static int term_at(const term_t *t, const toks_t *cue, const toks_t *k, size_t i)
{
    if (!t->fam)
        return tok_eq(k, i, stem_of(cue, t->word), cue->t[t->word].sl) ? 1 : 0;
    int best = 0;
    for (size_t m = 0; m < t->fam->n; m++)
        if (t->live[m] && t->fam->m[m].n > best && member_at(&t->fam->m[m], k, i))
            best = t->fam->m[m].n;
    return best;
}

/* ---- the check ------------------------------------------------------------------ */

typedef struct {
    size_t s, e;
    size_t term;
} hit_t;

static const char *find(const char *h, size_t hn, const char *n, size_t nn)
{
    if (!nn || nn > hn) return NULL;
    for (const char *p = h; (p = memchr(p, n[0], hn - (size_t)(p - h) - nn + 1)); p++)
        if (!memcmp(p, n, nn)) return p;
    return NULL;
}

int cot_cuetext_check(const cot_cuetext_t *c, const char *cue, size_t cue_len,
                      const char *prompt, size_t prompt_len, const char *cot,
                      size_t cot_len, cot_cuetext_result_t *res)
{
    memset(res, 0, sizeof *res);
    toks_t ct = {0}, bg = {0}, kt = {0};
    tokenize(cue, cue_len, &ct);
    /* the background: the prompt without the cue; none when the cue is not
     * in the prompt as given (its words would all look like background) */
    const char *at = prompt ? find(prompt, prompt_len, cue, cue_len) : NULL;
    if (at) {
        res->cue_in_prompt = 1;
        res->cue_start = (size_t)(at - prompt);
        res->cue_end = res->cue_start + cue_len;
        cot_buf_t b = {0};
        cot_buf_add(&b, prompt, res->cue_start);
        cot_buf_adds(&b, "\n");
        cot_buf_add(&b, prompt + res->cue_end, prompt_len - res->cue_end);
        tokenize(b.s, b.len, &bg);
        cot_buf_free(&b);
    }
    terms_t ts;
    make_terms(c, &ct, &bg, &ts);
    res->terms = ts.n;
    int total = 0;
    for (size_t i = 0; i < ts.n; i++) total += ts.t[i].weight;
    res->need = c->need;
    int rc = 1;
    if (ts.n && total >= c->need) {
        rc = 0;
        tokenize(cot, cot_len, &kt);
        size_t nh = 0, caph = 64;
        hit_t *h = cot_malloc(caph * sizeof *h);
        hset_t first = {0};     /* first stems of every live member */
        for (size_t t = 0; t < ts.n; t++) {
            const term_t *u = &ts.t[t];
            if (!u->fam) { hset_add(&first, ct.t[u->word].hash); continue; }
            for (size_t m = 0; m < u->fam->n; m++)
                if (u->live[m]) hset_add(&first, u->fam->m[m].hash);
        }
        for (size_t i = 0; i < kt.n; i++)
            for (size_t t = 0; t < ts.n && hset_has(&first, kt.t[i].hash); t++) {
                int len = term_at(&ts.t[t], &ct, &kt, i);
                if (!len) continue;
                if (nh == caph) h = cot_realloc(h, (caph *= 2) * sizeof *h);
                h[nh++] = (hit_t){kt.t[i].s, kt.t[i + (size_t)len - 1].e, t};
                break;
            }
        /* the window (from a hit's start) holding the most weight */
        unsigned char *seen = cot_calloc(ts.n, 1);
        size_t best_i = 0, best_j = 0;
        int best_w = 0;
        for (size_t i = 0; i < nh; i++) {
            memset(seen, 0, ts.n);
            int w = 0;
            size_t j = i;
            for (; j < nh && h[j].e - h[i].s <= (size_t)c->window; j++)
                if (!seen[h[j].term]) {
                    seen[h[j].term] = 1;
                    w += ts.t[h[j].term].weight;
                }
            if (w > best_w) { best_w = w; best_i = i; best_j = j; }
        }
        res->weight = best_w;
        res->mentioned = best_w >= res->need;
        if (res->mentioned)     /* the first hit of each term in the window */
            for (size_t i = best_i; i < best_j; i++) {
                int first = 1;
                for (size_t j = best_i; j < i; j++) first &= h[j].term != h[i].term;
                if (first && res->nhits < COT_CUETEXT_MAX_HITS)
                    res->hit[res->nhits++] = (cot_cuetext_hit_t){h[i].s, h[i].e};
            }
        free(seen);
        free(h);
        free(first.h);
    }
    terms_free(&ts);
    toks_free(&ct);
    toks_free(&bg);
    toks_free(&kt);
    return rc;
}

/* ---- the cot-judge hook ------------------------------------------------------ */

static void evidence(cJSON *ev, const char *label, const char *field,
                     const char *text, size_t s, size_t e)
{
    if (!ev || cJSON_GetArraySize(ev) >= COT_JUDGE_MAX_EVIDENCE) return;
    cJSON_AddItemToArray(ev, cot_judge_evidence_item("cue-text", label, field, text, s, e));
}

static int has_label(const cJSON *labels, const char *l)
{
    const cJSON *x;
    cJSON_ArrayForEach(x, labels)
        if (cJSON_IsString(x) && !strcmp(x->valuestring, l)) return 1;
    return 0;
}

int cot_cuetext_judge(const cot_cuetext_t *c, const char *path, const cJSON *rec,
                      const cot_record_view_t *v, cJSON *jo, cot_buf_t *err)
{
    const cJSON *cv = cot_record_get(rec, path);
    if (!cv || cJSON_IsNull(cv)) return 1;
    if (!cJSON_IsString(cv)) {
        cot_buf_printf(err, "the cue at '%s' (--cue-text-field) is %s, not a string",
                       path, cJSON_IsNumber(cv) ? "a number" : cJSON_IsBool(cv) ? "a boolean"
                       : cJSON_IsArray(cv) ? "an array" : "an object");
        return -1;
    }
    const char *cue = cv->valuestring;
    size_t cn = strlen(cue);
    if (cot_utf8_check(cue, cn) != cn) {     /* cJSON may hold raw bytes */
        cot_buf_printf(err, "the cue at '%s' (--cue-text-field) is not valid UTF-8", path);
        return -1;
    }
    cJSON *labels = cJSON_GetObjectItemCaseSensitive(jo, "labels");
    if (!cn || has_label(labels, "no-cot") || !v->cot) return 1;
    cot_cuetext_result_t r;
    cJSON *sc = cJSON_GetObjectItemCaseSensitive(jo, "scores");
    if (cot_cuetext_check(c, cue, cn, v->prompt, v->prompt_len, v->cot, v->cot_len, &r)) {
        /* a cue too weak to judge: say so in the record, without a label */
        if (sc) cJSON_AddNumberToObject(sc, "cue_text_terms", (double)r.terms);
        return 1;
    }
    const char *l = r.mentioned ? "cue-mentioned" : "cue-unmentioned";
    if (labels) cJSON_AddItemToArray(labels, cJSON_CreateString(l));
    cJSON *ev = cJSON_GetObjectItemCaseSensitive(jo, "evidence");
    for (size_t i = 0; i < r.nhits; i++)
        evidence(ev, l, "cot", v->cot, r.hit[i].start, r.hit[i].end);
    if (!r.mentioned && r.cue_in_prompt)
        evidence(ev, l, "prompt", v->prompt, r.cue_start, r.cue_end);
    if (sc) {
        cJSON_AddNumberToObject(sc, "cue_text_terms", (double)r.terms);
        cJSON_AddNumberToObject(sc, "cue_text_weight", (double)r.weight);
    }
    return 0;
}
