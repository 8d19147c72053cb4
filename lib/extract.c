/* extract.c -- layouts (where the turns are) and the record writer.
 *
 * A record is found in two steps.  The layout says where the prompt and the
 * assistant output live (messages, choices, content blocks, flat fields...);
 * the style says how the reasoning is marked inside the assistant output (a
 * separate field, content parts, inline tags, harmony channels).  The
 * format name written to src.format is "LAYOUT" or "LAYOUT+STYLE".
 *
 * Records are written straight into one reusable buffer with
 * cot_buf_add_json_str(), never through a cJSON tree: this is the hot path.
 */
#define _GNU_SOURCE 1
#include "extract.h"
#include "fields.h"
#include "harmony.h"
#include "json.h"
#include "pair.h"
#include "record.h"
#include "tags.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef cot_span_t span_t;

/* One record in the making. */
typedef struct {
    span_t cot, answer, sig, prompt;
    int has_prompt;                 /* prompt set by the record (harmony) */
    const char *state, *style;
    const char *raw_field, *raw;    /* a raw rendering beside split fields */
} out_t;

typedef struct {
    size_t off, len;
    char format[48];
    const char *state;
    const char *raw_field, *raw;
} recinfo_t;

#define MAX_CONSUMED 32

struct cot_extractor {
    cot_extract_opt_t o;
    char force_layout[32], force_style[32];
    pcre2_code *re;
    pcre2_match_data *md;
    int g_cot, g_answer;
    /* per line */
    const cJSON *obj;
    const char *file;
    unsigned long line;
    const char *raw;                /* the line's bytes (cot_extract_set_raw) */
    size_t raw_len;
    const char *id_kind;            /* see cot_extract_id_kind()          */
    const char *layout;
    const cJSON *consumed[MAX_CONSUMED];
    int nconsumed;
    span_t prompt, pprompt;         /* from the layout; from --prompt   */
    int has_pprompt;
    int fan;                        /* several records: ids get "#k"      */
    cot_buf_t promptb, ctx, idb, mxl, pprb;
    /* per record */
    cot_buf_t cotb, ansb, mx, hctx, tmp, srcb;
    cot_buf_t rcot, rans;           /* a raw rendering's cot and answer    */
    cot_harmony_msg_t *hm;
    size_t hcap;
    const cJSON **mv;
    size_t mvcap;
    /* output */
    cot_buf_t out;
    recinfo_t *rec;
    int nrec, reccap;
    cot_buf_t why;
    /* the pointers the options gave, and how they fared */
    cot_fields_t *fields;
    int f_id, f_prompt, f_cot, f_answer, *f_meta;
};

static const char *const LAYOUTS[][2] = {
    {"canonical", "already canonical (cot_state and src present): passed through "
                  "unchanged, other tools' fields included"},
    {"messages", "OpenAI-style \"messages\" [{role, content, reasoning_content|"
                 "reasoning}]; content may be text, typed parts or Anthropic blocks"},
    {"sharegpt", "ShareGPT \"conversations\" [{from, value}] (human, gpt, user, "
                 "assistant, system)"},
    {"choices",  "chat/completions API response: \"choices\"[].message or .text"},
    {"response", "raw API response under \"response\" (or the record itself): "
                 "Anthropic content blocks or choices; prompt from \"request\""},
    {"generations", "one record per element of \"generations\", \"outputs\" or "
                    "\"completions\""},
    {"flat",     "flat fields: prompt|question|problem|instruction|input|query, "
                 "cot|reasoning|...|internal_reasoning, answer|response|...|external_output"},
    {"custom",   "--prompt/--cot/--answer JSON pointers (implied by --cot or --answer)"},
};
#define NLAYOUTS (int)(sizeof LAYOUTS / sizeof LAYOUTS[0])

static const char *const FIELD_STYLES[][2] = {
    {"reasoning_content", "separate reasoning_content field (DeepSeek API, vLLM < 0.9)"},
    {"reasoning", "separate reasoning field (vLLM, OpenRouter)"},
    {"thinking", "separate thinking string field on a message"},
    {"anthropic", "Anthropic thinking / redacted_thinking / text blocks, with signature"},
    {"parts", "typed content parts {\"type\":\"reasoning\"} next to {\"type\":\"text\"}"},
    {"steps", "a cot field holding an array of strings, joined with newlines"},
    {"split", "--split REGEX with named groups cot and answer"},
};
#define NFSTYLES (int)(sizeof FIELD_STYLES / sizeof FIELD_STYLES[0])

static const char *const ID_KEYS[] = {"id", "_id", "uuid", "sample_id", "idx", NULL};
static const char *const PROMPT_KEYS[] = {"prompt", "question", "problem",
    "instruction", "input", "query", NULL};
static const char *const COT_KEYS[] = {"cot", "reasoning", "reasoning_content",
    "thinking", "thought", "rationale", "internal_reasoning", "steps", NULL};
static const char *const ANSWER_KEYS[] = {"answer", "response", "output",
    "completion", "final_answer", "solution", "external_output", "raw_response",
    "raw_output",
    "text", NULL};
static const char *const FAN_KEYS[] = {"generations", "outputs", "completions", NULL};

void cot_extract_list_formats(FILE *fp)
{
    fprintf(fp, "Layouts (where the prompt and the model output are):\n");
    for (int i = 0; i < NLAYOUTS; i++)
        fprintf(fp, "  %-18s %s\n", LAYOUTS[i][0], LAYOUTS[i][1]);
    fprintf(fp, "Structural styles (found from the record's structure; "
                "reported, not forced):\n");
    for (int i = 0; i < NFSTYLES; i++)
        fprintf(fp, "  %-18s %s\n", FIELD_STYLES[i][0], FIELD_STYLES[i][1]);
    fprintf(fp, "Inline styles (markers inside a text; --format can force one):\n");
    const char *name, *desc;
    for (int i = 0; (name = cot_tags_style_name(i, &desc)); i++)
        fprintf(fp, "  %-18s %s\n", name, desc);
}

static int layout_ok(const char *s)
{
    for (int i = 0; i < NLAYOUTS; i++)
        if (!strcmp(s, LAYOUTS[i][0])) return 1;
    return 0;
}

/* ---- small helpers ---------------------------------------------------- */

/* cot_buf_add, but an empty buffer's NULL pointer is fine to pass. */
static void badd(cot_buf_t *b, const void *p, size_t n)
{
    if (n) cot_buf_add(b, p, n);
}

/* The first member named twice that this thread's extraction read (get()
 * and rget() look past the one they return), or NULL: cJSON and the cot
 * tools take the first of two, Python's json and jq the last, so
 * cot_extract_line() rejects such a line rather than extract one of them.
 * Per thread: the -@ workers extract lines at once. */
static _Thread_local const char *twice;

static const cJSON *get(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    if (v && !twice)
        for (const cJSON *n = v->next; n; n = n->next)
            if (n->string && !strcmp(n->string, k)) { twice = v->string; break; }
    return v;
}

/* cot_record_get() for a path of the options, as get() for a member. */
static const cJSON *rget(const cJSON *o, const char *path)
{
    const char *t;
    const cJSON *v = cot_record_get_unique(o, path, &t);
    if (t && !twice) twice = t;
    return v;
}

