/* fields.c -- see fields.h */
#include "fields.h"
#include "record.h"
#include "stats.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

struct cot_fields {
    cot_field_t *e;
    size_t n;
    cot_smap_t seen;          /* JSON pointers, "/a/0/b", in order seen */
    unsigned long learnt;     /* records walked                         */
    cot_buf_t path, out;
};

cot_fields_t *cot_fields_new(void)
{
    return cot_calloc(1, sizeof(cot_fields_t));
}

void cot_fields_free(cot_fields_t *f)
{
    if (!f) return;
    free(f->e);
    cot_smap_free(&f->seen);
    cot_buf_free(&f->path);
    cot_buf_free(&f->out);
    free(f);
}

int cot_fields_want(cot_fields_t *f, const char *opt, const char *path,
                    const char *then)
{
    for (size_t i = 0; i < f->n; i++)
        if (!strcmp(f->e[i].path, path) && !strcmp(f->e[i].opt, opt)) return (int)i;
    f->e = cot_realloc(f->e, (f->n + 1) * sizeof *f->e);
    f->e[f->n] = (cot_field_t){opt, path, then, 0, 0, 0};
    return (int)f->n++;
}

size_t cot_fields_n(const cot_fields_t *f)
{
    return f ? f->n : 0;
}

const cot_field_t *cot_fields_get(const cot_fields_t *f, size_t i)
{
    return &f->e[i];
}

void cot_fields_mark(cot_fields_t *f, int i, int how)
{
    cot_field_t *e = &f->e[i];
    if (how == COT_FIELD_HIT) e->hit++;
    else if (how == COT_FIELD_BADTYPE) e->badtype++;
    else e->miss++;
}

void cot_fields_add(cot_fields_t *f, int i, int how, unsigned long long n)
{
    cot_field_t *e = &f->e[i];
    if (how == COT_FIELD_HIT) e->hit += n;
    else if (how == COT_FIELD_BADTYPE) e->badtype += n;
    else e->miss += n;
}

void cot_fields_scan(cot_fields_t *f, const cJSON *rec)
{
    int missed = 0;
    for (size_t i = 0; i < f->n; i++) {
        const cJSON *v = cot_record_get(rec, f->e[i].path);
        int hit = v && !cJSON_IsNull(v);
        cot_fields_mark(f, (int)i, hit ? COT_FIELD_HIT : COT_FIELD_MISS);
        missed |= !hit;
    }
    if (missed) cot_fields_learn(f, rec);
}

/* Suggestions are only for paths that matched nothing so far. */
static int suggestion_needed(const cot_fields_t *f)
{
    for (size_t i = 0; i < f->n; i++)
        if (!f->e[i].hit) return 1;
    return 0;
}

/* ---- the paths seen ---------------------------------------------------- */

static void walk(cot_fields_t *f, const cJSON *j, int depth, int *budget)
{
    size_t base = f->path.len;
    int k = 0;
    for (const cJSON *c = j->child; c && *budget > 0; c = c->next, k++) {
        if (cJSON_IsArray(j) && k > 0) break;   /* the first element stands for all */
        if (f->seen.n >= COT_FIELDS_SEEN) return;
        (*budget)--;
        f->path.len = base;
        cot_buf_addc(&f->path, '/');
        if (cJSON_IsArray(j)) {
            cot_buf_addc(&f->path, '0');
        } else {
            for (const char *s = c->string ? c->string : ""; *s; s++) {
                if (*s == '~') cot_buf_adds(&f->path, "~0");
                else if (*s == '/') cot_buf_adds(&f->path, "~1");
                else cot_buf_addc(&f->path, *s);
            }
        }
        cot_smap_intern(&f->seen, f->path.s, f->path.len, NULL);
        if (depth + 1 < COT_FIELDS_DEPTH && (cJSON_IsObject(c) || cJSON_IsArray(c)))
            walk(f, c, depth + 1, budget);
    }
    f->path.len = base;
}

void cot_fields_learn(cot_fields_t *f, const cJSON *rec)
{
    if (f->seen.n >= COT_FIELDS_SEEN || f->learnt >= COT_FIELDS_RECORDS ||
        !cJSON_IsObject(rec) || !suggestion_needed(f))
        return;
    f->learnt++;
    int budget = COT_FIELDS_NODES;
    cot_buf_clear(&f->path);
    walk(f, rec, 0, &budget);
}

/* A seen pointer in the notation of `like` into b; 0 when it cannot be
 * written so (a dotted path cannot name a key holding a dot). */
static int render(const char *ptr, const char *like, cot_buf_t *b)
{
    cot_buf_clear(b);
    if (like[0] == '/') {
        cot_buf_adds(b, ptr);
        return 1;
    }
    for (const char *p = ptr + 1; *p; p++) {
        if (*p == '.') return 0;
        if (*p == '/') cot_buf_addc(b, '.');
        else if (*p == '~' && p[1] == '0') { cot_buf_addc(b, '~'); p++; }
        else if (*p == '~' && p[1] == '1') { cot_buf_addc(b, '/'); p++; }
        else cot_buf_addc(b, *p);
    }
    cot_buf_cstr(b);
    return 1;
}

