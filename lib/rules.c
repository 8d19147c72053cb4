/* rules.c -- see rules.h */
#include "rules.h"
#include "prefilter.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static const char *const field_names[COT_NFIELDS] = {"cot", "answer", "prompt"};
static const char *const stage_names[COT_NSTAGES] = {
    "none", "temptation", "plan", "recognition", "pivot", "rejustification",
    "action", "cue", "cue-mention", "voice-planner", "voice-assistant",
    "mention", "decline", "cue-example"};
static const char *const stage_labels[COT_NSTAGES] = {
    NULL, "considered", "considered", "recognized", "pivot",
    "rejustification", "action", "cue", "cue-mention", "planner-voice",
    "assistant-voice", "mentioned", "rejected", "cue-example"};

const char *cot_field_name(cot_field_t f) { return field_names[f]; }
const char *cot_stage_name(cot_stage_t s) { return stage_names[s]; }
const char *cot_stage_label(cot_stage_t s) { return stage_labels[s]; }

void cot_rules_init(cot_rules_t *r)
{
    memset(r, 0, sizeof *r);
    r->window = COT_RULES_WINDOW_DEFAULT;
    r->match_limit = COT_RULES_MATCH_LIMIT_DEFAULT;
    r->depth_limit = COT_RULES_DEPTH_LIMIT_DEFAULT;
    r->prefilter = 1;
}

/* ---- the literal prefilter (prefilter.h) -------------------------------- */

typedef struct {
    size_t *v;
    size_t n, cap;
} cand_t;

/* Scans that want only some stages (the voice pass) get an automaton of
 * their own rules' literals: smaller, and no hits to throw away. */
#define PF_SUBSETS 4

typedef struct {
    cot_ac_t ac[COT_NFIELDS];
    int on[COT_NFIELDS];       /* the field's automaton holds literals    */
    struct {
        cot_ac_t ac;
        unsigned stages;
        int field, on;
    } sub[PF_SUBSETS];
    int nsub;
    cand_t *cand;              /* per rule: candidate start offsets       */
    unsigned char *want;       /* per rule: wanted by the current scan    */
    size_t n;
    int borrowed;              /* ac[] belongs to the pack cloned from    */
} prefilter_t;

static void pf_free(prefilter_t *pf)
{
    if (!pf) return;
    if (!pf->borrowed)
        for (int f = 0; f < COT_NFIELDS; f++) cot_ac_free(&pf->ac[f]);
    for (int k = 0; k < pf->nsub; k++) cot_ac_free(&pf->sub[k].ac);
    for (size_t i = 0; i < pf->n; i++) free(pf->cand[i].v);
    free(pf->cand);
    free(pf->want);
    free(pf);
}

static void pf_hit(void *ctx, uint32_t id, size_t start)
{
    prefilter_t *pf = ctx;
    if (!pf->want[id]) return;
    cand_t *c = &pf->cand[id];
    if (c->n && c->v[c->n - 1] == start) return;
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 64;
        c->v = cot_realloc(c->v, c->cap * sizeof *c->v);
    }
    c->v[c->n++] = start;
}