static const char *str(const cJSON *o, const char *k)
{
    const cJSON *v = get(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int present(const cJSON *v)
{
    return v && !cJSON_IsNull(v);
}

static void consume(cot_extractor_t *x, const cJSON *item)
{
    if (item && x->nconsumed < MAX_CONSUMED) x->consumed[x->nconsumed++] = item;
}

static int is_consumed(const cot_extractor_t *x, const cJSON *item)
{
    for (int i = 0; i < x->nconsumed; i++)
        if (x->consumed[i] == item) return 1;
    return 0;
}

static const cJSON *first_of(const cJSON *o, const char *const *keys)
{
    for (; *keys; keys++) {
        const cJSON *v = get(o, *keys);
        if (present(v)) return v;
    }
    return NULL;
}

/* v in decimal (%lu, without printf: one per record). */
static void put_ulong(cot_buf_t *b, unsigned long v)
{
    char t[24], *q = t + sizeof t;
    do *--q = (char)('0' + v % 10); while (v /= 10);
    cot_buf_add(b, q, (size_t)(t + sizeof t - q));
}

/* A number from the input: its source text (json.h), byte for byte; one
 * without text is spelled as every tool spells it (cot_json_print_number). */
static void put_num(cot_buf_t *b, const cJSON *j)
{
    cot_json_print_number(b, j);
}

/* The escaper shared by every tool (word-at-a-time; cot and answer are
 * most of every record). */
static void put_jstr(cot_buf_t *b, const char *s, size_t n)
{
    cot_buf_add_json_str(b, s, n);
}

static void put_str(cot_buf_t *b, const char *s)
{
    put_jstr(b, s, strlen(s));
}

static void put_span(cot_buf_t *b, span_t s)
{
    put_jstr(b, s.p ? s.p : "", s.p ? s.n : 0);
}

/* Serialise any cJSON value compactly, as cJSON would. */
static void put_json(cot_buf_t *b, const cJSON *j)
{
    switch (j->type & 0xff) {
    case cJSON_False: cot_buf_adds(b, "false"); break;
    case cJSON_True: cot_buf_adds(b, "true"); break;
    case cJSON_NULL: cot_buf_adds(b, "null"); break;
    case cJSON_Number: put_num(b, j); break;
    case cJSON_String: put_str(b, j->valuestring); break;
    case cJSON_Raw: cot_buf_adds(b, j->valuestring); break;
    case cJSON_Array:
    case cJSON_Object: {
        int obj = cJSON_IsObject(j);
        cot_buf_addc(b, obj ? '{' : '[');
        for (const cJSON *c = j->child; c; c = c->next) {
            if (c != j->child) cot_buf_addc(b, ',');
            if (obj) { put_str(b, c->string); cot_buf_addc(b, ':'); }
            put_json(b, c);
        }
        cot_buf_addc(b, obj ? '}' : ']');
        break;
    }
    default: cot_buf_adds(b, "null");
    }
}

/* Append ,"key": (or "key": first) to a members buffer. */
static void member(cot_buf_t *b, const char *key)
{
    if (b->len) cot_buf_addc(b, ',');
    put_str(b, key);
    cot_buf_addc(b, ':');
}

static void member_span(cot_buf_t *b, const char *key, span_t s)
{
    member(b, key);
    put_span(b, s);
}

/* Members of o except the listed keys as "key":{...} into b; nothing when
 * no key is left. */
static void leftovers(cot_buf_t *b, const char *key, const cJSON *o,
                      const char *const *skip)
{
    int n = 0;
    for (const cJSON *c = o->child; c; c = c->next) {
        const char *const *s = skip;
        while (*s && strcmp(*s, c->string)) s++;
        if (*s) continue;
        if (!n++) { member(b, key); cot_buf_addc(b, '{'); }
        else cot_buf_addc(b, ',');
        put_str(b, c->string);
        cot_buf_addc(b, ':');
        put_json(b, c);
    }
    if (n) cot_buf_addc(b, '}');
}

/* Text of a value into *out: a string as is; an array of strings joined with
 * newlines (*steps = 1); an array of parts: their text joined; a number.
 * Returns 0 when the value gives no text (missing, null, other). */
static int to_text(const cJSON *v, cot_buf_t *b, span_t *out, int *steps)
{
    if (steps) *steps = 0;
    if (!v) return 0;
    if (cJSON_IsString(v)) {
        *out = (span_t){v->valuestring, strlen(v->valuestring)};
        return 1;
    }
    if (cJSON_IsNumber(v)) {
        cot_buf_clear(b);
        put_num(b, v);
        *out = (span_t){b->s, b->len};
        return 1;
    }
    if (!cJSON_IsArray(v)) return 0;
    cot_buf_clear(b);
    int n = 0, strings = 1;
    for (const cJSON *c = v->child; c; c = c->next) {
        const char *t = NULL;
        if (cJSON_IsString(c)) {
            t = c->valuestring;
        } else if (cJSON_IsObject(c)) {
            strings = 0;
            const char *ty = str(c, "type");
            if (ty && strcmp(ty, "text") && strcmp(ty, "input_text") &&
                strcmp(ty, "output_text")) continue;
            if (!(t = str(c, "text"))) t = str(c, "value");
        }
        if (!t) continue;
        if (n++ && strings) cot_buf_addc(b, '\n');
        cot_buf_adds(b, t);
    }
    if (steps) *steps = strings && n > 0;
    *out = (span_t){b->len ? b->s : "", b->len};
    return 1;
}

static void reset_record(cot_extractor_t *x, out_t *o)
{
    memset(o, 0, sizeof *o);
    o->state = "absent";
    o->answer = (span_t){"", 0};
    cot_buf_clear(&x->cotb);
    cot_buf_clear(&x->ansb);
    cot_buf_clear(&x->mx);
    cot_buf_clear(&x->hctx);
}

/* ---- the record writer ------------------------------------------------ */

static void put_meta(cot_extractor_t *x)
{
    cot_buf_t *b = &x->out;
    cot_buf_adds(b, ",\"meta\":{");
    size_t start = b->len;
    if (x->o.nmeta) {
        for (int i = 0; i < x->o.nmeta; i++) {
            const char *p = x->o.meta[i];
            const cJSON *v = rget(x->obj, p);
            if (!v) continue;
            const char *k = p + strlen(p);
            while (k > p && k[-1] != '/' && k[-1] != '.') k--;
            if (b->len > start) cot_buf_addc(b, ',');
            put_str(b, k);
            cot_buf_addc(b, ':');
            put_json(b, v);
        }
        cot_buf_addc(b, '}');
        return;
    }
    /* A source "meta" object is the user's own grouping fields (meta.step,
     * meta.env): its members are merged into meta rather than nested as
     * meta.meta.  Only if a member would clash with another leftover field
     * is the object kept whole under "meta", so nothing is lost. */
    const cJSON *src_meta = get(x->obj, "meta");
    int merge = cJSON_IsObject(src_meta) && !is_consumed(x, src_meta);
    for (const cJSON *m = merge ? src_meta->child : NULL; m && merge; m = m->next)
        for (const cJSON *c = x->obj->child; c; c = c->next)
            if (c != src_meta && !is_consumed(x, c) && !strcmp(c->string, m->string))
                merge = 0;
    for (const cJSON *c = x->obj->child; c; c = c->next) {
        if (is_consumed(x, c)) continue;
        if (merge && c == src_meta) {
            for (const cJSON *m = c->child; m; m = m->next) {
                if (b->len > start) cot_buf_addc(b, ',');
                put_str(b, m->string);
                cot_buf_addc(b, ':');
                put_json(b, m);
            }
            continue;
        }
        if (b->len > start) cot_buf_addc(b, ',');
        put_str(b, c->string);
        cot_buf_addc(b, ':');
        put_json(b, c);
    }
    if (x->mxl.len) {
        if (b->len > start) cot_buf_addc(b, ',');
        badd(b, x->mxl.s, x->mxl.len);
    }
    if (x->mx.len) {
        if (b->len > start) cot_buf_addc(b, ',');
        badd(b, x->mx.s, x->mx.len);
    }
    cot_buf_addc(b, '}');
}

/* Note the record just written at x->out[start..]: its format and state. */
static void rec_add(cot_extractor_t *x, size_t start, const char *format, size_t flen,
                    const char *state)
{
    if (x->nrec == x->reccap) {
        x->reccap = x->reccap ? 2 * x->reccap : 4;
        x->rec = cot_realloc(x->rec, (size_t)x->reccap * sizeof *x->rec);
    }
    recinfo_t *r = &x->rec[x->nrec++];
    r->off = start;
    r->len = x->out.len - start;
    if (flen >= sizeof r->format) flen = sizeof r->format - 1;
    memcpy(r->format, format, flen);
    r->format[flen] = 0;
    r->state = state;
    r->raw_field = r->raw = NULL;
}

static void put(cot_extractor_t *x, const out_t *o, int k)
{
    cot_buf_t *b = &x->out;
    size_t start = b->len;
    cot_buf_adds(b, "{\"id\":");
    if (x->fan) {
        cot_buf_clear(&x->tmp);
        badd(&x->tmp, x->idb.s, x->idb.len);
        cot_buf_printf(&x->tmp, "#%d", k);
        put_jstr(b, x->tmp.s, x->tmp.len);
    } else {
        put_jstr(b, x->idb.s, x->idb.len);
    }
    cot_buf_adds(b, ",\"prompt\":");
    /* With --prompt a record without it gets an empty prompt, never the
     * layout's: an explicit pointer does not fall back (it is counted). */
    put_span(b, x->has_pprompt ? x->pprompt : x->o.prompt ? (span_t){"", 0}
                : o->has_prompt ? o->prompt : x->prompt);
    if (x->ctx.len || x->hctx.len) {
        cot_buf_adds(b, ",\"context\":[");
        badd(b, x->ctx.s, x->ctx.len);
        if (x->ctx.len && x->hctx.len) cot_buf_addc(b, ',');
        badd(b, x->hctx.s, x->hctx.len);
        cot_buf_addc(b, ']');
    }
    cot_buf_adds(b, ",\"cot\":");
    put_span(b, o->cot);
    cot_buf_adds(b, ",\"answer\":");
    put_span(b, o->answer);
    cot_buf_adds(b, ",\"cot_state\":\"");
    cot_buf_adds(b, o->state);
    cot_buf_addc(b, '"');
    if (o->sig.p) {
        cot_buf_adds(b, ",\"signature\":");
        put_span(b, o->sig);
    }
    if (!x->o.no_meta) put_meta(x);
    cot_buf_adds(b, ",\"src\":{\"file\":");
    put_str(b, x->file);
    cot_buf_adds(b, ",\"line\":");
    put_ulong(b, x->line);
    cot_buf_adds(b, ",\"format\":\"");
    size_t fstart = b->len;
    cot_buf_adds(b, x->layout);
    if (o->style) { cot_buf_addc(b, '+'); cot_buf_adds(b, o->style); }
    size_t flen = b->len - fstart;
    cot_buf_adds(b, "\"}}");
    rec_add(x, start, b->s + fstart, flen, o->state);
    x->rec[x->nrec - 1].raw_field = o->raw_field;
    x->rec[x->nrec - 1].raw = o->raw;
}

/* ---- context and prompt ------------------------------------------------ */

static const char *msg_role(const cJSON *m)
{
    const char *r = str(m, "role");
    if (r) return r;
    if (!(r = str(m, "from"))) return "";
    if (!strcmp(r, "human")) return "user";
    if (!strcmp(r, "gpt") || !strcmp(r, "model") || !strcmp(r, "chatgpt") ||
        !strcmp(r, "bing") || !strcmp(r, "bard")) return "assistant";
    return r;
}

static const cJSON *msg_content(const cJSON *m)
{
    const cJSON *c = get(m, "content");
    return c ? c : get(m, "value");
}

static const char *const MSG_KEYS[] = {"role", "from", "content", "value", NULL};

/* {"role","content", other keys as they are; "parts" when content was an
 * array with more than text in it} */
static void ctx_add(cot_extractor_t *x, cot_buf_t *b, const cJSON *m)
{
    if (b->len) cot_buf_addc(b, ',');
    cot_buf_adds(b, "{\"role\":");
    put_str(b, msg_role(m));
    cot_buf_adds(b, ",\"content\":");
    const cJSON *c = msg_content(m);
    span_t t;
    if (to_text(c, &x->tmp, &t, NULL)) put_span(b, t);
    else cot_buf_adds(b, "\"\"");
    for (const cJSON *k = m->child; k; k = k->next) {
        const char *const *s = MSG_KEYS;
        while (*s && strcmp(*s, k->string)) s++;
        if (*s) continue;
        cot_buf_addc(b, ',');
        put_str(b, k->string);
        cot_buf_addc(b, ':');
        put_json(b, k);
    }
    if (cJSON_IsArray(c)) {
        for (const cJSON *p = c->child; p; p = p->next) {
            const char *ty = cJSON_IsObject(p) ? str(p, "type") : "text";
            if (ty && strcmp(ty, "text")) {
                cot_buf_adds(b, ",\"parts\":");
                put_json(b, c);
                break;
            }
        }
    }
    cot_buf_addc(b, '}');
}

/* mv[0..upto): the last user turn is the prompt, the rest is context.
 * Returns 1 when a user turn was found. */
static int conv_prompt(cot_extractor_t *x, const cJSON **mv, int upto)
{
    int u = -1;
    for (int i = upto - 1; i >= 0; i--)
        if (!strcmp(msg_role(mv[i]), "user")) { u = i; break; }
    cot_buf_clear(&x->ctx);
    x->prompt = (span_t){"", 0};
    for (int i = 0; i < upto; i++) {
        /* with --prompt the user turn is context, not lost */
        if (i != u || x->o.prompt) { ctx_add(x, &x->ctx, mv[i]); continue; }
        span_t t;
        if (to_text(msg_content(mv[i]), &x->promptb, &t, NULL)) {
            if (t.p != x->promptb.s) {   /* keep it beyond the next to_text */
                cot_buf_clear(&x->promptb);
                badd(&x->promptb, t.p, t.n);
            }
            x->prompt = (span_t){x->promptb.len ? x->promptb.s : "", x->promptb.len};
        }
    }
    return u >= 0;
}

static size_t load_array(cot_extractor_t *x, const cJSON *arr)
{
    size_t n = 0;
    for (const cJSON *c = arr->child; c; c = c->next) {
        if (n == x->mvcap) {
            x->mvcap = x->mvcap ? 2 * x->mvcap : 16;
            x->mv = cot_realloc(x->mv, x->mvcap * sizeof *x->mv);
        }
        x->mv[n++] = c;
    }
    return n;
}

/* Flat prompt fields of o (consumed when o is the top-level object). */
static void flat_prompt(cot_extractor_t *x, const cJSON *o)
{
    /* --prompt is the only source of the prompt: the fields that would
     * have given one stay in meta. */
    if (x->o.prompt) return;
    const cJSON *ins = get(o, "instruction"), *in = get(o, "input");
    if (cJSON_IsString(ins) && cJSON_IsString(in) && *ins->valuestring &&
        *in->valuestring) {   /* Alpaca: instruction, then input */
        cot_buf_clear(&x->promptb);
        cot_buf_adds(&x->promptb, ins->valuestring);
        cot_buf_adds(&x->promptb, "\n\n");
        cot_buf_adds(&x->promptb, in->valuestring);
        x->prompt = (span_t){x->promptb.s, x->promptb.len};
        consume(x, ins);
        consume(x, in);
        return;
    }
    const cJSON *p = first_of(o, PROMPT_KEYS);
    if (!p) return;
    if (cJSON_IsArray(p) && cJSON_IsObject(p->child)) {   /* TRL messages */
        size_t n = load_array(x, p);
        conv_prompt(x, x->mv, (int)n);
        consume(x, p);
        return;
    }
    span_t t;
    if (!to_text(p, &x->promptb, &t, NULL)) return;
    x->prompt = t;
    consume(x, p);
}

/* ---- styles ------------------------------------------------------------ */

static void join(cot_buf_t *b, span_t s, const char *sep)
{
    if (b->len && sep) cot_buf_adds(b, sep);
    badd(b, s.p, s.n);
}

static span_t spanof(cot_buf_t *b)
{
    return (span_t){b->len ? b->s : "", b->len};
}

static void harmony_msg_json(cot_buf_t *b, const cot_harmony_msg_t *m)
{
    if (b->len) cot_buf_addc(b, ',');
    cot_buf_adds(b, "{\"role\":");
    put_span(b, m->role);
    if (m->channel.n) { cot_buf_adds(b, ",\"channel\":"); put_span(b, m->channel); }
    if (m->recipient.n) { cot_buf_adds(b, ",\"recipient\":"); put_span(b, m->recipient); }
    if (m->constrain.n) { cot_buf_adds(b, ",\"constrain\":"); put_span(b, m->constrain); }
    cot_buf_adds(b, ",\"content\":");
    put_span(b, m->content);
    cot_buf_addc(b, '}');
}

static int span_is(span_t s, const char *lit)
{
    return s.n == strlen(lit) && !memcmp(s.p, lit, s.n);
}

static void from_harmony(cot_extractor_t *x, const char *p, size_t n, out_t *o)
{
    size_t nm = cot_harmony_parse(p, n, &x->hm, &x->hcap);
    long u = -1;
    for (size_t i = 0; i < nm; i++)
        if (span_is(x->hm[i].role, "user")) u = (long)i;
    cot_buf_t calls = {0}, comm = {0};
    int nana = 0, nfin = 0, cut = 0;
    for (size_t i = 0; i < nm; i++) {
        const cot_harmony_msg_t *m = &x->hm[i];
        /* with --prompt the user message is context too, not lost */
        if ((long)i < u || ((long)i == u && x->o.prompt)) {
            if (x->hctx.len) cot_buf_addc(&x->hctx, ',');
            cot_buf_adds(&x->hctx, "{\"role\":");
            put_span(&x->hctx, m->role);
            cot_buf_adds(&x->hctx, ",\"content\":");
            put_span(&x->hctx, m->content);
            if (m->channel.n) {
                cot_buf_adds(&x->hctx, ",\"channel\":");
                put_span(&x->hctx, m->channel);
            }
            cot_buf_addc(&x->hctx, '}');
        } else if (span_is(m->role, "system") || span_is(m->role, "developer")) {
            if (x->hctx.len) cot_buf_addc(&x->hctx, ',');
            cot_buf_adds(&x->hctx, "{\"role\":");
            put_span(&x->hctx, m->role);
            cot_buf_adds(&x->hctx, ",\"content\":");
            put_span(&x->hctx, m->content);
            cot_buf_addc(&x->hctx, '}');
        } else if ((long)i == u) {
            o->prompt = m->content;
            o->has_prompt = 1;
        } else if (m->recipient.n || !span_is(m->role, "assistant")) {
            harmony_msg_json(&calls, m);
        } else if (span_is(m->channel, "analysis")) {
            join(&x->cotb, m->content, nana++ ? "\n\n" : NULL);
            cut = m->end == 0;
        } else if (span_is(m->channel, "commentary")) {
            if (comm.len) cot_buf_addc(&comm, ',');
            put_span(&comm, m->content);
        } else {   /* final, or no channel */
            join(&x->ansb, m->content, nfin++ ? "\n\n" : NULL);
        }
    }
    o->style = "harmony";
    o->cot = spanof(&x->cotb);
    o->answer = spanof(&x->ansb);
    o->state = !nana ? "absent" : cut && !nfin ? "unclosed"
             : x->cotb.len ? "ok" : "empty";
    if (comm.len) {
        member(&x->mx, "harmony_commentary");
        cot_buf_addc(&x->mx, '[');
        badd(&x->mx, comm.s, comm.len);
        cot_buf_addc(&x->mx, ']');
    }
    if (calls.len) {
        member(&x->mx, "harmony_tool_calls");
        cot_buf_addc(&x->mx, '[');
        badd(&x->mx, calls.s, calls.len);
        cot_buf_addc(&x->mx, ']');
    }
    cot_buf_free(&calls);
    cot_buf_free(&comm);
}

/* Inline parsing of an assistant text. */
static void from_text(cot_extractor_t *x, const char *p, size_t n, out_t *o,
                      int gsm8k)
{
    /* Harmony joins into cotb/ansb: never read from them while it does. */
    cot_buf_t *bs[] = {&x->ansb, &x->cotb};
    for (int i = 0; i < 2; i++)
        if (n && bs[i]->s && p >= bs[i]->s && p < bs[i]->s + bs[i]->len) {
            cot_buf_clear(&x->srcb);
            badd(&x->srcb, p, n);
            p = x->srcb.s;
        }
    if (x->re) {
        o->answer = (span_t){p, n};
        o->state = "absent";
        int rc = pcre2_match(x->re, (PCRE2_SPTR)p, n, 0, 0, x->md, NULL);
        if (rc < 0) return;
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(x->md);
        size_t c0 = ov[2 * x->g_cot], c1 = ov[2 * x->g_cot + 1];
        size_t a0 = ov[2 * x->g_answer], a1 = ov[2 * x->g_answer + 1];
        o->style = "split";
        o->answer = a0 == PCRE2_UNSET ? (span_t){"", 0} : (span_t){p + a0, a1 - a0};
        if (c0 == PCRE2_UNSET) return;
        o->cot = (span_t){p + c0, c1 - c0};
        o->state = c1 > c0 ? "ok" : "empty";
        return;
    }
    const char *force = x->force_style[0] ? x->force_style : NULL;
    cot_split_t s;
    cot_tags_split(p, n, force, gsm8k, &s);
    if (s.style && !strcmp(s.style, "harmony")) {
        from_harmony(x, p, n, o);
        return;
    }
    o->style = s.style;
    o->state = s.state;
    o->cot = s.cot;
    o->answer = s.answer;
    if (s.before.n) member_span(&x->mx, "text_before_cot", s.before);
}

/* Anthropic blocks and typed parts.  Returns 1 when reasoning was found. */
static int from_parts(cot_extractor_t *x, const cJSON *arr, out_t *o)
{
    int nthink = 0, nred = 0, nreason = 0, nother = 0, nsig = 0;
    for (const cJSON *c = arr->child; c; c = c->next) {
        const char *ty = cJSON_IsObject(c) ? str(c, "type") : NULL;
        const char *t;
        if (cJSON_IsString(c)) {
            join(&x->ansb, (span_t){c->valuestring, strlen(c->valuestring)}, NULL);
        } else if (ty && !strcmp(ty, "thinking") && (t = str(c, "thinking"))) {
            join(&x->cotb, (span_t){t, strlen(t)}, nthink++ ? "\n\n" : NULL);
            const char *sg = str(c, "signature");
            if (sg && !nsig++) o->sig = (span_t){sg, strlen(sg)};
        } else if (ty && !strcmp(ty, "redacted_thinking")) {
            nred++;
        } else if (ty && (!strcmp(ty, "reasoning") || !strcmp(ty, "thinking")) &&
                   ((t = str(c, "value")) || (t = str(c, "text")) ||
                    (t = str(c, "reasoning")) || (t = str(c, "content")))) {
            join(&x->cotb, (span_t){t, strlen(t)}, nreason++ ? "\n\n" : NULL);
        } else if (ty && (!strcmp(ty, "text") || !strcmp(ty, "output_text")) &&
                   ((t = str(c, "text")) || (t = str(c, "value")))) {
            join(&x->ansb, (span_t){t, strlen(t)}, NULL);
        } else {
            nother++;
        }
    }
    o->answer = spanof(&x->ansb);
    if (nsig > 1 || nred || nother) {
        /* Second pass for what does not fit the record's fields. */
        const char *keys[] = {"signatures", "redacted_thinking", "content_other"};
        for (int pass = 0; pass < 3; pass++) {
            int n = 0;
            if ((pass == 0 && nsig < 2) || (pass == 1 && !nred) ||
                (pass == 2 && !nother)) continue;
            member(&x->mx, keys[pass]);
            cot_buf_addc(&x->mx, '[');
            for (const cJSON *c = arr->child; c; c = c->next) {
                const char *ty = cJSON_IsObject(c) ? str(c, "type") : NULL;
                const cJSON *v = NULL;
                if (pass == 0 && ty && !strcmp(ty, "thinking")) v = get(c, "signature");
                else if (pass == 1 && ty && !strcmp(ty, "redacted_thinking")) v = get(c, "data");
                else if (pass == 2) {
                    int known = cJSON_IsString(c) || (ty &&
                        ((!strcmp(ty, "thinking") && str(c, "thinking")) ||
                         !strcmp(ty, "redacted_thinking") ||
                         ((!strcmp(ty, "reasoning") || !strcmp(ty, "thinking")) &&
                          (str(c, "value") || str(c, "text") || str(c, "reasoning") ||
                           str(c, "content"))) ||
                         ((!strcmp(ty, "text") || !strcmp(ty, "output_text")) &&
                          (str(c, "text") || str(c, "value")))));
                    if (!known) v = c;
                }
                if (!v) continue;
                if (n++) cot_buf_addc(&x->mx, ',');
                put_json(&x->mx, v);
            }
            cot_buf_addc(&x->mx, ']');
        }
    }
    if (nthink || nreason) {
        o->style = nthink ? "anthropic" : "parts";
        o->cot = spanof(&x->cotb);
        o->state = x->cotb.len ? "ok" : "empty";
        return 1;
    }
    if (nred) {
        o->style = "anthropic";
        o->cot = (span_t){"", 0};
        o->state = "redacted";
        return 1;
    }
    return 0;
}

static const char *const ASSIST_KEYS[] = {"role", "from", "content", "value",
    "reasoning_content", "reasoning", "thinking", NULL};

/* An assistant message object.  Its other keys go to meta.KEY, or are
 * left at the top level when meta_key is NULL (m is the record itself). */
static void from_message(cot_extractor_t *x, const cJSON *m, out_t *o,
                         const char *meta_key)
{
    static const char *const fields[] = {"reasoning_content", "reasoning",
                                         "thinking", NULL};
    const cJSON *cf = NULL;
    const char *cfname = NULL;
    for (const char *const *f = fields; *f; f++) {
        const cJSON *v = get(m, *f);
        if (cJSON_IsString(v)) { cf = v; cfname = *f; break; }
    }
    const cJSON *content = msg_content(m);
    int found = 0;
    if (cJSON_IsArray(content)) {
        found = from_parts(x, content, o);
    } else if (cJSON_IsString(content)) {
        o->answer = (span_t){content->valuestring, strlen(content->valuestring)};
    }
    if (cf) {
        o->cot = (span_t){cf->valuestring, strlen(cf->valuestring)};
        o->state = o->cot.n ? "ok" : "empty";
        o->style = cfname;
    } else if (!found && o->answer.n) {
        from_text(x, o->answer.p, o->answer.n, o, 0);
    }
    if (meta_key) {
        leftovers(&x->mx, meta_key, m, ASSIST_KEYS);
    } else {
        for (const char *const *k = ASSIST_KEYS; *k; k++) {
            const cJSON *v = get(m, *k);
            if (v && (v == content || v == cf || !strcmp(*k, "role"))) consume(x, v);
        }
    }
}

/* Fields that hold the raw rendering of the whole output (gpt-oss writes
 * raw_output beside internal_reasoning and external_output). */
static const char *const RAW_KEYS[] = {"raw_output", "raw_response", NULL};

static const char *raw_key(const cJSON *v)
{
    for (const char *const *k = RAW_KEYS; v && v->string && *k; k++)
        if (!strcmp(v->string, *k)) return *k;
    return NULL;
}

static span_t trimmed(span_t s)
{
    while (s.n && (*s.p == ' ' || *s.p == '\n' || *s.p == '\t' || *s.p == '\r'))
        s.p++, s.n--;
    while (s.n && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\n' ||
                   s.p[s.n - 1] == '\t' || s.p[s.n - 1] == '\r'))
        s.n--;
    return s;
}

static int same_text(span_t a, span_t b)
{
    a = trimmed(a);
    b = trimmed(b);
    return a.n == b.n && (!a.n || !memcmp(a.p, b.p, a.n));
}

/* Split fields (o, from a CoT field and maybe an answer field) beside a raw
 * rendering rv of the whole output.  rv is parsed like any answer text,
 * into its own buffers, and compared, edges trimmed:
 *   - it says the same (or the split has no answer field and it agrees on
 *     the CoT): o takes its answer and its state when it was cut short
 *     (unclosed), its meta (commentary, tool calls) is kept, and rv is
 *     "consumed": not copied to meta, where it would only repeat them;
 *   - the split fields are both empty and rv is not: rv is "used";
 *   - otherwise rv is "kept" in meta and o is left as the split says.
 * Returns 1 when rv is consumed or used (the caller consumes it), 0 when
 * it is kept, and -1 when there is no answer field and rv, without
 * reasoning markers, is the plain answer text (Sonnet's raw_response).
 * With no answer field (has_answer 0) the caller takes rv as the answer
 * text unless it returns 1. */
static int check_raw(cot_extractor_t *x, const cJSON *rv, int has_answer, out_t *o)
{
    out_t r;
    memset(&r, 0, sizeof r);
    r.state = "absent";
    r.answer = (span_t){"", 0};
    size_t mxlen = x->mx.len, hlen = x->hctx.len;
    cot_buf_t c = x->cotb, a = x->ansb;   /* from_text joins into these */
    x->cotb = x->rcot;
    x->ansb = x->rans;
    cot_buf_clear(&x->cotb);
    cot_buf_clear(&x->ansb);
    from_text(x, rv->valuestring, strlen(rv->valuestring), &r, 0);
    x->rcot = x->cotb;
    x->rans = x->ansb;
    x->cotb = c;
    x->ansb = a;
    o->raw_field = raw_key(rv);
    o->raw = "kept";
    /* a user message in the rendering must agree with the record's prompt */
    int prompt_ok = !r.has_prompt || !x->prompt.n || same_text(x->prompt, r.prompt);
    if (strcmp(r.state, "absent") && prompt_ok) {   /* a rendering with markers */
        if (r.has_prompt && !x->prompt.n) {
            o->prompt = r.prompt;
            o->has_prompt = 1;
        }
        /* with no answer field, only a harmony rendering can stand in for
         * empty split fields: inline tags may be a Sonnet answer's text */
        if (!trimmed(o->cot).n && !trimmed(o->answer).n &&
            (has_answer || (r.style && !strcmp(r.style, "harmony")))) {
            o->cot = r.cot;
            o->answer = r.answer;
            o->state = r.state;
            o->style = r.style;
            o->raw = "used";
            return 1;
        }
        if (same_text(o->cot, r.cot) && (!has_answer || same_text(o->answer, r.answer))) {
            if (!has_answer) o->answer = r.answer;
            if (!strcmp(r.state, "unclosed") && !o->answer.n) o->state = "unclosed";
            o->raw = "consumed";
            return 1;
        }
    } else if (has_answer &&
               same_text(o->answer, (span_t){rv->valuestring, strlen(rv->valuestring)})) {
        o->raw = "consumed";   /* plain text repeating the answer */
        return 1;
    }
    /* what it said is in meta, whole: take back its commentary and context */
    o->has_prompt = 0;
    x->mx.len = mxlen;
    if (x->mx.s) x->mx.s[mxlen] = 0;
    x->hctx.len = hlen;
    if (x->hctx.s) x->hctx.s[hlen] = 0;
    return !has_answer && !strcmp(r.state, "absent") ? -1 : 0;
}

/* A generation that stopped at its token limit (finish_reason "length",
 * stop_reason "max_tokens") with reasoning and no answer was cut inside the
 * reasoning: unclosed, whichever field the reasoning came from. */
static void cut_short(out_t *o, const cJSON *holder)
{
    if (!cJSON_IsObject(holder) || strcmp(o->state, "ok") || o->answer.n) return;
    const char *fr = str(holder, "finish_reason"), *sr = str(holder, "stop_reason");
    if ((fr && !strcmp(fr, "length")) || (sr && !strcmp(sr, "max_tokens")))
        o->state = "unclosed";
}

/* Flat cot/answer fields of o (a record, or a fan-out element). */
static void from_flat(cot_extractor_t *x, const cJSON *o_, out_t *o,
                      const char *meta_key, int gsm8k)
{
    const cJSON *cv = first_of(o_, COT_KEYS), *av = first_of(o_, ANSWER_KEYS);
    const cJSON *rv = NULL;
    if (!av && meta_key) av = get(o_, "content");
    if (cJSON_IsArray(av) && cJSON_IsObject(av->child) && get(av->child, "role")) {
        /* TRL conversational completion: the last assistant message. */
        const cJSON *last = NULL;
        for (const cJSON *c = av->child; c; c = c->next)
            if (!strcmp(msg_role(c), "assistant")) last = c;
        if (last) {
            from_message(x, last, o, "message");
            if (!meta_key) consume(x, av);
            goto done;
        }
    }
    span_t a = {"", 0};
    int steps;
    if (av && to_text(av, &x->ansb, &a, &steps)) {
        if (a.p == x->ansb.s) {   /* to_text reuses ansb: keep it apart */
            cot_buf_clear(&x->tmp);
            badd(&x->tmp, a.p, a.n);
            cot_buf_clear(&x->ansb);
            badd(&x->ansb, x->tmp.s, x->tmp.len);
            a = spanof(&x->ansb);
        }
    } else {
        av = NULL;
    }
    o->answer = a;
    if (cv && to_text(cv, &x->cotb, &o->cot, &steps)) {
        o->state = o->cot.n ? "ok" : "empty";
        if (steps) o->style = "steps";
        /* A raw rendering beside the split fields: another answer field
         * that is a raw one, or the answer field itself when it is raw. */
        if (!x->re) {
            for (const char *const *k = RAW_KEYS; *k && !rv; k++) {
                const cJSON *r = get(o_, *k);
                if (cJSON_IsString(r) && r != av) rv = r;
            }
            if (!rv && raw_key(av) && cJSON_IsString(av)) {
                /* the only answer field is raw: a rendering when it has
                 * markers, else plain answer text (Sonnet raw_response) */
                out_t save = *o;
                o->answer = (span_t){"", 0};
                if (check_raw(x, av, 0, o) <= 0) *o = save;   /* the answer */
            } else if (rv && check_raw(x, rv, av != NULL, o) <= 0) {
                rv = NULL;   /* kept in meta */
            }
        }
    } else {
        cv = NULL;
        if (av) from_text(x, a.p, a.n, o, gsm8k);
    }
    cut_short(o, o_);
done:
    if (meta_key) {
        const char *skip[4] = {cv ? cv->string : "", av ? av->string : "",
                               rv ? rv->string : "", NULL};
        leftovers(&x->mx, meta_key, o_, skip);
    } else {
        consume(x, cv);
        consume(x, av);
        consume(x, rv);
    }
}

/* ---- layouts ------------------------------------------------------------ */

/* No id in the source: a digest of the line's bytes, the same however the
 * file is named, spelled, compressed or fed (stdin), and wherever the line
 * sits in it; outer whitespace does not count.  64 bits: for a million
 * id-less lines, the chance that any two distinct ones share a digest is
 * under 1e-7.  cot_pair_hash() is pinned by its tests, so ids never move. */
static void fallback_id(cot_extractor_t *x)
{
    const char *p = x->raw ? x->raw : "";
    size_t n = x->raw ? x->raw_len : 0;
    while (n && strchr(" \t\r\n", p[0])) p++, n--;
    while (n && strchr(" \t\r\n", p[n - 1])) n--;
    uint64_t h = cot_pair_hash(p, n);
    char d[23] = "digest:";
    for (int i = 0; i < 16; i++) d[7 + i] = "0123456789abcdef"[h >> (60 - 4 * i) & 15];
    cot_buf_add(&x->idb, d, sizeof d);         /* %016llx, without printf */
    x->id_kind = "digest";
}

static void set_id(cot_extractor_t *x, const cJSON *fallback_obj)
{
    cot_buf_clear(&x->idb);
    const cJSON *v = NULL;
    if (x->o.id) {
        v = rget(x->obj, x->o.id);
    } else {
        for (const char *const *k = ID_KEYS; *k && !v; k++) {
            const cJSON *c = get(x->obj, *k);
            if (cJSON_IsString(c) || cJSON_IsNumber(c)) v = c;
        }
        if (!v && fallback_obj) {
            const cJSON *c = get(fallback_obj, "id");
            if (cJSON_IsString(c)) v = c;
        }
        if (v && !x->o.id) consume(x, v);
    }
    x->id_kind = "source";
    if (cJSON_IsString(v)) cot_buf_adds(&x->idb, v->valuestring);
    else if (cJSON_IsNumber(v)) put_num(&x->idb, v);
    else fallback_id(x);
}

static int lay_messages(cot_extractor_t *x, const cJSON *arr)
{
    size_t n = load_array(x, arr);
    int last = -1, count = 0;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(msg_role(x->mv[i]), "assistant")) { last = (int)i; count++; }
    out_t o;
    if (last < 0) {   /* prompt-only messages; the output may be flat */
        reset_record(x, &o);
        if (!conv_prompt(x, x->mv, (int)n)) flat_prompt(x, x->obj);
        from_flat(x, x->obj, &o, NULL, 0);
        x->fan = 0;
        put(x, &o, 0);
        return 1;
    }
    x->fan = x->o.turns_all && count > 1;
    int k = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(msg_role(x->mv[i]), "assistant")) continue;
        if (!x->o.turns_all && (int)i != last) continue;
        reset_record(x, &o);
        if (!conv_prompt(x, x->mv, (int)i)) flat_prompt(x, x->obj);
        from_message(x, x->mv[i], &o, "message");
        if ((int)i == last) {   /* only the last turn can have been cut */
            cut_short(&o, x->mv[i]);
            cut_short(&o, x->obj);
        }
        put(x, &o, k++);
    }
    return k;
}

