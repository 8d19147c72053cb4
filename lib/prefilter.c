/* prefilter.c -- see prefilter.h */
#include "prefilter.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* ---- prefix literals ------------------------------------------------------ */

typedef struct {
    char s[COT_PREFIX_MAXLEN];
    unsigned char len, exact;      /* exact: the literal is the whole item */
} lit_t;

typedef struct {
    lit_t *v;
    size_t n, cap;
    uint32_t *h;               /* open addressing: index + 1, 0 empty; NULL
                                  until needed or after set_inexact()      */
    size_t hcap;               /* a power of two > 2 n                     */
} litset_t;

typedef struct {
    const char *p, *end;
    int caseless, ucp, fail;
} lexer_t;

enum { ITEM_ZW, ITEM_SET, ITEM_ANY };
#define INF (-1L)

static unsigned char lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

static int is_space(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

/* Literals and text are compared folded: ASCII lowercased, and every run of
 * whitespace (\s without UCP: the six ASCII spaces) read as one ' '.  That
 * lets `the\s+user` keep its literal "the user" past the repeat. */
static unsigned char fold(unsigned char c) { return is_space(c) ? ' ' : lower(c); }

static void set_free(litset_t *s) { free(s->v); free(s->h); memset(s, 0, sizeof *s); }

static int lit_eq(const lit_t *a, const lit_t *b)
{
    return a->len == b->len && a->exact == b->exact && !memcmp(a->s, b->s, a->len);
}

static size_t lit_hash(const lit_t *l)
{
    uint32_t h = 2166136261u ^ l->exact;
    for (unsigned k = 0; k < l->len; k++) h = (h ^ (unsigned char)l->s[k]) * 16777619u;
    return h;
}

/* The slot of l in s->h: its own, or the empty one where it would go. */
static size_t set_slot(const litset_t *s, const lit_t *l)
{
    size_t m = s->hcap - 1, k = lit_hash(l) & m;
    while (s->h[k] && !lit_eq(&s->v[s->h[k] - 1], l)) k = (k + 1) & m;
    return k;
}

/* A set keeps its literals in order of their first push, each once; the
 * hash only finds them (a linear search made the default pack's
 * cross products quadratic: a third of its startup). */
static void set_push(litset_t *s, const lit_t *l)
{
    if (s->n < 16) {            /* small sets: a linear search is cheaper */
        for (size_t i = 0; i < s->n; i++)
            if (lit_eq(&s->v[i], l)) return;
        if (s->n == s->cap) {
            s->cap = s->cap ? 2 * s->cap : 8;
            s->v = cot_realloc(s->v, s->cap * sizeof *s->v);
        }
        s->v[s->n++] = *l;
        return;
    }
    if (!s->h || 2 * (s->n + 1) >= s->hcap) {
        free(s->h);
        s->hcap = 16;
        while (s->hcap <= 4 * (s->n + 1)) s->hcap *= 2;
        s->h = cot_calloc(s->hcap, sizeof *s->h);
        for (size_t i = 0; i < s->n; i++) {
            size_t k = set_slot(s, &s->v[i]);
            if (!s->h[k]) s->h[k] = (uint32_t)i + 1;   /* equal ones: the first */
        }
    }
    size_t k = set_slot(s, l);
    if (s->h[k]) return;
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 8;
        s->v = cot_realloc(s->v, s->cap * sizeof *s->v);
    }
    s->v[s->n++] = *l;
    s->h[k] = (uint32_t)s->n;
}

static void set_one(litset_t *s, const char *b, size_t n)
{
    lit_t l = {{0}, (unsigned char)n, 1};
    memcpy(l.s, b, n);
    set_push(s, &l);
}

static void set_inexact(litset_t *s)
{
    for (size_t i = 0; i < s->n; i++) s->v[i].exact = 0;
    free(s->h);                 /* the keys changed: rebuilt on the next push */
    s->h = NULL;
    s->hcap = 0;
}

/* cur := cur . item, where only exact literals of cur grow.  Past
 * COT_PREFIX_MAXSET literals cur stops growing instead (still sound). */
static void set_cross(litset_t *cur, const litset_t *item)
{
    litset_t out = {0};
    for (size_t i = 0; i < cur->n; i++) {
        const lit_t *a = &cur->v[i];
        if (!a->exact) { set_push(&out, a); continue; }
        for (size_t j = 0; j < item->n; j++) {
            const lit_t *b = &item->v[j];
            lit_t c = *a;
            size_t skip = c.len && c.s[c.len - 1] == ' ' && b->len && b->s[0] == ' ';
            size_t k = b->len - skip;
            if (c.len + k > COT_PREFIX_MAXLEN) k = COT_PREFIX_MAXLEN - c.len;
            memcpy(c.s + c.len, b->s + skip, k);
            c.len = (unsigned char)(c.len + k);
            c.exact = b->exact && k + skip == b->len;
            set_push(&out, &c);
        }
        if (out.n > COT_PREFIX_MAXSET) break;
    }
    if (out.n > COT_PREFIX_MAXSET) {
        set_free(&out);
        set_inexact(cur);
        return;
    }
    set_free(cur);
    *cur = out;
}

