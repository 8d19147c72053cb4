/* stream.c -- see stream.h */
#define _GNU_SOURCE
#include "stream.h"
#include "util.h"

#include <errno.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#define RAW_CHUNK  (1 << 17)
#define OUT_CHUNK  (1 << 17)

struct cot_stream {
    char *name;
    int fd, writing, zstd, own_fd;

    /* reading */
    unsigned char *raw;          /* compressed bytes from fd              */
    size_t raw_len, raw_pos;
    int raw_eof;
    ZSTD_DCtx *dctx;
    size_t zret;                 /* last ZSTD_decompressStream() result    */
    char *buf;                   /* decompressed (or plain) bytes          */
    size_t buf_len, buf_pos, buf_cap;
    cot_buf_t line;              /* a line that spans refills              */
    unsigned long lineno;
    int unterminated, done;
    int gzip, io_error;          /* found while sniffing; reported on read */
    size_t max_line;
    unsigned long long bytes_in;
    int (*idle)(void *);
    void *idle_arg;

    /* writing */
    ZSTD_CCtx *cctx;
    char *out;
    size_t out_len;
    char *tmp_path;              /* temporary file renamed on close        */
    int failed, level, zthreads;
    int stored;                  /* a pipe's default: stored zstd frames    */
    size_t blk_at;               /* stored: the open block's header in out,
                                    or SIZE_MAX                            */
};

/* ---- temporary files removed on fatal signals ------------------------- */

#define MAX_TMP 8
static char *volatile tmp_files[MAX_TMP];

static void on_signal(int sig)
{
    for (int i = 0; i < MAX_TMP; i++)
        if (tmp_files[i]) unlink(tmp_files[i]);
    signal(sig, SIG_DFL);
    raise(sig);
}

static void tmp_register(char *path)
{
    static int installed;
    if (!installed) {
        installed = 1;
        /* SIGXFSZ: a file size limit (ulimit -f) kills us mid-write */
        int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGXFSZ};
        for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) {
            struct sigaction sa;
            memset(&sa, 0, sizeof sa);
            sa.sa_handler = on_signal;
            sigemptyset(&sa.sa_mask);
            sigaction(sigs[i], &sa, NULL);
        }
    }
    for (int i = 0; i < MAX_TMP; i++)
        if (!tmp_files[i]) { tmp_files[i] = path; return; }
}

static void tmp_unregister(const char *path)
{
    for (int i = 0; i < MAX_TMP; i++)
        if (tmp_files[i] == path) tmp_files[i] = NULL;
}

/* ---- bytes ------------------------------------------------------------- */

static ssize_t read_fd(cot_stream_t *s, void *p, size_t n)
{
    if (s->idle) {
        struct pollfd pfd = {.fd = s->fd, .events = POLLIN};
        int r;
        while ((r = poll(&pfd, 1, 0)) < 0 && errno == EINTR) ;
        if (r == 0 && s->idle(s->idle_arg) < 0) return -2;
    }
    for (;;) {
        ssize_t r = read(s->fd, p, n);
        if (r >= 0) { s->bytes_in += (size_t)r; return r; }
        if (errno == EINTR) continue;
        cot_err("%s: read error: %s", s->name, strerror(errno));
        return -3;
    }
}

static int write_fd(cot_stream_t *s, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t r = write(s->fd, c, n);
        if (r < 0) {
            if (errno == EINTR) continue;
            if (!s->failed)
                cot_err("%s: write error: %s", s->name, strerror(errno));
            s->failed = 1;
            return -1;
        }
        c += r;
        n -= (size_t)r;
    }
    return 0;
}

/* ---- open -------------------------------------------------------------- */

static int is_zstd_magic(const unsigned char *m)
{
    unsigned v = m[0] | m[1] << 8 | m[2] << 16 | (unsigned)m[3] << 24;
    return v == ZSTD_MAGICNUMBER ||
           (v & ZSTD_MAGIC_SKIPPABLE_MASK) == ZSTD_MAGIC_SKIPPABLE_START;
}

