/* test-json.c -- the fast line parser builds exactly cJSON's tree, or gives
 * up; numbers keep their source text through both parsers and the writer,
 * which otherwise prints what cJSON prints (lib/json.c). */
#include "json.h"
#include "jsonl.h"
#include "record.h"
#include "tap.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

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
    /* cJSON's tree gets its numbers' text the way the reader gives it */
    int ok = c && cot_json_keep_numbers(c, s, n) == 0;
    ok = ok && cJSON_IsObject(c) && same(f, c) && !memchr(s, '\0', n) &&
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

/* ---- members: built only when named, checked always; splice ------------- */

static const char *const member_keys[] = {"id", "cot", "judge", "a", "", "caf\xC3\xA9"};
static const char *const key_spellings[] = {
    "\"id\"", "\"cot\"", "\"judge\"", "\"a\"", "\"\"", "\"caf\xC3\xA9\"",
    "\"\\u006a\\u0075dge\"", "\"caf\\u00e9\"", "\"a\\/\"", "\"x\"", "\"b\\n\"",
};

/* A random record whose top-level keys repeat (duplicates, \u spellings). */
static void rnd_record(cot_buf_t *b, int ws)
{
    cot_buf_clear(b);
    if (ws && rand() % 8 == 0) cot_buf_addc(b, ' ');
    cot_buf_addc(b, '{');
    int n = rand() % 7;
    for (int k = 0; k < n; k++) {
        if (k) cot_buf_addc(b, ',');
        if (ws) rnd_ws(b);
        cot_buf_adds(b, key_spellings[rand() % (sizeof key_spellings / sizeof *key_spellings)]);
        if (ws) rnd_ws(b);
        cot_buf_addc(b, ':');
        if (ws) rnd_ws(b);
        rnd_value(b, 1);
    }
    cot_buf_addc(b, '}');
    if (ws && rand() % 8 == 0) cot_buf_adds(b, rand() % 2 ? "\r" : " ");
}

static int key_in(const char *k, const char *const *keys, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(k, keys[i])) return 1;
    return 0;
}

/* s[0..n) without the whitespace outside strings: what a spaced line
 * squeezes to (a reference, one byte at a time). */
static void squeeze_ref(const char *s, size_t n, cot_buf_t *out)
{
    int in = 0;
    cot_buf_clear(out);
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (in) {
            cot_buf_addc(out, c);
            if (c == '\\' && i + 1 < n) cot_buf_addc(out, s[++i]);
            else if (c == '"') in = 0;
        } else if (c == '"') {
            in = 1;
            cot_buf_addc(out, c);
        } else if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
            cot_buf_addc(out, c);
        }
    }
    cot_buf_cstr(out);
}

/* One line through the member parser with a random key set: 1 taken and
 * right, 0 given up by both parsers, -1 wrong.  *canon: m.canonical. */
static int check_members(const char *s, size_t n, cot_json_members_t *m, int *canon)
{
    const char *keys[6];
    size_t nk = 0;
    for (size_t i = 0; i < sizeof member_keys / sizeof *member_keys; i++)
        if (rand() % 2) keys[nk++] = member_keys[i];
    m->keys = rand() % 10 ? keys : NULL;
    m->nkeys = nk;
    cJSON *full = cot_json_parse_fast(s, n, &scratch);
    cJSON *part = cot_json_parse_members(s, n, &scratch, m);
    *canon = m->canonical;
    int ok = 1;
    if (!full || !part) {
        ok = !full && !part && !m->canonical && !m->nspan ? 0 : -1;
        goto out;
    }
    /* the named members, all of them, in order; the others skipped */
    const cJSON *c = full->child, *d = part->child;
    size_t members = 0, skipped = 0;
    for (; c; c = c->next, members++) {
        if (m->keys && !key_in(c->string, keys, nk)) { skipped++; continue; }
        if (!d || !same(c, d)) { ok = -1; break; }
        d = d->next;
    }
    if (d || skipped != m->skipped || members != m->nspan) ok = -1;
    /* each span is its member: key, then ':' and the value */
    for (size_t i = 0; ok > 0 && i < m->nspan; i++) {
        const cot_json_span_t *sp = &m->span[i];
        if (sp->start >= sp->key_end || sp->key_end >= sp->end || sp->end > n ||
            s[sp->start] != '"' || s[sp->key_end - 1] != '"' ||
            (i && sp->start < m->span[i - 1].end)) ok = -1;
    }
    /* each plain name found by its span as the full tree finds it: the
     * first member of that name, its value's text that value; unsure only
     * past a name written with an escape */
    static const char *const find[] = {"id", "cot", "judge", "a", "caf\xC3\xA9", "zz"};
    for (size_t f = 0; ok > 0 && f < sizeof find / sizeof *find; f++) {
        size_t v = 0, e = 0, esc = 0;
        int r = cot_json_member_find(s, m, find[f], &v, &e);
        const cJSON *want = cJSON_GetObjectItemCaseSensitive(full, find[f]);
        for (size_t i = 0; i < m->nspan; i++)
            esc += memchr(s + m->span[i].start, '\\', m->span[i].key_end - m->span[i].start) != NULL;
        /* and counted as the full tree's members of that name */
        int k = cot_json_member_count(s, m, find[f]), tk = 0;
        for (const cJSON *c = full->child; c; c = c->next)
            tk += c->string && !strcmp(c->string, find[f]);
        if (k < 0 ? !esc : k != tk) ok = -1;
        if (r < 0) { if (!esc) ok = -1; continue; }
        if (r == 0) { if (want) ok = -1; continue; }
        if (v >= e || strchr(" \t\r\n", s[v]) || strchr(" \t\r\n", s[e - 1])) {
            ok = -1;                /* the value's first and last bytes */
            continue;
        }
        cJSON *got = want ? cot_json_parse(s + v, e - v) : NULL;
        if (got) got->string = want->string;        /* the value, not its key */
        if (!got || !same(got, want)) ok = -1;
        if (got) got->string = NULL;
        cJSON_Delete(got);
    }
    /* canonical: exactly what the writer prints for the whole tree;
     * spaced: that once the whitespace outside strings is dropped */
    cot_buf_t p = {0}, q = {0};
    cot_json_print(&p, full);
    squeeze_ref(s, n, &q);
    int canonical = p.len == n && !memcmp(p.s, s, n);
    int spaced = !canonical && p.len == q.len && !memcmp(p.s, q.s, q.len);
    if (ok > 0 && (m->canonical != canonical || m->spaced != spaced)) ok = -1;
    cot_buf_free(&p);
    cot_buf_free(&q);
out:
    if (ok < 0) tap_diag("members disagree (canonical %d, spaced %d): %.*s", m->canonical,
                         m->spaced, (int)n, s);
    cJSON_Delete(full);
    cJSON_Delete(part);
    return ok;
}