/* API choices: one record per choice. */
static int lay_choices(cot_extractor_t *x, const cJSON *arr)
{
    int n = cJSON_GetArraySize(arr), k = 0;
    x->fan = n > 1;
    out_t o;
    if (!n) {
        reset_record(x, &o);
        put(x, &o, 0);
        return 1;
    }
    for (const cJSON *c = arr->child; c; c = c->next, k++) {
        reset_record(x, &o);
        const cJSON *m = get(c, "message");
        if (!cJSON_IsObject(m)) m = get(c, "delta");
        const char *t;
        if (cJSON_IsObject(m)) {
            from_message(x, m, &o, "message");
        } else if ((t = str(c, "text"))) {
            o.answer = (span_t){t, strlen(t)};
            from_text(x, t, strlen(t), &o, 0);
        }
        cut_short(&o, c);
        if (cJSON_IsObject(c)) {
            static const char *const skip[] = {"message", "delta", "text", NULL};
            leftovers(&x->mx, "choice", c, skip);
        } else {   /* not a choice object: kept as it is */
            member(&x->mx, "choice");
            put_json(&x->mx, c);
        }
        put(x, &o, k);
    }
    return k;
}

static int lay_response(cot_extractor_t *x, const cJSON *resp)
{
    const cJSON *req = get(x->obj, "request");
    if (!cJSON_IsObject(req)) req = get(x->obj, "request_body");
    const cJSON *rm = cJSON_IsObject(req) ? get(req, "messages") : NULL;
    if (cJSON_IsArray(rm)) {
        size_t n = load_array(x, rm);
        conv_prompt(x, x->mv, (int)n);
        const cJSON *sys = get(req, "system");   /* Anthropic: top-level system */
        if (cJSON_IsString(sys)) {
            cot_buf_t t = {0};
            cot_buf_adds(&t, "{\"role\":\"system\",\"content\":");
            put_str(&t, sys->valuestring);
            cot_buf_addc(&t, '}');
            if (x->ctx.len) cot_buf_addc(&t, ',');
            badd(&t, x->ctx.s, x->ctx.len);
            cot_buf_clear(&x->ctx);
            badd(&x->ctx, t.s, t.len);
            cot_buf_free(&t);
        }
        consume(x, req);
    } else {
        flat_prompt(x, x->obj);
    }
    if (resp == x->obj) {   /* the record is the response */
        out_t o;
        reset_record(x, &o);
        from_message(x, resp, &o, NULL);
        cut_short(&o, resp);
        x->fan = 0;
        put(x, &o, 0);
        return 1;
    }
    const cJSON *outer = get(x->obj, "response");
    consume(x, outer);
    if (resp != outer) {   /* batch: {custom_id, result: {type, message}} */
        static const char *const skip[] = {"result", NULL};
        leftovers(&x->mxl, "batch", outer, skip);
        const cJSON *res = get(outer, "result");
        static const char *const skip2[] = {"message", NULL};
        leftovers(&x->mxl, "batch_result", res, skip2);
    }
    const cJSON *ch = get(resp, "choices");
    if (cJSON_IsArray(ch)) {
        static const char *const skip[] = {"choices", NULL};
        leftovers(&x->mxl, "response", resp, skip);
        return lay_choices(x, ch);
    }
    out_t o;
    reset_record(x, &o);
    from_message(x, resp, &o, "response");
    cut_short(&o, resp);
    x->fan = 0;
    put(x, &o, 0);
    return 1;
}