static int open_read(cot_stream_t *s)
{
    s->raw = cot_malloc(RAW_CHUNK);
    s->buf_cap = ZSTD_DStreamOutSize();
    if (s->buf_cap < RAW_CHUNK) s->buf_cap = RAW_CHUNK;
    s->buf = cot_malloc(s->buf_cap);
    s->max_line = COT_MAX_LINE_DEFAULT;
    const char *env = getenv("COT_MAX_LINE");
    static atomic_int warned;       /* once a run, not once a stream */
    if (env && cot_parse_size(env, &s->max_line) < 0 && !atomic_exchange(&warned, 1))
        cot_warn("ignoring COT_MAX_LINE=%s: not a size (lines up to %zu bytes are read)",
                 env, (size_t)COT_MAX_LINE_DEFAULT);

    /* Sniff: gather up to 4 bytes (a pipe may deliver fewer per read). */
    while (s->raw_len < 4) {
        ssize_t r = read_fd(s, s->raw + s->raw_len, RAW_CHUNK - s->raw_len);
        if (r < 0) { s->io_error = 1; return 0; }
        if (r == 0) { s->raw_eof = 1; break; }
        s->raw_len += (size_t)r;
    }
    if (s->raw_len >= 4 && is_zstd_magic(s->raw)) {
        s->zstd = 1;
        s->dctx = ZSTD_createDCtx();
        if (!s->dctx) cot_die(COT_EXIT_IO, "out of memory");
    } else if (s->raw_len >= 2 && s->raw[0] == 0x1f && s->raw[1] == 0x8b) {
        s->gzip = 1;   /* reported by the first read, as bad data */
    }
    return 0;
}

/* Records going down a pipe are read once, by the next program, and most
 * often uncompressed again right away (the next cot tool): there any
 * compression costs CPU that a smaller stream does not pay back.  So a
 * pipe gets stored frames (stored_begin() below): still zstd, so `zstd -d`
 * and every cot tool read it, and as cheap as -u; over the audit -3 cost
 * 1.7 times as much CPU, level 3 2.2 times (bench/pipeline/levels).  A
 * file keeps level 3. */
static int is_pipe(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode);
}

/* A pipe's buffer is 64 KiB by default: between two cot tools that is a
 * few records, so each side wakes the other every few records, and with
 * four stages on two cores most of that time is switching (the audit:
 * about 1.3x the wall time with -u, bench/pipeline/run; 256 KiB gave half
 * the gain).  Both ends ask for COT_PIPE_BYTES, or the environment's
 * COT_PIPE_BYTES (0: leave pipes as they are); the size belongs to the
 * pipe, and the first to ask wins.  Never shrunk; refused (past
 * /proc/sys/fs/pipe-max-size, or the user's pipe-user-pages-soft) is left
 * as it was, without a word: only the speed depends on it. */
static void grow_pipe(int fd)
{
    size_t want = COT_PIPE_BYTES;
    const char *env = getenv("COT_PIPE_BYTES");
    if (env && (cot_parse_size(env, &want) < 0 || want > (1u << 30))) {
        static int warned;      /* once, not for every stream */
        if (!warned++) cot_warn("ignoring COT_PIPE_BYTES=%s: not a size up to 1G", env);
        want = COT_PIPE_BYTES;
    }
    int cur = fcntl(fd, F_GETPIPE_SZ);
    if (want && cur >= 0 && (size_t)cur < want) (void)fcntl(fd, F_SETPIPE_SZ, (int)want);
}

/* A pipe's default stream: zstd frames of raw (stored) blocks, written
 * here (RFC 8878).  At -1000 zstd's own output was stored in effect too,
 * but getting there cost it a pass of match finding, a try at Huffman on
 * the literals and the checksum, about a third of a nanosecond a byte on
 * each side of every pipe (bench/pipeline/levels); a stored block is a
 * copy.  The frame has no content size and no checksum (nothing a local
 * pipe would corrupt; a stream cut short still fails, its last block
 * missing), and a 128 KiB window, the largest block, so a reader needs no
 * more than that.  zstd -d, libzstd and every cot tool read it. */
#define STORED_BLOCK (1 << 17)

static void stored_begin(cot_stream_t *s)
{
    /* magic; descriptor 0: no content size, no checksum, no dictionary;
     * window descriptor 7 << 3: 2^(10+7) bytes */
    static const unsigned char h[6] = {0x28, 0xB5, 0x2F, 0xFD, 0x00, 7 << 3};
    memcpy(s->out, h, sizeof h);
    s->out_len = sizeof h;
    s->stored = 1;
    s->blk_at = SIZE_MAX;
}

/* Write the open block's header (raw, its size, last or not); with no
 * block open, a last one opens empty (the caller leaves 3 bytes). */