static int size_cmp(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* Literals of different lengths end in order but may start out of order. */
static void cand_sort(cand_t *c)
{
    size_t i = 1;
    while (i < c->n && c->v[i - 1] < c->v[i]) i++;
    if (i >= c->n) return;
    qsort(c->v, c->n, sizeof *c->v, size_cmp);
    size_t w = 1;
    for (i = 1; i < c->n; i++)
        if (c->v[i] != c->v[w - 1]) c->v[w++] = c->v[i];
    c->n = w;
}

/* Literals go into the automaton cut to their first PF_CUT bytes: a cut
 * literal is still a prefix of every match that begins with the whole one
 * (prefilter.h), so the candidates are a superset and the matches the same.
 * The default pack's cot literals, whole, make ~17,000 states (2.5 MB of
 * transitions, slow to build and past the L2 cache); cut to 12, ~5,400 and
 * the same candidates on real text (shorter cuts let through more).  Of one
 * rule's cut literals only those that no other one begins are added. */
#define PF_CUT 12

typedef struct {
    const char *s;
    size_t n;
} lit_t;

static int lit_cmp(const void *a, const void *b)
{
    const lit_t *x = a, *y = b;
    int c = memcmp(x->s, y->s, x->n < y->n ? x->n : y->n);
    return c ? c : (x->n > y->n) - (x->n < y->n);
}

/* Add k NUL-separated literals (cot_prefix_literals) for rule id: 0, or -1
 * when the automaton is full.  Sorted, a literal that another one begins
 * comes after it, before any literal it does not begin. */
static int add_literals(cot_ac_t *ac, const char *l, int k, uint32_t id)
{
    lit_t v[COT_PREFIX_MAXSET];
    int m = 0;
    for (int j = 0; j < k && m < COT_PREFIX_MAXSET; j++) {
        size_t n = strlen(l);
        v[m++] = (lit_t){l, n < PF_CUT ? n : PF_CUT};
        l += n + 1;
    }
    qsort(v, (size_t)m, sizeof *v, lit_cmp);
    const lit_t *kept = NULL;
    for (int j = 0; j < m; j++) {
        if (kept && kept->n <= v[j].n && !memcmp(kept->s, v[j].s, kept->n)) continue;
        if (cot_ac_add(ac, v[j].s, v[j].n, id) < 0) return -1;
        kept = &v[j];
    }
    return 0;
}

/* Build the prefilter after the rules are compiled.  A rule whose literals
 * cannot be found, or whose anchored twin does not compile, is scanned in
 * full; so is every rule of a field whose automaton would be too big. */
static void pf_build(cot_rules_t *r)
{
    pf_free(r->pf);
    prefilter_t *pf = cot_calloc(1, sizeof *pf);
    r->pf = pf;
    pf->n = r->n;
    pf->cand = cot_calloc(r->n + 1, sizeof *pf->cand);
    pf->want = cot_calloc(r->n + 1, 1);
    for (int f = 0; f < COT_NFIELDS; f++) cot_ac_init(&pf->ac[f]);
    cot_buf_t lits = {0};
    for (size_t i = 0; i < r->n; i++) {
        cot_rule_t *u = &r->rule[i];
        pcre2_code_free(u->acode);
        u->acode = NULL;
        u->nlits = 0;
        cot_buf_clear(&lits);
        int k = cot_prefix_literals(u->pattern, u->options, &lits);
        if (k <= 0) continue;
        int ec;
        PCRE2_SIZE eo;
        pcre2_code *a = pcre2_compile((PCRE2_SPTR)u->pattern, PCRE2_ZERO_TERMINATED,
                                      PCRE2_UTF | PCRE2_ANCHORED | u->options, &ec, &eo, NULL);
        if (!a) continue;
        pcre2_jit_compile(a, PCRE2_JIT_COMPLETE);
        u->acode = a;
        u->nlits = k;
        if (add_literals(&pf->ac[u->field], lits.s, k, (uint32_t)i) < 0) pf->on[u->field] = -1;
        if (pf->on[u->field] == 0) pf->on[u->field] = 1;
    }
    cot_buf_free(&lits);
    for (int f = 0; f < COT_NFIELDS; f++) {
        if (pf->on[f] == 1) { cot_ac_build(&pf->ac[f]); continue; }
        pf->on[f] = 0;
        for (size_t i = 0; i < r->n; i++)
            if (r->rule[i].field == (cot_field_t)f) r->rule[i].nlits = 0;
    }
}

static void rule_free(cot_rule_t *u)
{
    free(u->name); free(u->label); free(u->group); free(u->pattern);
    free(u->origin);
    pcre2_code_free(u->code);
    pcre2_code_free(u->acode);
    memset(u, 0, sizeof *u);
}

void cot_rules_free(cot_rules_t *r)
{
    if (!r->borrowed) {
        for (size_t i = 0; i < r->n; i++) rule_free(&r->rule[i]);
        free(r->rule);
        free(r->fidx);
    }
    cot_buf_free(&r->text);
    pcre2_match_context_free(r->mctx);
    pcre2_jit_stack_free(r->jstack);
    pcre2_match_data_free(r->mdata);
    pf_free(r->pf);
    memset(r, 0, sizeof *r);
}

/* Per-thread match state: a match context with the pack's limits, a JIT
 * stack and match data for maxcap groups. */
static void match_state(cot_rules_t *r)
{
    if (!r->mctx) {
        r->mctx = pcre2_match_context_create(NULL);
        r->jstack = pcre2_jit_stack_create(32 * 1024, 1024 * 1024, NULL);
        pcre2_jit_stack_assign(r->mctx, NULL, r->jstack);
    }
    pcre2_set_match_limit(r->mctx, r->match_limit);
    pcre2_set_depth_limit(r->mctx, r->depth_limit);
    pcre2_set_heap_limit(r->mctx, 64 * 1024);   /* KiB, interpreter only */
    pcre2_match_data_free(r->mdata);
    r->mdata = pcre2_match_data_create(r->maxcap + 1, NULL);
}

int cot_rules_clone(cot_rules_t *dst, const cot_rules_t *src, cot_buf_t *err)
{
    cot_rules_init(dst);
    dst->window = src->window;
    dst->window_sentences = src->window_sentences;
    dst->match_limit = src->match_limit;
    dst->depth_limit = src->depth_limit;
    dst->prefilter = src->prefilter;
    if (src->compiled) {
        /* Share what is read-only once compiled; 16 workers used to compile
         * 16 copies of the default pack (~25 ms and ~5 MB each). */
        dst->rule = src->rule;
        dst->n = src->n;
        dst->fidx = src->fidx;
        memcpy(dst->foff, src->foff, sizeof dst->foff);
        dst->maxcap = src->maxcap;
        dst->borrowed = 1;
        match_state(dst);
        if (src->pf) {
            const prefilter_t *s = src->pf;
            prefilter_t *pf = cot_calloc(1, sizeof *pf);
            memcpy(pf->ac, s->ac, sizeof pf->ac);
            memcpy(pf->on, s->on, sizeof pf->on);
            pf->borrowed = 1;
            pf->n = s->n;
            pf->cand = cot_calloc(s->n + 1, sizeof *pf->cand);
            pf->want = cot_calloc(s->n + 1, 1);
            dst->pf = pf;
        }
        dst->compiled = 1;
        return 0;
    }
    dst->rule = cot_calloc(src->n + 1, sizeof *dst->rule);
    for (size_t i = 0; i < src->n; i++) {
        const cot_rule_t *s = &src->rule[i];
        cot_rule_t *u = &dst->rule[i];
        *u = *s;
        u->name = s->name ? cot_strdup(s->name) : NULL;
        u->label = s->label ? cot_strdup(s->label) : NULL;
        u->group = s->group ? cot_strdup(s->group) : NULL;
        u->pattern = s->pattern ? cot_strdup(s->pattern) : NULL;
        u->origin = s->origin ? cot_strdup(s->origin) : NULL;
        u->code = u->acode = NULL;
        u->nlits = 0;
    }
    dst->n = src->n;
    (void)err;
    return 0;
}

static char *trim(char *s, char *e)
{
    while (s < e && (*s == ' ' || *s == '\t')) s++;
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r')) e--;
    *e = '\0';
    return s;
}

/* "400", "400 bytes" or "3 sentences". */
static int parse_window(const char *v, long *out, int *sent)
{
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || end == v || n <= 0 || n > 100000000) return -1;
    while (*end == ' ') end++;
    if (!*end || !strcmp(end, "bytes")) *sent = 0;
    else if (!strcmp(end, "sentences")) *sent = 1;
    else return -1;
    *out = n;
    return 0;
}