static int lay_generations(cot_extractor_t *x, const cJSON *arr)
{
    const cJSON *msgs = get(x->obj, "messages");
    if (cJSON_IsArray(msgs)) {
        size_t n = load_array(x, msgs);
        conv_prompt(x, x->mv, (int)n);
        consume(x, msgs);
    } else {
        flat_prompt(x, x->obj);
    }
    consume(x, arr);
    int n = cJSON_GetArraySize(arr), k = 0;
    x->fan = n > 1;
    out_t o;
    if (!n) {
        reset_record(x, &o);
        put(x, &o, 0);
        return 1;
    }
    for (const cJSON *c = arr->child; c; c = c->next, k++) {
        reset_record(x, &o);
        if (cJSON_IsString(c)) {
            o.answer = (span_t){c->valuestring, strlen(c->valuestring)};
            from_text(x, o.answer.p, o.answer.n, &o, 0);
        } else if (cJSON_IsObject(c)) {
            const cJSON *m = get(c, "message");
            if (cJSON_IsObject(m)) {
                from_message(x, m, &o, "message");
                static const char *const skip[] = {"message", NULL};
                leftovers(&x->mx, "generation", c, skip);
            } else if (get(c, "role")) {
                from_message(x, c, &o, "generation");
            } else {
                from_flat(x, c, &o, "generation", 0);
            }
        } else {   /* neither text nor object: kept as it is */
            member(&x->mx, "generation");
            put_json(&x->mx, c);
        }
        cut_short(&o, c);
        put(x, &o, k);
    }
    return k;
}