static int all_space(const litset_t *s)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i].len != 1 || s->v[i].s[0] != ' ' || !s->v[i].exact) return 0;
    return s->n > 0;
}

static void set_union(litset_t *a, const litset_t *b)
{
    for (size_t i = 0; i < b->n; i++) set_push(a, &b->v[i]);
}

static int utf8_len(unsigned char c)
{
    return c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
}

static void add_space(unsigned char *bits)
{
    static const char sp[] = " \t\n\v\f\r";
    for (const char *q = sp; *q; q++) bits[(unsigned char)*q] = 1;
}

/* An escape outside a class (the backslash already read): its kind; a
 * literal or \s goes into *set. */
static int escape(lexer_t *x, litset_t *set)
{
    if (x->p >= x->end) { x->fail = 1; return ITEM_ANY; }
    unsigned char d = (unsigned char)*x->p++;
    switch (d) {
    case 'b': case 'B': case 'A': case 'z': case 'Z': return ITEM_ZW;
    case 's':
        if (x->ucp) return ITEM_ANY;
        set_one(set, " ", 1);
        return ITEM_SET;
    case 'd': case 'D': case 'w': case 'W': case 'S': case 'h': case 'H':
    case 'v': case 'V': case 'R': case 'X':
        return ITEM_ANY;
    case 'n': case 't': case 'r': case 'f': set_one(set, " ", 1); return ITEM_SET;
    case 'e': set_one(set, "\x1b", 1); return ITEM_SET;
    case 'a': set_one(set, "\a", 1); return ITEM_SET;
    default:
        if (d < 0x80 && !(d >= '0' && d <= '9') && !(d >= 'a' && d <= 'z') &&
            !(d >= 'A' && d <= 'Z')) {
            char c = (char)fold(d);
            set_one(set, &c, 1);
            return ITEM_SET;
        }
        x->fail = 1;            /* \K \G \Q \x \p \g \k \1 ...: not ours */
        return ITEM_ANY;
    }
}

/* One member of a class: a byte (0..255) in *lo, or -1 for a class escape
 * such as \d (*bits updated for \s), or -2 on failure. */
static int class_atom(lexer_t *x, unsigned char *bits, int *lo)
{
    unsigned char c = (unsigned char)*x->p++;
    if (c >= 0x80) return -2;
    if (c == '[' && x->p < x->end && (*x->p == ':' || *x->p == '.' || *x->p == '='))
        return -2;
    if (c != '\\') { *lo = c; return 0; }
    if (x->p >= x->end) return -2;
    unsigned char d = (unsigned char)*x->p++;
    switch (d) {
    case 'n': *lo = '\n'; return 0;
    case 't': *lo = '\t'; return 0;
    case 'r': *lo = '\r'; return 0;
    case 'f': *lo = '\f'; return 0;
    case 'e': *lo = 0x1b; return 0;
    case 'a': *lo = '\a'; return 0;
    case 'b': *lo = '\b'; return 0;
    case 's':
        if (x->ucp) return -1;
        add_space(bits);
        return -3;
    case 'd': case 'D': case 'w': case 'W': case 'S': case 'h': case 'H':
    case 'v': case 'V':
        return -1;
    default:
        if (d < 0x80 && !(d >= '0' && d <= '9') && !(d >= 'a' && d <= 'z') &&
            !(d >= 'A' && d <= 'Z')) { *lo = d; return 0; }
        return -2;
    }
}

#define CLASS_MAX 12

static int char_class(lexer_t *x, litset_t *set)
{
    unsigned char bits[256] = {0};
    int neg = 0, unknown = 0, first = 1;
    if (x->p < x->end && *x->p == '^') { neg = 1; x->p++; }
    for (;;) {
        if (x->p >= x->end) { x->fail = 1; return ITEM_ANY; }
        if (*x->p == ']' && !first) { x->p++; break; }
        first = 0;
        int lo, k = class_atom(x, bits, &lo);
        if (k == -2) { x->fail = 1; return ITEM_ANY; }
        if (k == -1) { unknown = 1; continue; }
        if (k == -3) continue;
        int hi = lo;
        if (x->p + 1 < x->end && *x->p == '-' && x->p[1] != ']') {
            x->p++;
            k = class_atom(x, bits, &hi);
            if (k != 0 || hi < lo) { x->fail = 1; return ITEM_ANY; }
        }
        for (int c = lo; c <= hi; c++) bits[c] = 1;
    }
    if (neg || unknown) return ITEM_ANY;
    unsigned char low[256] = {0};
    int n = 0;
    for (int c = 0; c < 256; c++)
        if (bits[c] && !low[fold((unsigned char)c)]) { low[fold((unsigned char)c)] = 1; n++; }
    if (n == 0) { x->fail = 1; return ITEM_ANY; }
    if (n > CLASS_MAX) return ITEM_ANY;
    for (int c = 0; c < 256; c++)
        if (low[c]) { char b = (char)c; set_one(set, &b, 1); }
    return ITEM_SET;
}

static void alternation(lexer_t *x, litset_t *out, int depth);