/* Splice 1..4 members into canonical (or spaced) line s and compare with the writer's
 * text for the tree after cot_record_set() of each: 1 same, -1 not. */
static int check_splice(const char *s, size_t n, const cot_json_members_t *m)
{
    static const char *const set_keys[] = {"judge", "id", "new", "a", "shift", "caf\xC3\xA9"};
    cJSON *tree = cot_json_parse_fast(s, n, &scratch);
    cot_buf_t vals[4] = {{0}}, got = {0}, want = {0}, v = {0};
    cot_json_set_t set[4];
    size_t nset = 1 + (size_t)rand() % 4;
    for (size_t i = 0; i < nset; i++) {
        cot_buf_clear(&v);
        rnd_value(&v, 1);
        cJSON *val = cot_json_parse(v.s, v.len);
        if (!val) {                      /* rnd_value made a surrogate-free, valid value */
            i--;
            continue;
        }
        cot_json_print(&vals[i], val);
        set[i] = (cot_json_set_t){set_keys[rand() % 6], vals[i].s, vals[i].len};
        cot_record_set(tree, set[i].key, val);
    }
    cot_json_print(&want, tree);
    cot_buf_adds(&got, "prefix:");
    int r = cot_json_splice(&got, s, n, m, set, nset);
    int ok = r == 0 && got.len == want.len + 7 && !memcmp(got.s + 7, want.s, want.len);
    if (!ok) tap_diag("splice: %.*s\n  got  %s\n  want %s", (int)n, s, got.s, want.s);
    cJSON_Delete(tree);
    for (int i = 0; i < 4; i++) cot_buf_free(&vals[i]);
    cot_buf_free(&got);
    cot_buf_free(&want);
    cot_buf_free(&v);
    return ok ? 1 : -1;
}

static void test_members_random(void)
{
    srand(1414);
    cot_buf_t b = {0}, c = {0};
    cot_json_members_t m = {0};
    int bad = 0, took = 0, canon = 0, spaced = 0, spliced = 0, damaged = 0, cf;
    for (int i = 0; i < 20000; i++) {
        rnd_record(&b, i % 2);
        int r = check_members(b.s, b.len, &m, &cf);
        bad += r < 0;
        took += r > 0;
        canon += cf;
        spaced += r > 0 && m.spaced;
        if (r > 0 && (cf || m.spaced)) { bad += check_splice(b.s, b.len, &m) < 0; spliced++; }
        /* the writer's text of the same record: canonical, and splices */
        cJSON *t = cot_json_parse_fast(b.s, b.len, &scratch);
        if (t) {
            cot_buf_clear(&c);
            cot_json_print(&c, t);
            cJSON_Delete(t);
            r = check_members(c.s, c.len, &m, &cf);
            if (r <= 0 || !cf) { bad++; tap_diag("printed, not canonical: %s", c.s); }
            else { bad += check_splice(c.s, c.len, &m) < 0; spliced++; }
        }
        /* damage: the member parser gives up exactly where the full one does */
        for (int d = 0; d < 3 && b.len > 2; d++) {
            size_t at = (size_t)rand() % b.len;
            static const char pool[] = "\"\\{}[],:0-.eE \x01\x80\xC3\xA9tfnu/";
            b.s[at] = pool[rand() % (sizeof pool - 1)];
            r = check_members(b.s, b.len, &m, &cf);
            bad += r < 0;
            damaged += r > 0;
        }
    }
    tap_is_long(bad, 0, "20000 random records, their printed text and 60000 damaged: the "
                "named members as the full parse builds them, the same lines given up, "
                "canonical exactly when the writer prints the line, spaced exactly when it "
                "does once the whitespace outside strings is gone, splices as cot_record_set()");
    tap_ok(took > 15000 && canon > 2000 && spaced > 2000 && spliced > 24000 && damaged > 1000,
           "coverage: %d taken, %d canonical and %d spaced as generated, %d spliced, "
           "%d damaged taken", took, canon, spaced, spliced, damaged);
    cot_json_members_free(&m);
    cot_buf_free(&b);
    cot_buf_free(&c);
}

/* canonical or not, one line at a time */
static int canon_of(const char *s)
{
    cot_json_members_t m = {0};
    static const char *const none[1] = {"-"};
    m.keys = none;
    m.nkeys = 0;
    cJSON *j = cot_json_parse_members(s, strlen(s), &scratch, &m);
    int r = j ? m.canonical + 2 * m.spaced : -1;
    cJSON_Delete(j);
    cot_json_members_free(&m);
    return r;
}

/* A string's run of plain bytes ends where it ends, 16 and 32 bytes a
 * step or byte by byte: an escape, a non-ASCII character, a raw control
 * byte (given up) or the closing quote at every offset of strings up to 100
 * bytes, at every alignment; the tree is cJSON's. */
static void test_plain_runs(void)
{
    static const char *const stops[] = {"\\\"", "\\\\", "\\n", "\xc3\xa9", "\x01", "\\u00e9", ""};
    cot_buf_t b = {0};
    int bad = 0, taken = 0;
    for (int lead = 0; lead < 4; lead++)
        for (size_t n = 0; n <= 100; n++)
            for (size_t at = 0; at <= n; at++)
                for (size_t k = 0; k < sizeof stops / sizeof *stops; k++) {
                    cot_buf_clear(&b);
                    for (int i = 0; i < lead; i++) cot_buf_addc(&b, ' ');
                    cot_buf_adds(&b, "{\"a\":\"");
                    for (size_t i = 0; i < n; i++) {
                        if (i == at) cot_buf_adds(&b, stops[k]);
                        cot_buf_addc(&b, (char)('a' + i % 26));
                    }
                    if (at == n) cot_buf_adds(&b, stops[k]);
                    cot_buf_adds(&b, "\"}");
                    cJSON *f = cot_json_parse_fast(b.s, b.len, &scratch);
                    cJSON *c = stops[k][0] == '\x01' ? NULL : cJSON_ParseWithLength(b.s, b.len);
                    if (!f != !c || (f && !same(f, c))) { if (!bad++) tap_diag("k %zu n %zu at %zu lead %d: %s", k, n, at, lead, b.s); }
                    taken += f != NULL;
                    cJSON_Delete(f);
                    cJSON_Delete(c);
                }
    tap_ok(!bad && taken > 100000, "plain runs end at every escape, character and quote, "
           "at every offset and alignment (%d wrong, %d taken)", bad, taken);
    cot_buf_free(&b);
}

