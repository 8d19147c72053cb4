/* test-pair.c -- lib/pair.c's reading of an original without a JSON tree
 * (cot_pair_members, cot_pair_string) against cJSON on the same lines, and
 * cot_pair_normalize against the rule it implements. */
#include "json.h"
#include "pair.h"
#include "tap.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

static unsigned long long rng = 88172645463325252ULL;
static unsigned rnd(unsigned n)
{
    rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
    return (unsigned)(rng % n);
}

/* A random JSON string literal (quotes included) into b: plain bytes,
 * UTF-8, every escape, \u in both cases, surrogate pairs. */
static void rand_string(cot_buf_t *b)
{
    static const char *const bits[] = {
        "a", "b", " ", "  ", "x y", "\\n", "\\t", "\\r", "\\b", "\\f", "\\/", "\\\\",
        "\\\"", "\\u00e9", "\\u00E9", "\\u0041", "\\u20ac", "\\ud83d\\ude00",
        "\\uD83D\\uDE00", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "{", "}",
        "[", "]", ",", ":", "\\\\\\\"", "\\\\\\\\", "7"};
    cot_buf_addc(b, '"');
    for (unsigned k = rnd(8); k; k--) cot_buf_adds(b, bits[rnd(sizeof bits / sizeof *bits)]);
    cot_buf_addc(b, '"');
}

static void rand_value(cot_buf_t *b, int depth)
{
    switch (depth > 2 ? rnd(4) : rnd(7)) {
    case 0: rand_string(b); break;
    case 1: cot_buf_adds(b, rnd(2) ? "-12.5e3" : "0"); break;
    case 2: cot_buf_adds(b, rnd(2) ? "null" : rnd(2) ? "true" : "false"); break;
    case 3: rand_string(b); break;
    case 4: case 5:
        cot_buf_addc(b, '[');
        for (unsigned k = rnd(4), i = 0; i < k; i++) {
            if (i) cot_buf_adds(b, rnd(2) ? "," : " , ");
            rand_value(b, depth + 1);
        }
        cot_buf_addc(b, ']');
        break;
    default:
        cot_buf_addc(b, '{');
        for (unsigned k = rnd(4), i = 0; i < k; i++) {
            if (i) cot_buf_addc(b, ',');
            rand_string(b);
            cot_buf_adds(b, rnd(2) ? ":" : " : ");
            rand_value(b, depth + 1);
        }
        cot_buf_addc(b, '}');
    }
}

static const char *const names[] = {"id", "prompt", "cot", "answer", "cot"};
static const size_t nlen[] = {2, 6, 3, 6, 3};
#define NNAMES 5

/* One random object line: members named from names[] (some twice), others,
 * values of every kind, spaces here and there. */
static void rand_line(cot_buf_t *b)
{
    static const char *const other[] = {"\"meta\"", "\"src\"", "\"co\"", "\"cots\"",
                                        "\"\"", "\"i\\u0064\"", "\"x\""};
    cot_buf_clear(b);
    if (rnd(4) == 0) cot_buf_adds(b, "  ");
    cot_buf_addc(b, '{');
    for (unsigned k = rnd(9), i = 0; i < k; i++) {
        if (i) cot_buf_adds(b, rnd(3) ? "," : " ,\t");
        if (rnd(2)) cot_buf_printf(b, "\"%s\"", names[rnd(4)]);
        else cot_buf_adds(b, other[rnd(sizeof other / sizeof *other)]);
        cot_buf_adds(b, rnd(3) ? ":" : " :  ");
        rand_value(b, 0);
    }
    cot_buf_addc(b, '}');
    if (rnd(4) == 0) cot_buf_adds(b, " \r");
}

