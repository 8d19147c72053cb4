/* test-stream.c -- unit tests of lib/util, lib/stream, lib/jsonl, lib/record. */
#define _GNU_SOURCE
#include "jsonl.h"
#include "record.h"
#include "stream.h"
#include "tap.h"
#include "util.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

static char dir[] = "/tmp/cot-unit.XXXXXX";

static char *path(const char *name)
{
    static char p[4][256];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
    return p[k];
}

static void put(const char *name, const void *data, size_t n)
{
    FILE *f = fopen(path(name), "wb");
    fwrite(data, 1, n, f);
    fclose(f);
}

/* Write text through a cot stream with the given mode. */
static int write_via(const char *name, const char *mode, const char *text)
{
    cot_stream_t *s = cot_stream_open(path(name), mode);
    if (!s) return -1;
    if (cot_stream_write(s, text, strlen(text)) < 0) { cot_stream_abort(s); return -1; }
    return cot_stream_close(s);
}

/* Read all lines, joined with '|'; returns the last getline result. */
static ssize_t read_all(const char *name, cot_buf_t *out)
{
    cot_buf_clear(out);
    cot_stream_t *s = cot_stream_open(path(name), "r");
    if (!s) return -9;
    char *line;
    ssize_t n;
    while ((n = cot_stream_getline(s, &line)) >= 0) {
        if (out->len) cot_buf_addc(out, '|');
        cot_buf_add(out, line, (size_t)n);
    }
    cot_stream_close(s);
    cot_buf_cstr(out);
    return n;
}

static void test_roundtrip(void)
{
    cot_buf_t b = {0};
    tap_ok(write_via("a.zst", "w", "one\ntwo\n\nthree\n") == 0, "write zstd");
    tap_is_long(read_all("a.zst", &b), -1, "zstd read ends cleanly");
    tap_is_str(b.s, "one|two||three", "zstd round trip");

    tap_ok(write_via("a.txt", "wu", "x\r\ny\n") == 0, "write plain");
    read_all("a.txt", &b);
    tap_is_str(b.s, "x|y", "plain read, CR before newline removed");

    tap_ok(write_via("l19.zst", "w19", "hi\n") == 0, "write at level 19");
    read_all("l19.zst", &b);
    tap_is_str(b.s, "hi", "level 19 round trip");

    put("short.txt", "{}", 2);   /* shorter than the 4-byte sniff */
    cot_stream_t *s = cot_stream_open(path("short.txt"), "r");
    char *line;
    tap_is_long(cot_stream_getline(s, &line), 2, "2-byte file read");
    tap_ok(cot_stream_unterminated(s), "missing final newline is flagged");
    tap_is_long(cot_stream_getline(s, &line), -1, "then end");
    cot_stream_close(s);

    put("empty.txt", "", 0);
    tap_is_long(read_all("empty.txt", &b), -1, "empty file: clean end");
    tap_is_str(b.s, "", "empty file: no lines");
    cot_buf_free(&b);
}

static void test_frames(void)
{
    /* Two independent frames back to back, as `cat a.zst b.zst` makes. */
    char f1[128], f2[128], both[256];
    size_t n1 = ZSTD_compress(f1, sizeof f1, "a\n", 2, 1);
    size_t n2 = ZSTD_compress(f2, sizeof f2, "b\n", 2, 1);
    memcpy(both, f1, n1);
    memcpy(both + n1, f2, n2);
    put("cat.zst", both, n1 + n2);
    cot_buf_t b = {0};
    tap_is_long(read_all("cat.zst", &b), -1, "concatenated frames: clean end");
    tap_is_str(b.s, "a|b", "concatenated frames: both read");

    put("trunc.zst", both, n1 + n2 - 3);
    tap_ok(read_all("trunc.zst", &b) <= -2, "truncated zstd is an error, not an end");
    tap_is_str(b.s, "a", "lines before the cut are delivered");
    cot_buf_free(&b);
}

