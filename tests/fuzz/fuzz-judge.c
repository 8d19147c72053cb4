/* fuzz-judge -- cot-judge's record path (lib/judge.c: the default pack and
 * every built-in detector, answer.c, cuetext.c) on one record.
 *
 * The input is PROMPT, COT and ANSWER separated by 0x01 bytes (a missing
 * part, or one that is the byte 0x02, is an absent field; parts that are not valid UTF-8 are skipped, as
 * every reader rejects such a line).  Records without a prompt or an
 * answer are skipped: cot-judge rejects them before the judge.  The record is judged twice with one
 * context, then with a fresh context; checked:
 *   - it is judged (rule limits aside, which give -1 and a message);
 *   - the three judge objects print the same (no state kept between
 *     records);
 *   - the verdict is a known name and labels are strings;
 *   - every evidence item names a field the record has, with
 *     0 <= start <= end <= its length, and its text is that span's bytes
 *     (cut at 200 bytes on a character boundary). */
#include "fuzz.h"
#include "judge.h"
#include "record.h"
#include "rules.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <string.h>

static cot_rules_t rules;
static int ready;

static int valid_utf8(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        size_t k = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3
                 : (c & 0xF8) == 0xF0 ? 4 : 0;
        if (!k || i + k > n || (k == 2 && c < 0xC2)) return 0;
        for (size_t e = 1; e < k; e++)
            if ((s[i + e] & 0xC0) != 0x80) return 0;
        if (k == 3) {
            unsigned cp = (c & 0x0F) << 12 | (s[i + 1] & 0x3F) << 6 | (s[i + 2] & 0x3F);
            if (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
        }
        if (k == 4) {
            unsigned cp = (c & 0x07) << 18 | (s[i + 1] & 0x3F) << 12 |
                          (s[i + 2] & 0x3F) << 6 | (s[i + 3] & 0x3F);
            if (cp < 0x10000 || cp > 0x10FFFF) return 0;
        }
        i += k;
    }
    return 1;
}

static const char *field_text(const cot_record_view_t *v, const char *f, size_t *n)
{
    if (!strcmp(f, "cot")) { *n = v->cot_len; return v->cot; }
    if (!strcmp(f, "answer")) { *n = v->answer_len; return v->answer; }
    if (!strcmp(f, "prompt")) { *n = v->prompt_len; return v->prompt; }
    return NULL;
}

static void check_judge(const cJSON *jo, const cot_record_view_t *v)
{
    const cJSON *vd = cJSON_GetObjectItemCaseSensitive(jo, "verdict");
    FUZZ_CHECK(cJSON_IsString(vd) &&
               cot_verdict_parse(vd->valuestring, strlen(vd->valuestring)) >= 0,
               "verdict missing or unknown");
    const cJSON *ls = cJSON_GetObjectItemCaseSensitive(jo, "labels"), *x;
    FUZZ_CHECK(cJSON_IsArray(ls), "labels not an array");
    cJSON_ArrayForEach(x, ls) FUZZ_CHECK(cJSON_IsString(x), "a label is not a string");
    const cJSON *ev = cJSON_GetObjectItemCaseSensitive(jo, "evidence");
    FUZZ_CHECK(cJSON_IsArray(ev), "evidence not an array");
    FUZZ_CHECK(cJSON_GetArraySize(ev) <= COT_JUDGE_MAX_EVIDENCE, "too much evidence");
    cJSON_ArrayForEach(x, ev) {
        const cJSON *f = cJSON_GetObjectItemCaseSensitive(x, "field");
        const cJSON *s = cJSON_GetObjectItemCaseSensitive(x, "start");
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(x, "end");
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(x, "text");
        FUZZ_CHECK(cJSON_IsString(f) && cJSON_IsNumber(s) && cJSON_IsNumber(e) &&
                   cJSON_IsString(t), "an evidence item lacks field, start, end or text");
        size_t n;
        const char *p = field_text(v, f->valuestring, &n);
        FUZZ_CHECK(p, "evidence on field '%s', which the record does not have",
                   f->valuestring);
        FUZZ_CHECK(s->valuedouble >= 0 && s->valuedouble <= e->valuedouble &&
                   e->valuedouble <= (double)n, "evidence [%g, %g) outside %s (%zu bytes)",
                   s->valuedouble, e->valuedouble, f->valuestring, n);
        size_t a = (size_t)s->valuedouble, b = (size_t)e->valuedouble;
        size_t tl = strlen(t->valuestring);
        FUZZ_CHECK(tl <= b - a && tl <= 200 && !memcmp(t->valuestring, p + a, tl),
                   "evidence text is not the bytes of its span");
        FUZZ_CHECK(tl == b - a || tl > 196, "evidence text cut short of 200 bytes");
    }
}