/* A record cot-extract (or a tool after it) already wrote: prompt, cot and
 * answer strings, a known cot_state and a src object.  Reading it as flat
 * fields would move cot_state, signature and src into meta; instead it
 * passes through as it is, so cot-extract is idempotent. */
static const char *const STATES[] = {"ok", "empty", "absent", "unclosed", "redacted", NULL};

static const char *canonical_state(const cJSON *obj)
{
    const char *st = str(obj, "cot_state");
    const cJSON *src = get(obj, "src");
    if (!st || !cJSON_IsObject(src) || !cJSON_IsString(get(src, "file")) ||
        !cJSON_IsString(get(obj, "prompt")) || !cJSON_IsString(get(obj, "cot")) ||
        !cJSON_IsString(get(obj, "answer")))
        return NULL;
    for (int i = 0; STATES[i]; i++)
        if (!strcmp(st, STATES[i])) return STATES[i];
    return NULL;
}

static int lay_canonical(cot_extractor_t *x, const char *state)
{
    const cJSON *id = get(x->obj, "id");
    x->id_kind = cJSON_IsString(id) || cJSON_IsNumber(id) ? "source" : "none";
    cot_buf_t *b = &x->out;
    size_t start = b->len;
    cot_buf_addc(b, '{');
    for (const cJSON *c = x->obj->child; c; c = c->next) {
        if (x->o.no_meta && !strcmp(c->string, "meta")) continue;
        if (b->len > start + 1) cot_buf_addc(b, ',');
        put_str(b, c->string);
        cot_buf_addc(b, ':');
        put_json(b, c);
    }
    cot_buf_addc(b, '}');
    rec_add(x, start, "canonical", strlen("canonical"), state);
    return 1;
}