static int parse_flags(char *v, uint32_t *opt)
{
    *opt = 0;
    for (char *p = v; *p;) {
        while (*p == ' ' || *p == ',') p++;
        if (!*p) break;
        char *q = p;
        while (*q && *q != ' ' && *q != ',') q++;
        size_t n = (size_t)(q - p);
#define IS(w) (n == sizeof(w) - 1 && !memcmp(p, w, n))
        if (IS("caseless")) *opt |= PCRE2_CASELESS;
        else if (IS("multiline")) *opt |= PCRE2_MULTILINE;
        else if (IS("dotall")) *opt |= PCRE2_DOTALL;
        else if (IS("extended")) *opt |= PCRE2_EXTENDED;
        else if (IS("ucp")) *opt |= PCRE2_UCP;
        else return -1;
#undef IS
        p = q;
    }
    return 0;
}

static int rule_check(const cot_rule_t *u, const char *name, cot_buf_t *err)
{
    const char *miss = !u->pattern ? "pattern" :
                       (!u->label && u->stage == COT_STAGE_NONE) ? "label" : NULL;
    if (miss) {
        cot_buf_printf(err, "%s: rule '%s' has no %s", u->origin, u->name, miss);
        return -1;
    }
    (void)name;
    if (u->stage == COT_STAGE_ACTION && u->field != COT_FIELD_ANSWER) {
        cot_buf_printf(err, "%s: rule '%s': stage action needs field answer",
                       u->origin, u->name);
        return -1;
    }
    if ((u->stage == COT_STAGE_CUE || u->stage == COT_STAGE_CUE_EXAMPLE) &&
        u->field != COT_FIELD_PROMPT) {
        cot_buf_printf(err, "%s: rule '%s': stage %s needs field prompt",
                       u->origin, u->name, stage_names[u->stage]);
        return -1;
    }
    if (u->stage == COT_STAGE_CUE_EXAMPLE && !u->capture) {
        cot_buf_printf(err, "%s: rule '%s': stage cue-example needs a capture group "
                       "(capture = N) holding the example's answer", u->origin, u->name);
        return -1;
    }
    if ((u->stage == COT_STAGE_MENTION || u->stage == COT_STAGE_DECLINE) &&
        u->field != COT_FIELD_COT) {
        cot_buf_printf(err, "%s: rule '%s': stage %s needs field cot",
                       u->origin, u->name, stage_names[u->stage]);
        return -1;
    }

    return 0;
}