static void test_members(void)
{
    cot_buf_t line = {0}, dec = {0};
    int n = 20000, bad = 0, sure = 0, unsure = 0, strings = 0, escaped = 0;
    for (int t = 0; t < n; t++) {
        rand_line(&line);
        cJSON *j = cJSON_ParseWithLength(line.s, line.len);
        if (!j) { tap_diag("not JSON: %s", line.s); bad++; continue; }
        cot_pair_span_t sp[NNAMES];
        if (cot_pair_members(line.s, line.len, names, nlen, NNAMES, sp) < 0) {
            unsure++;
            /* only a member name with an escape may make it unsure here */
            if (!strstr(line.s, "\"i\\u0064\"")) { tap_diag("unsure: %s", line.s); bad++; }
            cJSON_Delete(j);
            continue;
        }
        sure++;
        for (int i = 0; i < NNAMES; i++) {
            const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, names[i]);
            const char *p;
            size_t len;
            int r = cot_pair_string(sp[i], &dec, &p, &len);
            if (!m) {
                if (sp[i].p) { tap_diag("found an absent %s: %s", names[i], line.s); bad++; }
                continue;
            }
            if (!sp[i].p) { tap_diag("missed %s: %s", names[i], line.s); bad++; continue; }
            if (!cJSON_IsString(m)) {
                if (r != 0) { tap_diag("%s is no string: %s", names[i], line.s); bad++; }
                continue;
            }
            /* every escape made here is one it decodes: never unsure */
            strings++;
            escaped += memchr(sp[i].p, '\\', sp[i].n) != NULL;
            if (r != 1 || len != strlen(m->valuestring) || memcmp(p, m->valuestring, len)) {
                tap_diag("%s decoded wrong (%d): %s", names[i], r, line.s);
                bad++;
            }
        }
        cJSON_Delete(j);
    }
    tap_is_long(bad, 0, "random lines: the members and their text are cJSON's");
    tap_ok(sure > n / 2 && unsure > 0 && escaped > 1000 && strings > 5000,
           "random lines cover the cases (%d sure, %d unsure, %d strings, %d escaped)",
           sure, unsure, strings, escaped);

    /* Unsure: not an object, malformed, escapes cJSON decodes otherwise. */
    cot_pair_span_t sp[NNAMES];
    const char *p;
    size_t len;
    tap_ok(cot_pair_members("[1]", 3, names, nlen, NNAMES, sp) < 0, "an array: unsure");
    tap_ok(cot_pair_members("{\"id\":\"x", 8, names, nlen, NNAMES, sp) < 0, "cut: unsure");
    tap_ok(cot_pair_members("{\"a\":1 \"id\":2}", 14, names, nlen, NNAMES, sp) < 0,
           "a missing comma: unsure");
    tap_ok(cot_pair_members("{}", 2, names, nlen, NNAMES, sp) == 0 && !sp[0].p,
           "an empty object: nothing found");
    const char *l = "{\"id\":\"a\",\"id\":\"b\",\"cot\":\"\\u0000\",\"answer\":\"\\ud800x\","
                    "\"prompt\":\"\\udc00\"}";
    tap_ok(cot_pair_members(l, strlen(l), names, nlen, NNAMES, sp) == 0 &&
           sp[0].n == 3 && sp[0].p[1] == 'a', "a member given twice: the first");
    tap_ok(cot_pair_string(sp[2], &dec, &p, &len) < 0, "\\u0000: unsure");
    tap_ok(cot_pair_string(sp[3], &dec, &p, &len) < 0, "a lone high surrogate: unsure");
    tap_ok(cot_pair_string(sp[1], &dec, &p, &len) < 0, "a lone low surrogate: unsure");
    tap_ok(sp[4].p == sp[2].p, "a name asked for twice: both found");
    cot_buf_free(&line);
    cot_buf_free(&dec);
}

/* The rule: ASCII whitespace runs become one space, the ends trimmed. */
static void normalize_ref(const char *p, size_t n, cot_buf_t *out)
{
    int ws = 1, any = 0;
    for (size_t i = 0; i < n; i++) {
        int w = p[i] == ' ' || (p[i] >= '\t' && p[i] <= '\r');
        if (!w) {
            if (ws && any) cot_buf_addc(out, ' ');
            cot_buf_addc(out, p[i]);
            any = 1;
        }
        ws = w;
    }
    cot_buf_cstr(out);
}

