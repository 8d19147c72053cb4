/* logprob.c -- see logprob.h */
#define _GNU_SOURCE 1   /* memmem */
#include "logprob.h"
#include "record.h"
#include "util.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    cot_lp_t *lp;
    size_t cap, tcap;
    cot_buf_t text;
} lpb_t;

static void lpb_token(lpb_t *b, const char *s, size_t n, double lp, int32_t rank)
{
    cot_lp_t *l = b->lp;
    if (l->n + 2 > b->cap) {
        b->cap = b->cap ? b->cap * 2 : 64;
        l->start = cot_realloc(l->start, b->cap * sizeof *l->start);
        l->lp = cot_realloc(l->lp, b->cap * sizeof *l->lp);
        l->rank = cot_realloc(l->rank, b->cap * sizeof *l->rank);
        l->top = cot_realloc(l->top, b->cap * sizeof *l->top);
    }
    if (l->n == 0) l->top[0] = 0;
    l->start[l->n] = b->text.len;
    l->lp[l->n] = lp;
    l->rank[l->n] = rank;
    l->n++;
    l->top[l->n] = l->top[l->n - 1];
    cot_buf_add(&b->text, s, n);
}

static void lpb_alt(lpb_t *b, double lp)
{
    cot_lp_t *l = b->lp;
    size_t k = l->top[l->n];
    if (k + 1 > b->tcap) {
        b->tcap = b->tcap ? b->tcap * 2 : 256;
        l->top_lp = cot_realloc(l->top_lp, b->tcap * sizeof *l->top_lp);
    }
    l->top_lp[k] = lp;
    l->top[l->n] = k + 1;
}

static double num(const cJSON *x)
{
    return cJSON_IsNumber(x) ? x->valuedouble : NAN;
}

/* Rank of lp among alternatives that include the token (found = 1). */
static int32_t rank_of(double lp, const double *alt, size_t k, int found)
{
    if (!found || isnan(lp)) return 0;
    int32_t r = 1;
    for (size_t i = 0; i < k; i++) if (alt[i] > lp) r++;
    return r;
}

static const char *parse_chat(const cJSON *arr, lpb_t *b)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, arr) {
        const cJSON *tok = cJSON_GetObjectItemCaseSensitive(it, "token");
        const cJSON *bytes = cJSON_GetObjectItemCaseSensitive(it, "bytes");
        if (!cJSON_IsString(tok)) return "chat logprobs: an entry has no \"token\" string";
        double lp = num(cJSON_GetObjectItemCaseSensitive(it, "logprob"));
        cot_buf_t tb = {0};
        if (cJSON_IsArray(bytes)) {
            const cJSON *x;
            cJSON_ArrayForEach(x, bytes) {
                if (!cJSON_IsNumber(x) || x->valuedouble < 0 || x->valuedouble > 255) {
                    cot_buf_free(&tb);
                    return "chat logprobs: \"bytes\" must hold numbers 0..255";
                }
                cot_buf_addc(&tb, (char)(int)x->valuedouble);
            }
        } else cot_buf_adds(&tb, tok->valuestring);
        lpb_token(b, tb.s ? tb.s : "", tb.len, lp, 0);
        cot_buf_free(&tb);
        const cJSON *top = cJSON_GetObjectItemCaseSensitive(it, "top_logprobs"), *a;
        int found = 0;
        cJSON_ArrayForEach(a, top) {
            const cJSON *at = cJSON_GetObjectItemCaseSensitive(a, "token");
            double alp = num(cJSON_GetObjectItemCaseSensitive(a, "logprob"));
            if (isnan(alp)) continue;
            if (cJSON_IsString(at) && !strcmp(at->valuestring, tok->valuestring)) found = 1;
            lpb_alt(b, alp);
        }
        cot_lp_t *l = b->lp;
        size_t n = l->n - 1, k0 = l->top[n], k = l->top[n + 1] - k0;
        if (k && !found && !isnan(lp)) lpb_alt(b, lp);
        l->rank[n] = rank_of(lp, k ? l->top_lp + k0 : NULL, k, found);
    }
    return NULL;
}