static void stored_close_block(cot_stream_t *s, int last)
{
    if (s->blk_at == SIZE_MAX) {
        if (!last) return;
        s->blk_at = s->out_len;
        s->out_len += 3;
    }
    uint32_t h = (uint32_t)last | (uint32_t)(s->out_len - s->blk_at - 3) << 3;
    unsigned char *o = (unsigned char *)s->out + s->blk_at;
    o[0] = (unsigned char)h;
    o[1] = (unsigned char)(h >> 8);
    o[2] = (unsigned char)(h >> 16);
    s->blk_at = SIZE_MAX;
}

static int drain(cot_stream_t *s);

static int stored_write(cot_stream_t *s, const char *p, size_t n)
{
    while (n) {
        if (s->blk_at == SIZE_MAX) {
            if (OUT_CHUNK - s->out_len < 4 && drain(s) < 0) return -1;
            s->blk_at = s->out_len;
            s->out_len += 3;
        }
        size_t room = OUT_CHUNK - s->out_len, left = STORED_BLOCK - (s->out_len - s->blk_at - 3);
        if (left < room) room = left;
        if (room == 0) {
            stored_close_block(s, 0);
            if (s->out_len == OUT_CHUNK && drain(s) < 0) return -1;
            continue;
        }
        size_t k = n < room ? n : room;
        memcpy(s->out + s->out_len, p, k);
        s->out_len += k;
        p += k;
        n -= k;
    }
    return 0;
}

static int open_write(cot_stream_t *s, const char *mode)
{
    int level = COT_ZSTD_LEVEL_DEFAULT;
    s->zstd = 1;
    if (mode[1] == 'u' && mode[2] == '\0') s->zstd = 0;
    else if (mode[1] != '\0') {
        long l;
        if (cot_parse_long(mode + 1, COT_ZSTD_LEVEL_FASTEST, ZSTD_maxCLevel(), &l) < 0 || l == 0) {
            cot_err("invalid stream mode '%s'", mode);
            return -1;
        }
        level = (int)l;
    } else if (is_pipe(s->fd)) {
        level = COT_ZSTD_LEVEL_PIPE;
    }
    if (s->zstd && isatty(s->fd)) {
        cot_err("refusing to write compressed data to a terminal; "
                "use -u for plain JSONL or -o FILE");
        return -1;
    }
    s->out = cot_malloc(OUT_CHUNK);
    if (s->zstd && mode[1] == '\0' && level == COT_ZSTD_LEVEL_PIPE) {
        stored_begin(s);
        s->level = level;
    } else if (s->zstd) {
        s->cctx = ZSTD_createCCtx();
        if (!s->cctx) cot_die(COT_EXIT_IO, "out of memory");
        ZSTD_CCtx_setParameter(s->cctx, ZSTD_c_compressionLevel, level);
        s->level = level;
        ZSTD_CCtx_setParameter(s->cctx, ZSTD_c_checksumFlag, 1);
    }
    return 0;
}

/* Devices, FIFOs and the like (/dev/stdout, a named pipe) are written in
 * place: a temporary file and rename would replace them.  Returns 1 when it
 * handled the path (s->fd < 0 on error, printed), 0 for a regular file or a
 * new path.  A symlink to a regular file is resolved so that the rename
 * replaces the target, not the link. */
static int open_special(cot_stream_t *s, const char *path)
{
    struct stat st, lst;
    if (stat(path, &st) < 0) return 0;
    if (S_ISREG(st.st_mode)) {
        if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode)) {
            char *real = realpath(path, NULL);
            if (real) { free(s->name); s->name = real; }
        }
        return 0;
    }
    while ((s->fd = open(path, O_WRONLY)) < 0 && errno == EINTR) ;
    if (s->fd < 0) cot_err("%s: cannot open for writing: %s", path,
                           strerror(errno));
    else s->own_fd = 1;
    return 1;
}