static void test_long_lines(void)
{
    size_t n = 3 << 20;   /* spans many refills */
    char *big = cot_malloc(n + 2);
    memset(big, 'x', n);
    big[n] = '\n';
    put("big.txt", big, n + 1);
    cot_stream_t *s = cot_stream_open(path("big.txt"), "r");
    char *line;
    ssize_t r = cot_stream_getline(s, &line);
    tap_is_long(r, (long)n, "3 MiB line read whole");
    tap_ok(r > 0 && line[0] == 'x' && line[n - 1] == 'x', "its bytes are intact");
    cot_stream_close(s);

    setenv("COT_MAX_LINE", "1M", 1);
    s = cot_stream_open(path("big.txt"), "r");
    tap_ok(cot_stream_getline(s, &line) <= -2, "line over COT_MAX_LINE is an error");
    cot_stream_close(s);
    unsetenv("COT_MAX_LINE");
    free(big);
}

static void test_output_file(void)
{
    cot_stream_t *s = cot_stream_open(path("out.txt"), "wu");
    cot_stream_write(s, "x\n", 2);
    tap_ok(access(path("out.txt"), F_OK) != 0, "-o target absent until close");
    tap_is_long(cot_stream_close(s), 0, "close succeeds");
    tap_ok(access(path("out.txt"), F_OK) == 0, "renamed into place on close");

    s = cot_stream_open(path("aborted.txt"), "wu");
    cot_stream_write(s, "x\n", 2);
    cot_stream_abort(s);
    tap_ok(access(path("aborted.txt"), F_OK) != 0, "abort leaves no file");

    tap_ok(cot_stream_open(path("nodir/x"), "w") == NULL,
           "unwritable path fails at open");
    tap_ok(cot_stream_open(path("x"), "w99") == NULL, "bad level refused");

    s = cot_stream_open("/dev/full", "wu");
    tap_ok(s != NULL, "/dev/full opens in place");
    cot_stream_write(s, "x\n", 2);
    tap_ok(cot_stream_close(s) < 0, "write to /dev/full fails at close");
}

static void test_util(void)
{
    long v;
    double d;
    size_t z;
    tap_ok(cot_parse_long("42", 0, 100, &v) == 0 && v == 42, "parse_long ok");
    tap_ok(cot_parse_long("42x", 0, 100, &v) < 0, "parse_long rejects junk");
    tap_ok(cot_parse_long("101", 0, 100, &v) < 0, "parse_long range");
    tap_ok(cot_parse_long("", 0, 100, &v) < 0, "parse_long empty");
    tap_ok(cot_parse_double("0.25", 0, 1, &d) == 0 && d == 0.25, "parse_double ok");
    tap_ok(cot_parse_double("nan", 0, 1, &d) < 0, "parse_double rejects nan");
    tap_ok(cot_parse_size("64K", &z) == 0 && z == 65536, "parse_size K");
    tap_ok(cot_parse_size("-1", &z) < 0, "parse_size negative");

    const char ok[] = "caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80";
    tap_is_long((long)cot_utf8_check(ok, strlen(ok)), (long)strlen(ok), "utf8 valid");
    tap_is_long((long)cot_utf8_check("ab\xc0\xaf", 4), 2, "utf8 overlong");
    tap_is_long((long)cot_utf8_check("\xed\xa0\x80", 3), 0, "utf8 surrogate");
    tap_is_long((long)cot_utf8_check("abcdefgh\xe2\x9c", 10), 8, "utf8 truncated");
    tap_is_long((long)cot_utf8_check("\xf4\x90\x80\x80", 4), 0, "utf8 > U+10FFFF");

    cot_buf_t b = {0};
    cot_buf_add_json_str(&b, "a\"b\\c\n\x01\xc3\xa9", 9);
    tap_is_str(b.s, "\"a\\\"b\\\\c\\n\\u0001\xc3\xa9\"", "json string escaping");
    cot_buf_free(&b);
}