static const char *parse_completions(const cJSON *v, lpb_t *b)
{
    static _Thread_local char msg[96];   /* -@ N: one per worker */
    const cJSON *toks = cJSON_GetObjectItemCaseSensitive(v, "tokens");
    const cJSON *lps = cJSON_GetObjectItemCaseSensitive(v, "token_logprobs");
    const cJSON *tops = cJSON_GetObjectItemCaseSensitive(v, "top_logprobs");
    const cJSON *offs = cJSON_GetObjectItemCaseSensitive(v, "text_offset");
    int n = cJSON_GetArraySize(toks);
    if (!cJSON_IsArray(toks) || !cJSON_IsArray(lps) || cJSON_GetArraySize(lps) != n)
        return "completions logprobs: \"tokens\" and \"token_logprobs\" must be arrays of one length";
    if (cJSON_IsArray(offs) && cJSON_GetArraySize(offs) != n)
        return "completions logprobs: \"text_offset\" has the wrong length";
    const cJSON *t = toks->child, *l = lps->child;
    const cJSON *tp = cJSON_IsArray(tops) ? tops->child : NULL;
    const cJSON *of = cJSON_IsArray(offs) ? offs->child : NULL;
    double off0 = of ? num(of) : 0;
    for (int i = 0; i < n; i++, t = t->next, l = l->next) {
        if (!cJSON_IsString(t)) return "completions logprobs: a token is not a string";
        double lp = num(l);
        if (of) {
            if (num(of) - off0 != (double)b->text.len) {
                snprintf(msg, sizeof msg,
                         "completions logprobs: text_offset disagrees with the tokens at token %d", i);
                return msg;
            }
            of = of->next;
        }
        lpb_token(b, t->valuestring, strlen(t->valuestring), lp, 0);
        int found = 0;
        const cJSON *a;
        if (tp && cJSON_IsObject(tp)) {
            cJSON_ArrayForEach(a, tp) {
                double alp = num(a);
                if (isnan(alp)) continue;
                if (!strcmp(a->string, t->valuestring)) found = 1;
                lpb_alt(b, alp);
            }
        }
        cot_lp_t *L = b->lp;
        size_t j = L->n - 1, k0 = L->top[j], k = L->top[j + 1] - k0;
        if (k && !found && !isnan(lp)) lpb_alt(b, lp);
        L->rank[j] = rank_of(lp, k ? L->top_lp + k0 : NULL, k, found);
        if (tp) tp = tp->next;
    }
    return NULL;
}

static const char *parse_prompt(const cJSON *arr, const cJSON *ids, lpb_t *b)
{
    const cJSON *it, *id = cJSON_IsArray(ids) ? ids->child : NULL;
    int i = 0;
    cJSON_ArrayForEach(it, arr) {
        const cJSON *want = id;
        if (id) id = id->next;
        if (i++ == 0 && cJSON_IsNull(it)) continue;
        if (!cJSON_IsObject(it) || !it->child)
            return "prompt_logprobs: each entry after the first must be a map of token ids";
        const cJSON *tok = it->child, *a;
        if (want) {
            char key[32];
            if (!cJSON_IsNumber(want)) return "prompt_token_ids must hold numbers";
            snprintf(key, sizeof key, "%.0f", want->valuedouble);
            tok = cJSON_GetObjectItemCaseSensitive(it, key);
            if (!tok) return "prompt_logprobs: a prompt token id is missing from its map";
        }
        const cJSON *dt = cJSON_GetObjectItemCaseSensitive(tok, "decoded_token");
        if (!cJSON_IsString(dt)) return "prompt_logprobs: an entry has no \"decoded_token\"";
        double lp = num(cJSON_GetObjectItemCaseSensitive(tok, "logprob"));
        double rk = num(cJSON_GetObjectItemCaseSensitive(tok, "rank"));
        /* a rank past INT32_MAX would not convert (undefined): clamp it */
        lpb_token(b, dt->valuestring, strlen(dt->valuestring), lp,
                  isnan(rk) || rk < 1 ? 0 : rk >= INT32_MAX ? INT32_MAX : (int32_t)rk);
        cJSON_ArrayForEach(a, it) {
            double alp = num(cJSON_GetObjectItemCaseSensitive(a, "logprob"));
            if (!isnan(alp)) lpb_alt(b, alp);
        }
    }
    return NULL;
}