/* A group, the '(' already read. */
static int group(lexer_t *x, litset_t *set, int depth)
{
    int zw = 0;
    const char *p = x->p;
    size_t left = (size_t)(x->end - p);
    if (left >= 1 && p[0] == '*') { x->fail = 1; return ITEM_ANY; }
    if (left >= 1 && p[0] == '?') {
        if (left >= 2 && p[1] == ':') x->p += 2;
        else if (left >= 2 && p[1] == '>') x->p += 2;
        else if (left >= 2 && (p[1] == '=' || p[1] == '!')) { x->p += 2; zw = 1; }
        else if (left >= 3 && p[1] == '<' && (p[2] == '=' || p[2] == '!')) { x->p += 3; zw = 1; }
        else if (left >= 2 && p[1] == '#') {
            const char *e = memchr(p, ')', left);
            if (!e) { x->fail = 1; return ITEM_ANY; }
            x->p = e + 1;
            /* PCRE2 skips a comment: a quantifier after it applies to the
             * item before it, which sequence() has already taken as fixed. */
            if (x->p < x->end && strchr("?*+{", *x->p)) x->fail = 1;
            return ITEM_ZW;
        } else if (left >= 2 && (p[1] == '<' || p[1] == '\'' || (p[1] == 'P' && left >= 3 && p[2] == '<'))) {
            char close = p[1] == '\'' ? '\'' : '>';
            const char *q = p + (p[1] == 'P' ? 3 : 2);
            while (q < x->end && *q != close) {
                if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
                      (*q >= '0' && *q <= '9') || *q == '_')) { x->fail = 1; return ITEM_ANY; }
                q++;
            }
            if (q >= x->end) { x->fail = 1; return ITEM_ANY; }
            x->p = q + 1;
        } else { x->fail = 1; return ITEM_ANY; }   /* (?i) (?| (?( (?R ... */
    }
    alternation(x, set, depth + 1);
    if (x->fail || x->p >= x->end || *x->p != ')') { x->fail = 1; return ITEM_ANY; }
    x->p++;
    return zw ? ITEM_ZW : ITEM_SET;
}

static int item(lexer_t *x, litset_t *set, int depth)
{
    unsigned char c = (unsigned char)*x->p++;
    switch (c) {
    case '(': return group(x, set, depth);
    case '[': return char_class(x, set);
    case '.': return ITEM_ANY;
    case '^': case '$': return ITEM_ZW;
    case '\\': return escape(x, set);
    case '*': case '+': case '?': case '{': case ']': case '}':
        x->fail = 1;
        return ITEM_ANY;
    }
    if (c >= 0x80) {
        int l = utf8_len(c);
        if (x->p - 1 + l > x->end) { x->fail = 1; return ITEM_ANY; }
        x->p += l - 1;
        if (x->caseless) return ITEM_ANY;
        set_one(set, x->p - l, (size_t)l);
        return ITEM_SET;
    }
    char b = (char)fold(c);
    set_one(set, &b, 1);
    return ITEM_SET;
}

static int number(lexer_t *x, long *v)
{
    if (x->p >= x->end || *x->p < '0' || *x->p > '9') return -1;
    long n = 0;
    while (x->p < x->end && *x->p >= '0' && *x->p <= '9') {
        n = n * 10 + (*x->p++ - '0');
        if (n > 65535) return -1;
    }
    *v = n;
    return 0;
}

/* An optional quantifier: 1 with min and max set, 0 when none. */
static int quantifier(lexer_t *x, long *min, long *max)
{
    if (x->p >= x->end) return 0;
    switch (*x->p) {
    case '?': *min = 0; *max = 1; x->p++; break;
    case '*': *min = 0; *max = INF; x->p++; break;
    case '+': *min = 1; *max = INF; x->p++; break;
    case '{':
        x->p++;
        if (number(x, min) < 0) { x->fail = 1; return 0; }
        if (x->p < x->end && *x->p == '}') *max = *min;
        else if (x->p < x->end && *x->p == ',') {
            x->p++;
            if (x->p < x->end && *x->p == '}') *max = INF;
            else if (number(x, max) < 0 || *max < *min) { x->fail = 1; return 0; }
        }
        if (x->p >= x->end || *x->p != '}') { x->fail = 1; return 0; }
        x->p++;
        break;
    default:
        return 0;
    }
    if (x->p < x->end && (*x->p == '?' || *x->p == '+')) x->p++;
    if (x->p < x->end && (*x->p == '?' || *x->p == '*' || *x->p == '+' || *x->p == '{'))
        x->fail = 1;
    return 1;
}

static void sequence(lexer_t *x, litset_t *cur, int depth)
{
    set_one(cur, "", 0);
    while (!x->fail && x->p < x->end && *x->p != '|' && *x->p != ')') {
        litset_t s = {0};
        long min = 1, max = 1;
        int k = item(x, &s, depth);
        if (!x->fail) quantifier(x, &min, &max);
        if (x->fail) { set_free(&s); return; }
        if (k == ITEM_ANY) set_inexact(cur);
        else if (k == ITEM_SET && max != 0) {
            /* a repeated space is still one folded space */
            if ((max == INF || max > 1) && !all_space(&s)) set_inexact(&s);
            if (min == 0) set_one(&s, "", 0);
            set_cross(cur, &s);
        }
        set_free(&s);
    }
}