static void test_record(void)
{
    cJSON *j = cJSON_Parse("{\"id\":\"r1\",\"cot\":\"c\",\"answer\":7,"
                           "\"meta\":{\"env\":\"e\",\"a/b\":[1,{\"x\":2}],\"~k\":3}}");
    const cJSON *g = cot_record_get(j, "meta.env");
    tap_ok(g && !strcmp(g->valuestring, "e"), "dotted path");
    g = cot_record_get(j, "/meta/a~1b/1/x");
    tap_ok(g && g->valueint == 2, "JSON pointer with ~1 and index");
    g = cot_record_get(j, "/meta/~0k");
    tap_ok(g && g->valueint == 3, "JSON pointer with ~0");
    tap_ok(cot_record_get(j, "meta.nope") == NULL, "missing path is NULL");
    tap_ok(cot_record_get(j, "/meta/a~1b/01") == NULL, "leading zero index refused");

    cot_record_view_t v;
    const char *e = cot_record_view(j, COT_NEED_COT, &v);
    tap_ok(e == NULL && !strcmp(v.cot, "c"), "view finds cot");
    e = cot_record_view(j, COT_NEED_ANSWER, &v);
    tap_ok(e && strstr(e, "'answer' must be a string"), "view: ill-typed answer");
    e = cot_record_view(j, COT_NEED_PROMPT, &v);
    tap_ok(e && strstr(e, "no 'prompt' field") && strstr(e, "cot-extract"),
           "view: missing prompt suggests cot-extract");

    cot_record_set(j, "cot", cJSON_CreateString("new"));
    tap_ok(j->child->next && !strcmp(j->child->next->string, "cot") &&
           !strcmp(j->child->next->valuestring, "new"), "set replaces in place");
    tap_ok(cot_record_path_ok("a..b") < 0 && cot_record_path_ok("/a/~2") < 0 &&
           cot_record_path_ok("meta.step") == 0, "path syntax check");
    cJSON_Delete(j);
}

static void test_jsonl(void)
{
    const char text[] = "{\"a\":1}\n\n[1]\n{\"b\":\xff}\n{\"c\":\"x\\u0000\"}\n"
                        "{\"d\":\"\\\\u0000\"}\n{\"e\":";
    put("mixed.jsonl", text, sizeof text - 1);
    char *files[] = {path("mixed.jsonl")};
    cot_jsonl_reader_t *r = cot_jsonl_open(files, 1);
    cot_line_t l;
    tap_is_long(cot_jsonl_next(r, &l), 0, "good line");
    tap_is_long((long)l.line, 1, "line 1");
    tap_is_long(cot_jsonl_next(r, &l), 1, "array is a bad line");
    tap_is_str(l.kind, "not-object", "kind not-object");
    tap_is_long((long)l.line, 3, "blank line skipped but counted in numbering");
    tap_is_long(cot_jsonl_next(r, &l), 1, "invalid utf8");
    tap_is_str(l.kind, "invalid-utf8", "kind invalid-utf8");
    tap_is_long(cot_jsonl_next(r, &l), 1, "\\u0000 escape");
    tap_is_str(l.kind, "nul-escape", "kind nul-escape");
    tap_is_long(cot_jsonl_next(r, &l), 0, "escaped backslash then u0000 is fine");
    tap_is_long(cot_jsonl_next(r, &l), 1, "cut-off last line");
    tap_is_str(l.kind, "unterminated", "kind unterminated");
    tap_ok(strstr(l.reason, "without a newline") != NULL, "reason says so");
    tap_is_long(cot_jsonl_next(r, &l), -1, "then end");
    tap_is_long((long)cot_jsonl_lines(r), 7, "seven lines, the blank one and the last without newline included");
    tap_is_long((long)cot_jsonl_blank(r), 1, "one of them blank");
    cot_jsonl_close(r);
}

/* A stream on a pipe asks for a 1 MiB pipe buffer, from either end, and
 * compresses a pipe's stored level in its own thread. */