static void test_members_fixed(void)
{
    static const struct { const char *line; int canon; } c[] = {
        {"{}", 1}, {"{\"a\":1}", 1}, {"{\"a\":1.0,\"b\":1e400,\"c\":-0,\"d\":1E+2}", 1},
        {"{\"a\":\"q\\\" b\\\\ \\n\\r\\t\\b\\f\\u001f\\u0001 \x7f caf\xC3\xA9\"}", 1},
        {"{\"a\":[{},[],true,false,null,\"\"]}", 1},
        {"{\"a\":\"\\/\"}", 0}, {"{\"a\":\"\\u00e9\"}", 0}, {"{\"a\":\"\\u001F\"}", 0},
        {"{\"a\":\"\\u000a\"}", 0}, {"{\"a\":\"\\u0041\"}", 0}, {"{\"a\":\"\\u007f\"}", 0},
        {"{\"a\":\"\\ud83d\\ude00\"}", 0}, {"{\"a\":1} ", 2}, {" {\"a\":1}", 2},
        {"{\"a\":1}\r", 2}, {"{\"a\" :1}", 2}, {"{\"a\": 1}", 2}, {"{\"a\":[1, 2]}", 2},
        {"{\"\\u0061\":1}", 0}, {"{\"a\":{\"b\" : 1}}", 2}, {"{ }", 2},
        {"{\"a\": \"\\/\"}", 0}, {"{\"a\": \"\\u00e9\"}", 0}, {"{\"a\": \" x \"}", 2},
        /* given up in a member that is not built, as when it is */
        {"{\"a\":1,\"x\":\"\xC3\"}", -1}, {"{\"x\":\"\xED\xA0\x80\"}", -1},
        {"{\"x\":\"\\u0000\"}", -1}, {"{\"x\":\"\\ud800\"}", -1}, {"{\"x\":\"\x01\"}", -1},
        {"{\"x\":01}", -1}, {"{\"x\":[1,]}", -1}, {"{\"x\":\"\\x\"}", -1},
        {"{\"x\":1234567890123456789012345678901234567890123456789012345678901234567890}", -1},
    };
    int bad = 0;
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        int r = canon_of(c[i].line);
        if (r != c[i].canon) { bad++; tap_diag("%s: %d, want %d", c[i].line, r, c[i].canon); }
    }
    tap_is_long(bad, 0, "canonical: no whitespace, only the writer's escapes; spaced: "
                "the same but for whitespace between tokens; odd members given up unbuilt");
    /* nesting in a member not built: 256 levels taken, 257 given up */
    cot_buf_t b = {0};
    int r[2];
    for (int k = 0; k < 2; k++) {
        cot_buf_clear(&b);
        cot_buf_adds(&b, "{\"x\":");
        for (int i = 0; i < 255 + k; i++) cot_buf_addc(&b, '[');
        for (int i = 0; i < 255 + k; i++) cot_buf_addc(&b, ']');
        cot_buf_addc(&b, '}');
        cJSON *full = cot_json_parse_fast(b.s, b.len, &scratch);
        r[k] = canon_of(b.s);
        if ((full != NULL) != (r[k] >= 0)) r[k] = -2;
        cJSON_Delete(full);
    }
    tap_ok(r[0] == 1 && r[1] == -1, "depth in a skipped member: 256 taken, 257 given up (%d %d)",
           r[0], r[1]);
    /* splice: in place, appended, twice the same key, an empty object */
    static const struct { const char *line, *want; } sp[] = {
        {"{\"id\":1,\"judge\":{\"old\":1},\"x\":2}", "{\"id\":1,\"judge\":\"J\",\"x\":2,\"shift\":\"S\"}"},
        {"{\"id\":1}", "{\"id\":1,\"shift\":\"S\",\"judge\":\"J\"}"},
        {"{}", "{\"shift\":\"S\",\"judge\":\"J\"}"},
        {"{\"judge\":1,\"judge\":2,\"shift\":3}", "{\"judge\":\"J\",\"judge\":2,\"shift\":\"S\"}"},
        /* spaced: each value without the whitespace between its tokens */
        {" { \"id\" : 1 , \"judge\": {\"old\": [1, \"a \\\" b\"]}, \"x\": \" y \" } \r",
         "{\"id\":1,\"judge\":\"J\",\"x\":\" y \",\"shift\":\"S\"}"},
        {"{\"id\": [ {\"a\" : \"\\\\\"} , null ], \"t\": true}",
         "{\"id\":[{\"a\":\"\\\\\"},null],\"t\":true,\"shift\":\"S\",\"judge\":\"J\"}"},
        {"{ }", "{\"shift\":\"S\",\"judge\":\"J\"}"},
        {"{\"judge\" : 1, \"shift\" :2 }", "{\"judge\":\"J\",\"shift\":\"S\"}"},
    };
    cot_json_set_t set[3] = {{"shift", "\"S\"", 3}, {"judge", "\"j\"", 3}, {"judge", "\"J\"", 3}};
    bad = 0;
    for (size_t i = 0; i < sizeof sp / sizeof *sp; i++) {
        cot_json_members_t m = {0};
        cot_buf_t out = {0};
        cJSON *j = cot_json_parse_members(sp[i].line, strlen(sp[i].line), &scratch, &m);
        if (!j || cot_json_splice(&out, sp[i].line, strlen(sp[i].line), &m, set, 3) < 0 ||
            strcmp(cot_buf_cstr(&out), sp[i].want)) {
            bad++;
            tap_diag("%s: %s, want %s", sp[i].line, out.s ? out.s : "(refused)", sp[i].want);
        }
        cJSON_Delete(j);
        cot_json_members_free(&m);
        cot_buf_free(&out);
    }
    tap_is_long(bad, 0, "splice: in place, appended, the same key twice, an empty object, "
                "spaced lines");
    cot_json_members_t m = {0};
    cot_buf_t out = {0};
    const char *nc = "{\"a\": \"\\/\"}";
    cJSON *j = cot_json_parse_members(nc, strlen(nc), &scratch, &m);
    tap_ok(j && cot_json_splice(&out, nc, strlen(nc), &m, set, 1) < 0 && out.len == 0,
           "splice refuses a line that is neither canonical nor spaced, and writes nothing");
    cJSON_Delete(j);
    cot_json_members_free(&m);
    cot_buf_free(&out);
    cot_buf_free(&b);
}

/* The reader under COT_JSON_NO_FASTPATH: every member, no spans. */
/* ---- sub: a named member's object narrowed to some of its keys --------- */

