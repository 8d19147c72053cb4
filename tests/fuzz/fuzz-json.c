/* fuzz-json -- the one-pass JSON parser (lib/json.c) as a differential
 * against cJSON: whenever the fast path accepts a line, cJSON must accept it
 * too and build the same tree (cJSON_Compare, node types, key order, exact
 * doubles and valueint). */
#define _GNU_SOURCE 1   /* memmem */
#include "fuzz.h"
#include "json.h"
#include "util.h"

#include <math.h>
#include <string.h>

static void same(const cJSON *a, const cJSON *b, int depth)
{
    FUZZ_CHECK((a->type & 0xFF) == (b->type & 0xFF), "node type %d vs %d at depth %d",
               a->type & 0xFF, b->type & 0xFF, depth);
    FUZZ_CHECK(!a->string == !b->string && (!a->string || !strcmp(a->string, b->string)),
               "key '%s' vs '%s'", a->string ? a->string : "(none)", b->string ? b->string : "(none)");
    if (cJSON_IsNumber(a)) {
        FUZZ_CHECK(!memcmp(&a->valuedouble, &b->valuedouble, sizeof(double)) &&
                   a->valueint == b->valueint, "number %.17g vs %.17g", a->valuedouble, b->valuedouble);
    }
    if (cJSON_IsString(a) || cJSON_IsRaw(a))
        FUZZ_CHECK(!strcmp(a->valuestring, b->valuestring), "string differs");
    const cJSON *x = a->child, *y = b->child;
    for (; x && y; x = x->next, y = y->next) same(x, y, depth + 1);
    FUZZ_CHECK(!x && !y, "child count differs at depth %d", depth);
}

/* Where cJSON_Compare is wrong about equal trees: an object with a
 * duplicate key (it looks keys up by name), and infinities (inf - inf is
 * NaN).  same() checks those strictly. */
static int compare_blind(const cJSON *o)
{
    if (cJSON_IsNumber(o) && !isfinite(o->valuedouble)) return 1;
    for (const cJSON *c = o->child; c; c = c->next) {
        if (compare_blind(c)) return 1;
        if (cJSON_IsObject(o))
            for (const cJSON *d = c->next; d; d = d->next)
                if (!strcmp(c->string, d->string)) return 1;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static cot_buf_t scratch;
    const char *text = (const char *)data;
    cJSON *fast = cot_json_parse_fast(text, size, &scratch);
    if (!fast) return 0;
    FUZZ_CHECK(cJSON_IsObject(fast), "the fast path returned a non-object");
    /* The checks the slow path of lib/jsonl.c makes, in its order: the fast
     * path may only accept what they all accept. */
    FUZZ_CHECK(!memchr(text, 0, size), "the fast path accepted a NUL byte");
    FUZZ_CHECK(cot_utf8_check(text, size) == size, "the fast path accepted invalid UTF-8");
    const char *end = NULL;
    cJSON *ref = cJSON_ParseWithLengthOpts(text, size, &end, 0);
    FUZZ_CHECK(ref != NULL, "the fast path accepted what cJSON refuses");
    for (; end < text + size; end++)
        FUZZ_CHECK(*end == ' ' || *end == '\t' || *end == '\r', "text after the value accepted");
    FUZZ_CHECK(cJSON_IsObject(ref), "cJSON read a non-object");
    for (const char *q = text; (q = memmem(q, (size_t)(text + size - q), "\\u0000", 6)); q += 6) {
        const char *k = q;
        while (k > text && k[-1] == '\\') k--;
        FUZZ_CHECK((q - k) % 2 == 1, "the fast path accepted \\u0000");
    }
    FUZZ_CHECK(cJSON_Compare(fast, ref, 1) || compare_blind(ref),
               "cJSON_Compare says the trees differ");
    same(fast, ref, 0);
    cJSON_Delete(ref);
    cJSON_Delete(fast);
    return 0;
}