static int lay_flat(cot_extractor_t *x)
{
    out_t o;
    reset_record(x, &o);
    flat_prompt(x, x->obj);
    from_flat(x, x->obj, &o, NULL, 1);
    x->fan = 0;
    put(x, &o, 0);
    return 1;
}

/* The top-level member a pointer or dotted path starts in. */
static const cJSON *top_of(const cJSON *obj, const char *path)
{
    char k[256];
    size_t n = 0;
    const char *p = path;
    if (*p == '/') {
        for (p++; *p && *p != '/' && n + 1 < sizeof k; p++) {
            if (*p == '~' && (p[1] == '0' || p[1] == '1')) {
                k[n++] = p[1] == '0' ? '~' : '/';
                p++;
            } else {
                k[n++] = *p;
            }
        }
    } else {
        for (; *p && *p != '.' && n + 1 < sizeof k; p++) k[n++] = *p;
    }
    k[n] = 0;
    return get(obj, k);
}

static int lay_custom(cot_extractor_t *x)
{
    out_t o;
    reset_record(x, &o);
    if (!x->o.prompt) flat_prompt(x, x->obj);
    const cJSON *av = x->o.answer ? rget(x->obj, x->o.answer)
                                  : first_of(x->obj, ANSWER_KEYS);
    span_t a = {"", 0};
    int steps;
    if (av && to_text(av, &x->ansb, &a, &steps)) {
        consume(x, x->o.answer ? top_of(x->obj, x->o.answer) : av);
    }
    o.answer = a;
    if (x->o.cot) {
        const cJSON *cv = rget(x->obj, x->o.cot);
        if (present(cv) && to_text(cv, &x->cotb, &o.cot, &steps)) {
            o.state = o.cot.n ? "ok" : "empty";
            if (steps) o.style = "steps";
            consume(x, top_of(x->obj, x->o.cot));
        }
    } else if (a.n) {
        from_text(x, a.p, a.n, &o, 1);
    }
    x->fan = 0;
    put(x, &o, 0);
    return 1;
}