int cot_lp_parse(const cJSON *v, const cJSON *ids, cot_lp_t *lp, const char **why)
{
    memset(lp, 0, sizeof *lp);
    lpb_t b = {lp, 0, 0, {0}};
    const char *err = NULL;
    for (int depth = 0; depth < 2 && cJSON_IsObject(v); depth++) {
        const cJSON *w = cJSON_GetObjectItemCaseSensitive(v, "logprobs");
        if (!w) w = cJSON_GetObjectItemCaseSensitive(v, "prompt_logprobs");
        if (!w || cJSON_GetObjectItemCaseSensitive(v, "tokens") ||
            cJSON_GetObjectItemCaseSensitive(v, "content")) break;
        v = w;
    }
    if (cJSON_IsObject(v) && cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(v, "content"))) {
        lp->shape = "chat";
        err = parse_chat(cJSON_GetObjectItemCaseSensitive(v, "content"), &b);
    } else if (cJSON_IsObject(v) && cJSON_GetObjectItemCaseSensitive(v, "tokens")) {
        lp->shape = "completions";
        err = parse_completions(v, &b);
    } else if (cJSON_IsArray(v) && v->child && cJSON_IsObject(v->child) &&
               cJSON_GetObjectItemCaseSensitive(v->child, "token")) {
        lp->shape = "chat";
        err = parse_chat(v, &b);
    } else if (cJSON_IsArray(v) && v->child) {
        lp->shape = "prompt";
        err = parse_prompt(v, ids, &b);
    } else {
        err = "not a logprobs value: expected chat {content:[...]}, completions {tokens, token_logprobs} or vLLM prompt_logprobs [null, {...}]";
    }
    if (!err && lp->n == 0) err = "logprobs hold no tokens";
    if (err) {
        cot_buf_free(&b.text);
        cot_lp_free(lp);
        *why = err;
        return -1;
    }
    lp->len = b.text.len;
    lp->text = b.text.s ? b.text.s : cot_strdup("");
    lp->start[lp->n] = lp->len;
    return 0;
}

void cot_lp_free(cot_lp_t *lp)
{
    free(lp->text); free(lp->start); free(lp->lp); free(lp->rank);
    free(lp->top); free(lp->top_lp);
    memset(lp, 0, sizeof *lp);
}

int cot_lp_align(const cot_lp_t *lp, const char *s, size_t n, size_t from,
                 size_t *t0, size_t *t1, size_t *end)
{
    if (!n || from > lp->len) return -1;
    const char *hit = memmem(lp->text + from, lp->len - from, s, n);
    if (!hit) return -1;
    size_t a = (size_t)(hit - lp->text), z = a + n, i = 0;
    while (i < lp->n && lp->start[i + 1] <= a) i++;
    size_t j = i;
    while (j < lp->n && lp->start[j] < z) j++;
    *t0 = i; *t1 = j; *end = z;
    return 0;
}