static void test_normalize(void)
{
    static const char bytes[] = " \t\n\v\f\rabcdefgh\xc3\x01!\x1f";
    cot_buf_t in = {0}, a = {0}, b = {0};
    int bad = 0;
    for (int t = 0; t < 20000; t++) {
        cot_buf_clear(&in);
        for (unsigned k = rnd(60); k; k--) cot_buf_addc(&in, bytes[rnd(sizeof bytes - 1)]);
        cot_buf_clear(&a);
        cot_buf_clear(&b);
        cot_buf_adds(&a, "x");      /* appended to what is there */
        cot_buf_adds(&b, "x");
        cot_pair_normalize(in.s ? in.s : "", in.len, &a);
        normalize_ref(in.s ? in.s : "", in.len, &b);
        bad += a.len != b.len || memcmp(a.s, b.s, a.len) || a.s[a.len];
    }
    tap_is_long(bad, 0, "normalize: random texts as the rule says");
    /* prompt-like texts (words and single spaces: the path that takes a
     * text as it is), now and then two spaces, a tab, a control byte, a
     * space before '!' (which looks like two spaces to the word test), at
     * every offset and length up to 300 */
    static const char *const words[] = {"the", "a", "question", "42", "caf\xc3\xa9", "!", "!!",
                                        "x", "abcdefgh", "\x01", "  ", "\t", " \n"};
    int as_is = 0;
    bad = 0;
    for (int t = 0; t < 20000; t++) {
        cot_buf_clear(&in);
        unsigned nw = rnd(60);
        for (unsigned k = 0; k < nw; k++) {
            unsigned w = rnd(t % 3 ? 9 : 13);
            cot_buf_adds(&in, words[w]);
            if (k + 1 < nw) cot_buf_addc(&in, ' ');
        }
        cot_buf_clear(&a);
        cot_buf_clear(&b);
        cot_pair_normalize(in.s ? in.s : "", in.len, &a);
        normalize_ref(in.s ? in.s : "", in.len, &b);
        bad += a.len != b.len || memcmp(a.s, b.s, a.len) || a.s[a.len];
        as_is += a.len == in.len && in.len >= 16;
    }
    tap_is_long(bad, 0, "normalize: prompt-like texts as the rule says");
    tap_ok(as_is > 5000, "coverage: %d texts of 16 bytes or more already normal", as_is);
    cot_buf_free(&in);
    cot_buf_free(&a);
    cot_buf_free(&b);
}

/* The shard of a key must be the same on every machine and in every
 * version: the hash of a few keys, as first released. */
static void test_hash(void)
{
    static const struct { const char *k; uint64_t h; } c[] = {
        {"", 0x3918c49f6a5838b6ULL},
        {"a", 0x5e5a63e3c636132cULL},
        {"prompt one", 0x85b5ff08f7f56e6aULL},
        {"0123456789abcdefXYZ", 0x006148fef662eb4fULL},
        {"The quick brown fox jumps over the lazy dog, 42 times!", 0x376a7e1d00c691ddULL},
    };
    int bad = 0;
    for (size_t i = 0; i < sizeof c / sizeof *c; i++)
        if (cot_pair_hash(c[i].k, strlen(c[i].k)) != c[i].h) {
            bad++;
            tap_diag("hash of '%s' changed", c[i].k);
        }
    tap_is_long(bad, 0, "cot_pair_hash: the same values as ever (--shard)");
}

/* n JSON lines into text: line i at at[i], len[i] bytes, line number
 * lineno[i] (blank lines between some, every `blank`-th from `from`, of
 * the kind blank_text(i) gives; CRLF after every 13th; line `big` of
 * big_len bytes; the last without a newline). */
static void make_lines(cot_buf_t *text, int n, int blank, int from, const char *(*blank_text)(int),
                       int big, size_t big_len, size_t *at, size_t *len,
                       unsigned long long *lineno)
{
    unsigned long long ln = 0;
    for (int i = 0; i < n; i++) {
        if (i % blank == from) { cot_buf_adds(text, blank_text(i)); ln++; }
        at[i] = text->len;
        size_t m = i == big ? big_len : 2 + rnd(400);
        cot_buf_adds(text, "{\"");
        for (size_t k = 3; k + 2 < m; k++) cot_buf_addc(text, (char)('a' + (i + k) % 26));
        cot_buf_adds(text, "\"}");
        len[i] = text->len - at[i];
        lineno[i] = ++ln;
        if (i + 1 < n) cot_buf_adds(text, i % 13 ? "\n" : "\r\n");
    }
}

