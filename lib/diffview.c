/* diffview.c -- what cot-diff makes of a token diff: the edit and status
 * classes, the JSON of one diffed part, and the word-diff text view
 * (diffview.h). */
#include "diffview.h"
#include "json.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

const char *const cot_diffview_edit_names[COT_DV_NEDIT] = {
    "none", "cot-only", "answer-only", "both"};
const char *const cot_diffview_status_names[COT_DV_NSTATUS] = {
    "unchanged", "edited", "rewritten", "no-source", "no-key"};

int cot_diffview_edit(int cot_same, int ans_same)
{
    return cot_same ? (ans_same ? COT_DV_NONE : COT_DV_ANSWER)
                    : (ans_same ? COT_DV_COT : COT_DV_BOTH);
}

int cot_diffview_status(int edit, int cot_same, double similarity,
                        double rewrite_below)
{
    return edit == COT_DV_NONE ? COT_DV_UNCHANGED
         : !cot_same && similarity < rewrite_below ? COT_DV_REWRITTEN
         : COT_DV_EDITED;
}

/* Four decimals, and 1 only for identical texts (texts that differ only
 * in whitespace have similarity 1 before rounding). */
double cot_diffview_sim(double s, int same)
{
    double r = round(s * 1e4) / 1e4;
    return r >= 1.0 && !same ? 0.9999 : r;
}

/* The text of a fraction with at most four decimals in (0,1) (a
 * similarity): "0.dddd" without trailing zeros, cJSON's own spelling of it
 * (%1.15g), into t (8 bytes); its length, or 0 for any other d. */
static size_t frac4(double d, char *t)
{
    if (!(d > 0 && d < 1) || (double)llround(d * 1e4) / 1e4 != d) return 0;
    long k = llround(d * 1e4);                      /* 0.dddd, no trailing 0 */
    int nd = 4;
    while (k % 10 == 0) { k /= 10; nd--; }
    t[0] = '0';
    t[1] = '.';
    for (int i = nd; i > 0; i--, k /= 10) t[1 + i] = (char)('0' + k % 10);
    return (size_t)nd + 2;
}

cJSON *cot_diffview_number(double d)
{
    cJSON *n = cJSON_CreateNumber(d);
    char t[8];
    size_t len = d == floor(d) ? 0 : frac4(d, t);
    /* an integer or any other number: cot_json_print writes it as cJSON
     * would (integers without printf) */
    if (len) n->valuestring = cot_strndup(t, len);
    return n;
}

/* Keys of the diff object are literals: not copied (cJSON_StringIsConst). */
static void add_num(cJSON *o, const char *key, double d)
{
    cJSON_AddItemToObjectCS(o, key, cot_diffview_number(d));
}

/* A count or an offset: a whole number, which cot_diffview_number() would
 * return as cJSON made it. */
static void add_count(cJSON *o, const char *key, size_t v)
{
    cJSON_AddItemToObjectCS(o, key, cJSON_CreateNumber((double)v));
}

cJSON *cot_diffview_part(const cot_diff_t *r, const char *a, const char *b,
                        int hunk_text)
{
    cJSON *p = cJSON_CreateObject();
    add_num(p, "similarity", cot_diffview_sim(r->similarity, r->nhunks == 0));
    add_count(p, "tokens_a", r->tokens_a);
    add_count(p, "tokens_b", r->tokens_b);
    add_count(p, "inserted", r->inserted);
    add_count(p, "deleted", r->deleted);
    cJSON *hs = cJSON_CreateArray();
    cJSON_AddItemToObjectCS(p, "hunks", hs);
    for (size_t i = 0; i < r->nhunks; i++) {
        const cot_hunk_t *h = &r->hunks[i];
        cJSON *hj = cJSON_CreateObject();
        add_count(hj, "a_start", h->a_start);
        add_count(hj, "a_end", h->a_end);
        add_count(hj, "b_start", h->b_start);
        add_count(hj, "b_end", h->b_end);
        if (hunk_text) {
            char *t = cot_strndup(a + h->a_start, h->a_end - h->a_start);
            cJSON_AddStringToObject(hj, "a_text", t);
            free(t);
            t = cot_strndup(b + h->b_start, h->b_end - h->b_start);
            cJSON_AddStringToObject(hj, "b_text", t);
            free(t);
        }
        cJSON_AddItemToArray(hs, hj);
    }
    if (r->approx) cJSON_AddTrueToObject(p, "approx");
    return p;
}