cot_stream_t *cot_stream_open(const char *path, const char *mode)
{
    cot_stream_t *s = cot_calloc(1, sizeof *s);
    s->name = cot_strdup(strcmp(path, "-") ? path : mode[0] == 'r'
                         ? "(stdin)" : "(stdout)");
    s->writing = mode[0] == 'w';
    if (mode[0] != 'r' && mode[0] != 'w') {
        cot_err("invalid stream mode '%s'", mode);
        goto fail;
    }
    if (!strcmp(path, "-")) {
        s->fd = s->writing ? STDOUT_FILENO : STDIN_FILENO;
    } else if (!s->writing) {
        while ((s->fd = open(path, O_RDONLY)) < 0 && errno == EINTR) ;
        if (s->fd < 0) {
            cot_err("%s: cannot open: %s", path, strerror(errno));
            goto fail;
        }
        struct stat st;
        if (fstat(s->fd, &st) == 0 && S_ISDIR(st.st_mode)) {
            cot_err("%s: is a directory", path);
            close(s->fd);
            goto fail;
        }
        s->own_fd = 1;
    } else if (open_special(s, path) != 0) {
        if (s->fd < 0) goto fail;
    } else {
        size_t n = strlen(s->name);
        s->tmp_path = cot_malloc(n + 16);
        memcpy(s->tmp_path, s->name, n);
        memcpy(s->tmp_path + n, ".tmp.XXXXXX", 12);
        s->fd = mkstemp(s->tmp_path);
        if (s->fd < 0) {
            cot_err("%s: cannot create: %s", path, strerror(errno));
            free(s->tmp_path);
            s->tmp_path = NULL;
            goto fail;
        }
        mode_t um = umask(0);
        umask(um);
        fchmod(s->fd, 0666 & ~um);
        tmp_register(s->tmp_path);
        s->own_fd = 1;
    }
    if (is_pipe(s->fd)) grow_pipe(s->fd);
    if ((s->writing ? open_write(s, mode) : open_read(s)) < 0) {
        cot_stream_abort(s);
        return NULL;
    }
    return s;
fail:
    free(s->name);
    free(s);
    return NULL;
}

cot_stream_t *cot_stream_open_fd(int fd, const char *name)
{
    cot_stream_t *s = cot_calloc(1, sizeof *s);
    s->name = cot_strdup(name);
    while ((s->fd = dup(fd)) < 0 && errno == EINTR) ;
    if (s->fd < 0) {
        cot_err("%s: cannot open again: %s", name, strerror(errno));
        free(s->name);
        free(s);
        return NULL;
    }
    s->own_fd = 1;
    if (open_read(s) < 0) {
        cot_stream_abort(s);
        return NULL;
    }
    return s;
}

int cot_stream_threads(const cot_stream_t *s)
{
    return s->zthreads;
}

int cot_stream_set_threads(cot_stream_t *s, int n)
{
    /* Stored frames are a copy, and at -1000 or faster zstd stores the
     * stream in effect: threads only make that dearer (a copy into each
     * job's buffer, 4 MiB of buffers per thread, the handoffs). */
    if (!s->cctx || n <= 0 || s->level <= COT_ZSTD_LEVEL_PIPE) return 0;
    if (ZSTD_isError(ZSTD_CCtx_setParameter(s->cctx, ZSTD_c_nbWorkers, n))) {
        cot_warn("this libzstd has no thread support; -@ ignored");
        return -1;
    }
    s->zthreads = n;
    /* Jobs of 4 MiB instead of level 3's 8: the same speed, and each
     * worker's buffers shrink, which keeps -@ 2 well under 64 MiB. */
    ZSTD_CCtx_setParameter(s->cctx, ZSTD_c_jobSize, 4 << 20);
    return 0;
}

void cot_stream_set_idle(cot_stream_t *s, int (*idle)(void *), void *arg)
{
    s->idle = idle;
    s->idle_arg = arg;
}

/* ---- reading ----------------------------------------------------------- */

/* A damaged zstd input: what, where (after how many lines) and what to do.
 * The lines before the damage were read and passed on; the rest is lost. */
static void damaged(const cot_stream_t *s, const char *what)
{
    if (s->lineno)
        cot_err("%s: %s after line %lu: lines 1-%lu were read, the rest is "
                "lost; fetch or compress the file again (zstd -t checks it)",
                s->name, what, s->lineno, s->lineno);
    else
        cot_err("%s: %s before its first line: nothing was read; fetch or "
                "compress the file again (zstd -t checks it)", s->name, what);
}

/* Refill s->buf with decompressed bytes.  Returns bytes added (> 0),
 * 0 at a clean end, -2 on bad data (corrupt or truncated zstd), -3 on a
 * read error. */