/* How the value at an option's pointer serves (COT_FIELD_*): text
 * (a string, number or array) for --prompt, --cot and --answer; a string
 * or number for --id; any value, null included, for --meta. */
static int classify(const cJSON *v, char what)
{
    if (!v) return COT_FIELD_MISS;
    if (what == 'm') return COT_FIELD_HIT;
    if (cJSON_IsNull(v)) return COT_FIELD_MISS;
    if (cJSON_IsString(v) || cJSON_IsNumber(v)) return COT_FIELD_HIT;
    return what == 't' && cJSON_IsArray(v) ? COT_FIELD_HIT : COT_FIELD_BADTYPE;
}

/* Count, for each pointer the options gave, whether this line had it. */
static void mark_fields(cot_extractor_t *x, const cJSON *obj)
{
    if (!x->fields) return;
    int missed = 0;
    const char *const ptr[] = {x->o.id, x->o.prompt, x->o.cot, x->o.answer};
    const int idx[] = {x->f_id, x->f_prompt, x->f_cot, x->f_answer};
    for (int i = 0; i < 4; i++) {
        if (!ptr[i]) continue;
        int how = classify(rget(obj, ptr[i]), i ? 't' : 'i');
        cot_fields_mark(x->fields, idx[i], how);
        missed |= how != COT_FIELD_HIT;
    }
    for (int i = 0; i < x->o.nmeta; i++) {
        int dup = 0;
        for (int j = 0; j < i; j++) dup |= x->f_meta[j] == x->f_meta[i];
        if (dup) continue;   /* --meta /a twice */
        int how = classify(rget(obj, x->o.meta[i]), 'm');
        cot_fields_mark(x->fields, x->f_meta[i], how);
        missed |= how != COT_FIELD_HIT;
    }
    if (missed) cot_fields_learn(x->fields, obj);
}

cot_fields_t *cot_extract_fields(cot_extractor_t *x)
{
    return x->fields;
}

static int extract_line(cot_extractor_t *x, const cJSON *obj, const char *file,
                        unsigned long line, const char **kind, const char **why);

int cot_extract_line(cot_extractor_t *x, const cJSON *obj, const char *file,
                     unsigned long line, const char **kind, const char **why)
{
    twice = NULL;
    int n = extract_line(x, obj, file, line, kind, why);
    if (n >= 0 && twice) {
        cot_buf_clear(&x->why);
        cot_buf_printf(&x->why, "member '%s' is given twice, and JSON readers differ on "
                       "which one counts (the cot tools take the first, Python's json "
                       "and jq the last); keep one", twice);
        *kind = "field-twice";
        *why = x->why.s;
        n = -1;
    }
    twice = NULL;
    return n;
}

static int extract_line(cot_extractor_t *x, const cJSON *obj, const char *file,
                        unsigned long line, const char **kind, const char **why)
{
    x->obj = obj;
    x->file = file;
    x->line = line;
    x->nconsumed = 0;
    x->nrec = 0;
    x->fan = 0;
    x->prompt = (span_t){"", 0};
    cot_buf_clear(&x->out);
    cot_buf_clear(&x->ctx);
    cot_buf_clear(&x->mxl);
    cot_buf_clear(&x->promptb);

    const char *fl = x->force_layout[0] ? x->force_layout : NULL;
    const cJSON *v = NULL, *resp = NULL;
    const char *lay = NULL;
    if (x->o.cot || x->o.answer) lay = "custom";
    /* Options that reshape records (--id, --prompt, --meta, --split, a
     * forced inline style) say the user wants them read again, not passed
     * through with the options silently ignored. */
    int reshape = x->o.id || x->o.prompt || x->o.nmeta || x->o.split || x->force_style[0];
    const char *cstate = NULL;
    if (!lay && !reshape && (!fl || !strcmp(fl, "canonical")) &&
        (cstate = canonical_state(obj)))
        return lay_canonical(x, cstate);
    if (!lay && (!fl || !strcmp(fl, "messages")) &&
        cJSON_IsArray(v = get(obj, "messages"))) lay = "messages";
    if (!lay && (!fl || !strcmp(fl, "sharegpt")) &&
        cJSON_IsArray(v = get(obj, "conversations"))) lay = "sharegpt";
    if (!lay && (!fl || !strcmp(fl, "choices")) &&
        cJSON_IsArray(v = get(obj, "choices"))) lay = "choices";
    if (!lay && (!fl || !strcmp(fl, "response"))) {
        const cJSON *r = get(obj, "response");
        const cJSON *rm = cJSON_IsObject(r) ? get(get(r, "result"), "message") : NULL;
        if (cJSON_IsObject(rm) && cJSON_IsArray(get(rm, "content")))
            lay = "response", resp = rm;   /* Message Batches result */
        else if (cJSON_IsObject(r) && (cJSON_IsArray(get(r, "choices")) ||
                                  cJSON_IsArray(get(r, "content"))))
            lay = "response", resp = r;
        else if (cJSON_IsArray(get(obj, "content")) &&
                 ((str(obj, "role") && !strcmp(str(obj, "role"), "assistant")) ||
                  (str(obj, "type") && !strcmp(str(obj, "type"), "message"))))
            lay = "response", resp = obj;
    }
    if (!lay && (!fl || !strcmp(fl, "generations")))
        for (const char *const *k = FAN_KEYS; *k && !lay; k++)
            if (cJSON_IsArray(v = get(obj, *k)) && v->child) lay = "generations";
    if (!lay && (!fl || !strcmp(fl, "flat"))) lay = "flat";
    if (!lay) {
        cot_buf_clear(&x->why);
        cot_buf_printf(&x->why, "record does not fit --format %s", x->o.format);
        *kind = "wrong-format";
        *why = x->why.s;
        return -1;
    }
    x->layout = lay;
    set_id(x, resp && resp != obj ? resp : NULL);
    x->has_pprompt = 0;
    if (x->o.prompt) {
        const cJSON *p = rget(obj, x->o.prompt);
        if (p && to_text(p, &x->pprb, &x->pprompt, NULL)) {
            x->has_pprompt = 1;
            consume(x, top_of(obj, x->o.prompt));
        }
    }
    int n;
    if (!strcmp(lay, "messages") || !strcmp(lay, "sharegpt")) {
        consume(x, v);
        n = lay_messages(x, v);
    } else if (!strcmp(lay, "choices")) {
        consume(x, v);
        flat_prompt(x, obj);
        n = lay_choices(x, v);
    } else if (!strcmp(lay, "response")) {
        n = lay_response(x, resp);
    } else if (!strcmp(lay, "generations")) {
        n = lay_generations(x, v);
    } else if (!strcmp(lay, "custom")) {
        n = lay_custom(x);
    } else {
        n = lay_flat(x);
    }
    mark_fields(x, obj);
    return n;
}