static void alternation(lexer_t *x, litset_t *out, int depth)
{
    if (depth > 64) { x->fail = 1; return; }
    for (;;) {
        litset_t s = {0};
        sequence(x, &s, depth);
        set_union(out, &s);
        set_free(&s);
        if (x->fail || x->p >= x->end || *x->p != '|') return;
        x->p++;
    }
}

int cot_prefix_literals(const char *pattern, uint32_t options, cot_buf_t *out)
{
    if (options & (PCRE2_EXTENDED | PCRE2_EXTENDED_MORE | PCRE2_LITERAL)) return 0;
    lexer_t x = {pattern, pattern + strlen(pattern), (options & PCRE2_CASELESS) != 0,
                 (options & PCRE2_UCP) != 0, 0};
    litset_t s = {0};
    alternation(&x, &s, 0);
    int n = 0;
    if (!x.fail && x.p == x.end && s.n > 0 && s.n <= COT_PREFIX_MAXSET) {
        n = (int)s.n;
        for (size_t i = 0; i < s.n; i++)   /* a leading space has no fixed start */
            if (s.v[i].len < COT_PREFIX_MINLEN || s.v[i].s[0] == ' ') n = 0;
    }
    for (int i = 0; i < n; i++) {
        cot_buf_add(out, s.v[i].s, s.v[i].len);
        cot_buf_add(out, "", 1);
    }
    set_free(&s);
    return n;
}

/* ---- Aho-Corasick ------------------------------------------------------------ */

struct cot_ac_node {
    char *lit;
    unsigned char len;
    uint32_t id;
};

#define AC_MAXSTATES 65535u

void cot_ac_init(cot_ac_t *ac) { memset(ac, 0, sizeof *ac); }

void cot_ac_free(cot_ac_t *ac)
{
    for (size_t i = 0; i < ac->nnode; i++) free(ac->node[i].lit);
    free(ac->node);
    free(ac->delta);
    free(ac->out_off);
    free(ac->out);
    memset(ac, 0, sizeof *ac);
}

int cot_ac_add(cot_ac_t *ac, const char *lit, size_t n, uint32_t id)
{
    size_t total = 1 + ac->bytes + n;   /* states, at most */
    if (n == 0 || n > 255 || lit[0] == ' ' || id >= (1u << 24) || total > AC_MAXSTATES)
        return -1;
    for (size_t i = 1; i < n; i++)
        if (lit[i] == ' ' && lit[i - 1] == ' ') return -1;
    if (ac->nnode == ac->cap) {
        ac->cap = ac->cap ? 2 * ac->cap : 64;
        ac->node = cot_realloc(ac->node, ac->cap * sizeof *ac->node);
    }
    struct cot_ac_node *d = &ac->node[ac->nnode++];
    d->lit = cot_strndup(lit, n);
    d->len = (unsigned char)n;
    d->id = id;
    ac->bytes += n;
    return 0;
}