void cot_lp_stats(const cot_lp_t *lp, size_t t0, size_t t1, cot_lp_stats_t *st)
{
    memset(st, 0, sizeof *st);
    double nll = 0, sl = 0, smu = 0, svar = 0, lump = 0;
    for (size_t i = t0; i < t1 && i < lp->n; i++) {
        st->tokens++;
        double l = lp->lp[i];
        int32_t r = lp->rank[i];
        st->gltr[r == 0 ? 4 : r <= 10 ? 0 : r <= 100 ? 1 : r <= 1000 ? 2 : 3]++;
        if (isnan(l)) continue;
        st->scored++;
        nll -= l;
        size_t k0 = lp->top[i], k1 = lp->top[i + 1];
        if (k1 == k0) continue;
        double mass = 0, mu = 0, m2 = 0;
        for (size_t k = k0; k < k1; k++) {
            double q = exp(lp->top_lp[k]);
            mass += q;
            mu += q * lp->top_lp[k];
            m2 += q * lp->top_lp[k] * lp->top_lp[k];
        }
        double rest = 1 - mass;
        if (rest > 1e-12) { double lr = log(rest); mu += rest * lr; m2 += rest * lr * lr; }
        else rest = 0;
        sl += l; smu += mu; svar += m2 - mu * mu;
        lump += rest;
        st->curv_tokens++;
    }
    st->nll_mean = st->scored ? nll / (double)st->scored : NAN;
    st->curvature = st->curv_tokens && svar > 0 ? (sl - smu) / sqrt(svar) : NAN;
    st->lumped_mass = st->curv_tokens ? lump / (double)st->curv_tokens : NAN;
}

static int tok_eq(const cot_lp_t *a, size_t i, const cot_lp_t *b, size_t j)
{
    size_t la = a->start[i + 1] - a->start[i], lb = b->start[j + 1] - b->start[j];
    return la == lb && !memcmp(a->text + a->start[i], b->text + b->start[j], la);
}

void cot_lp_shift(const cot_lp_t *o, const cot_lp_t *e, cot_lp_shift_t *s)
{
    memset(s, 0, sizeof *s);
    size_t n = o->n, m = e->n, p = 0, q = 0;
    while (p < n && p < m && tok_eq(o, p, e, p)) p++;
    while (q < n - p && q < m - p && tok_eq(o, n - 1 - q, e, m - 1 - q)) q++;
    /* match[j] for edited token j: the original index + 1, or 0 */
    size_t *match = cot_calloc(m + 1, sizeof *match);
    for (size_t i = 0; i < p; i++) match[i] = i + 1;
    for (size_t i = 0; i < q; i++) match[m - 1 - i] = n - i;
    size_t A = n - p - q, B = m - p - q;
    if (A && B && (double)A * (double)B <= 4e6) {
        uint32_t *L = cot_calloc((A + 1) * (B + 1), sizeof *L);
#define LL(i, j) L[(i) * (B + 1) + (j)]
        for (size_t i = A; i-- > 0;)
            for (size_t j = B; j-- > 0;)
                LL(i, j) = tok_eq(o, p + i, e, p + j) ? LL(i + 1, j + 1) + 1
                         : LL(i + 1, j) > LL(i, j + 1) ? LL(i + 1, j) : LL(i, j + 1);
        size_t i = 0, j = 0;
        while (i < A && j < B) {
            if (tok_eq(o, p + i, e, p + j)) { match[p + j] = p + i + 1; i++; j++; }
            else if (LL(i + 1, j) >= LL(i, j + 1)) i++;
            else j++;
        }
#undef LL
        free(L);
    }
    char *used = cot_calloc(n + 1, 1);
    double same = 0, down = 0, ec = 0, oc = 0, to = 0, te = 0;
    size_t no = 0, ne = 0;
    int changed = 0;
    for (size_t j = 0; j < m; j++) {
        double le = e->lp[j];
        if (!isnan(le)) { te -= le; ne++; }
        if (!match[j]) {
            changed = 1;
            if (!isnan(le)) { ec -= le; s->n_edit_changed++; }
            continue;
        }
        size_t i = match[j] - 1;
        used[i] = 1;
        if (i > 0 && !used[i - 1] && !changed) changed = 1;  /* a deletion */
        double lo = o->lp[i];
        if (isnan(le) || isnan(lo)) continue;
        same += lo - le; s->n_same++;
        if (changed) { down += lo - le; s->n_down++; }
    }
    for (size_t i = 0; i < n; i++) {
        if (isnan(o->lp[i])) continue;
        to -= o->lp[i]; no++;
        if (!used[i]) { oc -= o->lp[i]; s->n_orig_changed++; }
    }
    s->same = s->n_same ? same / (double)s->n_same : NAN;
    s->downstream = s->n_down ? down / (double)s->n_down : NAN;
    s->edit_changed = s->n_edit_changed ? ec / (double)s->n_edit_changed : NAN;
    s->orig_changed = s->n_orig_changed ? oc / (double)s->n_orig_changed : NAN;
    s->overall = no && ne ? te / (double)ne - to / (double)no : NAN;
    free(used);
    free(match);
}