static ssize_t refill(cot_stream_t *s)
{
    s->buf_pos = s->buf_len = 0;
    for (;;) {
        if (s->zstd && s->raw_pos == s->raw_len && !s->raw_eof) {
            ssize_t r = read_fd(s, s->raw, RAW_CHUNK);
            if (r < 0) return r;
            s->raw_pos = 0;
            s->raw_len = (size_t)r;
            if (r == 0) s->raw_eof = 1;
        }
        if (!s->zstd) {
            /* Plain: the sniffed bytes first, then read straight into buf. */
            size_t n = s->raw_len - s->raw_pos;
            if (n > 0) {
                memcpy(s->buf, s->raw + s->raw_pos, n);
                s->raw_pos = s->raw_len;
                s->buf_len = n;
                return (ssize_t)n;
            }
            if (s->raw_eof) return 0;
            ssize_t r = read_fd(s, s->buf, s->buf_cap);
            if (r <= 0) { s->raw_eof = r == 0; return r; }
            s->buf_len = (size_t)r;
            return r;
        }
        if (s->raw_pos == s->raw_len) {
            if (s->zret != 0) {
                damaged(s, "truncated zstd stream (the file ends inside a frame)");
                return -2;
            }
            return 0;
        }
        ZSTD_inBuffer in = {s->raw, s->raw_len, s->raw_pos};
        ZSTD_outBuffer out = {s->buf, s->buf_cap, 0};
        s->zret = ZSTD_decompressStream(s->dctx, &out, &in);
        s->raw_pos = in.pos;
        if (ZSTD_isError(s->zret)) {
            char what[160];
            snprintf(what, sizeof what, "corrupt zstd stream (%s)",
                     ZSTD_getErrorName(s->zret));
            damaged(s, what);
            return -2;
        }
        if (out.pos > 0) {
            s->buf_len = out.pos;
            return (ssize_t)out.pos;
        }
    }
}

ssize_t cot_stream_getline(cot_stream_t *s, char **line)
{
    if (s->done) return -1;
    if (s->io_error) { s->done = 1; return -3; }
    if (s->gzip) {
        s->done = 1;
        cot_err("%s: gzip input is not supported; use 'zcat %s | %s' "
                "or recompress with zstd", s->name, s->name, cot_prog);
        return -2;
    }
    cot_buf_clear(&s->line);
    int spanning = 0;
    for (;;) {
        if (s->buf_pos == s->buf_len) {
            ssize_t r = refill(s);
            if (r < 0) return r;
            if (r == 0) {
                s->done = 1;
                if (!spanning) return -1;
                s->lineno++;
                s->unterminated = 1;
                break;
            }
        }
        char *p = s->buf + s->buf_pos;
        size_t avail = s->buf_len - s->buf_pos;
        char *nl = memchr(p, '\n', avail);
        size_t take = nl ? (size_t)(nl - p) : avail;
        if (s->line.len + take > s->max_line) {
            /* Keep the first max_line bytes and read past the rest, so the
             * caller can reject this line and go on. */
            cot_buf_add(&s->line, p, s->max_line - s->line.len);
            s->buf_pos += take + (nl ? 1 : 0);
            while (!nl) {
                if (s->buf_pos == s->buf_len) {
                    ssize_t r = refill(s);
                    if (r < 0) return r;
                    if (r == 0) { s->done = 1; s->unterminated = 1; break; }
                }
                p = s->buf + s->buf_pos;
                avail = s->buf_len - s->buf_pos;
                nl = memchr(p, '\n', avail);
                s->buf_pos += nl ? (size_t)(nl - p) + 1 : avail;
            }
            s->lineno++;
            *line = (char *)cot_buf_cstr(&s->line);
            return COT_STREAM_TOO_LONG;
        }
        if (nl && !spanning) {
            /* Common case: the whole line sits in the buffer. */
            s->buf_pos += take + 1;
            s->lineno++;
            *nl = '\0';
            if (take > 0 && p[take - 1] == '\r') p[--take] = '\0';
            *line = p;
            return (ssize_t)take;
        }
        cot_buf_add(&s->line, p, take);
        spanning = 1;
        s->buf_pos += take + (nl ? 1 : 0);
        if (nl) { s->lineno++; break; }
    }
    if (s->line.len > 0 && s->line.s[s->line.len - 1] == '\r')
        s->line.s[--s->line.len] = '\0';
    *line = (char *)cot_buf_cstr(&s->line);
    return (ssize_t)s->line.len;
}