static void test_pipes(void)
{
    int p[2];
    char name[64];
    if (pipe(p) < 0) { tap_ok(0, "pipe()"); return; }
    int probe[2], can = 0;
    if (pipe(probe) == 0) {
        can = fcntl(probe[0], F_SETPIPE_SZ, COT_PIPE_BYTES) >= COT_PIPE_BYTES;
        close(probe[0]);
        close(probe[1]);
    }
    if (!can) {
        tap_ok(1, "# SKIP the kernel refuses a %d-byte pipe here", COT_PIPE_BYTES);
        close(p[0]);
        close(p[1]);
        return;
    }
    tap_ok(fcntl(p[0], F_GETPIPE_SZ) < COT_PIPE_BYTES, "a new pipe starts smaller");
    snprintf(name, sizeof name, "/dev/fd/%d", p[1]);
    cot_stream_t *s = cot_stream_open(name, "w");
    tap_ok(s != NULL, "the pipe opens for writing in place");
    tap_is_long(fcntl(p[0], F_GETPIPE_SZ), COT_PIPE_BYTES, "the writer grows the pipe to 1 MiB");
    tap_is_long(cot_stream_set_threads(s, 2), 0, "-@ 2 on a pipe's stored level: no error");
    tap_is_long(cot_stream_threads(s), 0, "... and no compression threads");
    tap_is_long(cot_stream_write(s, "{\"a\":1}\n", 8), 0, "a line written");
    tap_is_long(cot_stream_close(s), 0, "closed");
    close(p[1]);
    snprintf(name, sizeof name, "/dev/fd/%d", p[0]);
    cot_buf_t b = {0};
    s = cot_stream_open(name, "r");
    char *line;
    ssize_t n = s ? cot_stream_getline(s, &line) : -9;
    tap_ok(n == 7 && !memcmp(line, "{\"a\":1}", 7), "the stored stream reads back");
    if (s) cot_stream_close(s);
    close(p[0]);

    /* The reader grows it too (a pipe made by another program). */
    if (pipe(p) < 0) { tap_ok(0, "pipe()"); return; }
    tap_is_long(write(p[1], "x\n", 2), 2, "a plain line into a second pipe");
    close(p[1]);
    snprintf(name, sizeof name, "/dev/fd/%d", p[0]);
    s = cot_stream_open(name, "r");
    tap_is_long(fcntl(p[0], F_GETPIPE_SZ), COT_PIPE_BYTES, "the reader grows the pipe to 1 MiB");
    if (s) cot_stream_close(s);
    close(p[0]);

    /* COT_PIPE_BYTES: 0 leaves a pipe as it is; a size is asked for. */
    static const struct { const char *env; long want; const char *name; } ev[] = {
        {"0", 65536, "COT_PIPE_BYTES=0 leaves the pipe at 64 KiB"},
        {"256K", 262144, "COT_PIPE_BYTES=256K asks for 256 KiB"},
        {"lots", COT_PIPE_BYTES, "COT_PIPE_BYTES=lots: ignored, 1 MiB"},
    };
    for (size_t k = 0; k < sizeof ev / sizeof *ev; k++) {
        if (pipe(p) < 0) { tap_ok(0, "pipe()"); return; }
        if (fcntl(p[0], F_GETPIPE_SZ) != 65536) {
            tap_ok(1, "# SKIP a new pipe here is not 64 KiB");
            close(p[0]);
            close(p[1]);
            continue;
        }
        setenv("COT_PIPE_BYTES", ev[k].env, 1);
        snprintf(name, sizeof name, "/dev/fd/%d", p[1]);
        s = cot_stream_open(name, "wu");
        tap_is_long(fcntl(p[0], F_GETPIPE_SZ), ev[k].want, ev[k].name);
        if (s) cot_stream_close(s);
        close(p[0]);
        close(p[1]);
    }
    unsetenv("COT_PIPE_BYTES");

    /* A file keeps level 3, threaded when the library can. */
    s = cot_stream_open(path("threads.zst"), "w");
    int r = cot_stream_set_threads(s, 2);
    if (r < 0) tap_ok(1, "# SKIP this libzstd has no threads");
    else tap_is_long(cot_stream_threads(s), 2, "a file at level 3 gets its 2 compression threads");
    tap_is_long(cot_stream_close(s), 0, "closed");
    s = cot_stream_open(path("threads-fast.zst"), "w-1000");
    tap_is_long(cot_stream_set_threads(s, 2), 0, "-l -1000 to a file: no error");
    tap_is_long(cot_stream_threads(s), 0, "... and no compression threads either");
    tap_is_long(cot_stream_close(s), 0, "closed");
    cot_buf_free(&b);
}

int main(void)
{
    cot_prog = "test-stream";
    cot_verbose = 0;
    /* The cases provoke errors on purpose; show them only when asked. */
    if (!getenv("COT_TEST_VERBOSE") && !freopen("/dev/null", "w", stderr))
        return 1;
    if (!mkdtemp(dir)) return 1;
    test_roundtrip();
    test_frames();
    test_long_lines();
    test_output_file();
    test_util();
    test_record();
    test_jsonl();
    test_pipes();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) tap_diag("could not remove %s", dir);
    return tap_done();
}