/* Add the finished rule *u to the pack, replacing one of the same name. */
static void rule_commit(cot_rules_t *r, cot_rule_t *u)
{
    if (!u->label && stage_labels[u->stage])
        u->label = cot_strdup(stage_labels[u->stage]);
    for (size_t i = 0; i < r->n; i++)
        if (!strcmp(r->rule[i].name, u->name)) {
            rule_free(&r->rule[i]);
            r->rule[i] = *u;
            memset(u, 0, sizeof *u);
            return;
        }
    r->rule = cot_realloc(r->rule, (r->n + 1) * sizeof *r->rule);
    r->rule[r->n++] = *u;
    memset(u, 0, sizeof *u);
}

static int set_key(cot_rules_t *r, cot_rule_t *u, const char *k, char *v,
                   const char *where, cot_buf_t *err)
{
    if (!u) {   /* pack-wide settings before the first [rule] */
        if (!strcmp(k, "window")) {
            if (parse_window(v, &r->window, &r->window_sentences) == 0) return 0;
            cot_buf_printf(err, "%s: window must be 'N', 'N bytes' or 'N sentences', not '%s'", where, v);
            return -1;
        }
        cot_buf_printf(err, "%s: unknown pack setting '%s' (only 'window' comes before the first [rule])", where, k);
        return -1;
    }
    char **slot = !strcmp(k, "label") ? &u->label : !strcmp(k, "group") ? &u->group
                : !strcmp(k, "pattern") ? &u->pattern : NULL;
    if (slot) {
        if (!*v) { cot_buf_printf(err, "%s: empty %s", where, k); return -1; }
        free(*slot);
        *slot = cot_strdup(v);
        return 0;
    }
    if (!strcmp(k, "field")) {
        for (int f = 0; f < COT_NFIELDS; f++)
            if (!strcmp(v, field_names[f])) { u->field = f; return 0; }
        cot_buf_printf(err, "%s: field must be cot, answer or prompt, not '%s'", where, v);
        return -1;
    }
    if (!strcmp(k, "stage")) {
        for (int s = 0; s < COT_NSTAGES; s++)
            if (!strcmp(v, stage_names[s])) { u->stage = s; return 0; }
        cot_buf_printf(err, "%s: unknown stage '%s' (see cot-rules(5))", where, v);
        return -1;
    }
    if (!strcmp(k, "flags")) {
        if (parse_flags(v, &u->options) == 0) return 0;
        cot_buf_printf(err, "%s: flags are caseless, multiline, dotall, extended, ucp; not '%s'", where, v);
        return -1;
    }
    if (!strcmp(k, "window")) {
        if (parse_window(v, &u->window, &u->window_sentences) == 0) return 0;
        cot_buf_printf(err, "%s: window must be 'N', 'N bytes' or 'N sentences', not '%s'", where, v);
        return -1;
    }
    if (!strcmp(k, "capture")) {
        long c;
        if (cot_parse_long(v, 0, 99, &c) == 0) { u->capture = (int)c; return 0; }
        cot_buf_printf(err, "%s: capture must be a group number 0..99, not '%s'", where, v);
        return -1;
    }
    cot_buf_printf(err, "%s: unknown key '%s' (label, field, stage, group, pattern, flags, window, capture)", where, k);
    return -1;
}