unsigned long cot_stream_lineno(const cot_stream_t *s) { return s->lineno; }
int cot_stream_unterminated(const cot_stream_t *s) { return s->unterminated; }
size_t cot_stream_kept(const cot_stream_t *s) { return s->line.len; }
int cot_stream_is_zstd(const cot_stream_t *s) { return s->zstd; }
unsigned long long cot_stream_bytes_in(const cot_stream_t *s)
{
    return s->bytes_in;
}
const char *cot_stream_name(const cot_stream_t *s) { return s->name; }

/* ---- writing ----------------------------------------------------------- */

static int drain(cot_stream_t *s)
{
    if (s->out_len == 0) return 0;
    int r = write_fd(s, s->out, s->out_len);
    s->out_len = 0;
    return r;
}

/* Run the compressor with directive `op` over `p[0..n)`. */
static int compress(cot_stream_t *s, const void *p, size_t n,
                    ZSTD_EndDirective op)
{
    ZSTD_inBuffer in = {p, n, 0};
    for (;;) {
        ZSTD_outBuffer out = {s->out, OUT_CHUNK, s->out_len};
        size_t rem = ZSTD_compressStream2(s->cctx, &out, &in, op);
        s->out_len = out.pos;
        if (ZSTD_isError(rem)) {
            cot_err("%s: zstd compression failed: %s", s->name,
                    ZSTD_getErrorName(rem));
            s->failed = 1;
            return -1;
        }
        if (s->out_len == OUT_CHUNK && drain(s) < 0) return -1;
        int finished = op == ZSTD_e_continue ? in.pos == in.size : rem == 0;
        if (finished) return 0;
        if (out.pos < out.size) {
            /* zstd wants more room only when the output filled up; drain
             * anyway so flush/end make progress. */
            if (drain(s) < 0) return -1;
        }
    }
}

int cot_stream_write(cot_stream_t *s, const void *p, size_t n)
{
    if (s->failed) return -1;
    if (s->stored) return stored_write(s, p, n);
    if (s->zstd) return compress(s, p, n, ZSTD_e_continue);
    if (n >= OUT_CHUNK) {
        if (drain(s) < 0) return -1;
        return write_fd(s, p, n);
    }
    if (s->out_len + n > OUT_CHUNK && drain(s) < 0) return -1;
    memcpy(s->out + s->out_len, p, n);
    s->out_len += n;
    return 0;
}

int cot_stream_flush(cot_stream_t *s)
{
    if (!s->writing || s->failed) return s->failed ? -1 : 0;
    if (s->stored) stored_close_block(s, 0);
    else if (s->zstd && compress(s, NULL, 0, ZSTD_e_flush) < 0) return -1;
    return drain(s);
}

static void free_stream(cot_stream_t *s)
{
    if (s->tmp_path) {
        tmp_unregister(s->tmp_path);
        free(s->tmp_path);
    }
    ZSTD_freeDCtx(s->dctx);
    ZSTD_freeCCtx(s->cctx);
    free(s->raw);
    free(s->buf);
    free(s->out);
    cot_buf_free(&s->line);
    free(s->name);
    free(s);
}

void cot_stream_abort(cot_stream_t *s)
{
    if (!s) return;
    if (s->own_fd) close(s->fd);
    if (s->tmp_path) unlink(s->tmp_path);
    free_stream(s);
}

int cot_stream_close(cot_stream_t *s)
{
    if (!s) return 0;
    int r = 0;
    if (s->writing) {
        if (s->stored && !s->failed) {
            if (s->blk_at == SIZE_MAX && OUT_CHUNK - s->out_len < 3) r = drain(s);
            stored_close_block(s, 1);
        } else if (s->zstd && !s->failed) {
            r = compress(s, NULL, 0, ZSTD_e_end);
        }
        if (r == 0) r = drain(s);
        if (s->failed) r = -1;
    }
    if (s->own_fd && close(s->fd) < 0 && r == 0) {
        cot_err("%s: close failed: %s", s->name, strerror(errno));
        r = -1;
    }
    s->own_fd = 0;
    if (s->tmp_path) {
        if (r == 0 && rename(s->tmp_path, s->name) < 0) {
            cot_err("%s: cannot rename temporary file into place: %s",
                    s->name, strerror(errno));
            r = -1;
        }
        if (r < 0) unlink(s->tmp_path);
    }
    free_stream(s);
    return r;
}