void cot_ac_build(cot_ac_t *ac)
{
    /* byte classes: 0 for bytes in no literal */
    uint8_t used[256] = {0};
    for (size_t i = 0; i < ac->nnode; i++)
        for (size_t k = 0; k < ac->node[i].len; k++) used[(unsigned char)ac->node[i].lit[k]] = 1;
    uint32_t ncls = 1;
    uint8_t cl[256] = {0};
    for (int c = 0; c < 256; c++)
        if (used[c]) cl[c] = (uint8_t)ncls++;
    if (ncls > 255) ncls = 255;   /* cannot happen for lowercased literals */
    for (int c = 0; c < 256; c++) ac->cls[c] = cl[fold((unsigned char)c)];
    ac->ncls = ncls;

    /* trie, dense goto (0 = none; the root is state 0) */
    size_t maxst = 1;
    for (size_t i = 0; i < ac->nnode; i++) maxst += ac->node[i].len;
    uint32_t *go = cot_calloc(maxst * ncls, sizeof *go);
    uint32_t *fail = cot_calloc(maxst, sizeof *fail);
    uint32_t *own = cot_calloc(maxst, sizeof *own);  /* last own output + 1 */
    uint8_t *last = cot_calloc(maxst, 1);              /* class into the state */
    uint32_t ns = 1;
    /* outputs are kept as a linked list per state: node index chain */
    uint32_t *onext = cot_calloc(ac->nnode + 1, sizeof *onext);
    for (size_t i = 0; i < ac->nnode; i++) {
        uint32_t s = 0;
        for (size_t k = 0; k < ac->node[i].len; k++) {
            uint32_t c = cl[(unsigned char)ac->node[i].lit[k]];
            if (!go[s * ncls + c]) { last[ns] = (uint8_t)c; go[s * ncls + c] = ns++; }
            s = go[s * ncls + c];
        }
        onext[i + 1] = own[s];
        own[s] = (uint32_t)i + 1;
    }

    /* BFS: failure links, full transitions, output lists */
    uint32_t *queue = cot_malloc(ns * sizeof *queue);
    size_t qh = 0, qt = 0;
    ac->delta = NULL;
    uint32_t *delta = cot_malloc((size_t)ns * ncls * sizeof *delta);
    for (uint32_t c = 0; c < ncls; c++) {
        uint32_t t = go[c];
        delta[c] = t;
        if (t) { fail[t] = 0; queue[qt++] = t; }
    }
    while (qh < qt) {
        uint32_t s = queue[qh++];
        for (uint32_t c = 0; c < ncls; c++) {
            uint32_t t = go[s * ncls + c];
            if (t) {
                fail[t] = delta[fail[s] * ncls + c];
                queue[qt++] = t;
                delta[s * ncls + c] = t;
            } else {
                delta[s * ncls + c] = delta[fail[s] * ncls + c];
            }
        }
    }
    /* outputs of s: its own, then those of fail[s] (BFS order has them ready) */
    ac->out_off = cot_calloc((size_t)ns + 1, sizeof *ac->out_off);
    uint32_t *cnt = cot_calloc(ns, sizeof *cnt);
    for (size_t q = 0; q < qt; q++) {
        uint32_t s = queue[q], k = 0;
        for (uint32_t o = own[s]; o; o = onext[o]) k++;
        cnt[s] = k + cnt[fail[s]];
    }
    for (uint32_t s = 0; s < ns; s++) ac->out_off[s + 1] = ac->out_off[s] + cnt[s];
    ac->nout = ac->out_off[ns];
    ac->out = cot_malloc(((size_t)ac->nout + 1) * sizeof *ac->out);
    for (size_t q = 0; q < qt; q++) {
        uint32_t s = queue[q], w = ac->out_off[s];
        for (uint32_t o = own[s]; o; o = onext[o])
            ac->out[w++] = ac->node[o - 1].id << 8 | ac->node[o - 1].len;
        uint32_t f = fail[s];
        memcpy(ac->out + w, ac->out + ac->out_off[f], cnt[f] * sizeof *ac->out);
    }
    /* Number the states so that a transition's target tells by itself
     * whether it reports: the states without outputs first (root 0), then,
     * from a row whose offset is a power of two 2^shift on, those with
     * outputs.  A scan then tests e >> shift, with no flag bit to mask off
     * the next load's index.  A run of spaces is one folded space: more of
     * them leave a state that was entered by a space where it is, reporting
     * nothing new; for a state with outputs, that is a silent twin of it
     * (the same row, numbered among the states without outputs). */
    uint32_t sp = cl[' '];
    uint32_t *nw = cot_malloc((size_t)ns * sizeof *nw), *twin = cot_calloc(ns, sizeof *twin);
    uint32_t k = 0, nouts = 0;
    for (uint32_t t = 0; t < ns; t++)
        if (!cnt[t]) nw[t] = k++;
        else nouts++;
    for (uint32_t t = 1; sp && t < ns; t++)
        if (cnt[t] && last[t] == sp) twin[t] = k++;
    uint32_t shift = 0;
    while (((size_t)1 << shift) < (size_t)k * ncls) shift++;
    uint32_t s0 = (uint32_t)((((size_t)1 << shift) + ncls - 1) / ncls);
    uint32_t nsn = s0 + nouts;
    for (uint32_t t = 0, o = s0; t < ns; t++)
        if (cnt[t]) nw[t] = o++;
    uint32_t *nd = cot_calloc((size_t)nsn * ncls, sizeof *nd);
    uint32_t *noff = cot_calloc((size_t)nsn + 1, sizeof *noff);
    for (uint32_t t = 0; t < ns; t++) {
        uint32_t *row = nd + (size_t)nw[t] * ncls;
        for (uint32_t c = 0; c < ncls; c++) row[c] = nw[delta[(size_t)t * ncls + c]] * ncls;
        if (t && sp && last[t] == sp) {
            if (!cnt[t]) row[sp] = nw[t] * ncls;
            else {
                uint32_t *tw = nd + (size_t)twin[t] * ncls;
                memcpy(tw, row, ncls * sizeof *tw);
                row[sp] = tw[sp] = twin[t] * ncls;
            }
        }
        noff[nw[t] + 1] = cnt[t];
    }
    for (uint32_t q = 0; q < nsn; q++) noff[q + 1] += noff[q];
    uint32_t *nout = cot_malloc(((size_t)ac->nout + 1) * sizeof *nout);
    for (uint32_t t = 0; t < ns; t++)
        memcpy(nout + noff[nw[t]], ac->out + ac->out_off[t], cnt[t] * sizeof *nout);
    free(delta); free(ac->out_off); free(ac->out); free(nw); free(twin);
    ac->out_off = noff;
    ac->out = nout;
    ac->nstates = nsn;
    ac->shift = shift;
    ac->delta = nd;
    ac->maxlen = 0;
    for (size_t i = 0; i < ac->nnode; i++)
        if (ac->node[i].len > ac->maxlen) ac->maxlen = ac->node[i].len;
    free(go); free(fail); free(own); free(onext); free(queue); free(cnt); free(last);
}

/* Where a literal of `len` folded bytes that ends at p[i] begins: each
 * folded space stands for a whole run of spaces.  A literal that ends in a
 * space is reported at the run's first byte. */