static const char *blank_nl(int i) { (void)i; return "\n"; }
static const char *blank_mixed(int i) { return i % 2 ? "\n" : " \t \r\n"; }

/* Lines read through the read-ahead window are the lines read alone: in
 * file order (CRs, blank lines, one line longer than the window's quarter,
 * the last without a newline), then backwards, then at random, on a plain
 * file and on a spill; and a file cut short since is an error, not stale
 * bytes. */
static void test_read_ahead(void)
{
    char dir[] = "/tmp/cot-test-ahead.XXXXXX";
    if (!mkdtemp(dir)) { tap_ok(0, "mkdtemp"); return; }
    cot_buf_t path = {0}, text = {0}, a = {0}, b = {0};
    cot_buf_printf(&path, "%s/o.jsonl", dir);
    enum { N = 3000 };
    static uint64_t off[N];
    static size_t len[N], at[N];
    unsigned long long lineno[N];
    make_lines(&text, N, 97, 5, blank_nl, 1500, COT_PAIR_AHEAD / 2, at, len, lineno);
    int bad = 0;
    for (int spill = 0; spill < 2; spill++) {
        FILE *f = fopen(path.s, "w");
        if (spill) fputs("\x28\xb5\x2f\xfd", f);    /* zstd magic: spilled */
        else fwrite(text.s, 1, text.len, f);
        fclose(f);
        setenv("COT_DIFF_SPILL", "1", 1);               /* not read again */
        cot_pair_src_t *s = cot_pair_src_open(path.s);
        unsetenv("COT_DIFF_SPILL");
        for (int i = 0; i < N; i++)
            bad += cot_pair_src_add(s, lineno[i], text.s + at[i], len[i], &off[i]) < 0;
        bad += cot_pair_src_done(s) < 0;
        bad += cot_pair_src_spilled(s) != spill;
        cot_pair_cache_t c = {0};
        for (int pass = 0; pass < 3; pass++)
            for (int k = 0; k < N; k++) {
                int i = pass == 0 ? k : pass == 1 ? N - 1 - k : (int)rnd(N);
                if (cot_pair_src_read_ahead(s, &c, off[i], len[i], &a) < 0 ||
                    cot_pair_src_read(s, off[i], len[i], &b) < 0 || a.len != len[i] ||
                    a.len != b.len || memcmp(a.s, b.s, a.len) || a.s[a.len] ||
                    memcmp(a.s, text.s + at[i], len[i]))
                    bad++;
            }
        cot_pair_cache_free(&c);
        if (!spill) {           /* cut short: the window reads it again */
            f = fopen(path.s, "w");
            fwrite(text.s, 1, (size_t)off[10], f);
            fclose(f);
            cot_mute++;
            int r = cot_pair_src_read_ahead(s, &c, off[20], len[20], &a);
            cot_mute--;
            bad += r == 0;
            cot_pair_cache_free(&c);
        }
        cot_pair_src_close(s);
    }
    tap_is_long(bad, 0, "read ahead: the lines as read alone, in order, backwards, at random, "
                "in place and spilled; a file cut short is an error");
    remove(path.s);
    rmdir(dir);
    cot_buf_free(&path);
    cot_buf_free(&text);
    cot_buf_free(&a);
    cot_buf_free(&b);
}

/* ---- a zstd ORIG read again ------------------------------------------- */

typedef struct {
    const cot_pair_src_t *s;
    const cot_buf_t *text;
    const uint64_t *off;
    const size_t *len, *at;
    const int *added;
    int n, t, nt, bad;
} rthread_t;