int cot_rules_load(cot_rules_t *r, const char *text, size_t n,
                   const char *name, cot_buf_t *err)
{
    if (r->borrowed) {          /* a caller's bug: the rules are src's */
        cot_buf_printf(err, "%s: cannot load rules into a cloned pack", name);
        return -1;
    }
    cot_buf_add(&r->text, text, n);
    r->compiled = 0;
    cot_rule_t cur = {0};
    int have = 0, rc = 0;
    unsigned long lineno = 0;
    const char *p = text, *end = text + n;
    char where[512];
    while (p < end && rc == 0) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        char *line = cot_strndup(p, (size_t)(le - p));
        p = nl ? nl + 1 : end;
        lineno++;
        snprintf(where, sizeof where, "%s:%lu", name, lineno);
        char *s = trim(line, line + strlen(line));
        if (!*s || *s == '#') { free(line); continue; }
        if (*s == '[') {
            char *close = strchr(s, ']');
            char *nm = close ? trim(s + 1, close) : NULL;
            if (!close || close[1] || !*nm || strspn(nm, "abcdefghijklmnopqrstuvwxyz"
                    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != strlen(nm)) {
                cot_buf_printf(err, "%s: a rule header is [NAME] with letters, digits, '-', '_' or '.'", where);
                rc = -1;
            } else {
                if (have && (rc = rule_check(&cur, name, err)) == 0) rule_commit(r, &cur);
                rule_free(&cur);
                cur.name = cot_strdup(nm);
                cur.origin = cot_strdup(where);
                have = 1;
            }
        } else {
            char *eq = strchr(s, '=');
            if (!eq) {
                cot_buf_printf(err, "%s: expected 'key = value' or '[rule-name]'", where);
                rc = -1;
            } else {
                char *k = trim(s, eq), *v = trim(eq + 1, eq + 1 + strlen(eq + 1));
                rc = set_key(r, have ? &cur : NULL, k, v, where, err);
            }
        }
        free(line);
    }
    if (rc == 0 && have && (rc = rule_check(&cur, name, err)) == 0)
        rule_commit(r, &cur);
    rule_free(&cur);
    return rc;
}