static size_t lit_start(const unsigned char *p, size_t i, unsigned len)
{
    size_t j = i;
    int run_end = is_space(p[i]);   /* p[i] opens its run: go back no further */
    for (unsigned k = len; k-- > 1;) {
        if (is_space(p[j]) && !run_end)
            while (j > 0 && is_space(p[j - 1])) j--;
        run_end = 0;
        j--;
    }
    return j;
}

typedef struct {
    uint32_t *v;               /* out index, end offset low/high pairs     */
    size_t n, cap;
} later_t;

static void later_push(later_t *l, uint32_t k, size_t i)
{
    if (l->n + 3 > l->cap) {
        l->cap = l->cap ? 2 * l->cap : 3 * 256;
        l->v = cot_realloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = k;
    l->v[l->n++] = (uint32_t)i;
    l->v[l->n++] = (uint32_t)((uint64_t)i >> 32);
}

#define AC_TWO_STREAMS 128
#define AC_FOUR_STREAMS 512
#define AC_BLOCK 32

/* Where a walk that must be in the right state by offset b starts: more
 * symbols than the longest literal before b (a run of spaces is one). */
static size_t lead_in(const cot_ac_t *ac, const unsigned char *p, size_t b)
{
    size_t q = b;
    for (unsigned sym = 0; q > 0 && sym <= ac->maxlen;) {
        q--;
        if (!is_space(p[q]) || q == 0 || !is_space(p[q - 1])) sym++;
    }
    return q;
}

void cot_ac_scan(const cot_ac_t *ac, const char *s, size_t n, cot_ac_hit_f hit, void *ctx)
{
    if (!ac->nnode || !ac->delta) return;
    const uint32_t *delta = ac->delta;
    const unsigned char *p = (const unsigned char *)s;
    const uint8_t *cls = ac->cls;
    const uint32_t ncls = ac->ncls, sh = ac->shift;
#define AC_EMIT(e, i) do {                                                        \
        uint32_t q_ = (e) / ncls;                                   \
        for (uint32_t k_ = ac->out_off[q_]; k_ < ac->out_off[q_ + 1]; k_++)      \
            hit(ctx, ac->out[k_] >> 8, lit_start(p, (i), ac->out[k_] & 0xFF));   \
    } while (0)
#define AC_KEEP(l, e, i) do {                                                     \
        uint32_t q_ = (e) / ncls;                                   \
        for (uint32_t k_ = ac->out_off[q_]; k_ < ac->out_off[q_ + 1]; k_++)      \
            later_push((l), k_, (i));                                            \
    } while (0)
    uint32_t s1 = 0;
    if (n < AC_TWO_STREAMS) {
        for (size_t i = 0; i < n; i++) {
            uint32_t e = delta[s1 + cls[p[i]]];
            s1 = e;
            if (e >> sh) AC_EMIT(e, i);
        }
        return;
    }
    if (n >= AC_FOUR_STREAMS) {
        /* Four independent walks over the quarters [b[k], b[k+1]), each
         * but the first from its lead-in q[k] < b[k], interleaved so that
         * the CPU overlaps their table loads (one walk waits on each load).
         * The first reports as it goes; the others keep their hits from
         * b[k] on, reported after it in order, so hits still come in order
         * of their end. */
        size_t b[5], q[4];
        for (int k = 0; k < 5; k++) b[k] = n / 4 * (size_t)k;
        b[4] = n;
        q[0] = 0;
        for (int k = 1; k < 4; k++) q[k] = lead_in(ac, p, b[k]);
        size_t len = b[1];              /* steps all four walks can take */
        for (int k = 1; k < 4; k++)
            if (b[k + 1] - q[k] < len) len = b[k + 1] - q[k];
        later_t later[4] = {{0}};
        uint32_t st[4] = {0, 0, 0, 0};
        const unsigned char *p0 = p, *p1 = p + q[1], *p2 = p + q[2], *p3 = p + q[3];
        size_t i = 0;
        /* the states in locals, not st[]: in registers, off the load chain */
        uint32_t s0 = 0, t1 = 0, t2 = 0, t3 = 0;
        /* Steps come in blocks of AC_BLOCK: a block is walked with no
         * test but an OR of its transitions (flagged ones are rare), and
         * walked again from its first states, reporting, only when one
         * was flagged.  The tight walk keeps every state in a register. */
        while (i < len) {
            size_t from = i, stop = len - i > AC_BLOCK ? i + AC_BLOCK : len;
            uint32_t a0 = s0, a1 = t1, a2 = t2, a3 = t3, acc = 0;
            for (; i < stop; i++) {
                uint32_t e0 = delta[s0 + cls[p0[i]]];
                uint32_t e1 = delta[t1 + cls[p1[i]]];
                uint32_t e2 = delta[t2 + cls[p2[i]]];
                uint32_t e3 = delta[t3 + cls[p3[i]]];
                s0 = e0;
                t1 = e1;
                t2 = e2;
                t3 = e3;
                acc |= e0 | e1 | e2 | e3;
            }
            if (!(acc >> sh)) continue;
            s0 = a0; t1 = a1; t2 = a2; t3 = a3;
            for (i = from; i < stop; i++) {
                uint32_t e0 = delta[s0 + cls[p0[i]]];
                uint32_t e1 = delta[t1 + cls[p1[i]]];
                uint32_t e2 = delta[t2 + cls[p2[i]]];
                uint32_t e3 = delta[t3 + cls[p3[i]]];
                s0 = e0;
                t1 = e1;
                t2 = e2;
                t3 = e3;
                if (!((e0 | e1 | e2 | e3) >> sh)) continue;
                if (e0 >> sh) AC_EMIT(e0, i);
                if ((e1 >> sh) && q[1] + i >= b[1]) AC_KEEP(&later[1], e1, q[1] + i);
                if ((e2 >> sh) && q[2] + i >= b[2]) AC_KEEP(&later[2], e2, q[2] + i);
                if ((e3 >> sh) && q[3] + i >= b[3]) AC_KEEP(&later[3], e3, q[3] + i);
            }
        }
        st[0] = s0;
        st[1] = t1;
        st[2] = t2;
        st[3] = t3;
        /* each walk on alone to the end of its quarter */
        for (int k = 0; k < 4; k++)
            for (size_t j = q[k] + i; j < b[k + 1]; j++) {
                uint32_t e = delta[st[k] + cls[p[j]]];
                st[k] = e;
                if (!(e >> sh)) continue;
                if (k == 0) AC_EMIT(e, j);
                else if (j >= b[k]) AC_KEEP(&later[k], e, j);
            }
        for (int k = 1; k < 4; k++) {
            for (size_t m = 0; m < later[k].n; m += 3) {
                uint32_t o = ac->out[later[k].v[m]];
                size_t at = (size_t)((uint64_t)later[k].v[m + 2] << 32 | later[k].v[m + 1]);
                hit(ctx, o >> 8, lit_start(p, at, o & 0xFF));
            }
            free(later[k].v);
        }
        return;
    }
    /* Two independent walks, [0, mid) and [q, n), as above. */
    size_t mid = n / 2, q = lead_in(ac, p, mid);
    later_t later = {0};
    uint32_t s2 = 0;
    size_t i = 0;
    for (; i < mid; i++) {
        uint32_t e1 = delta[s1 + cls[p[i]]];
        uint32_t e2 = delta[s2 + cls[p[q + i]]];
        s1 = e1;
        s2 = e2;
        if (e1 >> sh) AC_EMIT(e1, i);
        if ((e2 >> sh) && q + i >= mid) AC_KEEP(&later, e2, q + i);
    }
    for (size_t k = 0; k < later.n; k += 3) {
        uint32_t o = ac->out[later.v[k]];
        size_t at = (size_t)((uint64_t)later.v[k + 2] << 32 | later.v[k + 1]);
        hit(ctx, o >> 8, lit_start(p, at, o & 0xFF));
    }
    free(later.v);
    for (i += q; i < n; i++) {
        uint32_t e = delta[s2 + cls[p[i]]];
        s2 = e;
        if (e >> sh) AC_EMIT(e, i);
    }
