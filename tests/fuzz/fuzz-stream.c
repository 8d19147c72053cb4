/* fuzz-stream -- the stream and JSONL reader (lib/stream.c, lib/jsonl.c).
 *
 * The input is a plain JSONL text.  It is read once as it is, and again
 * compressed with zstd in several frames cut at points the input chooses,
 * with skippable frames between them: both reads must give the same lines,
 * line numbers, verdicts and records.  The same stream cut inside its last
 * frame must end in an error, never a clean end with lines missing.
 *
 * Byte 0 holds flags: bit 0 puts a ~128 KiB line first so that the fuzzed
 * lines straddle the reader's 128 KiB buffer; bits 1 and 5 add a line longer
 * than COT_MAX_LINE (set to 192K here); bits 2..4 give the number of frames.
 * Bytes 1..2 move the buffer boundary by up to 64 KiB. */
#define _GNU_SOURCE 1   /* memfd_create */
#include "fuzz.h"
#include "jsonl.h"
#include "util.h"

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zstd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc; (void)argv;
    setenv("COT_MAX_LINE", "192K", 1);
    cot_prog = "fuzz-stream";
    return 0;
}

typedef struct { cot_buf_t b; int n; } trace_t;

static uint64_t hash(const char *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)p[i]) * 0x100000001b3ULL;
    return h;
}

/* Read file `path` to the end; append what was seen to t.  Returns the
 * reader's last code. */
static int read_all(const char *path, trace_t *t)
{
    char *files[1] = {(char *)path};
    cot_jsonl_reader_t *r = cot_jsonl_open(files, 1);
    cot_line_t l;
    int rc;
    cot_buf_t s = {0};
    while ((rc = cot_jsonl_next(r, &l)) >= 0) {
        cot_buf_printf(&t->b, "%d %lu %zu:", rc, l.line, l.len);
        if (l.len > 200) cot_buf_printf(&t->b, "#%016llx", (unsigned long long)hash(l.text, l.len));
        else cot_buf_add(&t->b, l.text, l.len);
        if (rc == 0) {
            char *j = cJSON_PrintUnformatted(l.json);
            cot_buf_printf(&t->b, " -> #%016llx\n", (unsigned long long)hash(j, strlen(j)));
            free(j);
        } else {
            cot_buf_printf(&t->b, " bad %s: %s\n", l.kind, l.reason);
        }
        t->n++;
    }
    cot_buf_printf(&t->b, "end %d\n", rc);
    cot_buf_free(&s);
    cot_jsonl_close(r);
    return rc;
}

static int fd = -1;
static char path[64];

static void put(const void *p, size_t n)
{
    if (ftruncate(fd, 0) < 0 || pwrite(fd, p, n, 0) != (ssize_t)n) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3) return 0;
    if (fd < 0) {
        fd = memfd_create("fuzz-stream", 0);
        if (fd < 0) abort();
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    unsigned flags = data[0];
    size_t shift = ((size_t)data[1] << 8 | data[2]) & 0xFFFF;
    data += 3; size -= 3;
    cot_buf_t plain = {0};
    if (flags & 1) {
        size_t pad = (128 << 10) - 64 * 1024 / 2 + shift - 12;
        cot_buf_adds(&plain, "{\"pad\":\"");
        cot_buf_reserve(&plain, pad);
        memset(plain.s + plain.len, 'p', pad);
        plain.len += pad;
        cot_buf_adds(&plain, "\"}\n");
    }
    cot_buf_add(&plain, data, size);
    if ((flags & 0x22) == 0x22) {
        cot_buf_adds(&plain, "\n{\"huge\":\"");
        cot_buf_reserve(&plain, 200u << 10);
        memset(plain.s + plain.len, 'h', 200u << 10);
        plain.len += 200u << 10;
        cot_buf_adds(&plain, "\"}\n{\"after\":1}\n");
    }

    /* A plain text that starts like zstd or gzip is read as such: not a
     * plain text, so nothing to compare. */
    const unsigned char *m = (const unsigned char *)plain.s;
    unsigned v = plain.len >= 4 ? (m[0] | m[1] << 8 | m[2] << 16 | (unsigned)m[3] << 24) : 0;
    if ((plain.len >= 2 && m[0] == 0x1f && m[1] == 0x8b) || v == ZSTD_MAGICNUMBER ||
        (v & ZSTD_MAGIC_SKIPPABLE_MASK) == ZSTD_MAGIC_SKIPPABLE_START) {
        cot_buf_free(&plain);
        return 0;
    }
    trace_t a = {{0}, 0}, b = {{0}, 0};
    put(plain.s, plain.len);
    int ra = read_all(path, &a);

    /* The same bytes as zstd frames cut where the input says. */
    int frames = 1 + (int)((flags >> 2) & 7);
    cot_buf_t z = {0};
    size_t at = 0, last = 0, lastlen = 0;
    for (int f = 0; f < frames; f++) {
        size_t cut = f == frames - 1 ? plain.len
                   : at + (size ? (size_t)data[f % size] * (plain.len / 256 + 1) : 0);
        if (cut > plain.len) cut = plain.len;
        size_t bound = ZSTD_compressBound(cut - at);
        cot_buf_reserve(&z, bound + 16);
        size_t k = ZSTD_compress(z.s + z.len, bound, plain.s + at, cut - at, 1);
        if (ZSTD_isError(k)) abort();
        last = z.len;
        lastlen = k;
        z.len += k;
        if (f & 1) {     /* a skippable frame between frames */
            static const unsigned char skip[12] = {0x50, 0x2A, 0x4D, 0x18, 4, 0, 0, 0, 'c', 'o', 't', 0};
            cot_buf_add(&z, skip, sizeof skip);
        }
        at = cut;
    }
    put(z.s, z.len);
    int rb = read_all(path, &b);
    FUZZ_CHECK(ra == rb && a.b.len == b.b.len && !memcmp(a.b.s, b.b.s, a.b.len),
               "plain and zstd reads differ:\n--- plain\n%.2000s\n--- zstd\n%.2000s",
               cot_buf_cstr(&a.b), cot_buf_cstr(&b.b));

    /* Cut inside the last frame (not on a frame boundary): an error. */
    /* (from 4 bytes in: a file shorter than the magic number is plain text) */
    if (lastlen > 4) {
        size_t cut = last + 4 + (size ? data[0] : 0) % (lastlen - 4);
        put(z.s, cut);
        trace_t c = {{0}, 0};
        int rc = read_all(path, &c);
        FUZZ_CHECK(rc == -2, "a truncated zstd stream ended with %d", rc);
        cot_buf_free(&c.b);
    }
    cot_buf_free(&a.b);
    cot_buf_free(&b.b);
    cot_buf_free(&z);
    cot_buf_free(&plain);
    return 0;
}