/* One line with top-level "d" members through the parser with d narrowed
 * to a random key set: 1 right, 0 given up by both, -1 wrong. */
static int check_sub(const char *s, size_t n)
{
    const char *sk[6];
    size_t nk = 0;
    for (size_t i = 0; i < sizeof member_keys / sizeof *member_keys; i++)
        if (rand() % 2) sk[nk++] = member_keys[i];
    static const char *const keys[] = {"d", "id"};
    cot_json_sub_t sub[2] = {{sk, nk}, {NULL, 0}};
    cot_json_members_t m = {0};
    m.keys = keys;
    m.nkeys = 2;
    m.sub = sub;
    cJSON *full = cot_json_parse_fast(s, n, &scratch);
    cJSON *part = cot_json_parse_members(s, n, &scratch, &m);
    int ok = 1;
    if (!full || !part) {
        ok = !full && !part ? 0 : -1;
        goto out;
    }
    size_t skipped = 0;
    const cJSON *d = part->child;
    for (const cJSON *c = full->child; c && ok > 0; c = c->next) {
        if (strcmp(c->string, "d") && strcmp(c->string, "id")) { skipped++; continue; }
        if (!d || strcmp(d->string, c->string)) { ok = -1; break; }
        if (!strcmp(c->string, "d") && cJSON_IsObject(c)) {
            /* exactly the named second-level members, in order */
            const cJSON *y = d->child;
            if (!cJSON_IsObject(d)) ok = -1;
            for (const cJSON *x = c->child; x && ok > 0; x = x->next) {
                if (!key_in(x->string, sk, nk)) { skipped++; continue; }
                if (!y || !same(x, y)) ok = -1;
                else y = y->next;
            }
            if (y) ok = -1;
        } else if (!same(c, d)) ok = -1;
        d = d->next;
    }
    if (d || skipped != m.skipped) ok = -1;
    /* a lookup through a named key finds what the full tree has */
    for (size_t i = 0; ok > 0 && i < nk; i++) {
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(full, "d");
        const cJSON *b = cJSON_GetObjectItemCaseSensitive(part, "d");
        if (!a || !cJSON_IsObject(a)) continue;
        a = cJSON_GetObjectItemCaseSensitive(a, sk[i]);
        b = cJSON_GetObjectItemCaseSensitive(b, sk[i]);
        if (!a != !b || (a && !same(a, b))) ok = -1;
    }
out:
    if (ok < 0) tap_diag("sub disagrees: %.*s", (int)n, s);
    cJSON_Delete(full);
    cJSON_Delete(part);
    cot_json_members_free(&m);
    return ok;
}

static void test_members_sub(void)
{
    srand(2727);
    cot_buf_t b = {0}, inner = {0};
    int bad = 0, took = 0, damaged = 0;
    for (int i = 0; i < 20000; i++) {
        int ws = i % 2;
        cot_buf_clear(&b);
        cot_buf_addc(&b, '{');
        int k = 1 + rand() % 3;
        for (int j = 0; j < k; j++) {
            if (j) cot_buf_addc(&b, ',');
            cot_buf_adds(&b, rand() % 4 ? "\"d\":" : "\"id\":");
            if (rand() % 5) {
                rnd_record(&inner, ws);     /* an object with repeated keys */
                cot_buf_add(&b, inner.s, inner.len);
            } else rnd_value(&b, 1);
        }
        cot_buf_addc(&b, '}');
        int r = check_sub(b.s, b.len);
        bad += r < 0;
        took += r > 0;
        for (int d = 0; d < 2 && b.len > 2; d++) {
            size_t at = (size_t)rand() % b.len;
            static const char pool[] = "\"\\{}[],:0-.eE \x01\x80\xC3\xA9tfnu/";
            b.s[at] = pool[rand() % (sizeof pool - 1)];
            r = check_sub(b.s, b.len);
            bad += r < 0;
            damaged += r > 0;
        }
    }
    tap_is_long(bad, 0, "20000 records and 40000 damaged with d narrowed to random keys: "
                "exactly the named second-level members (duplicates too), the same lines "
                "given up, skipped counts both levels");
    tap_ok(took > 15000 && damaged > 1000, "coverage: %d taken, %d damaged taken", took, damaged);
    cot_buf_free(&b);
    cot_buf_free(&inner);
}