/* Thread t of nt reads lines t, t + nt, ... in order. */
static void *reread_thread(void *arg)
{
    rthread_t *r = arg;
    cot_buf_t a = {0};
    cot_pair_cache_t c = {0};
    for (int i = r->t; i < r->n; i += r->nt)
        if (r->added[i] && (cot_pair_src_read_ahead(r->s, &c, r->off[i], r->len[i], &a) < 0 ||
            a.len != r->len[i] || memcmp(a.s, r->text->s + r->at[i], a.len) || a.s[a.len]))
            r->bad++;
    cot_pair_cache_free(&c);
    cot_buf_free(&a);
    return NULL;
}

/* Record the lines as cot-diff's loading does: added, or skipped (a bad
 * line, another shard); then done.  The failures: 0 when none. */
static int index_lines(cot_pair_src_t *s, const cot_buf_t *text, int n, const int *added,
                       const unsigned long long *lineno, const size_t *at,
                       const size_t *len, uint64_t *off)
{
    int bad = 0;
    for (int i = 0; i < n; i++)
        if (added[i]) bad += cot_pair_src_add(s, lineno[i], text->s + at[i], len[i], &off[i]) < 0;
        else cot_pair_src_skip(s, len[i]);
    return bad + (cot_pair_src_done(s) < 0);
}

/* Write zstd of text[0..n) to path, in two frames. */
static void write_zstd(const char *path, const char *text, size_t n)
{
    FILE *f = fopen(path, "w");
    size_t h = n / 2, cap = ZSTD_compressBound(n);
    char *z = malloc(cap);
    size_t k = ZSTD_compress(z, cap, text, h, 1);
    fwrite(z, 1, k, f);
    k = ZSTD_compress(z, cap, text + h, n - h, 1);
    fwrite(z, 1, k, f);
    free(z);
    fclose(f);
}

/* Lines recorded as cot-diff's loading records them (added, or skipped:
 * a bad line, another shard) come back from the decompressed file as from
 * a spill: in order through the cursor's ring (blank and whitespace lines,
 * CRLF, a line longer than the ring, the last without a newline, two
 * frames), again after a rewind, then backwards (the first read behind
 * the ring spills the file: nothing left in TMPDIR after), at random, and
 * from 4 threads at once; a file changed since is an error; a late spill
 * into a TMPDIR that is not there is an error that names it. */