static void add_marked(cot_buf_t *m, cot_buf_t *fl, const char *p, size_t n,
                       char flag)
{
    cot_buf_add(m, p, n);
    cot_buf_reserve(fl, n);
    memset(fl->s + fl->len, flag, n);
    fl->len += n;
}

static int only_space(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strchr(" \t\r\n\v\f", p[i]) || !p[i]) return 0;
    return 1;
}

void cot_diffview_words(cot_buf_t *out, const char *a, size_t alen,
                       const char *b, const cot_diff_t *r, long context,
                       int color)
{
    cot_buf_t m = {0}, fl = {0};
    size_t at = 0;
    const char *del0 = color ? "\033[31m[-" : "[-", *del1 = color ? "-]\033[m" : "-]";
    const char *ins0 = color ? "\033[32m{+" : "{+", *ins1 = color ? "+}\033[m" : "+}";
    for (size_t i = 0; i < r->nhunks; i++) {
        /* For reading, hunks apart only by spaces are shown as one. */
        cot_hunk_t hh = r->hunks[i];
        const cot_hunk_t *h = &hh;
        while (i + 1 < r->nhunks && only_space(a + hh.a_end, r->hunks[i + 1].a_start - hh.a_end)) {
            hh.a_end = r->hunks[i + 1].a_end;
            hh.b_end = r->hunks[i + 1].b_end;
            i++;
        }
        add_marked(&m, &fl, a + at, h->a_start - at, 0);
        if (h->a_end > h->a_start) {
            add_marked(&m, &fl, del0, strlen(del0), 1);
            add_marked(&m, &fl, a + h->a_start, h->a_end - h->a_start, 1);
            add_marked(&m, &fl, del1, strlen(del1), 1);
        }
        if (h->b_end > h->b_start) {
            add_marked(&m, &fl, ins0, strlen(ins0), 1);
            add_marked(&m, &fl, b + h->b_start, h->b_end - h->b_start, 1);
            add_marked(&m, &fl, ins1, strlen(ins1), 1);
        }
        at = h->a_end;
    }
    add_marked(&m, &fl, a + at, alen - at, 0);
    /* Lines of the merged text, and which of them show a change. */
    size_t nl = 0, cap = 16, *ls = cot_malloc(cap * sizeof *ls);
    char *chg = cot_malloc(cap);
    for (size_t i = 0, s = 0; i <= m.len; i++) {
        if (i < m.len && m.s[i] != '\n') continue;
        if (nl == cap) {
            cap *= 2;
            ls = cot_realloc(ls, cap * sizeof *ls);
            chg = cot_realloc(chg, cap);
        }
        ls[nl] = s;
        chg[nl] = i > s ? memchr(fl.s + s, 1, i - s) != NULL : 0;
        nl++;
        s = i + 1;
    }
    long last_shown = -1;
    for (size_t k = 0; k < nl; k++) {
        int show = context < 0;
        for (long d = -context; !show && d <= context; d++) {
            long j = (long)k + d;
            if (j >= 0 && j < (long)nl && chg[j]) show = 1;
        }
        if (!show) continue;
        if (last_shown >= 0 && (long)k != last_shown + 1) cot_buf_adds(out, "~~~\n");
        if (last_shown < 0 && k > 0) cot_buf_adds(out, "~~~\n");
        size_t s = ls[k], e = k + 1 < nl ? ls[k + 1] - 1 : m.len;
        cot_buf_add(out, m.s + s, e - s);
        cot_buf_addc(out, '\n');
        last_shown = (long)k;
    }
    if (last_shown >= 0 && (size_t)last_shown + 1 < nl) cot_buf_adds(out, "~~~\n");
    free(ls);
    free(chg);
    cot_buf_free(&m);
    cot_buf_free(&fl);
}