static void test_reader_switch(void)
{
    static const char *const keys[1] = {"a"};
    const char *line = "{\"a\":1,\"b\":2}";
    int got[3];
    for (int mode = 0; mode < 3; mode++) {
        if (mode == 0) unsetenv("COT_JSON_NO_FASTPATH");
        else setenv("COT_JSON_NO_FASTPATH", mode == 1 ? "1" : "cjson", 1);
        cot_jsonl_parser_t p = {0};
        p.members.keys = keys;
        p.members.nkeys = 1;
        char text[64];
        strcpy(text, line);
        cot_line_t l = {.file = "t", .line = 1, .len = strlen(text)};
        int r = cot_jsonl_parse(&p, &l, text, 0);
        got[mode] = r ? -1 : cJSON_GetArraySize(l.json) * 10 + (int)p.members.nspan +
                              100 * p.members.canonical;
        cot_jsonl_parser_free(&p);
    }
    unsetenv("COT_JSON_NO_FASTPATH");
    tap_ok(got[0] == 112 && got[1] == 20 && got[2] == 20,
           "reader: one member built, two spans, canonical; COT_JSON_NO_FASTPATH=1 "
           "and =cjson build both, no spans (%d %d %d)", got[0], got[1], got[2]);
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

/* A random string of up to 100 bytes: mostly letters, now and then any
 * ASCII byte but NUL (escapes), around the 64 bytes the printer takes in
 * one copy. */
static void rnd_cstr(char *s)
{
    size_t n = (size_t)(rand() % 3 ? rand() % 20 : rand() % 101);
    int odd = rand() % 4 == 0;
    for (size_t k = 0; k < n; k++)
        s[k] = odd && rand() % 8 == 0 ? (char)(1 + rand() % 127) : (char)('a' + rand() % 26);
    s[n] = '\0';
}

static cJSON *rnd_tree(int depth)
{
    char s[128];
    switch (depth > 3 ? rand() % 5 : rand() % 7) {
    case 0: rnd_cstr(s); return cJSON_CreateString(s);
    case 1: return cJSON_CreateNumber((double)(rand() % 100000 - 50000));
    case 2: return cJSON_CreateNumber((double)rand() / 7.0);
    case 3: return rand() % 2 ? cJSON_CreateTrue() : cJSON_CreateFalse();
    case 4: return cJSON_CreateNull();
    case 5: {
        cJSON *a = cJSON_CreateArray();
        for (int k = rand() % 4; k; k--) cJSON_AddItemToArray(a, rnd_tree(depth + 1));
        return a;
    }
    default: {
        cJSON *o = cJSON_CreateObject();
        for (int k = rand() % 5; k; k--) {
            rnd_cstr(s);
            cJSON_AddItemToObject(o, s, rnd_tree(depth + 1));
        }
        return o;
    }
    }
}

/* The printer writes what cJSON_PrintUnformatted() writes for a tree a
 * tool built (numbers without source text), appended to what is there,
 * and NUL-terminated. */
static void test_printer(void)
{
    srand(77);
    int bad = 0;
    cot_buf_t b = {0};
    for (int i = 0; i < 5000; i++) {
        cJSON *j = rnd_tree(0);
        char *want = cJSON_PrintUnformatted(j);
        cot_buf_clear(&b);
        cot_buf_adds(&b, "x");
        if (cot_json_print(&b, j) < 0 || b.s[b.len] || strcmp(b.s + 1, want)) {
            if (bad++ < 3) tap_diag("got %s want %s", b.s + 1, want);
        }
        cJSON_free(want);
        cJSON_Delete(j);
    }
    tap_is_long(bad, 0, "cot_json_print prints 5000 random trees as cJSON does, appended, "
                "NUL-terminated");
    cot_buf_free(&b);
}

/* ---- numbers keep their source text -------------------------------------- */

static const char *const spellings[] = {
    "0", "-0", "1", "-1", "1.0", "1.50", "-0.0", "0e0", "0E-0", "1E+2", "1e+2", "1E2",
    "1e-2", "2.5E-3", "100", "0.1", "1e16", "1e15", "6.02214076e23",
    "12345678901234567890", "-12345678901234567890", "9007199254740993",
    "-9007199254740993", "9007199254740992", "1e400", "-1e400", "1e-400",
    "0.30000000000000004", "3.141592653589793238462643383279", "2147483647",
    "2147483648", "-2147483648", "-2147483649", "123456789012345678901234567890",
    "1.7976931348623157e308", "4.9e-324", "5e-324", "0.000001", "1e-7",
    "18446744073709551615", "18446744073709551616", "-1.0e+0",
    "123456789012345678901234567890123456789012345678901234567890123", /* 63 */
};

/* A line with the number in three places (member, array, nested). */
static void number_line(cot_buf_t *b, const char *num, const char *extra)
{
    cot_buf_clear(b);
    cot_buf_printf(b, "{\"id\":%s,\"meta\":{\"seed\":%s,\"steps\":[%s,{\"k\":%s}]}%s}",
                   num, num, num, num, extra);
}

static int prints_as(const cJSON *j, const char *want)
{
    cot_buf_t o = {0};
    int ok = j && cot_json_print(&o, j) == 0 && !strcmp(cot_buf_cstr(&o), want);
    if (!ok) tap_diag("want %s got %s", want, o.s ? o.s : "(nothing)");
    cot_buf_free(&o);
    return ok;
}

static void test_number_text(void)
{
    cot_buf_t line = {0};
    int fast = 0, slow = 0, parse = 0, n = (int)(sizeof spellings / sizeof *spellings);
    for (int i = 0; i < n; i++) {
        number_line(&line, spellings[i], "");
        cJSON *f = cot_json_parse_fast(line.s, line.len, &scratch);
        fast += prints_as(f, line.s);
        cJSON_Delete(f);
        cJSON *c = cJSON_ParseWithLength(line.s, line.len);
        slow += c && cot_json_keep_numbers(c, line.s, line.len) == 0 && prints_as(c, line.s);
        cJSON_Delete(c);
        cJSON *p = cot_json_parse(line.s, line.len);
        parse += prints_as(p, line.s);
        cJSON_Delete(p);
    }
    tap_ok(fast == n, "%d of %d number spellings come out as they went in (fast path)", fast, n);
    tap_is_long(slow, n, "... and through cJSON with cot_json_keep_numbers");
    tap_is_long(parse, n, "... and through cot_json_parse");

    /* Longer than the fast path takes: cJSON reads it, the text stays. */
    char big[200];
    memset(big, '7', 150);
    big[150] = '\0';
    number_line(&line, big, "");
    cJSON *f = cot_json_parse_fast(line.s, line.len, &scratch);
    tap_ok(!f, "a 150-digit number is left to cJSON");
    cJSON_Delete(f);
    cJSON *p = cot_json_parse(line.s, line.len);
    tap_ok(prints_as(p, line.s), "a 150-digit number comes out whole");
    cJSON_Delete(p);

    /* Strings that look like numbers, escaped quotes, keys with digits:
     * the fallback's scan must skip them all and still pair every number. */
    const char *tricky = "{\"1\":\"2 \\\" 3\",\"a\\\\\":-4.0e1,\"b\":[\"\\\\\",5E0,\"6\"],\"7e2\":{\"x\":-0}}";
    cJSON *c = cJSON_Parse(tricky);
    tap_ok(c && cot_json_keep_numbers(c, tricky, strlen(tricky)) == 0 && prints_as(c, tricky),
           "numbers found past strings, escapes and numeric keys");
    cJSON_Delete(c);
    c = cJSON_Parse("{\"a\":1,\"b\":2}");
    tap_ok(cot_json_keep_numbers(c, "{\"a\":1}", 7) < 0 && !c->child->valuestring,
           "text without the tree's numbers: -1, the tree left as it was");
    cJSON_Delete(c);

    /* Duplicate copies the text, Delete frees it (make asan checks). */
    number_line(&line, "12345678901234567890", "");
    p = cot_json_parse(line.s, line.len);
    cJSON *d = cJSON_Duplicate(p, 1);
    tap_ok(prints_as(d, line.s), "cJSON_Duplicate keeps the text");
    cJSON_Delete(p);
    cJSON_Delete(d);

    /* A number a tool makes has no text: printed as cJSON prints it. */
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "x", 0.1);
    cJSON_AddNumberToObject(o, "y", HUGE_VAL);
    cJSON_AddNumberToObject(o, "z", 9007199254740993.0);
    tap_ok(prints_as(o, "{\"x\":0.1,\"y\":null,\"z\":9007199254740992}"),
           "computed numbers: cJSON's spelling, all digits for a whole number it would round");
    cJSON_Delete(o);
    cot_buf_free(&line);
}

/* The reader: the fast path, and a line only cJSON takes (a raw tab in a
 * string), both keep every number's text; the writer prints the rest as
 * cJSON does (the tab comes back escaped). */
