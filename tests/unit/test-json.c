/* test-json.c -- the fast line parser builds exactly cJSON's tree, or gives
 * up (lib/json.c). */
#include "json.h"
#include "tap.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Same tree: types, keys, strings, doubles, valueint, order, and the
 * first child's prev pointing at the last. */
static int same(const cJSON *a, const cJSON *b)
{
    if (!a || !b) return a == b;
    if ((a->type & 0xFF) != (b->type & 0xFF) || a->valueint != b->valueint) return 0;
    if (memcmp(&a->valuedouble, &b->valuedouble, sizeof a->valuedouble)) return 0;
    if ((a->string == NULL) != (b->string == NULL)) return 0;
    if (a->string && strcmp(a->string, b->string)) return 0;
    if ((a->valuestring == NULL) != (b->valuestring == NULL)) return 0;
    if (a->valuestring && strcmp(a->valuestring, b->valuestring)) return 0;
    const cJSON *x = a->child, *y = b->child, *lx = NULL, *ly = NULL;
    for (; x && y; x = x->next, y = y->next) {
        if (!same(x, y)) return 0;
        lx = x;
        ly = y;
    }
    if (x || y) return 0;
    if (a->child && (a->child->prev != lx || b->child->prev != ly)) return 0;
    return 1;
}

static cot_buf_t scratch;

/* 1: fast path took it and agrees with cJSON; 0: gave up; -1: disagrees. */
static int check(const char *s, size_t n)
{
    cJSON *f = cot_json_parse_fast(s, n, &scratch);
    if (!f) return 0;
    const char *end = NULL;
    cJSON *c = cJSON_ParseWithLengthOpts(s, n, &end, 0);
    int ok = c && cJSON_IsObject(c) && same(f, c) && !memchr(s, '\0', n) &&
             cot_utf8_check(s, n) == n;
    for (size_t i = 0; ok && end && end + i < s + n; i++)
        ok = end[i] == ' ' || end[i] == '\t' || end[i] == '\r';
    cJSON_Delete(f);
    cJSON_Delete(c);
    return ok ? 1 : -1;
}

static int checks(const char *s) { return check(s, strlen(s)); }

static void test_fixed(void)
{
    tap_is_long(checks("{}"), 1, "empty object");
    tap_is_long(checks("  {\"a\" : [1, -2.5e3, 0, -0, 1E-2, true, false, null, {}, []] }\r"), 1,
                "all value kinds, spaces");
    tap_is_long(checks("{\"s\":\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t \\u00e9 \\u20AC \\ud83d\\ude00 caf\xC3\xA9\"}"),
                1, "escapes, \\u, surrogate pair, raw UTF-8");
    tap_is_long(checks("{\"a\":1,\"a\":2}"), 1, "duplicate keys kept in order");
    tap_is_long(checks("{\"big\":1e400,\"i\":3000000000,\"n\":-3000000000}"), 1,
                "huge numbers saturate valueint as cJSON does");
    static const char *const bail[] = {
        "[1]", "\"s\"", "{\"a\":1} x", "{\"a\":1}\n", "{\"a\":\"\\u0000\"}", "{\"a\":\"\x01\"}",
        "{\"a\":01}", "{\"a\":1.}", "{\"a\":.5}", "{\"a\":+1}", "{\"a\":\"\\ud800\"}",
        "{\"a\":\"\\udc00\"}", "\xEF\xBB\xBF{}", "{\"a\":\"\xC3\"}", "{\"a\":\"\xED\xA0\x80\"}",
        "{\"a\":tru}", "{\"a\":1,}", "{,}", "{\"a\" 1}", "{\"a\":\"\\x41\"}", "{\"a\":1",
        "{\"a\":\"b}", "{\x01}", "{\"a\":[1 2]}", "{\"a\":\"\\u12\"}",
        "{\"a\":1234567890123456789012345678901234567890123456789012345678901234567890}",
    };
    int gave_up = 0;
    for (size_t i = 0; i < sizeof bail / sizeof *bail; i++) gave_up += checks(bail[i]) == 0;
    tap_is_long(gave_up, (long)(sizeof bail / sizeof *bail), "every odd line is left to cJSON");
    char deep[1200];
    size_t k = 0;
    deep[k++] = '{';
    deep[k++] = '"'; deep[k++] = 'a'; deep[k++] = '"'; deep[k++] = ':';
    for (int i = 0; i < 200; i++) deep[k++] = '[';
    for (int i = 0; i < 200; i++) deep[k++] = ']';
    deep[k++] = '}';
    tap_is_long(check(deep, k), 1, "200 levels");
    k = 5;
    for (int i = 0; i < 300; i++) deep[k++] = '[';
    for (int i = 0; i < 300; i++) deep[k++] = ']';
    deep[k++] = '}';
    tap_is_long(check(deep, k), 0, "300 levels: left to cJSON");
}

/* ---- random objects, and random damage to them ---------------------------- */

static void rnd_ws(cot_buf_t *b)
{
    static const char *const w[] = {"", "", "", " ", "\t", "  ", "\r"};
    cot_buf_adds(b, w[rand() % 7]);
}