static void test_reread(void)
{
    char dir[] = "/tmp/cot-test-reread.XXXXXX";
    if (!mkdtemp(dir)) { tap_ok(0, "mkdtemp"); return; }
    cot_buf_t path = {0}, text = {0}, a = {0}, tmp = {0};
    cot_buf_printf(&path, "%s/o.zst", dir);
    cot_buf_printf(&tmp, "%s/tmp", dir);
    mkdir(tmp.s, 0700);
    enum { N = 24000 };
    static uint64_t off[N];
    static size_t len[N], at[N];
    static int added[N];
    unsigned long long lineno[N];
    make_lines(&text, N, 89, 7, blank_mixed, 9000, (size_t)5 << 20, at, len, lineno);
    for (int i = 0; i < N; i++) added[i] = i % 7 != 3;
    write_zstd(path.s, text.s, text.len);
    setenv("TMPDIR", tmp.s, 1);
    setenv("COT_DIFF_SPILL", "0", 1);   /* else spilled: a disk with room */
    int bad = 0, order = 0;
    cot_pair_src_t *s = cot_pair_src_open(path.s);
    tap_ok(s && !cot_pair_src_spilled(s), "zstd: read again, not spilled");
    bad += index_lines(s, &text, N, added, lineno, at, len, off);
    tap_ok(bad == 0 && cot_pair_src_spill_bytes(s) == 0, "indexed, nothing written");
    cot_pair_cache_t c = {0};
    for (int pass = 0; pass < 4; pass++) {
        if (pass == 1) cot_pair_src_rewind(s);
        for (int k = 0; k < N; k++) {
            int i = pass <= 1 ? k : pass == 2 ? N - 1 - k : (int)rnd(N);
            if (!added[i]) continue;
            if (cot_pair_src_read_ahead(s, &c, off[i], len[i], &a) < 0 || a.len != len[i] ||
                memcmp(a.s, text.s + at[i], len[i]) || a.s[a.len])
                bad++, order = pass;
        }
        if (pass == 1) {
            struct stat st;
            bad += stat(tmp.s, &st) < 0;
        }
    }
    cot_pair_cache_free(&c);
    tap_ok(bad == 0, "in order, after a rewind, backwards (spilled then), at random "
           "(%d bad, the last in pass %d)", bad, order);
    cot_buf_t ls = {0};
    cot_buf_printf(&ls, "test -z \"$(ls -A %s)\"", tmp.s);
    tap_ok(system(ls.s) == 0, "the late spill is unlinked");
    tap_ok(cot_pair_src_check(s) == 0, "unchanged");
    cot_pair_src_close(s);

    /* 4 threads: the ring sized for them, or the late spill; the same bytes */
    for (int readers = 0; readers < 2; readers++) {
        s = cot_pair_src_open(path.s);
        index_lines(s, &text, N, added, lineno, at, len, off);
        if (readers) cot_pair_src_readers(s, 4);
        rthread_t r[4];
        pthread_t th[4];
        for (int t = 0; t < 4; t++) {
            r[t] = (rthread_t){.s = s, .text = &text, .off = off, .len = len, .at = at,
                               .added = added, .n = N, .t = t, .nt = 4};
            pthread_create(&th[t], NULL, reread_thread, &r[t]);
        }
        int tb = 0;
        for (int t = 0; t < 4; t++) pthread_join(th[t], NULL), tb += r[t].bad;
        tap_ok(tb == 0, "4 threads at once (readers set: %d): %d bad", readers, tb);
        cot_pair_src_close(s);
    }

    /* changed: another file renamed over it while it was indexed (the
     * reader opened the new one by its name, the cursor holds the old) */
    cot_mute++;
    cot_buf_t other = {0};
    cot_buf_printf(&other, "%s/other.zst", dir);
    write_zstd(other.s, text.s, text.len);
    s = cot_pair_src_open(path.s);
    rename(other.s, path.s);
    tap_ok(index_lines(s, &text, N, added, lineno, at, len, off) == 1,
           "a file replaced while it was indexed: an error");
    cot_pair_src_close(s);
    cot_buf_free(&other);
    /* changed: rewritten in place, shorter; a late spill with no TMPDIR */
    s = cot_pair_src_open(path.s);
    index_lines(s, &text, N, added, lineno, at, len, off);
    FILE *f = fopen(path.s, "r+");
    size_t cut = at[N / 2];
    char *z = malloc(ZSTD_compressBound(cut));
    size_t zn = ZSTD_compress(z, ZSTD_compressBound(cut), text.s, cut, 1);
    fwrite(z, 1, zn, f);
    fclose(f);
    truncate(path.s, (off_t)zn);
    free(z);
    int last = N - 1;
    while (!added[last]) last--;
    tap_ok(cot_pair_src_read(s, off[last], len[last], &a) < 0 && cot_pair_src_check(s) < 0,
           "a file cut short since: an error");
    cot_pair_src_close(s);
    write_zstd(path.s, text.s, text.len);
    setenv("TMPDIR", "/nonexistent-cot-tmp", 1);
    s = cot_pair_src_open(path.s);
    index_lines(s, &text, N, added, lineno, at, len, off);
    int first = 0;
    while (!added[first]) first++;
    int r1 = cot_pair_src_read(s, off[last], len[last], &a);
    int r2 = cot_pair_src_read(s, off[first], len[first], &a);
    int r3 = cot_pair_src_read(s, off[last], len[last], &a);
    cot_mute--;
    tap_ok(r1 == 0 && r2 < 0 && r3 < 0, "a late spill that cannot be made: an error, and so on");
    cot_pair_src_close(s);
    unsetenv("TMPDIR");
    unsetenv("COT_DIFF_SPILL");
    remove(path.s);
    rmdir(tmp.s);
    rmdir(dir);
    cot_buf_free(&ls);
    cot_buf_free(&path);
    cot_buf_free(&tmp);
    cot_buf_free(&text);
    cot_buf_free(&a);
}

int main(void)
{
    test_hash();
    test_read_ahead();
    test_reread();
    test_members();
    test_normalize();
    return tap_done();
}
