/* fuzz-json -- the one-pass JSON parser (lib/json.c) as a differential
 * against cJSON: whenever the fast path accepts a line, cJSON must accept it
 * too and build the same tree (cJSON_Compare, node types, key order, exact
 * doubles and valueint).  And the member parse against the full one: it
 * takes exactly the lines the full parse takes, builds the named members as
 * it builds them, calls a line canonical exactly when cot_json_print()
 * writes that line for the tree, and splices a member in as
 * cot_record_set() and cot_json_print() would. */
#define _GNU_SOURCE 1   /* memmem */
#include "fuzz.h"
#include "json.h"
#include "record.h"
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

/* The member parse of text, with a key set the data picks, against the
 * full fast parse `fast` (NULL: it gave up). */
static void members(const char *text, size_t size, const cJSON *fast, cot_buf_t *scratch)
{
    static const char *const pool[] = {"id", "cot", "judge", "a", "", "b"};
    static cot_json_members_t m;
    static cot_buf_t out, want;
    const char *keys[6];
    size_t nk = 0;
    unsigned pick = size ? (unsigned char)text[size / 2] : 0;
    for (int i = 0; i < 6; i++)
        if (pick >> i & 1) keys[nk++] = pool[i];
    m.keys = pick & 0x40 ? NULL : keys;
    m.nkeys = nk;
    cJSON *part = cot_json_parse_members(text, size, scratch, &m);
    FUZZ_CHECK(!part == !fast, "the member parse %s a line the full one %s",
               part ? "took" : "gave up", fast ? "took" : "gave up");
    if (!part) {
        FUZZ_CHECK(!m.canonical && !m.nspan, "spans after giving up");
        return;
    }
    const cJSON *c = fast->child, *d = part->child;
    size_t n = 0, skipped = 0;
    for (; c; c = c->next, n++) {
        int named = !m.keys;
        for (size_t i = 0; i < nk && !named; i++) named = !strcmp(c->string, keys[i]);
        if (!named) { skipped++; continue; }
        FUZZ_CHECK(d != NULL, "a named member is missing");
        same(c, d, 1);
        d = d->next;
    }
    FUZZ_CHECK(!d && n == m.nspan && skipped == m.skipped, "members %zu/%zu, skipped %zu/%zu",
               n, m.nspan, skipped, m.skipped);
    cot_buf_clear(&want);
    cot_json_print(&want, fast);
    int printed = want.len == size && !memcmp(want.s, text, size);
    FUZZ_CHECK(m.canonical == printed, "canonical %d, but the writer %s the line", m.canonical,
               printed ? "prints" : "does not print");
    /* a name found by its span is the member cJSON finds in the full tree */
    static const char *const find[] = {"id", "cot", "judge", "a"};
    for (int f = 0; f < 4; f++) {
        size_t v = 0, e = 0, esc = 0;
        int r = cot_json_member_find(text, &m, find[f], &v, &e);
        const cJSON *want = cJSON_GetObjectItemCaseSensitive(fast, find[f]);
        for (size_t i = 0; i < m.nspan; i++)
            esc += memchr(text + m.span[i].start, '\\',
                          m.span[i].key_end - m.span[i].start) != NULL;
        FUZZ_CHECK(r >= 0 || esc, "%s: unsure with no escaped name", find[f]);
        FUZZ_CHECK(r != 0 || !want, "%s: not found, but cJSON finds it", find[f]);
        if (r == 1) {
            FUZZ_CHECK(want != NULL && v < e && e <= size && !strchr(" \t\r\n", text[v]),
                       "%s: found, but not as cJSON finds it", find[f]);
            cJSON *got = cot_json_parse(text + v, e - v);
            FUZZ_CHECK(got != NULL, "%s: the value found does not parse", find[f]);
            got->string = want->string;
            same(got, want, 1);
            got->string = NULL;
            cJSON_Delete(got);
        }
    }
    /* spaced: the writer prints the line once the whitespace outside its
     * strings is gone */
    cot_buf_clear(&out);
    for (size_t i = 0, in = 0; i < size; i++) {
        char ch = text[i];
        if (in) {
            cot_buf_addc(&out, ch);
            if (ch == '\\' && i + 1 < size) cot_buf_addc(&out, text[++i]);
            else if (ch == '"') in = 0;
        } else if (ch == '"') {
            in = 1;
            cot_buf_addc(&out, ch);
        } else if (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r') {
            cot_buf_addc(&out, ch);
        }
    }
    int squeezed = !printed && want.len == out.len && !memcmp(want.s, out.s, out.len);
    FUZZ_CHECK(m.spaced == squeezed, "spaced %d, but the line squeezed %s the writer's",
               m.spaced, squeezed ? "is" : "is not");
    if (m.canonical || m.spaced) {
        /* set "judge" (in place or appended) then "b": as cot_record_set() */
        cJSON *t = cJSON_Duplicate(fast, 1);
        cot_json_set_t set[2] = {{"judge", "[1,\"x\"]", 7}, {"b", "null", 4}};
        cot_record_set(t, "judge", cot_json_parse(set[0].text, set[0].len));
        cot_record_set(t, "b", cJSON_CreateNull());
        cot_buf_clear(&want);
        cot_json_print(&want, t);
        cJSON_Delete(t);
        cot_buf_clear(&out);
        FUZZ_CHECK(cot_json_splice(&out, text, size, &m, set, 2) == 0, "splice refused");
        FUZZ_CHECK(out.len == want.len && !memcmp(out.s, want.s, out.len),
                   "splice: %s, the writer: %s", cot_buf_cstr(&out), cot_buf_cstr(&want));
    }
    cJSON_Delete(part);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static cot_buf_t scratch;
    const char *text = (const char *)data;
    cJSON *fast = cot_json_parse_fast(text, size, &scratch);
    members(text, size, fast, &scratch);
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