static void rnd_string(cot_buf_t *b)
{
    static const char *const parts[] = {
        "a", "hello", " ", "\\n", "\\\"", "\\\\", "\\/", "\\t", "\\u00e9", "\\u0041",
        "\\uD83D\\uDE00", "\xC3\xA9", "\xE2\x80\x94", "\xF0\x9F\x98\x80", "<think>", "\\r\\n",
        "\\b", "\\f", "\\u001f", "\\uFFFF", "0", "{", "]", ",", ":",
    };
    cot_buf_addc(b, '"');
    int n = rand() % 8;
    for (int i = 0; i < n; i++) cot_buf_adds(b, parts[rand() % (sizeof parts / sizeof *parts)]);
    if (rand() % 4 == 0)
        for (int i = rand() % 40; i > 0; i--) cot_buf_addc(b, (char)('a' + rand() % 26));
    cot_buf_addc(b, '"');
}

static void rnd_value(cot_buf_t *b, int depth)
{
    static const char *const nums[] = {
        "0", "-0", "1", "-17", "3.25", "1e9", "-2.5E-3", "12345678901234567890",
        "0.1", "1e308", "4e-320", "2147483647", "-2147483648", "9007199254740993",
    };
    int k = rand() % (depth > 4 ? 6 : 8);
    switch (k) {
    case 0: case 1: rnd_string(b); break;
    case 2: cot_buf_adds(b, nums[rand() % (sizeof nums / sizeof *nums)]); break;
    case 3: cot_buf_adds(b, "true"); break;
    case 4: cot_buf_adds(b, "false"); break;
    case 5: cot_buf_adds(b, "null"); break;
    default: {
        int obj = k == 6, n = rand() % 5;
        cot_buf_addc(b, obj ? '{' : '[');
        rnd_ws(b);
        for (int i = 0; i < n; i++) {
            if (i) { cot_buf_addc(b, ','); rnd_ws(b); }
            if (obj) { rnd_string(b); rnd_ws(b); cot_buf_addc(b, ':'); rnd_ws(b); }
            rnd_value(b, depth + 1);
            rnd_ws(b);
        }
        cot_buf_addc(b, obj ? '}' : ']');
    }
    }
}

static void test_random(void)
{
    srand(4242);
    cot_buf_t b = {0};
    int took = 0, bad = 0, damaged_took = 0, damaged_left = 0;
    for (int i = 0; i < 20000; i++) {
        cot_buf_clear(&b);
        cot_buf_addc(&b, '{');
        int n = rand() % 6;
        for (int k = 0; k < n; k++) {
            if (k) cot_buf_addc(&b, ',');
            rnd_string(&b);
            cot_buf_addc(&b, ':');
            rnd_ws(&b);
            rnd_value(&b, 1);
        }
        cot_buf_addc(&b, '}');
        int r = check(b.s, b.len);
        took += r == 1;
        bad += r < 0;
        if (r < 0) tap_diag("disagrees: %s", b.s);
        /* damage: flip, drop or insert one byte, several times */
        for (int d = 0; d < 4 && b.len > 2; d++) {
            size_t at = (size_t)rand() % b.len;
            int how = rand() % 3;
            static const char pool[] = "\"\\{}[],:0-.eE \x01\x80\xC3\xA9tfnu";
            char c = pool[rand() % (sizeof pool - 1)];
            if (how == 0) b.s[at] = c;
            else if (how == 1) { memmove(b.s + at, b.s + at + 1, b.len - at - 1); b.len--; }
            else { cot_buf_addc(&b, 0); memmove(b.s + at + 1, b.s + at, b.len - at - 1); b.s[at] = c; }
            r = check(b.s, b.len);
            if (r < 0) { bad++; tap_diag("disagrees after damage: %.*s", (int)b.len, b.s); }
            damaged_took += r == 1;
            damaged_left += r == 0;
        }
    }
    tap_is_long(bad, 0, "20000 random objects and 80000 damaged ones: never a different tree");
    tap_ok(took > 19000, "random valid objects take the fast path (%d)", took);
    tap_ok(damaged_took > 1000 && damaged_left > 20000,
           "damage is sometimes harmless, mostly not (%d taken, %d left)", damaged_took,
           damaged_left);
    cot_buf_free(&b);
}

/* The writer's escaping is cJSON's, byte for byte, on every ASCII byte and
 * at every alignment (the 16- and 8-byte paths and the tail). */
static void test_writer(void)
{
    srand(7);
    int bad = 0;
    cot_buf_t b = {0};
    char s[200];
    for (int i = 0; i < 5000 && !bad; i++) {
        size_t n = (size_t)(rand() % 199);
        for (size_t k = 0; k < n; k++) {
            int r = rand() % 10;
            s[k] = r < 6 ? (char)('a' + rand() % 26) : (char)(1 + rand() % 127);
        }
        s[n] = '\0';
        cJSON *j = cJSON_CreateString(s);
        char *want = cJSON_PrintUnformatted(j);
        cot_buf_clear(&b);
        cot_buf_add_json_str(&b, s, n);
        if (strcmp(cot_buf_cstr(&b), want)) {
            bad = 1;
            tap_diag("got %s want %s", b.s, want);
        }
        cJSON_free(want);
        cJSON_Delete(j);
    }
    tap_ok(!bad, "cot_buf_add_json_str escapes as cJSON prints, 5000 random strings");
    cot_buf_free(&b);
}

int main(void)
{
    test_writer();
    test_fixed();
    test_random();
    cot_buf_free(&scratch);
    return tap_done();
}