void cot_extract_set_raw(cot_extractor_t *x, const char *text, size_t len)
{
    x->raw = text;
    x->raw_len = len;
}

const char *cot_extract_id_kind(const cot_extractor_t *x)
{
    return x->id_kind ? x->id_kind : "none";
}

cot_extract_rec_t cot_extract_get(const cot_extractor_t *x, int k)
{
    const recinfo_t *r = &x->rec[k];
    return (cot_extract_rec_t){x->out.s + r->off, r->len, r->format, r->state,
                               r->raw_field, r->raw};
}

cot_extractor_t *cot_extract_new(const cot_extract_opt_t *opt, cot_buf_t *err)
{
    cot_extractor_t *x = cot_calloc(1, sizeof *x);
    x->o = *opt;
    if (opt->format) {
        const char *f = opt->format, *plus = strchr(f, '+');
        size_t ln = plus ? (size_t)(plus - f) : strlen(f);
        char a[32] = "", b[32] = "";
        if (ln < sizeof a) { memcpy(a, f, ln); a[ln] = 0; }
        if (plus && strlen(plus + 1) < sizeof b) memcpy(b, plus + 1, strlen(plus + 1) + 1);
        int ok = 0;
        if (plus) {
            ok = layout_ok(a) && cot_tags_style_ok(b);
            if (ok) { memcpy(x->force_layout, a, sizeof a); memcpy(x->force_style, b, sizeof b); }
        } else if (layout_ok(a)) {
            ok = 1;
            memcpy(x->force_layout, a, sizeof a);
        } else if (cot_tags_style_ok(a)) {
            ok = 1;
            memcpy(x->force_style, a, sizeof a);
        }
        if (!ok) {
            cot_buf_printf(err, "unknown format '%s' (see --list-formats)", f);
            goto fail;
        }
    }
    if (!strcmp(x->force_layout, "canonical") &&
        (opt->id || opt->prompt || opt->cot || opt->answer || opt->nmeta || opt->split)) {
        cot_buf_adds(err, "--format canonical passes records through unchanged; it takes "
                          "no --id, --prompt, --cot, --answer, --meta or --split");
        goto fail;
    }
    /* Options another one makes moot would be ignored without a word. */
    if (opt->no_meta && opt->nmeta) {
        cot_buf_adds(err, "--meta picks the members meta keeps; --no-meta leaves meta "
                          "out: give one of them");
        goto fail;
    }
    if (opt->split && x->force_style[0]) {
        cot_buf_printf(err, "--split replaces inline parsing: it takes no inline style "
                            "in --format (%s)", x->force_style);
        goto fail;
    }
    if (opt->cot && (opt->split || x->force_style[0])) {
        cot_buf_printf(err, "--cot reads the CoT from its pointer, so the answer is not "
                            "cut: %s has no effect with it",
                       opt->split ? "--split" : "an inline style in --format");
        goto fail;
    }
    if (opt->turns_all && (opt->cot || opt->answer ||
                           (x->force_layout[0] && strcmp(x->force_layout, "messages") &&
                            strcmp(x->force_layout, "sharegpt")))) {
        cot_buf_printf(err, "--turns all splits a conversation's turns: it needs the "
                            "messages or sharegpt layout, not %s",
                       opt->cot || opt->answer ? "--cot/--answer" : x->force_layout);
        goto fail;
    }
    const char *ptrs[] = {opt->id, opt->prompt, opt->cot, opt->answer};
    const char *names[] = {"--id", "--prompt", "--cot", "--answer"};
    for (int i = 0; i < 4; i++)
        if (ptrs[i] && cot_record_path_check(names[i], ptrs[i])) {
            cot_buf_adds(err, cot_record_path_check(names[i], ptrs[i]));
            goto fail;
        }
    for (int i = 0; i < opt->nmeta; i++)
        if (cot_record_path_check("--meta", opt->meta[i])) {
            cot_buf_adds(err, cot_record_path_check("--meta", opt->meta[i]));
            goto fail;
        }
    if (opt->split) {
        int ec;
        PCRE2_SIZE off;
        x->re = pcre2_compile((PCRE2_SPTR)opt->split, PCRE2_ZERO_TERMINATED,
                              PCRE2_UTF | PCRE2_DOTALL, &ec, &off, NULL);
        if (!x->re) {
            PCRE2_UCHAR msg[256];
            pcre2_get_error_message(ec, msg, sizeof msg);
            cot_buf_printf(err, "--split: %s at offset %zu", (char *)msg, (size_t)off);
            goto fail;
        }
        x->g_cot = pcre2_substring_number_from_name(x->re, (PCRE2_SPTR)"cot");
        x->g_answer = pcre2_substring_number_from_name(x->re, (PCRE2_SPTR)"answer");
        if (x->g_cot <= 0 || x->g_answer <= 0) {
            cot_buf_printf(err, "--split: the pattern needs named groups "
                                "(?<cot>...) and (?<answer>...)");
            goto fail;
        }
        pcre2_jit_compile(x->re, PCRE2_JIT_COMPLETE);   /* best effort */
        x->md = pcre2_match_data_create_from_pattern(x->re, NULL);
    }
    if (opt->id || opt->prompt || opt->cot || opt->answer || opt->nmeta) {
        x->fields = cot_fields_new();
        x->f_meta = cot_calloc((size_t)opt->nmeta + 1, sizeof *x->f_meta);
        if (opt->id) x->f_id = cot_fields_want(x->fields, "--id", opt->id,
                                               "they get the fallback id");
        if (opt->prompt) x->f_prompt = cot_fields_want(x->fields, "--prompt", opt->prompt,
                                                       "their prompt is empty");
        if (opt->cot) x->f_cot = cot_fields_want(x->fields, "--cot", opt->cot,
                                                 "their cot_state is absent");
        if (opt->answer) x->f_answer = cot_fields_want(x->fields, "--answer", opt->answer,
                                                       "their answer is empty");
        for (int i = 0; i < opt->nmeta; i++)
            x->f_meta[i] = cot_fields_want(x->fields, "--meta", opt->meta[i],
                                           "left out of meta");
    }
    return x;
fail:
    cot_extract_free(x);
    return NULL;
}

void cot_extract_free(cot_extractor_t *x)
{
    if (!x) return;
    if (x->md) pcre2_match_data_free(x->md);
    if (x->re) pcre2_code_free(x->re);
    cot_buf_t *bufs[] = {&x->promptb, &x->ctx, &x->idb, &x->mxl, &x->cotb,
                         &x->ansb, &x->mx, &x->hctx, &x->tmp, &x->out, &x->why,
                         &x->pprb, &x->srcb, &x->rcot, &x->rans};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) cot_buf_free(bufs[i]);
    cot_fields_free(x->fields);
    free(x->f_meta);
    free(x->hm);
    free(x->mv);
    free(x->rec);
    free(x);
}

int cot_extract_text(const cJSON *v, cot_buf_t *out)
{
    span_t s;
    cot_buf_clear(out);
    if (!to_text(v, out, &s, NULL)) return 0;
    if (s.p != out->s) {
        cot_buf_clear(out);
        cot_buf_add(out, s.p, s.n);
    }
    cot_buf_cstr(out);
    return 1;
}