static void test_reader_numbers(void)
{
    char path[] = "/tmp/test-json.XXXXXX";
    int fd = mkstemp(path);
    FILE *fp = fdopen(fd, "w");
    cot_buf_t line = {0};
    int n = (int)(sizeof spellings / sizeof *spellings);
    for (int i = 0; i < n; i++) {
        number_line(&line, spellings[i], "");
        fprintf(fp, "%s\n", line.s);
        number_line(&line, spellings[i], ",\"t\":\"a\tb\"");
        fprintf(fp, "%s\n", line.s);
    }
    fclose(fp);
    char *files[] = {path};
    cot_jsonl_reader_t *r = cot_jsonl_open(files, 1);
    cot_line_t l;
    cot_buf_t out = {0}, want = {0};
    int good = 0, k = 0;
    while (cot_jsonl_next(r, &l) == 0) {
        cot_buf_clear(&out);
        cot_json_print(&out, l.json);
        number_line(&want, spellings[k / 2], k % 2 ? ",\"t\":\"a\\tb\"" : "");
        if (!strcmp(cot_buf_cstr(&out), cot_buf_cstr(&want))) good++;
        else tap_diag("line %d: want %s got %s", k + 1, want.s, out.s);
        k++;
    }
    cot_jsonl_close(r);
    unlink(path);
    tap_is_long(good, 2 * n, "the reader keeps every number's text, fast path and cJSON's");
    cot_buf_free(&out);
    cot_buf_free(&want);
    cot_buf_free(&line);
}

/* Where the writer leaves cJSON's spelling (want) for its own (got): d is a
 * whole number below 2^64 that want rounds and got keeps, or a number near
 * DBL_MAX that want rounds up to one that reads as infinity. */
static int exact_fix(double d, const char *got, const char *want)
{
    if (strtod(got, NULL) != d) return 0;
    if (isfinite(d) && isinf(strtod(want, NULL))) return 1;
    return d == floor(d) && fabs(d) < 0x1p64 && strtod(want, NULL) != d;
}

/* got and want (cJSON's) spell the same tree of j but for exact_fix numbers. */
static int same_but_exact(const cJSON *j, const char *got, const char *want)
{
    cJSON *g = cJSON_Parse(got), *w = cJSON_Parse(want);
    int ok = g && w;
    const cJSON *st[3][64];
    int n = 0;
    if (ok) { st[0][0] = j; st[1][0] = g; st[2][0] = w; n = 1; }
    while (ok && n > 0) {
        n--;
        const cJSON *a = st[0][n], *x = st[1][n], *y = st[2][n];
        for (; a && ok; a = a->next, x = x->next, y = y->next) {
            if (!x || !y || (a->type & 0xFF) != (x->type & 0xFF)) { ok = 0; break; }
            if (cJSON_IsNumber(a) && x->valuedouble != y->valuedouble)
                ok = a->valuedouble == floor(a->valuedouble) && fabs(a->valuedouble) < 0x1p64
                     && x->valuedouble == a->valuedouble;
            if (a->child) {
                if (n == 64) { ok = 0; break; }
                st[0][n] = a->child; st[1][n] = x->child; st[2][n] = y->child; n++;
            }
        }
    }
    cJSON_Delete(g);
    cJSON_Delete(w);
    return ok;
}

/* Without source text the writer is cJSON_PrintUnformatted, byte for byte:
 * random doubles (bit patterns, so every exponent) and random trees. */
static void strip_text(cJSON *j)
{
    for (; j; j = j->next) {
        if (cJSON_IsNumber(j) && j->valuestring) {
            cJSON_free(j->valuestring);
            j->valuestring = NULL;
        }
        if (j->child) strip_text(j->child);
    }
}

static void test_print_as_cjson(void)
{
    srand(99);
    int bad = 0;
    cot_buf_t b = {0};
    for (int i = 0; i < 200000; i++) {
        double d;
        uint64_t u = (uint64_t)rand() << 42 ^ (uint64_t)rand() << 21 ^ (uint64_t)rand();
        if (i % 4 == 0) d = (double)(rand() % 2000000 - 1000000) / (1 + rand() % 1000);
        else if (i % 4 == 1) d = (double)((int64_t)u >> (rand() % 60));
        else memcpy(&d, &u, sizeof d);
        cJSON *j = cJSON_CreateNumber(d);
        char *want = cJSON_PrintUnformatted(j);
        cot_buf_clear(&b);
        cot_json_print(&b, j);
        if (strcmp(cot_buf_cstr(&b), want) && !exact_fix(d, b.s, want) && bad++ < 5)
            tap_diag("%a: got %s want %s", d, b.s, want);
        cJSON_free(want);
        cJSON_Delete(j);
    }
    tap_is_long(bad, 0, "200000 random doubles print as cJSON prints them (whole numbers exactly)");
    srand(4243);
    bad = 0;
    for (int i = 0; i < 5000; i++) {
        cot_buf_clear(&b);
        rnd_value(&b, 0);
        cJSON *j = cJSON_Parse(cot_buf_cstr(&b));
        if (!j) continue;
        char *want = cJSON_PrintUnformatted(j);
        cot_buf_clear(&b);
        cot_json_print(&b, j);
        if (strcmp(cot_buf_cstr(&b), want) && !same_but_exact(j, b.s, want) && bad++ < 5)
            tap_diag("got %s want %s", b.s, want);
        cJSON_free(want);
        cJSON_Delete(j);
    }
    tap_is_long(bad, 0, "5000 random trees print as cJSON prints them");
    bad = 0;
    for (int i = 0; i < 5000; i++) {
        cot_buf_clear(&b);
        cot_buf_addc(&b, '{');
        rnd_string(&b);
        cot_buf_addc(&b, ':');
        rnd_value(&b, 1);
        cot_buf_addc(&b, '}');
        cJSON *j = cot_json_parse_fast(b.s, b.len, &scratch);
        if (!j) continue;
        strip_text(j);
        char *want = cJSON_PrintUnformatted(j);
        cot_buf_clear(&b);
        cot_json_print(&b, j);
        if (strcmp(cot_buf_cstr(&b), want) && !same_but_exact(j, b.s, want) && bad++ < 5)
            tap_diag("got %s want %s", b.s, want);
        cJSON_free(want);
        cJSON_Delete(j);
    }
    tap_is_long(bad, 0, "... and so do fast-path trees without their text");
    cot_buf_free(&b);
}

/* Numbers a tool computes (no source text) print as they did when every
 * one went through printf (integers now skip it, and must not tell), except
 * the whole numbers below 2^64 that cJSON's epsilon test let through as a
 * %1.15g spelling that reads back as another number (2^53 as
 * 9.00719925474099e+15, read back ...990): those print all their digits.
 * The reference is the old writer, kept here. */