static void add_num(cJSON *o, const char *k, double x)
{
    if (isnan(x) || isinf(x)) cJSON_AddNullToObject(o, k);
    else cJSON_AddNumberToObject(o, k, round(x * 1e4) / 1e4);
}

static cJSON *stats_json(const cot_lp_t *lp, size_t t0, size_t t1)
{
    static const char *const names[5] = {"le10", "le100", "le1000", "gt1000", "unknown"};
    cot_lp_stats_t s;
    cot_lp_stats(lp, t0, t1, &s);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "tokens", (double)s.tokens);
    add_num(o, "nll_mean", s.nll_mean);
    cJSON *g = cJSON_AddObjectToObject(o, "gltr");
    for (int k = 0; k < 5; k++) cJSON_AddNumberToObject(g, names[k], (double)s.gltr[k]);
    add_num(o, "curvature", s.curvature);
    add_num(o, "lumped_mass", s.lumped_mass);
    return o;
}

cJSON *cot_lp_record_json(const cJSON *rec, const char *path, const char *ids_path,
                          const char *base_path, const char **why)
{
    *why = NULL;
    const cJSON *lv = cot_record_get(rec, path);
    if (!lv) return NULL;
    cot_lp_t lp, base;
    if (cot_lp_parse(lv, ids_path ? cot_record_get(rec, ids_path) : NULL, &lp, why))
        return NULL;
    cot_record_view_t v;
    cot_record_view(rec, 0, &v);
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "shape", lp.shape);
    cJSON_AddItemToObject(out, "all", stats_json(&lp, 0, lp.n));
    size_t t0, t1, end = 0;
    int got_cot = 0, got_ans = 0;
    if (v.cot && !cot_lp_align(&lp, v.cot, v.cot_len, 0, &t0, &t1, &end)) {
        cJSON *c = stats_json(&lp, t0, t1);
        cJSON_AddNumberToObject(c, "first_token", (double)t0);
        cJSON_AddItemToObject(out, "cot", c);
        got_cot = 1;
    }
    if (v.answer && !cot_lp_align(&lp, v.answer, v.answer_len, end, &t0, &t1, &end)) {
        cJSON *c = stats_json(&lp, t0, t1);
        cJSON_AddNumberToObject(c, "first_token", (double)t0);
        cJSON_AddItemToObject(out, "answer", c);
        got_ans = 1;
    }
    cJSON_AddStringToObject(out, "aligned", got_cot && got_ans ? "cot+answer" :
                            got_cot ? "cot" : got_ans ? "answer" : "none");
    const cJSON *bv = base_path ? cot_record_get(rec, base_path) : NULL;
    const char *bwhy;
    if (bv && cot_lp_parse(bv, NULL, &base, &bwhy)) {
        cJSON_AddStringToObject(out, "shift_error", bwhy);
    } else if (bv) {
        cot_lp_shift_t s;
        cot_lp_shift(&base, &lp, &s);
        cJSON *so = cJSON_AddObjectToObject(out, "nll_shift");
        add_num(so, "overall", s.overall);
        add_num(so, "same", s.same);
        add_num(so, "downstream", s.downstream);
        add_num(so, "changed_orig", s.orig_changed);
        add_num(so, "changed_edit", s.edit_changed);
        cJSON_AddNumberToObject(so, "tokens_same", (double)s.n_same);
        cJSON_AddNumberToObject(so, "tokens_downstream", (double)s.n_down);
        cJSON_AddNumberToObject(so, "tokens_changed_orig", (double)s.n_orig_changed);
        cJSON_AddNumberToObject(so, "tokens_changed_edit", (double)s.n_edit_changed);
        cot_lp_free(&base);
    }
    cot_lp_free(&lp);
    return out;
}