/* Judge rec with j: 0 and the printed judge object in *out, or -1 (a rule
 * limit: the message must say so). */
static int judge(cot_judge_t *j, const cJSON *rec, const cot_record_view_t *v, char **out)
{
    cot_buf_t err = {0};
    cJSON *jo = NULL;
    int rc = cot_judge_record(j, rec, v, &jo, &err);
    if (rc < 0) {
        FUZZ_CHECK(err.len && !jo, "judged -1 without a message");
        cot_buf_free(&err);
        return -1;
    }
    FUZZ_CHECK(jo, "judged 0 without a judge object");
    check_judge(jo, v);
    *out = cJSON_PrintUnformatted(jo);
    cJSON_Delete(jo);
    cot_buf_free(&err);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ready) {
        cot_buf_t err = {0};
        cot_rules_init(&rules);
        if (cot_rules_load(&rules, cot_rules_default, strlen(cot_rules_default),
                           "(built-in)", &err) < 0 || cot_rules_compile(&rules, &err) < 0) {
            fprintf(stderr, "fuzz-judge: default pack: %s\n", err.s ? err.s : "?");
            abort();
        }
        cot_buf_free(&err);
        ready = 1;
    }
    const char *names[3] = {"prompt", "cot", "answer"};
    cJSON *rec = cJSON_CreateObject();
    cJSON_AddStringToObject(rec, "id", "f");
    size_t at = 0;
    for (int k = 0; k < 3 && at <= size; k++) {
        const uint8_t *e = memchr(data + at, 1, size - at);
        size_t n = e ? (size_t)(e - data) - at : size - at;
        if (!(n == 1 && data[at] == 2) && valid_utf8(data + at, n) && !memchr(data + at, 0, n)) {
            char *s = cot_malloc(n + 1);
            memcpy(s, data + at, n);
            s[n] = 0;
            cJSON_AddStringToObject(rec, names[k], s);
            free(s);
        }
        at += n + 1;
    }
    cot_record_view_t v;
    /* what cot-judge needs of a record (an absent cot is judged) */
    if (cot_record_view(rec, COT_NEED_ID | COT_NEED_PROMPT | COT_NEED_ANSWER, &v)) {
        cJSON_Delete(rec);
        return 0;
    }
    cot_judge_t j, fresh;
    cot_judge_init(&j, &rules);
    char *a = NULL, *b = NULL, *c = NULL;
    int ra = judge(&j, rec, &v, &a);
    int rb = judge(&j, rec, &v, &b);
    cot_judge_init(&fresh, &rules);
    int rc = judge(&fresh, rec, &v, &c);
    FUZZ_CHECK(ra == rb && rb == rc, "judged %d, then %d, then %d (fresh)", ra, rb, rc);
    if (ra == 0)
        FUZZ_CHECK(!strcmp(a, b) && !strcmp(a, c), "the same record judged otherwise:\n%s\n%s\n%s",
                   a, b, c);
    free(a); free(b); free(c);
    cot_judge_free(&j);
    cot_judge_free(&fresh);
    cJSON_Delete(rec);
    return 0;
}