int cot_rules_load_file(cot_rules_t *r, const char *path, cot_buf_t *err)
{
    cot_buf_t b = {0};
    if (cot_read_file(path, &b, err) < 0) return -3;
    if (b.len && cot_utf8_check(b.s, b.len) != b.len) {
        cot_buf_printf(err, "%s: not valid UTF-8", path);
        cot_buf_free(&b);
        return -1;
    }
    int rc = cot_rules_load(r, b.len ? b.s : "", b.len, path, err);
    cot_buf_free(&b);
    return rc;
}

/* Compile u's JIT once, before its first full scan.  The rules of a
 * compiled pack are shared by its clones (cot_rules_clone()), which scan
 * on other threads: one compiles while the others wait, and none matches
 * with the code until it is done, so every scan runs the same engine (the
 * JIT where there is one) and counts the match limit alike. */
static pthread_mutex_t jit_lock = PTHREAD_MUTEX_INITIALIZER;

static void jit_ready(cot_rule_t *u)
{
    if (atomic_load_explicit(&u->jit, memory_order_acquire)) return;
    pthread_mutex_lock(&jit_lock);
    if (!atomic_load_explicit(&u->jit, memory_order_relaxed)) {
        pcre2_jit_compile(u->code, PCRE2_JIT_COMPLETE);
        atomic_store_explicit(&u->jit, 1, memory_order_release);
    }
    pthread_mutex_unlock(&jit_lock);
}

int cot_rules_compile(cot_rules_t *r, cot_buf_t *err)
{
    if (r->borrowed) {          /* shared code must not be freed here */
        cot_buf_printf(err, "cannot compile a cloned pack again");
        return -1;
    }
    uint32_t maxcap = 0;
    for (size_t i = 0; i < r->n; i++) {
        cot_rule_t *u = &r->rule[i];
        pcre2_code_free(u->code);
        int ec;
        PCRE2_SIZE eo;
        u->code = pcre2_compile((PCRE2_SPTR)u->pattern, PCRE2_ZERO_TERMINATED,
                                PCRE2_UTF | PCRE2_USE_OFFSET_LIMIT | u->options,
                                &ec, &eo, NULL);
        if (!u->code) {
            PCRE2_UCHAR msg[256];
            pcre2_get_error_message(ec, msg, sizeof msg);
            cot_buf_printf(err, "%s: rule '%s': bad pattern at offset %zu: %s",
                           u->origin, u->name, (size_t)eo, (char *)msg);
            return -1;
        }
        uint32_t caps = 0;
        pcre2_pattern_info(u->code, PCRE2_INFO_CAPTURECOUNT, &caps);
        if ((uint32_t)u->capture > caps) {
            cot_buf_printf(err, "%s: rule '%s': capture %d, but the pattern has %u groups",
                           u->origin, u->name, u->capture, caps);
            return -1;
        }
        if (caps > maxcap) maxcap = caps;
        /* \G anchors at the start offset, which chunks would move. */
        u->whole = strstr(u->pattern, "\\G") != NULL;
    }
    r->maxcap = maxcap;
    free(r->fidx);              /* each field's rules, for the scans */
    r->fidx = cot_malloc((r->n + 1) * sizeof *r->fidx);
    size_t k = 0;
    for (int f = 0; f < COT_NFIELDS; f++) {
        r->foff[f] = k;
        for (size_t i = 0; i < r->n; i++)
            if (r->rule[i].field == (cot_field_t)f) r->fidx[k++] = (uint32_t)i;
    }
    r->foff[COT_NFIELDS] = k;
    match_state(r);
    if (r->prefilter) pf_build(r);
    else {
        pf_free(r->pf);
        r->pf = NULL;
        for (size_t i = 0; i < r->n; i++) r->rule[i].nlits = 0;
    }
    /* The JIT for the rules scanned in full; a prefiltered rule runs its
     * anchored twin, and its own code only on a text with a fold hazard:
     * compiled then (jit_ready()), which keeps half the pack's JIT work
     * out of the startup.  Without JIT support we still run, just slower. */
    for (size_t i = 0; i < r->n; i++) {
        cot_rule_t *u = &r->rule[i];
        atomic_store_explicit(&u->jit, 0, memory_order_relaxed);
        if (!u->nlits) jit_ready(u);
    }
    r->compiled = 1;
    return 0;
}

