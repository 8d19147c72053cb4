/* fuzz-extract -- extraction (lib/extract.c, lib/tags.c, lib/harmony.c).
 *
 * Byte 0 picks a layout (or detection), byte 1 an inline style (or none),
 * byte 2 options (bit 0 --turns all, bit 1 --no-meta); the rest is one
 * input line.  When it is not a JSON object it is put into a record as the
 * model's text, so inline markers are reached either way.  Checked: every
 * record is a JSON object with the canonical fields and a known cot_state;
 * extracting a record again gives it back unchanged (idempotence); every
 * tag split and harmony span lies inside its text. */
#include "fuzz.h"
#include "extract.h"
#include "harmony.h"
#include "tags.h"
#include "util.h"

#include <string.h>

static const char *const layouts[] = {NULL, "canonical", "messages", "sharegpt", "choices",
                                      "response", "generations", "flat"};
#define NL (sizeof layouts / sizeof *layouts)

static int inside(cot_span_t s, const char *p, size_t n)
{
    return s.n == 0 || (s.p >= p && s.p + s.n <= p + n);
}

static void check_text(const char *p, size_t n)
{
    const char *name, *desc;
    cot_split_t sp;
    for (int i = -1; i == -1 || (name = cot_tags_style_name(i, &desc)); i++) {
        cot_tags_split(p, n, i < 0 ? NULL : name, i & 1, &sp);
        FUZZ_CHECK(sp.state && inside(sp.cot, p, n) && inside(sp.before, p, n) &&
                   (!strcmp(sp.state, "absent") || inside(sp.answer, p, n)),
                   "split with style %s out of the text", i < 0 ? "(detect)" : name);
    }
    static cot_harmony_msg_t *m;
    static size_t cap;
    size_t k = cot_harmony_parse(p, n, &m, &cap);
    const char *last = p;
    for (size_t i = 0; i < k; i++) {
        /* a text that opens inside a header has the role "assistant" (static) */
        FUZZ_CHECK((inside(m[i].role, p, n) || (m[i].role.n == 9 && !memcmp(m[i].role.p, "assistant", 9))) &&
                   inside(m[i].channel, p, n) &&
                   inside(m[i].recipient, p, n) && inside(m[i].constrain, p, n) &&
                   inside(m[i].content, p, n), "harmony message %zu out of the text", i);
        FUZZ_CHECK(!m[i].content.n || m[i].content.p >= last, "harmony messages out of order");
        if (m[i].content.n) last = m[i].content.p + m[i].content.n;
    }
}

static void check_record(const cot_extract_rec_t *r)
{
    static const char *const states[] = {"ok", "empty", "unclosed", "absent", NULL};
    cJSON *o = cJSON_ParseWithLength(r->json, r->len);
    FUZZ_CHECK(cJSON_IsObject(o), "a record is not a JSON object: %.*s", (int)r->len, r->json);
    /* A canonical record passes through as it is (cot-record(5)): only
     * what makes it canonical is certain to be there. */
    int canonical = !strcmp(r->format, "canonical");
    FUZZ_CHECK(cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(o, "src")) &&
               (canonical || (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "cot")) &&
                              cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "answer")) &&
                              cJSON_GetObjectItemCaseSensitive(o, "id"))),
               "a record lacks cot, answer, id or src: %.*s", (int)r->len, r->json);
    int known = 0;
    for (int i = 0; states[i]; i++) known |= !strcmp(states[i], r->cot_state);
    FUZZ_CHECK(known, "cot_state '%s'", r->cot_state);
    cJSON_Delete(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3 || size > 65536) return 0;
    cot_prog = "fuzz-extract";
    const char *text = (const char *)data + 3;
    size_t n = size - 3;
    check_text(text, n);

    char fmt[64] = "";
    const char *layout = layouts[data[0] % NL], *desc;
    const char *style = data[1] & 0x80 ? cot_tags_style_name((data[1] & 0x7F) % 16, &desc) : NULL;
    if (layout && style) snprintf(fmt, sizeof fmt, "%s+%s", layout, style);
    else if (layout || style) snprintf(fmt, sizeof fmt, "%s", layout ? layout : style);
    cot_extract_opt_t opt = {0};
    opt.format = fmt[0] ? fmt : NULL;
    opt.turns_all = data[2] & 1;
    opt.no_meta = (data[2] >> 1) & 1;
    cot_buf_t err = {0};
    cot_extractor_t *x = cot_extract_new(&opt, &err);
    cot_buf_free(&err);
    if (!x) return 0;

    cJSON *obj = cJSON_ParseWithLength(text, n);
    if (!cJSON_IsObject(obj)) {
        cJSON_Delete(obj);
        char *s = cot_strndup(text, n);
        obj = cJSON_CreateObject();
        cJSON_AddStringToObject(obj, "prompt", "p");
        cJSON_AddStringToObject(obj, data[2] & 4 ? "text" : "response", s);
        free(s);
    }
    const char *kind, *why;
    int k = cot_extract_line(x, obj, "in.jsonl", 1, &kind, &why);
    FUZZ_CHECK(k != 0, "no record and no error");
    /* the only errors: a record that does not fit a forced format, and a
     * member the extraction read given twice */
    FUZZ_CHECK(k > 0 || (kind && why && (opt.format || !strcmp(kind, "field-twice"))),
               "an error without a forced format or a member given twice");
    /* Copies: the next call reuses the extractor's buffers. */
    int nrec = k > 0 ? k : 0;
    cot_buf_t *recs = calloc((size_t)nrec + 1, sizeof *recs);
    for (int i = 0; i < nrec; i++) {
        cot_extract_rec_t r = cot_extract_get(x, i);
        check_record(&r);
        cot_buf_add(&recs[i], r.json, r.len);
    }
    cot_extract_free(x);
    cJSON_Delete(obj);

    /* Idempotence: cot-extract over its own output changes nothing. */
    cot_extract_opt_t o2 = {0};
    cot_extractor_t *y = cot_extract_new(&o2, &err);
    for (int i = 0; i < nrec; i++) {
        cJSON *r = cJSON_ParseWithLength(recs[i].s, recs[i].len);
        int m = cot_extract_line(y, r, "out.jsonl", 1, &kind, &why);
        FUZZ_CHECK(m == 1, "a record extracted again gave %d records", m);
        cot_extract_rec_t again = cot_extract_get(y, 0);
        FUZZ_CHECK(again.len == recs[i].len && !memcmp(again.json, recs[i].s, again.len),
                   "extracting a record again changed it:\n%.*s\n%.*s", (int)recs[i].len,
                   recs[i].s, (int)again.len, again.json);
        cJSON_Delete(r);
        cot_buf_free(&recs[i]);
    }
    free(recs);
    cot_extract_free(y);
    cot_buf_free(&err);
    return 0;
}