static void old_print(cot_buf_t *b, double d)
{
    char s[32];
    double t;
    if (isnan(d) || isinf(d)) { cot_buf_adds(b, "null"); return; }
    snprintf(s, sizeof s, "%1.15g", d);
    if (sscanf(s, "%lg", &t) != 1 ||
        fabs(t - d) > (fabs(t) > fabs(d) ? fabs(t) : fabs(d)) * DBL_EPSILON)
        snprintf(s, sizeof s, "%1.17g", d);
    cot_buf_adds(b, s);
}

static int computed_prints(double d, const char *want)
{
    cot_buf_t o = {0}, r = {0};
    cJSON *j = cJSON_CreateNumber(d);
    cot_json_print(&o, j);
    old_print(&r, d);
    int ok = (!strcmp(cot_buf_cstr(&o), cot_buf_cstr(&r)) || exact_fix(d, o.s, r.s))
             && (!want || !strcmp(o.s, want));
    if (!ok) tap_diag("%a: got %s, old writer %s, want %s", d, o.s, r.s, want ? want : "(old)");
    cJSON_Delete(j);
    cot_buf_free(&o);
    cot_buf_free(&r);
    return ok;
}

static void test_computed_numbers(void)
{
    static const struct { double d; const char *want; } edge[] = {
        {0.0, "0"}, {-0.0, "-0"}, {1, "1"}, {-1, "-1"}, {42, "42"}, {-17, "-17"},
        {2147483647.0, "2147483647"}, {-2147483648.0, "-2147483648"},
        {2147483648.0, "2147483648"}, {999999999999999.0, "999999999999999"},
        {-999999999999999.0, "-999999999999999"}, {1e15, "1e+15"}, {-1e15, "-1e+15"},
        {9007199254740992.0, "9007199254740992"}, {9223372036854775808.0, "9.2233720368547758e+18"},
        {-9223372036854775808.0, "-9.2233720368547758e+18"}, {1e300, "1e+300"},
        {1e-7, "1e-07"}, {0.1, "0.1"}, {-2.5, "-2.5"}, {0.5, "0.5"},
        {1.0 / 3, "0.33333333333333331"}, {0.9523809523809523, NULL}, {5e-324, NULL},
        {1.7976931348623157e308, "1.7976931348623157e+308"}, {-1.7976931348623157e308, "-1.7976931348623157e+308"},
        {999999999999999.5, NULL}, {4503599627370497.0, NULL},
        {NAN, "null"}, {-NAN, "null"}, {INFINITY, "null"}, {-INFINITY, "null"},
    };
    int bad = 0, n = (int)(sizeof edge / sizeof *edge);
    for (int i = 0; i < n; i++) bad += !computed_prints(edge[i].d, edge[i].want);
    tap_is_long(bad, 0, "computed edge values (0, -0, 2^53, 2^63, 1e-7, 0.1, 1e300, NaN, inf) print as before");
    srand(515);
    bad = 0;
    for (int i = 0; i < 100000 && bad < 5; i++) {
        int64_t v = ((int64_t)rand() << 31 ^ rand()) % (int64_t)1e15;   /* any digit count */
        v >>= rand() % 50;
        double d = (double)(i & 1 ? -v : v);
        if (i % 3 == 0) d += (double)(rand() % 1000) / 1000;             /* and some fractions */
        bad += !computed_prints(d, NULL);
    }
    tap_is_long(bad, 0, "100000 random integers and fractions print as the old writer did");
    /* The parser's integer path gives strtod's double, bit for bit. */
    bad = 0;
    cot_buf_t line = {0};
    for (int i = 0; i < 100000 && bad < 5; i++) {
        char num[32];
        int64_t v = ((int64_t)rand() << 31 ^ rand()) % (int64_t)1e16 >> (rand() % 54);
        snprintf(num, sizeof num, "%s%lld", i & 1 ? "-" : "", (long long)v);
        cot_buf_clear(&line);
        cot_buf_printf(&line, "{\"n\":%s}", num);
        cJSON *f = cot_json_parse_fast(line.s, line.len, &scratch);
        double want = strtod(num, NULL);
        if (!f || memcmp(&cJSON_GetObjectItem(f, "n")->valuedouble, &want, sizeof want)) {
            bad++;
            tap_diag("%s: parsed as %a", num, f ? cJSON_GetObjectItem(f, "n")->valuedouble : 0.0);
        }
        cJSON_Delete(f);
    }
    tap_is_long(bad, 0, "100000 integers of 1..16 digits parse to strtod's double");
    cot_buf_free(&line);
}


/* ---- strings: the 64-byte blocks against the byte-by-byte scan ---------- */

/* Pieces a string is made of: plain text; every escape and every kind of
 * UTF-8 sequence the parsers take; and what they must not take: bad
 * escapes, \u0000 and lone surrogates, overlongs, surrogates, past
 * U+10FFFF, sequences cut short, stray continuation bytes, control
 * characters, a raw quote (which ends the string early). */
static const char *const str_text[] = {"a", "Th", "the ", "x", " ", "0", "==", "**", "\x7f"};
static const char *const str_good[] = {
    "\\n", "\\\"", "\\\\", "\\/", "\\t", "\\b", "\\f", "\\r", "\\n\\n", "\\u00e9",
    "\\u0001", "\\u001F", "\\u001f", "\\ud83d\\ude00", "\\u0041",
    "\xc3\xa9", "\xc3\xbc", "\xc2\x80", "\xdf\xbf", "\xe2\x9c\x93", "\xe2\x89\x88",
    "\xe0\xa0\x80", "\xed\x9f\xbf", "\xef\xbf\xbf", "\xf0\x90\x80\x80", "\xf4\x8f\xbf\xbf",
    "\xf0\x9f\x98\x80",
};
static const char *const str_bad[] = {
    "\\u0000", "\\ud83d", "\\udc00", "\\ud83dx", "\\u00zz", "\\u12", "\\x", "\\ ",
    "\\\x01", "\\\xc3\xa9",
    "\xc0\x80", "\xc1\xbf", "\xc2", "\x80", "\xbf", "\xe0\x9f\xbf", "\xed\xa0\x80",
    "\xe2\x9c", "\xf0\x8f\xbf\xbf", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xff", "\xfe",
    "\xf0\x90\x80", "\xf0\x90", "\xf0", "\xe2", "\x01", "\x1f", "\t", "\"",
};
#define NELEM(a) (sizeof (a) / sizeof *(a))

/* Pieces until b holds target bytes; at most one bad piece, at a random
 * place, when bad. */