static void push(cot_matches_t *out, const cot_match_t *m)
{
    if (out->n == out->cap) {
        out->cap = out->cap ? out->cap * 2 : 32;
        out->m = cot_realloc(out->m, out->cap * sizeof *out->m);
    }
    out->m[out->n++] = *m;
}

/* The automaton for the rules of `field` in `stages` (0: all). */
static const cot_ac_t *pf_automaton(cot_rules_t *r, cot_field_t field, unsigned stages)
{
    prefilter_t *pf = r->pf;
    if (!stages) return &pf->ac[field];
    for (int k = 0; k < pf->nsub; k++)
        if (pf->sub[k].stages == stages && pf->sub[k].field == (int)field)
            return pf->sub[k].on ? &pf->sub[k].ac : &pf->ac[field];
    if (pf->nsub == PF_SUBSETS) return &pf->ac[field];
    int k = pf->nsub++;
    pf->sub[k].stages = stages;
    pf->sub[k].field = (int)field;
    pf->sub[k].on = 1;
    cot_ac_init(&pf->sub[k].ac);
    cot_buf_t lits = {0};
    for (size_t i = 0; i < r->n && pf->sub[k].on; i++) {
        const cot_rule_t *u = &r->rule[i];
        if (u->field != field || !u->nlits || !(stages & (1u << u->stage))) continue;
        cot_buf_clear(&lits);
        cot_prefix_literals(u->pattern, u->options, &lits);
        if (add_literals(&pf->sub[k].ac, lits.s, u->nlits, (uint32_t)i) < 0) pf->sub[k].on = 0;
    }
    cot_buf_free(&lits);
    if (pf->sub[k].on) cot_ac_build(&pf->sub[k].ac);
    return pf->sub[k].on ? &pf->sub[k].ac : &pf->ac[field];
}

#define PAST_BUDGET "ran past the time budget per record (--rule-budget)"

/* The clock is read after each chunk of a full scan, and after every 16th
 * anchored attempt of a prefiltered rule (one attempt is bounded by the match
 * limit; many are cheap), which keeps its cost out of the profile. */
static int past(cot_rules_t *r, int every)
{
    return r->deadline && (every || (++r->ticks & 15) == 0) && cot_now() > r->deadline;
}

static const char *limit_why(int rc)
{
    return rc == PCRE2_ERROR_MATCHLIMIT ? "hit the match limit" :
           rc == PCRE2_ERROR_DEPTHLIMIT ? "hit the depth limit" :
           rc == PCRE2_ERROR_HEAPLIMIT ? "hit the heap limit" :
           rc == PCRE2_ERROR_JIT_STACKLIMIT ? "ran out of JIT stack" :
           "failed to match";
}

/* Record the match in md; returns the offset to go on from. */
static size_t take(const cot_rule_t *u, int i, int rc, pcre2_match_data *md, size_t off,
                   const char *s, size_t n, cot_matches_t *out, unsigned long *counts,
                   size_t *kept)
{
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
    cot_match_t m = {i, ov[0], ov[1], (size_t)-1, (size_t)-1};
    if (u->capture && rc > u->capture && ov[2 * u->capture] != PCRE2_UNSET) {
        m.cap_start = ov[2 * u->capture];
        m.cap_end = ov[2 * u->capture + 1];
    }
    if (counts) counts[i]++;
    if ((*kept)++ < COT_RULES_MAX_KEEP) push(out, &m);
    if (ov[1] < ov[0]) return n + 1;    /* \K games; never loop */
    if (ov[1] > off) return ov[1];
    off++;                              /* empty match: step over one character */
    while (off < n && ((unsigned char)s[off] & 0xC0) == 0x80) off++;
    return off;
}