#undef AC_EMIT
#undef AC_KEEP
}

/* ---- byte scans ----------------------------------------------------------
 * Sixteen positions at a time with SSE2 (a position's mask bit is set when
 * the bytes from it on are the wanted sequence; the loads run 2 bytes past
 * the block, so the vector loop stops 16 + 2 bytes before the end), the
 * rest one byte at a time.  Each is exact: tests/unit/test-prefilter.c
 * checks them against byte-by-byte references. */

#ifdef __SSE2__
static __m128i ld(const unsigned char *p) { return _mm_loadu_si128((const __m128i *)(const void *)p); }
static __m128i eq(__m128i v, int c) { return _mm_cmpeq_epi8(v, _mm_set1_epi8((char)c)); }
/* lo <= v <= hi, unsigned */
static __m128i in(__m128i v, int lo, int hi)
{
    __m128i c = _mm_min_epu8(_mm_max_epu8(v, _mm_set1_epi8((char)lo)), _mm_set1_epi8((char)hi));
    return _mm_cmpeq_epi8(c, v);
}
#endif

static int hazard_at(const unsigned char *p, size_t left)
{
    return (left >= 2 && p[0] == 0xC5 && p[1] == 0xBF) ||
           (left >= 3 && p[0] == 0xE2 && p[1] == 0x84 && p[2] == 0xAA);
}

int cot_fold_hazard(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
#ifdef __SSE2__
    for (; i + 18 <= n; i += 16) {
        __m128i a = ld(p + i), b = ld(p + i + 1), c = ld(p + i + 2);
        __m128i m = _mm_or_si128(_mm_and_si128(eq(a, 0xC5), eq(b, 0xBF)),
                                 _mm_and_si128(_mm_and_si128(eq(a, 0xE2), eq(b, 0x84)),
                                               eq(c, 0xAA)));
        if (_mm_movemask_epi8(m)) return 1;
    }
#endif
    for (; i < n; i++)
        if (hazard_at(p + i, n - i)) return 1;
    return 0;
}

int cot_zero_width_at(const unsigned char *p, size_t left)
{
    if (left >= 3 && p[0] == 0xE2 && p[1] == 0x80 &&
        ((p[2] >= 0x8B && p[2] <= 0x8F) || (p[2] >= 0xAA && p[2] <= 0xAE)))
        return 3;                                   /* U+200B..F, U+202A..E */
    if (left >= 3 && p[0] == 0xE2 && p[1] == 0x81 && p[2] >= 0xA0 && p[2] <= 0xA4)
        return 3;                                   /* U+2060..2064 */
    if (left >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) return 3;
    return 0;
}