static void rnd_str_body(cot_buf_t *b, size_t target, int bad)
{
    size_t bad_at = bad ? b->len + tap_rn(target - b->len + 1) : (size_t)-1;
    while (b->len < target) {
        if (b->len >= bad_at) {
            cot_buf_adds(b, str_bad[tap_rn(NELEM(str_bad))]);
            bad_at = (size_t)-1;
        } else if (tap_rn(3)) cot_buf_adds(b, str_text[tap_rn(NELEM(str_text))]);
        else cot_buf_adds(b, str_good[tap_rn(NELEM(str_good))]);
    }
    if (bad_at != (size_t)-1) cot_buf_adds(b, str_bad[tap_rn(NELEM(str_bad))]);
}

static void test_string_blocks(void)
{
    uint64_t saved = tap_state();
    tap_seed(0x5eed64);
    cot_buf_t b = {0};
    static const char *const skip_keys[] = {"z"};
    cot_json_members_t m = {.keys = skip_keys, .nkeys = 1};
    long bad = 0, taken = 0, long_taken = 0, given_up = 0, lines = 0;
    for (int i = 0; i < 120000; i++) {
        cot_buf_clear(&b);
        /* the string starts at every offset of a block and ends at every
         * offset of a later one (the lengths, in bytes, 0 to 300) */
        size_t pad = tap_rn(80), len = tap_rn(4) ? tap_rn(300) : tap_rn(70);
        cot_buf_adds(&b, "{\"");
        for (size_t k = 0; k < pad; k++) cot_buf_addc(&b, 'p');
        cot_buf_adds(&b, "\":\"");
        size_t start = b.len;
        rnd_str_body(&b, start + len, i % 3 == 0);
        size_t slen = b.len - start;
        /* then a string with escapes of its own, in the same block */
        cot_buf_adds(&b, "\",\"y\":\"");
        rnd_str_body(&b, b.len + tap_rn(24), 0);
        cot_buf_adds(&b, "\",\"z\":1");
        /* what follows the string: enough for the blocks, or not */
        size_t tail = tap_rn(3) ? tap_rn(100) : 0;
        for (size_t k = 0; k < tail; k++) cot_buf_addc(&b, ' ');
        cot_buf_adds(&b, "}");
        lines++;
        cot_json_scalar_strings(1);
        cJSON *ref = cot_json_parse_fast(b.s, b.len, &scratch);
        cot_json_members_free(&m);
        cJSON *ref_m = cot_json_parse_members(b.s, b.len, &scratch, &m);
        int ref_canon = m.canonical, ref_spaced = m.spaced;
        cot_json_scalar_strings(0);
        cJSON *got = cot_json_parse_fast(b.s, b.len, &scratch);
        cot_json_members_free(&m);
        cJSON *got_m = cot_json_parse_members(b.s, b.len, &scratch, &m);
        int ok = !ref == !got && same(ref, got) && !ref_m == !got_m && same(ref_m, got_m) &&
                 ref_canon == m.canonical && ref_spaced == m.spaced;
        if (!ok && bad++ < 3) tap_diag("blocks and scalar differ (%s/%s): %.*s", ref ? "took" : "gave up",
                                       got ? "took" : "gave up", (int)b.len, b.s);
        taken += ref != NULL;
        long_taken += ref != NULL && slen >= 64;
        given_up += ref == NULL;
        cJSON_Delete(ref); cJSON_Delete(got); cJSON_Delete(ref_m); cJSON_Delete(got_m);
    }
    cot_json_members_free(&m);
    tap_is_long(bad, 0, "strings: the 64-byte blocks take, decode and call canonical "
                "exactly what the byte-by-byte scan does (120000 lines)");
    tap_ok(long_taken > 30000 && given_up > 20000,
           "both kinds are common: %ld of 64 bytes or more taken, %ld given up, of %ld",
           long_taken, given_up, lines);
    (void)taken;
    cot_buf_free(&b);
    tap_seed(saved);
}

/* Every piece at every offset of a block, then an escape and more text,
 * and lines cut short at every byte (each in a buffer of its own size, so
 * that the sanitizers see a read past its end): blocks and scalar agree. */
static void test_string_block_edges(void)
{
    cot_buf_t b = {0};
    long bad = 0, lines = 0;
    const char *const *sets[] = {str_good, str_bad};
    size_t nsets[] = {NELEM(str_good), NELEM(str_bad)};
    static const char *const after[] = {"\\n", "\\u00e9", "\xc3\xa9", "\"", "x"};
    for (int s = 0; s < 2; s++)
        for (size_t k = 0; k < nsets[s]; k++)
            for (size_t pre = 0; pre <= 140; pre++)
                for (size_t a = 0; a < NELEM(after); a++) {
                    cot_buf_clear(&b);
                    cot_buf_adds(&b, "{\"a\":\"");
                    for (size_t i = 0; i < pre; i++) cot_buf_addc(&b, 'a');
                    cot_buf_adds(&b, sets[s][k]);
                    cot_buf_adds(&b, after[a]);
                    for (size_t i = 0; i < 70; i++) cot_buf_addc(&b, 'b');
                    cot_buf_adds(&b, "\"}");
                    size_t at = 6 + pre;        /* where the piece starts */
                    for (size_t n = 1; n <= b.len; n++) {
                        if (n + 2 < at || (n > at + 24 && n + 75 < b.len)) continue;
                        char *line = malloc(n);
                        memcpy(line, b.s, n);
                        cot_json_scalar_strings(1);
                        cJSON *ref = cot_json_parse_fast(line, n, &scratch);
                        cot_json_scalar_strings(0);
                        cJSON *got = cot_json_parse_fast(line, n, &scratch);
                        if ((!ref != !got || !same(ref, got)) && bad++ < 3)
                            tap_diag("differ cut: piece %d/%zu after %zu, %zu bytes", s, k, pre, n);
                        cJSON_Delete(ref);
                        cJSON_Delete(got);
                        free(line);
                        lines++;
                    }
                }
    tap_is_long(bad, 0, "strings: every piece at every offset of a block, the line cut "
                "around it and at its end: the blocks agree with the scalar scan");
    tap_ok(lines > 500000, "%ld lines", lines);
    cot_buf_free(&b);
}

int main(void)
{
    test_writer();
    test_plain_runs();
    test_string_blocks();
    test_string_block_edges();
    test_printer();
    test_fixed();
    test_random();
    test_number_text();
    test_reader_numbers();
    test_print_as_cjson();
    test_computed_numbers();
    test_members_fixed();
    test_members_random();
    test_members_sub();
    test_reader_switch();
    cot_buf_free(&scratch);
    return tap_done();
}