#define MAXLEN 128

/* Optimal string alignment distance (Levenshtein plus adjacent
 * transpositions); strings longer than MAXLEN are too far to suggest. */
static size_t osa(const char *a, size_t n, const char *b, size_t m)
{
    static size_t d[MAXLEN + 1][MAXLEN + 1];
    if (n > MAXLEN || m > MAXLEN) return (size_t)-1;
    for (size_t i = 0; i <= n; i++) d[i][0] = i;
    for (size_t j = 0; j <= m; j++) d[0][j] = j;
    for (size_t i = 1; i <= n; i++)
        for (size_t j = 1; j <= m; j++) {
            size_t c = a[i - 1] != b[j - 1];
            size_t v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v) v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + c < v) v = d[i - 1][j - 1] + c;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    return d[n][m];
}

static size_t limit_for(size_t n)
{
    size_t limit = n / 4;
    return limit < 1 ? 1 : limit > 3 ? 3 : limit;
}

const char *cot_fields_closest(const char *want, const char *const *cands, size_t n)
{
    size_t wn = strlen(want), best = (size_t)-1, bi = 0;
    for (size_t i = 0; i < n; i++) {
        size_t d = osa(want, wn, cands[i], strlen(cands[i]));
        if (d < best) { best = d; bi = i; }
    }
    return best && best <= limit_for(wn) ? cands[bi] : NULL;
}

static const char *last_part(const char *p, size_t *n)
{
    const char *e = p + strlen(p), *s = e;
    while (s > p && s[-1] != '/' && s[-1] != '.') s--;
    *n = (size_t)(e - s);
    return s;
}

const char *cot_fields_suggest(cot_fields_t *f, const char *path)
{
    size_t n = strlen(path), limit = limit_for(n);
    size_t best = (size_t)-1, bi = 0, tail = (size_t)-1, ti = 0, ln, cn;
    const char *leaf = last_part(path, &ln);
    for (size_t i = 0; i < f->seen.n; i++) {
        if (!render(f->seen.keys[i], path, &f->out)) continue;
        size_t d = osa(path, n, f->out.s, f->out.len);
        if (d < best) { best = d; bi = i; }
        const char *cl = last_part(f->out.s, &cn);
        if (cn == ln && !memcmp(cl, leaf, ln) && f->out.len < tail) {
            tail = f->out.len;
            ti = i;
        }
    }
    if (best == 0) return NULL;   /* seen, so it matched: nothing to suggest */
    if (best <= limit) render(f->seen.keys[bi], path, &f->out);
    else if (tail != (size_t)-1) render(f->seen.keys[ti], path, &f->out);
    else return NULL;
    return f->out.s;
}

/* "; the records have /a, /b, ... (N fields seen)" into b. */
static void list_top(cot_fields_t *f, const char *like, cot_buf_t *b)
{
    size_t shown = 0, top = 0;
    for (size_t i = 0; i < f->seen.n; i++) {
        if (strchr(f->seen.keys[i] + 1, '/')) continue;
        top++;
        if (shown == 8 || !render(f->seen.keys[i], like, &f->out)) continue;
        cot_buf_adds(b, shown++ ? ", " : "; the records have ");
        cot_buf_adds(b, f->out.s);
    }
    if (top > shown && shown) cot_buf_printf(b, " and %zu more", top - shown);
}

size_t cot_fields_check(cot_fields_t *f, int lenient)
{
    size_t errors = 0;
    cot_buf_t b = {0};
    for (size_t i = 0; f && i < f->n; i++) {
        const cot_field_t *e = &f->e[i];
        unsigned long long n = e->hit + e->miss + e->badtype;
        if (!n || e->hit == n) continue;
        cot_buf_clear(&b);
        cot_buf_printf(&b, "%s %s: ", e->opt, e->path);
        if (!e->hit) {
            if (e->badtype)
                cot_buf_printf(&b, "no usable value in any of the %llu record%s "
                               "(%llu hold%s a value of another type)", n, n == 1 ? "" : "s",
                               e->badtype, e->badtype == 1 ? "s" : "");
            else
                cot_buf_printf(&b, "matched none of the %llu record%s", n, n == 1 ? "" : "s");
            const char *s = cot_fields_suggest(f, e->path);
            if (s) cot_buf_printf(&b, "; did you mean %s?", s);
            else if (!e->badtype) list_top(f, e->path, &b);
            if (lenient) cot_warn("%s", b.s);
            else { cot_err("%s", b.s); errors++; }
            continue;
        }
        if (e->miss) cot_buf_printf(&b, "missing in %llu", e->miss);
        if (e->badtype)
            cot_buf_printf(&b, "%sof another type in %llu", e->miss ? ", " : "",
                           e->badtype);
        cot_buf_printf(&b, " of the %llu records", n);   /* n >= 2 here */
        if (e->then) cot_buf_printf(&b, " (%s)", e->then);
        cot_warn("%s", b.s);
    }
    cot_buf_free(&b);
    return errors;
}