cJSON *cot_diffview_json(cot_differ_t *df, const cot_diffview_rec_t *r,
                         const cot_diff_t *cot, int hunk_text)
{
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "status", cot_diffview_status_names[r->status]);
    if (r->status == COT_DV_NOSOURCE || r->status == COT_DV_NOKEY) {
        cJSON_AddNullToObject(d, "edit");
        cJSON_AddNullToObject(d, "source_id");
        cJSON_AddNumberToObject(d, "candidates", 0);
        return d;
    }
    cJSON_AddStringToObject(d, "edit", cot_diffview_edit_names[r->edit]);
    char *id = cot_strndup(r->source_id, r->source_id_len);
    cJSON_AddStringToObject(d, "source_id", id);
    free(id);
    add_num(d, "candidates", (double)r->candidates);
    cJSON_AddItemToObject(d, "cot", cot_diffview_part(cot, r->a_cot, r->b_cot, hunk_text));
    /* cot's hunks live in the differ: render them before reusing it. */
    cot_diff_t ans;
    cot_diff_run(df, r->a_answer, r->a_answer_len, r->b_answer, r->b_answer_len, &ans);
    cJSON_AddItemToObject(d, "answer", cot_diffview_part(&ans, r->a_answer, r->b_answer,
                                                         hunk_text));
    return d;
}

/* ---- the diff object written as cot_json_print() writes its tree ------ *
 *
 * Straight into the buffer: a segment (literals and a few numbers) is
 * written through a pointer after one check for room (SEG bytes); a string
 * or a rare number goes through the buffer's own functions, after which
 * there is room for SEG bytes again. */

#define SEG 512
#define LIT(o, lit) (memcpy((o), lit, sizeof lit - 1), (o) + sizeof lit - 1)

static inline char *room(cot_buf_t *out)
{
    if (out->len + SEG + 1 > out->cap) cot_buf_reserve(out, SEG);
    return out->s + out->len;
}

static inline void sync(cot_buf_t *out, char *o)
{
    out->len = (size_t)(o - out->s);
}

/* The digits of v < 10^15 at o; the end.  Offsets and counts are mostly
 * under 10^4: two digits a step. */