int cot_rules_scan(cot_rules_t *r, cot_field_t field, unsigned stages,
                   const char *s, size_t n, cot_matches_t *out, unsigned long *counts, int *bad,
                   const char **why)
{
    return cot_rules_scan_hazard(r, field, stages, s, n, -1, out, counts, bad, why);
}

int cot_rules_scan_hazard(cot_rules_t *r, cot_field_t field, unsigned stages,
                          const char *s, size_t n, int hazard, cot_matches_t *out,
                          unsigned long *counts, int *bad, const char **why)
{
    pcre2_match_data *md = r->mdata;
    prefilter_t *pf = r->pf;
    int pre = 0;
    /* Only the field's rules are visited (want[] and cand[] of the others
     * are not read: the field's automaton reports only its own rules). */
    const uint32_t *fi = r->fidx + r->foff[field], *fe = r->fidx + r->foff[field + 1];
    if (pf && pf->on[field]) {
        for (const uint32_t *x = fi; x < fe; x++) {
            size_t i = *x;
            const cot_rule_t *u = &r->rule[i];
            pf->want[i] = u->nlits && (!stages || (stages & (1u << u->stage)));
            pf->cand[i].n = 0;
            if (pf->want[i] && (u->options & PCRE2_CASELESS) && hazard < 0)
                hazard = cot_fold_hazard(s, n);
            pre |= pf->want[i];
        }
        if (hazard == 1)    /* caseless rules may match where no literal is */
            for (const uint32_t *x = fi; x < fe; x++)
                if (r->rule[*x].options & PCRE2_CASELESS) pf->want[*x] = 0;
        if (pre) cot_ac_scan(pf_automaton(r, field, stages), s, n, pf_hit, pf);
    }
    for (const uint32_t *x = fi; x < fe; x++) {
        size_t i = *x;
        cot_rule_t *u = &r->rule[i];
        if (stages && !(stages & (1u << u->stage))) continue;
        size_t off = 0, kept = 0;
        if (pre && pf->want[i]) {
            cand_t *c = &pf->cand[i];
            cand_sort(c);
            for (size_t k = 0; k < c->n; k++) {
                if (c->v[k] < off) continue;
                int rc = pcre2_match(u->acode, (PCRE2_SPTR)s, n, c->v[k],
                                     PCRE2_NO_UTF_CHECK, md, r->mctx);
                if (past(r, 0)) { *bad = (int)i; *why = PAST_BUDGET; return -1; }
                if (rc == PCRE2_ERROR_NOMATCH) continue;
                if (rc < 0) { *bad = (int)i; *why = limit_why(rc); return -1; }
                off = take(u, (int)i, rc, md, c->v[k], s, n, out, counts, &kept);
            }
            continue;
        }
        int rc = 0, chunked = r->deadline && !u->whole;
        jit_ready(u);
        while (off <= n) {
            /* With a deadline: at most SCAN_CHUNK start positions per call
             * (a match must start by the offset limit), then read the clock. */
            size_t lim = chunked ? off + COT_RULES_SCAN_CHUNK : PCRE2_UNSET;
            pcre2_set_offset_limit(r->mctx, lim);
            rc = pcre2_match(u->code, (PCRE2_SPTR)s, n, off, PCRE2_NO_UTF_CHECK, md, r->mctx);
            if (past(r, 1)) { rc = 1; *why = PAST_BUDGET; break; }
            if (rc == PCRE2_ERROR_NOMATCH) {
                if (!chunked || lim >= n) { rc = 0; break; }
                off = lim + 1;      /* no match starts in [off, lim] */
                while (off < n && ((unsigned char)s[off] & 0xC0) == 0x80) off++;
                continue;
            }
            if (rc < 0) { *why = limit_why(rc); break; }
            off = take(u, (int)i, rc, md, off, s, n, out, counts, &kept);
            rc = 0;
        }
        pcre2_set_offset_limit(r->mctx, PCRE2_UNSET);
        if (rc != 0) { *bad = (int)i; return -1; }
    }
    return 0;
}