size_t cot_find_zero_width(const char *s, size_t n, size_t i)
{
    const unsigned char *p = (const unsigned char *)s;
#ifdef __SSE2__
    for (; i + 18 <= n; i += 16) {
        __m128i a = ld(p + i), b = ld(p + i + 1), c = ld(p + i + 2);
        __m128i e2 = eq(a, 0xE2);
        __m128i m80 = _mm_and_si128(eq(b, 0x80), _mm_or_si128(in(c, 0x8B, 0x8F), in(c, 0xAA, 0xAE)));
        __m128i m81 = _mm_and_si128(eq(b, 0x81), in(c, 0xA0, 0xA4));
        __m128i bom = _mm_and_si128(_mm_and_si128(eq(a, 0xEF), eq(b, 0xBB)), eq(c, 0xBF));
        __m128i m = _mm_or_si128(_mm_and_si128(e2, _mm_or_si128(m80, m81)), bom);
        unsigned k = (unsigned)_mm_movemask_epi8(m);
        if (k) return i + (size_t)__builtin_ctz(k);
    }
#endif
    for (; i < n; i++)
        if (cot_zero_width_at(p + i, n - i)) return i;
    return n;
}

static int answer_at(const unsigned char *p, size_t left)
{
    static const char w[] = "answer";
    if (left < 6) return 0;
    for (int k = 0; k < 6; k++)
        if ((p[k] | 0x20) != w[k]) return 0;
    return 1;
}

static unsigned text_at(const unsigned char *p, size_t left)
{
    return (hazard_at(p, left) ? COT_TEXT_HAZARD : 0) |
           (cot_zero_width_at(p, left) ? COT_TEXT_ZERO_WIDTH : 0) |
           ((p[0] & 0xFC) == 0xD0 ? COT_TEXT_CYRILLIC : 0) |
           (answer_at(p, left) ? COT_TEXT_ANSWER : 0);
}

unsigned cot_text_scan(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    unsigned f = 0;
    size_t i = 0;
#ifdef __SSE2__
    const __m128i lo = _mm_set1_epi8(0x20);
    __m128i hz = _mm_setzero_si128(), zw = hz, cy = hz;
    for (; i + 19 <= n; i += 16) {
        __m128i a = ld(p + i), c = ld(p + i + 2), d = ld(p + i + 3);
        if (_mm_movemask_epi8(in(a, 0x2B, 0x7A)) == 0xFFFF) f |= COT_TEXT_B64_BLOCK;
        /* "sw" two bytes on: where "answer" may start, checked in place */
        __m128i w = _mm_and_si128(eq(_mm_or_si128(c, lo), 's'), eq(_mm_or_si128(d, lo), 'w'));
        for (unsigned k = (unsigned)_mm_movemask_epi8(w); k && !(f & COT_TEXT_ANSWER); k &= k - 1) {
            size_t j = i + (size_t)__builtin_ctz(k);
            if (answer_at(p + j, n - j)) f |= COT_TEXT_ANSWER;
        }
        /* the rest only where a lead byte C5, D0..D3, E2 or EF is (not
         * C3, the accented Latin letters') */
        __m128i e2 = eq(a, 0xE2), ef = eq(a, 0xEF), c5 = eq(a, 0xC5), d0 = in(a, 0xD0, 0xD3);
        cy = _mm_or_si128(cy, d0);
        if (!_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(e2, ef), c5))) continue;
        __m128i b = ld(p + i + 1);
        hz = _mm_or_si128(hz, _mm_or_si128(_mm_and_si128(c5, eq(b, 0xBF)),
                                           _mm_and_si128(_mm_and_si128(e2, eq(b, 0x84)), eq(c, 0xAA))));
        __m128i m80 = _mm_and_si128(eq(b, 0x80), _mm_or_si128(in(c, 0x8B, 0x8F), in(c, 0xAA, 0xAE)));
        __m128i m81 = _mm_and_si128(eq(b, 0x81), in(c, 0xA0, 0xA4));
        __m128i bom = _mm_and_si128(_mm_and_si128(ef, eq(b, 0xBB)), eq(c, 0xBF));
        zw = _mm_or_si128(zw, _mm_or_si128(_mm_and_si128(e2, _mm_or_si128(m80, m81)), bom));
    }
    if (_mm_movemask_epi8(hz)) f |= COT_TEXT_HAZARD;
    if (_mm_movemask_epi8(zw)) f |= COT_TEXT_ZERO_WIDTH;
    if (_mm_movemask_epi8(cy)) f |= COT_TEXT_CYRILLIC;
#endif
    for (size_t j = i; j + 16 <= n; j += 16) {      /* the blocks left */
        size_t k = 0;
        while (k < 16 && p[j + k] >= 0x2B && p[j + k] <= 0x7A) k++;
        if (k == 16) f |= COT_TEXT_B64_BLOCK;
    }
    for (; i < n; i++) f |= text_at(p + i, n - i);
    return f;
}