static const char d2[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

static inline char *digits_at(char *o, uint64_t v)
{
    if (v < 100) {
        if (v < 10) { *o = (char)('0' + v); return o + 1; }
        memcpy(o, d2 + 2 * v, 2);
        return o + 2;
    }
    if (v < 10000) {
        if (v < 1000) {
            *o++ = (char)('0' + v / 100);
        } else {
            memcpy(o, d2 + 2 * (v / 100), 2);
            o += 2;
        }
        memcpy(o, d2 + 2 * (v % 100), 2);
        return o + 2;
    }
    char t[20], *p = t + sizeof t;
    do *--p = (char)('0' + v % 10); while (v /= 10);
    size_t n = (size_t)(t + sizeof t - p);
    memcpy(o, p, n);
    return o + n;
}

/* cot_json_print() of cot_diffview_number(d) at o (room for SEG bytes);
 * the end, with room for SEG bytes after it. */
static char *number_at(cot_buf_t *out, char *o, double d)
{
    char t[8];
    size_t len;
    if (d == floor(d) && fabs(d) < 1e15) {   /* json.c's add_integer() */
        if (signbit(d)) *o++ = '-';
        return digits_at(o, (uint64_t)fabs(d));
    }
    if ((len = frac4(d, t))) {
        memcpy(o, t, len);
        return o + len;
    }
    /* the number node cot_diffview_number() makes: no text, so printed as
     * cJSON would print it */
    cJSON n;
    memset(&n, 0, sizeof n);
    n.type = cJSON_Number;
    n.valuedouble = d;
    sync(out, o);
    cot_json_print_number(out, &n);
    return room(out);
}

void cot_diffview_number_write(cot_buf_t *out, double d)
{
    char *o = number_at(out, room(out), d);
    sync(out, o);
    *o = '\0';
}

/* A count or an offset, as cot_json_print() writes (double)v: its digits
 * below 10^15, where every integer is exact, else cJSON's spelling. */
static inline char *count_at(cot_buf_t *out, char *o, size_t v)
{
    if (v < 1000000000000000u) return digits_at(o, v);
    return number_at(out, o, (double)v);
}

/* A string of the tree at o: a C string made of s[0..n), so it ends at a
 * NUL if s holds one (cot_strndup() and cJSON's copy). */
static char *str_at(cot_buf_t *out, char *o, const char *s, size_t n)
{
    const char *z = n ? memchr(s, '\0', n) : NULL;
    sync(out, o);
    cot_buf_add_json_str(out, n ? s : "", z ? (size_t)(z - s) : n);
    return room(out);
}

static char *part_at(cot_buf_t *out, char *o, const cot_diff_t *r, const char *a,
                     const char *b, int hunk_text)
{
    o = LIT(o, "{\"similarity\":");
    o = number_at(out, o, cot_diffview_sim(r->similarity, r->nhunks == 0));
    o = LIT(o, ",\"tokens_a\":");
    o = count_at(out, o, r->tokens_a);
    o = LIT(o, ",\"tokens_b\":");
    o = count_at(out, o, r->tokens_b);
    o = LIT(o, ",\"inserted\":");
    o = count_at(out, o, r->inserted);
    o = LIT(o, ",\"deleted\":");
    o = count_at(out, o, r->deleted);
    o = LIT(o, ",\"hunks\":[");
    for (size_t i = 0; i < r->nhunks; i++) {
        const cot_hunk_t *h = &r->hunks[i];
        sync(out, o);
        o = room(out);
        if (i) *o++ = ',';
        o = LIT(o, "{\"a_start\":");
        o = count_at(out, o, h->a_start);
        o = LIT(o, ",\"a_end\":");
        o = count_at(out, o, h->a_end);
        o = LIT(o, ",\"b_start\":");
        o = count_at(out, o, h->b_start);
        o = LIT(o, ",\"b_end\":");
        o = count_at(out, o, h->b_end);
        if (hunk_text) {
            o = LIT(o, ",\"a_text\":");
            o = str_at(out, o, a + h->a_start, h->a_end - h->a_start);
            o = LIT(o, ",\"b_text\":");
            o = str_at(out, o, b + h->b_start, h->b_end - h->b_start);
        }
        *o++ = '}';
    }
    *o++ = ']';
    if (r->approx) o = LIT(o, ",\"approx\":true");
    *o++ = '}';
    sync(out, o);
    return room(out);
}

void cot_diffview_part_write(cot_buf_t *out, const cot_diff_t *r, const char *a,
                             const char *b, int hunk_text)
{
    char *o = part_at(out, room(out), r, a, b, hunk_text);
    sync(out, o);
    *o = '\0';
}

int cot_diffview_write(cot_buf_t *out, cot_differ_t *df, const cot_diffview_rec_t *r,
                       const cot_diff_t *cot, int hunk_text, const cJSON *extra)
{
    char *o = room(out);
    o = LIT(o, "{\"status\":\"");
    const char *st = cot_diffview_status_names[r->status];
    size_t n = strlen(st);                      /* names are short and plain */
    memcpy(o, st, n);
    o += n;
    if (r->status == COT_DV_NOSOURCE || r->status == COT_DV_NOKEY) {
        o = LIT(o, "\",\"edit\":null,\"source_id\":null,\"candidates\":0");
    } else {
        o = LIT(o, "\",\"edit\":\"");
        const char *ed = cot_diffview_edit_names[r->edit];
        n = strlen(ed);
        memcpy(o, ed, n);
        o += n;
        o = LIT(o, "\",\"source_id\":");
        o = str_at(out, o, r->source_id, r->source_id_len);
        o = LIT(o, ",\"candidates\":");
        o = number_at(out, o, (double)r->candidates);
        o = LIT(o, ",\"cot\":");
        o = part_at(out, o, cot, r->a_cot, r->b_cot, hunk_text);
        /* cot's hunks live in the differ: written before reusing it. */
        cot_diff_t ans;
        cot_diff_run(df, r->a_answer, r->a_answer_len, r->b_answer, r->b_answer_len, &ans);
        o = LIT(o, ",\"answer\":");
        o = part_at(out, o, &ans, r->a_answer, r->b_answer, hunk_text);
    }
    sync(out, o);
    for (const cJSON *m = extra ? extra->child : NULL; m; m = m->next) {
        const char *k = m->string ? m->string : "";   /* cJSON prints NULL as "" */
        cot_buf_addc(out, ',');
        cot_buf_add_json_str(out, k, strlen(k));
        cot_buf_addc(out, ':');
        if (cot_json_print(out, m) < 0) return -1;
    }
    cot_buf_addc(out, '}');
    return 0;
}

void cot_diffview_text(cot_buf_t *out, cot_differ_t *df,
                       const cot_diffview_rec_t *r, const cot_diff_t *cot,
                       const char *name, long context, int color)
{
    if (r->status == COT_DV_UNCHANGED) return;
    cot_buf_adds(out, color ? "\033[1m=== " : "=== ");
    cot_buf_adds(out, name);
    if (r->status == COT_DV_NOSOURCE || r->status == COT_DV_NOKEY) {
        cot_buf_adds(out, ": ");
        cot_buf_adds(out, cot_diffview_status_names[r->status]);
        cot_buf_adds(out, color ? "\033[m\n" : "\n");
        return;
    }
    cot_buf_adds(out, " vs ");
    cot_buf_add(out, r->source_id, r->source_id_len);
    cot_buf_printf(out, ": %s, %s, cot similarity %.4g",
                   cot_diffview_status_names[r->status],
                   cot_diffview_edit_names[r->edit],
                   cot_diffview_sim(cot->similarity, cot->nhunks == 0));
    if (cot->approx) cot_buf_adds(out, " (approx)");
    if (r->candidates > 1) cot_buf_printf(out, ", %zu candidates", r->candidates);
    cot_buf_adds(out, color ? "\033[m\n" : "\n");
    cot_diff_t d;
    if (r->edit == COT_DV_COT || r->edit == COT_DV_BOTH) {
        cot_diff_run(df, r->a_cot, r->a_cot_len, r->b_cot, r->b_cot_len, &d);
        cot_buf_adds(out, "--- cot\n");
        cot_diffview_words(out, r->a_cot, r->a_cot_len, r->b_cot, &d, context, color);
    }
    if (r->edit == COT_DV_ANSWER || r->edit == COT_DV_BOTH) {
        cot_diff_run(df, r->a_answer, r->a_answer_len, r->b_answer, r->b_answer_len, &d);
        cot_buf_adds(out, "--- answer\n");
        cot_diffview_words(out, r->a_answer, r->a_answer_len, r->b_answer, &d, context,
                           color);
    }
}

cJSON *cot_diffview_within_json(int status, const char *fa, const char *fb,
                                const cot_diff_t *r, const char *a,
                                const char *b, int hunk_text)
{
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "status", cot_diffview_status_names[status]);
    cJSON *fs = cJSON_AddArrayToObject(d, "fields");
    cJSON_AddItemToArray(fs, cJSON_CreateString(fa));
    cJSON_AddItemToArray(fs, cJSON_CreateString(fb));
    cJSON_AddItemToObject(d, "text", cot_diffview_part(r, a, b, hunk_text));
    return d;
}

void cot_diffview_within_text(cot_buf_t *out, int status, const char *name,
                              const char *fa, const char *fb,
                              const cot_diff_t *r, const char *a, size_t alen,
                              const char *b, long context, int color)
{
    if (status == COT_DV_UNCHANGED) return;
    cot_buf_adds(out, color ? "\033[1m=== " : "=== ");
    cot_buf_adds(out, name);
    cot_buf_printf(out, ": %s vs %s: %s, similarity %.4g", fa, fb,
                   cot_diffview_status_names[status],
                   cot_diffview_sim(r->similarity, r->nhunks == 0));
    if (r->approx) cot_buf_adds(out, " (approx)");
    cot_buf_adds(out, color ? "\033[m\n" : "\n");
    cot_diffview_words(out, a, alen, b, r, context, color);
}
