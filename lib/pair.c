/* pair.c -- see pair.h */
#include "pair.h"
#include "stream.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

static int is_ws(unsigned char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

/* 1 when p[0..n) (its ends trimmed) is its own normal form: no byte below
 * 0x20 and no two spaces in a row.  Eight bytes at a time; it may answer
 * 0 for a text that is (a space before '!' can look like two spaces), never
 * 1 for one that is not. */
static int is_normal(const char *p, size_t n)
{
    const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
    uint64_t carry = 0;         /* the last byte was a space: its flag at bit 7 */
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w, x;
        memcpy(&w, p + i, 8);
        if ((w - 0x20 * ones) & ~w & high) return 0;            /* a byte < 0x20 */
        x = w ^ (0x20 * ones);
        uint64_t sp = (x - ones) & ~x & high;   /* every space flagged (and maybe more) */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        sp = __builtin_bswap64(sp);
#endif
        if ((sp & (sp << 8)) || (carry & sp)) return 0;
        carry = sp >> 56;
    }
    int last = carry != 0;
    for (; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c < 0x20 || (c == ' ' && last)) return 0;
        last = c == ' ';
    }
    return 1;
}

void cot_pair_normalize(const char *p, size_t n, cot_buf_t *out)
{
    size_t i = 0;
    while (i < n && is_ws((unsigned char)p[i])) i++;
    while (n > i && is_ws((unsigned char)p[n - 1])) n--;
    if (is_normal(p + i, n - i)) {       /* the usual prompt: as it is */
        cot_buf_add(out, p + i, n - i);
        cot_buf_cstr(out);
        return;
    }
    /* One pass into the reserved room: a run of whitespace is one space
     * (the ends are trimmed, so no run is last).  Eight bytes at a time
     * while none of them is a control character or a space (the
     * whitespace is among those: bytes below 0x21). */
    cot_buf_reserve(out, n - i + 1);
    char *d = out->s + out->len;
    while (i < n) {
        while (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            if ((w - 0x2121212121212121ULL) & ~w & 0x8080808080808080ULL) break;
            memcpy(d, p + i, 8);
            d += 8;
            i += 8;
        }
        for (; i < n && (unsigned char)p[i] > ' '; i++) *d++ = p[i];
        if (i == n) break;
        if (!is_ws((unsigned char)p[i])) {
            *d++ = p[i++];
            continue;
        }
        *d++ = ' ';
        while (i < n && is_ws((unsigned char)p[i])) i++;
    }
    out->len = (size_t)(d - out->s);
    cot_buf_cstr(out);
}

static uint64_t mix64(uint64_t z)        /* splitmix64's finaliser */
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* cot_pair_hash() and, with h2 set, the index's second hash in the same
 * pass: FNV-style over the same words with other constants, then mixed,
 * so a pair of keys that collides in one is told apart by the other. */
static uint64_t hash12(const char *s, size_t n, uint64_t *h2)
{
    const unsigned char *p = (const unsigned char *)s;
    uint64_t h = 0x243F6A8885A308D3ULL ^ (n * 0x9E3779B97F4A7C15ULL);
    uint64_t g = 0xCBF29CE484222325ULL ^ n;
    size_t i = 0;
    /* Eight bytes at a time, little-endian whatever the machine, so the
     * value (and so the shard of a key) is the same on every machine. */
    for (; i + 8 <= n; i += 8) {
        uint64_t w = cot_load_le64(p + i);
        h = (h ^ mix64(w)) * 0x9E3779B97F4A7C15ULL;
        h ^= h >> 29;
        g = (g ^ w) * 0x100000001B3ULL;
        g ^= g >> 32;
    }
    uint64_t w = 0;
    for (size_t k = n; k > i; k--) w = w << 8 | p[k - 1];
    h = (h ^ mix64(w ^ 0xA5A5A5A5ULL)) * 0x9E3779B97F4A7C15ULL;
    if (h2) *h2 = mix64((g ^ w ^ 0x5A5A5A5AULL) * 0x100000001B3ULL ^ n);
    return mix64(h);
}

uint64_t cot_pair_hash(const char *s, size_t n)
{
    return hash12(s, n, NULL);
}

int cot_pair_key_empty(const char *key, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_ws((unsigned char)key[i])) return 0;
    return 1;
}

int cot_pair_check(unsigned long long paired, unsigned long long total,
                   double min, const char *key, cot_buf_t *msg)
{
    cot_buf_clear(msg);
    if (total == 0) {
        cot_buf_printf(msg, "no SFT record to compare (%s); nothing was compared",
                       key);
        return 1;
    }
    if (paired == 0) {
        cot_buf_printf(msg, "0 of %llu records found an original (%s); "
                       "nothing was compared", total, key);
        return 1;
    }
    if ((double)paired < min * (double)total) {
        cot_buf_printf(msg, "%llu of %llu records found an original (%s), "
                       "fewer than --min-paired %g", paired, total, key, min);
        return 1;
    }
    return 0;
}

typedef struct {
    uint64_t off;                       /* the line in the source          */
    uint64_t lineno;
    uint32_t len;
    uint32_t next;                      /* next with the same key, or ~0   */
} entry_t;

typedef struct {
    uint64_t h1, h2;                    /* two independent hashes          */
    uint32_t first, last, count;
} group_t;

struct cot_pair_index {
    entry_t *ent;
    size_t nent, cent;
    unsigned char *used;                /* one flag per entry              */
    group_t *grp;
    size_t ngrp, cgrp;
    uint32_t *tab;                      /* group number + 1, 0 empty       */
    size_t ctab;
    size_t nused;
    int force_hash;
};

cot_pair_index_t *cot_pair_index_new(void)
{
    cot_pair_index_t *ix = cot_calloc(1, sizeof *ix);
    ix->ctab = 1024;
    ix->tab = cot_calloc(ix->ctab, sizeof *ix->tab);
    return ix;
}

void cot_pair_index_free(cot_pair_index_t *ix)
{
    if (!ix) return;
    free(ix->ent); free(ix->used); free(ix->grp); free(ix->tab);
    free(ix);
}

void cot_pair_index_force_hash(cot_pair_index_t *ix, int on)
{
    ix->force_hash = on;
}

static void key_hash(const cot_pair_index_t *ix, const char *k, size_t n,
                     uint64_t *h1, uint64_t *h2)
{
    if (ix->force_hash) { *h1 = *h2 = 42; return; }
    *h1 = hash12(k, n, h2);
}

/* Slot for the key hashes: the group's slot when present, else the empty
 * slot where it would go.  The table is kept at most half full. */
static size_t slot(const cot_pair_index_t *ix, uint64_t h1, uint64_t h2)
{
    size_t mask = ix->ctab - 1, i = (size_t)(h1 >> 17) & mask;
    for (;; i = (i + 1) & mask) {
        uint32_t g = ix->tab[i];
        if (!g) return i;
        const group_t *gr = &ix->grp[g - 1];
        if (gr->h1 == h1 && gr->h2 == h2) return i;
    }
}

static void rehash(cot_pair_index_t *ix)
{
    free(ix->tab);
    ix->ctab *= 2;
    ix->tab = cot_calloc(ix->ctab, sizeof *ix->tab);
    size_t mask = ix->ctab - 1;
    for (size_t g = 0; g < ix->ngrp; g++) {
        size_t i = (size_t)(ix->grp[g].h1 >> 17) & mask;
        while (ix->tab[i]) i = (i + 1) & mask;
        ix->tab[i] = (uint32_t)(g + 1);
    }
}

void cot_pair_key_hash(const cot_pair_index_t *ix, const char *key, size_t klen,
                       uint64_t h[2])
{
    key_hash(ix, key, klen, &h[0], &h[1]);
}

size_t cot_pair_add_hashed(cot_pair_index_t *ix, const uint64_t *h, uint64_t off,
                           size_t len, unsigned long long lineno)
{
    if (len > UINT32_MAX)
        cot_die(COT_EXIT_DATA, "an original's line is over 4 GiB");
    if (ix->nent >= UINT32_MAX - 1)
        cot_die(COT_EXIT_DATA, "more than %u originals", UINT32_MAX - 2);
    if (h && 2 * (ix->ngrp + 1) > ix->ctab) rehash(ix);
    uint64_t h1 = h ? h[0] : 0, h2 = h ? h[1] : 0;
    size_t s = h ? slot(ix, h1, h2) : 0;
    if (ix->nent == ix->cent) {
        ix->cent = ix->cent ? 2 * ix->cent : 1024;
        ix->ent = cot_realloc(ix->ent, ix->cent * sizeof *ix->ent);
        ix->used = cot_realloc(ix->used, ix->cent);
    }
    size_t e = ix->nent++;
    ix->ent[e] = (entry_t){.off = off, .lineno = lineno, .len = (uint32_t)len,
                           .next = UINT32_MAX};
    ix->used[e] = 0;
    if (!h) return e;
    if (ix->tab[s]) {
        group_t *g = &ix->grp[ix->tab[s] - 1];
        ix->ent[g->last].next = (uint32_t)e;
        g->last = (uint32_t)e;
        g->count++;
        return e;
    }
    if (ix->ngrp == ix->cgrp) {
        ix->cgrp = ix->cgrp ? 2 * ix->cgrp : 1024;
        ix->grp = cot_realloc(ix->grp, ix->cgrp * sizeof *ix->grp);
    }
    ix->grp[ix->ngrp] = (group_t){h1, h2, (uint32_t)e, (uint32_t)e, 1};
    ix->tab[s] = (uint32_t)++ix->ngrp;
    return e;
}

size_t cot_pair_add(cot_pair_index_t *ix, const char *key, size_t klen,
                    uint64_t off, size_t len, unsigned long long lineno)
{
    uint64_t h[2];
    if (key) key_hash(ix, key, klen, &h[0], &h[1]);
    return cot_pair_add_hashed(ix, key ? h : NULL, off, len, lineno);
}

size_t cot_pair_find(const cot_pair_index_t *ix, const char *key, size_t klen,
                     size_t *first)
{
    uint64_t h1, h2;
    key_hash(ix, key, klen, &h1, &h2);
    size_t s = slot(ix, h1, h2);
    *first = COT_PAIR_NONE;
    if (!ix->tab[s]) return 0;
    const group_t *g = &ix->grp[ix->tab[s] - 1];
    *first = g->first;
    return g->count;
}

size_t cot_pair_next(const cot_pair_index_t *ix, size_t e)
{
    uint32_t n = ix->ent[e].next;
    return n == UINT32_MAX ? COT_PAIR_NONE : n;
}

void cot_pair_where(const cot_pair_index_t *ix, size_t e, uint64_t *off,
                    size_t *len, unsigned long long *lineno)
{
    *off = ix->ent[e].off;
    *len = ix->ent[e].len;
    *lineno = ix->ent[e].lineno;
}

void cot_pair_mark_used(cot_pair_index_t *ix, size_t e)
{
    if (!ix->used[e]) ix->nused++;
    ix->used[e] = 1;
}

int cot_pair_used(const cot_pair_index_t *ix, size_t e) { return ix->used[e]; }
size_t cot_pair_count(const cot_pair_index_t *ix) { return ix->nent; }
size_t cot_pair_keys(const cot_pair_index_t *ix) { return ix->ngrp; }
size_t cot_pair_unused(const cot_pair_index_t *ix) { return ix->nent - ix->nused; }

size_t cot_pair_bytes(const cot_pair_index_t *ix)
{
    return ix->nent * (sizeof *ix->ent + 1) + ix->ngrp * sizeof *ix->grp +
           ix->ctab * sizeof *ix->tab + sizeof *ix;
}

/* ---- the originals' source ------------------------------------------- */

#define SRC_CHUNK (1 << 20)
#define SRC_RING 4             /* buffers a spill writer thread cycles   */

struct cot_pair_src {
    char *name;                 /* ORIG as given, for messages             */
    int fd;
    int spill;                  /* 1: a temporary file we write            */
    struct stat st;             /* in place: the file as opened            */
    /* in place: a scan of the newlines, to find line N's offset */
    char *buf;
    size_t blen, bpos;
    uint64_t bbase;             /* file offset of buf[0]                   */
    uint64_t line_no, line_off; /* line line_no starts at line_off         */
    int eof;
    /* spill */
    uint64_t wpos;              /* bytes in the file, buffered ones too    */
    size_t wlen;
    const char *tmpdir;
    /* spill written by a thread (cot_pair_src_threaded()): buf is
     * ring[made % SRC_RING]; buffers written..made wait for the writer */
    int wt_on;
    pthread_t wt;
    pthread_mutex_t wmu;
    pthread_cond_t wcv;
    char *ring[SRC_RING];
    size_t rlen[SRC_RING];
    unsigned long long made, written;
    int wend;                   /* no more buffers: the writer ends        */
    int werr;                   /* its first failure: errno, or -1         */
    /* reread: a zstd regular file, decompressed again in step with the
     * reads (wpos counts every line the reader gives, as a spill of all of
     * them would hold them); the cursor's last rcap bytes are kept in a
     * ring, and a read behind them spills the file after all (late) */
    int reread;
    int rfd;                    /* the file as opened                      */
    pthread_mutex_t rmu;
    cot_stream_t *cur;          /* the cursor, opened on the first read    */
    uint64_t cpos;              /* coordinate of the cursor's next line     */
    char *win;                  /* byte x (rbase <= x < cpos) at x % rcap   */
    size_t rcap, rwant;
    uint64_t rbase;
    int rfailed;                /* an error was printed: reads fail        */
    atomic_int late;            /* spilled after all: fd, pread            */
};

static int is_zstd_magic(const unsigned char *m)
{
    unsigned v = m[0] | m[1] << 8 | m[2] << 16 | (unsigned)m[3] << 24;
    return v == 0xFD2FB528U || (v & 0xFFFFFFF0U) == 0x184D2A50U;
}

/* Why a zstd file read again is spilled after all, for messages. */
static const char *late_why(const cot_pair_src_t *s)
{
    return s->reread ? " (originals were read out of their order, so a "
                       "zstd ORIG is spilled after all; or decompress it to a "
                       "plain file, which is read in place)" : "";
}

/* An unlinked temporary file in s->tmpdir: its fd, or -1 after printing
 * an error. */
static int make_temp(const cot_pair_src_t *s)
{
    cot_buf_t t = {0};
    cot_buf_printf(&t, "%s/cot-diff-orig.XXXXXX", s->tmpdir);
    int fd = mkstemp(t.s);
    if (fd < 0)
        cot_err("%s: cannot make a temporary file in TMPDIR=%s for the originals%s: "
                "%s; set TMPDIR to a writable folder with room for them",
                s->name, s->tmpdir, late_why(s), strerror(errno));
    else
        unlink(t.s);        /* gone when the process ends, however it ends */
    cot_buf_free(&t);
    return fd;
}

static const char *tmp_dir(void)
{
    const char *d = getenv("TMPDIR");
    return d && *d ? d : "/tmp";
}

/* Whether a zstd file of st is spilled as it is indexed (faster where
 * TMPDIR is a disk with room: bench/pipeline) or decompressed again:
 * COT_DIFF_SPILL=1 or 0 says; else again when TMPDIR is memory (tmpfs,
 * ramfs: the spill would hold the originals in memory), cannot be asked,
 * is not a folder we may write in, or has less room than
 * COT_PAIR_SPILL_ROOM times the file. */
static int spill_zstd(const struct stat *st)
{
    const char *e = getenv("COT_DIFF_SPILL");
    if (e && *e) return strcmp(e, "0") != 0;
    struct statfs fs;
    struct statvfs vfs;
    const char *d = tmp_dir();
    struct stat ds;
    if (statfs(d, &fs) < 0 || statvfs(d, &vfs) < 0) return 0;
    if (stat(d, &ds) < 0 || !S_ISDIR(ds.st_mode) || access(d, W_OK | X_OK) < 0) return 0;
    if ((unsigned long)fs.f_type == 0x01021994UL ||     /* TMPFS_MAGIC */
        (unsigned long)fs.f_type == 0x858458f6UL)       /* RAMFS_MAGIC */
        return 0;
    double room = (double)vfs.f_bavail * (double)vfs.f_frsize;
    return room >= COT_PAIR_SPILL_ROOM * (double)st->st_size;
}

cot_pair_src_t *cot_pair_src_open(const char *path)
{
    cot_pair_src_t *s = cot_calloc(1, sizeof *s);
    s->name = cot_strdup(strcmp(path, "-") ? path : "(stdin)");
    s->fd = -1;
    if (strcmp(path, "-")) {
        int fd = open(path, O_RDONLY);
        if (fd < 0) {       /* the reader says why, as for any input */
            s->buf = cot_malloc(SRC_CHUNK);
            return s;
        } else if (fstat(fd, &s->st) == 0 && S_ISREG(s->st.st_mode)) {
            unsigned char m[4];
            ssize_t r = pread(fd, m, 4, 0);
            if (r == 4 && is_zstd_magic(m)) {
                if (spill_zstd(&s->st)) { close(fd); s->spill = 1; }
                else s->reread = 1, s->rfd = fd;
            } else {
                s->fd = fd;
            }
        } else {
            close(fd);
            s->spill = 1;
        }
    } else {
        s->spill = 1;
    }
    s->buf = cot_malloc(SRC_CHUNK);
    s->line_no = 1;
    s->tmpdir = tmp_dir();
    if (s->reread) {
        pthread_mutex_init(&s->rmu, NULL);
        s->rwant = COT_PAIR_REREAD_MIN;
        return s;
    }
    if (!s->spill) return s;
    if ((s->fd = make_temp(s)) < 0) {
        cot_pair_src_close(s);
        return NULL;
    }
    return s;
}

int cot_pair_src_spilled(const cot_pair_src_t *s) { return s->spill; }
unsigned long long cot_pair_src_spill_bytes(const cot_pair_src_t *s)
{
    return s->spill ? s->wpos : 0;
}

/* Write p[0..n) to fd: 0, or errno (-1: nothing written). */
static int write_all(int fd, const char *p, size_t n)
{
    size_t at = 0;
    while (at < n) {
        ssize_t w = write(fd, p + at, n - at);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return w < 0 ? errno : -1;
        at += (size_t)w;
    }
    return 0;
}

static int spill_error(const cot_pair_src_t *s, int e)
{
    cot_err("%s: cannot spill the originals to a temporary file in "
            "TMPDIR=%s: %s (they take about their uncompressed size "
            "there; set TMPDIR to a folder with room)%s", s->name,
            s->tmpdir, e > 0 ? strerror(e) : "nothing written",
            s->reread ? "; originals were read out of their order, so a "
                        "zstd ORIG is spilled after all (or decompress it to a "
                        "plain file, which is read in place)" : "");
    return -1;
}

/* The writer thread: the buffers in order, until wend.  After a failure
 * it only hands them back (the main thread says why). */
static void *spill_writer(void *arg)
{
    cot_pair_src_t *s = arg;
    pthread_mutex_lock(&s->wmu);
    for (;;) {
        while (s->written == s->made && !s->wend) pthread_cond_wait(&s->wcv, &s->wmu);
        if (s->written == s->made) break;
        unsigned i = (unsigned)(s->written % SRC_RING);
        int failed = s->werr;
        pthread_mutex_unlock(&s->wmu);
        int e = failed ? 0 : write_all(s->fd, s->ring[i], s->rlen[i]);
        pthread_mutex_lock(&s->wmu);
        if (e && !s->werr) s->werr = e;
        s->written++;
        pthread_cond_broadcast(&s->wcv);
    }
    pthread_mutex_unlock(&s->wmu);
    return NULL;
}

/* Hand buf (wlen bytes) to the writer and take the next free buffer: 0,
 * or the writer's failure (errno, or -1). */
static int spill_handoff(cot_pair_src_t *s)
{
    pthread_mutex_lock(&s->wmu);
    s->rlen[s->made % SRC_RING] = s->wlen;
    s->made++;
    pthread_cond_broadcast(&s->wcv);
    while (s->made - s->written >= SRC_RING && !s->werr)
        pthread_cond_wait(&s->wcv, &s->wmu);
    int e = s->werr;
    pthread_mutex_unlock(&s->wmu);
    s->buf = s->ring[s->made % SRC_RING];
    s->wlen = 0;
    return e;
}

/* Stop the writer after what it was given: its failure, or 0. */
static int spill_join(cot_pair_src_t *s)
{
    pthread_mutex_lock(&s->wmu);
    s->wend = 1;
    pthread_cond_broadcast(&s->wcv);
    pthread_mutex_unlock(&s->wmu);
    pthread_join(s->wt, NULL);
    s->wt_on = 0;
    return s->werr;
}

static int spill_flush(cot_pair_src_t *s)
{
    int e = s->wt_on ? spill_handoff(s) : write_all(s->fd, s->buf, s->wlen);
    s->wlen = 0;
    return e ? spill_error(s, e) : 0;
}

void cot_pair_src_threaded(cot_pair_src_t *s)
{
    if (!s->spill || s->wt_on || s->wpos) return;
    s->ring[0] = s->buf;
    for (int i = 1; i < SRC_RING; i++) s->ring[i] = cot_malloc(SRC_CHUNK);
    pthread_mutex_init(&s->wmu, NULL);
    pthread_cond_init(&s->wcv, NULL);
    s->made = s->written = 0;
    s->wend = s->werr = 0;
    if (pthread_create(&s->wt, NULL, spill_writer, s) == 0) { s->wt_on = 1; return; }
    for (int i = 1; i < SRC_RING; i++) free(s->ring[i]);   /* serial, then */
    memset(s->ring, 0, sizeof s->ring);
    pthread_cond_destroy(&s->wcv);
    pthread_mutex_destroy(&s->wmu);
}

/* In place: move the scan to the start of the next line.  0, or -1 when the
 * file ends first (or cannot be read). */
static int scan_next_line(cot_pair_src_t *s)
{
    for (;;) {
        if (s->bpos == s->blen) {
            if (s->eof) return -1;
            s->bbase += s->blen;
            s->bpos = s->blen = 0;
            ssize_t r;
            do r = pread(s->fd, s->buf, SRC_CHUNK, (off_t)s->bbase);
            while (r < 0 && errno == EINTR);
            if (r <= 0) { s->eof = 1; return -1; }
            s->blen = (size_t)r;
        }
        char *nl = memchr(s->buf + s->bpos, '\n', s->blen - s->bpos);
        if (!nl) { s->bpos = s->blen; continue; }
        s->bpos = (size_t)(nl - s->buf) + 1;
        s->line_no++;
        s->line_off = s->bbase + s->bpos;
        return 0;
    }
}

static int changed(const cot_pair_src_t *s)
{
    cot_err("%s: the file changed while cot-diff was reading it; run again "
            "on a copy that stays as it is", s->name);
    return -1;
}

int cot_pair_src_add(cot_pair_src_t *s, unsigned long long lineno,
                     const char *text, size_t len, uint64_t *off)
{
    if (s->reread) {            /* nothing to write: where it will be */
        *off = s->wpos;
        s->wpos += len + 1;
        return 0;
    }
    if (s->spill) {
        *off = s->wpos;
        s->wpos += len + 1;
        const char *p = text;
        size_t left = len + 1;      /* the line and a newline */
        while (left) {
            if (s->wlen == SRC_CHUNK && spill_flush(s) < 0) return -1;
            size_t take = SRC_CHUNK - s->wlen;
            if (take > left) take = left;
            if (left == take) {     /* the newline is in this piece */
                memcpy(s->buf + s->wlen, p, take - 1);
                s->buf[s->wlen + take - 1] = '\n';
            } else {
                memcpy(s->buf + s->wlen, p, take);
            }
            s->wlen += take;
            p += take;
            left -= take;
        }
        return 0;
    }
    if (lineno < s->line_no) return changed(s);
    while (s->line_no < lineno)
        if (scan_next_line(s) < 0) return changed(s);
    *off = s->line_off;
    /* The line must be where the scan says: len bytes, then a newline
     * (after a CR the reader took off) or the end of the file. */
    if ((uint64_t)s->st.st_size < *off + len) return changed(s);
    char end[2];
    ssize_t r = pread(s->fd, end, 2, (off_t)(*off + len));
    if (r < 0 || (r > 0 && end[0] != '\n' && !(end[0] == '\r' && r == 2 && end[1] == '\n')))
        return changed(s);
    /* The next line starts after this one's newline, now known: the scan
     * goes on from there without reading this line's bytes again. */
    s->line_no = lineno + 1;
    s->line_off = *off + len + (r > 0 && end[0] == '\r' ? 2 : 1);
    s->bbase = s->line_off;
    s->bpos = s->blen = 0;
    return 0;
}

void cot_pair_src_skip(cot_pair_src_t *s, size_t len)
{
    if (s->reread) s->wpos += len + 1;
}

int cot_pair_src_done(cot_pair_src_t *s)
{
    if (s->reread) {
        /* The reader opened ORIG by its name: the same file as ours? */
        struct stat now;
        if (stat(s->name, &now) < 0 || now.st_dev != s->st.st_dev ||
            now.st_ino != s->st.st_ino)
            return changed(s);
        return cot_pair_src_check(s);
    }
    if (!s->spill) return 0;
    if (!s->wt_on) return spill_flush(s);
    int e = s->wlen ? spill_handoff(s) : 0;
    int j = spill_join(s);
    return e || j ? spill_error(s, e ? e : j) : 0;
}

/* ---- reread: a zstd ORIG decompressed again ---------------------------- */

/* Open the cursor at the start of the file: 0, or -1 after an error. */
static int cursor_open(cot_pair_src_t *s)
{
    cot_stream_close(s->cur);
    s->cur = NULL;
    s->cpos = s->rbase = 0;
    if (lseek(s->rfd, 0, SEEK_SET) < 0) {
        cot_err("%s: cannot read the originals again: %s", s->name, strerror(errno));
        return -1;
    }
    s->cur = cot_stream_open_fd(s->rfd, s->name);
    return s->cur ? 0 : -1;
}

/* The next line the reader of the first pass gave (it skips blank lines
 * and lines too long the same way): its length, -1 at the end, -2 after
 * printing an error. */
static ssize_t cursor_line(cot_pair_src_t *s, char **text)
{
    for (;;) {
        ssize_t n = cot_stream_getline(s->cur, text);
        if (n == COT_STREAM_TOO_LONG) continue;
        if (n == -1) return -1;
        if (n < 0) return -2;
        size_t k = 0;
        while (k < (size_t)n && ((*text)[k] == ' ' || (*text)[k] == '\t')) k++;
        if (k < (size_t)n) return n;
    }
}

/* Copy ring bytes [off, off + len) out. */
static void ring_copy(const cot_pair_src_t *s, uint64_t off, size_t len, char *out)
{
    size_t at = (size_t)(off % s->rcap), first = s->rcap - at;
    if (first > len) first = len;
    memcpy(out, s->win + at, first);
    memcpy(out + first, s->win, len - first);
}

/* A ring of at least `want` bytes, holding what it held (byte x moves
 * from old[x % old cap] to new[x % cap]). */
static void ring_grow(cot_pair_src_t *s, size_t want)
{
    size_t cap = s->rcap ? s->rcap : s->rwant;
    while (cap < want) cap *= 2;
    if (cap == s->rcap && s->win) return;
    char *r = cot_malloc(cap);
    for (uint64_t x = s->rbase; x < s->cpos;) {
        size_t k = (size_t)(s->cpos - x), o = (size_t)(x % s->rcap), n = (size_t)(x % cap);
        if (k > s->rcap - o) k = s->rcap - o;
        if (k > cap - n) k = cap - n;
        memcpy(r + n, s->win + o, k);
        x += k;
    }
    free(s->win);
    s->win = r;
    s->rcap = cap;
}

/* Spill every line of the file now, as a spill from the start would have
 * held it, and read from that from now on.  0, or -1 after an error. */
static int spill_late(cot_pair_src_t *s)
{
    int fd = make_temp(s);
    if (fd < 0) return -1;
    if (cursor_open(s) < 0) { close(fd); return -1; }
    uint64_t pos = 0;
    size_t wlen = 0;
    char *text;
    ssize_t n;
    int e = 0;
    while ((n = cursor_line(s, &text)) >= 0) {
        size_t left = (size_t)n + 1;
        const char *p = text;
        while (left && !e) {
            if (wlen == SRC_CHUNK) { e = write_all(fd, s->buf, wlen); wlen = 0; }
            size_t take = SRC_CHUNK - wlen;
            if (take > left) take = left;
            if (take == left) {
                memcpy(s->buf + wlen, p, take - 1);
                s->buf[wlen + take - 1] = '\n';
            } else {
                memcpy(s->buf + wlen, p, take);
            }
            wlen += take, p += take, left -= take;
        }
        if (e) break;
        pos += (uint64_t)n + 1;
    }
    if (!e && wlen) e = write_all(fd, s->buf, wlen);
    cot_stream_close(s->cur);
    s->cur = NULL;
    free(s->win);
    s->win = NULL;
    s->rcap = 0;
    if (e) {
        close(fd);
        return spill_error(s, e);
    }
    if (n == -2 || pos != s->wpos) { close(fd); return changed(s); }
    s->fd = fd;
    atomic_store_explicit(&s->late, 1, memory_order_release);
    return 0;
}

/* Read [off, off + len) through the cursor: 0, 1 when it is behind the ring
 * (spill), or -1 after printing an error. */
static int cursor_read(cot_pair_src_t *s, uint64_t off, size_t len, cot_buf_t *out)
{
    uint64_t end = off + len + 1;     /* the newline too: a check */
    if (!s->cur) {
        if (cursor_open(s) < 0) return -1;
    } else if (off < s->rbase) {
        return 1;
    }
    if (!s->win || len + 1 > s->rcap) ring_grow(s, len + 1);
    while (s->cpos < end) {
        char *text;
        ssize_t n = cursor_line(s, &text);
        if (n < 0) return changed(s);
        size_t need = (size_t)n + 1;
        if (need > s->rcap) ring_grow(s, need);
        size_t at = (size_t)(s->cpos % s->rcap), first = s->rcap - at;
        if (first > (size_t)n) first = (size_t)n;
        memcpy(s->win + at, text, first);
        memcpy(s->win, text + first, (size_t)n - first);
        s->win[(at + (size_t)n) % s->rcap] = '\n';
        s->cpos += need;
        if (s->cpos - s->rbase > s->rcap) s->rbase = s->cpos - s->rcap;
    }
    if (off < s->rbase) return 1;
    cot_buf_clear(out);
    cot_buf_reserve(out, len + 1);
    ring_copy(s, off, len, out->s);
    char nl;
    ring_copy(s, off + len, 1, &nl);
    if (nl != '\n') return changed(s);
    out->len = len;
    out->s[len] = 0;
    return 0;
}

/* A read of a reread source: through the cursor, or from the late spill. */
static int reread(const cot_pair_src_t *cs, uint64_t off, size_t len, cot_buf_t *out)
{
    cot_pair_src_t *s = (cot_pair_src_t *)cs;    /* the cursor is ours */
    pthread_mutex_lock(&s->rmu);
    int r = -1;
    if (atomic_load_explicit(&s->late, memory_order_acquire)) {
        r = 2;
    } else if (!s->rfailed) {
        r = cursor_read(s, off, len, out);
        if (r == 1) r = spill_late(s) < 0 ? -1 : 2;
        if (r < 0) s->rfailed = 1;
    }
    pthread_mutex_unlock(&s->rmu);
    return r;
}

void cot_pair_src_rewind(cot_pair_src_t *s)
{
    if (!s->reread || atomic_load(&s->late)) return;
    cot_stream_close(s->cur);
    s->cur = NULL;
}

void cot_pair_src_readers(cot_pair_src_t *s, int n)
{
    if (!s->reread || s->win) return;
    size_t want = COT_PAIR_REREAD_MIN + (size_t)(n > 0 ? n : 0) * COT_PAIR_REREAD_PER;
    s->rwant = want < COT_PAIR_REREAD_MAX ? want : COT_PAIR_REREAD_MAX;
}

int cot_pair_src_read(const cot_pair_src_t *s, uint64_t off, size_t len,
                      cot_buf_t *out)
{
    if (s->reread && !atomic_load_explicit(&s->late, memory_order_acquire)) {
        int r = reread(s, off, len, out);
        if (r != 2) return r;
    }
    cot_buf_clear(out);
    cot_buf_reserve(out, len + 1);
    size_t at = 0;
    while (at < len) {
        ssize_t r = pread(s->fd, out->s + at, len - at, (off_t)(off + at));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            if (r == 0) return changed(s);
            cot_err("%s: cannot read an original again%s: %s", s->name,
                    s->spill ? " from its temporary copy" : "", strerror(errno));
            return -1;
        }
        at += (size_t)r;
    }
    out->len = len;
    out->s[len] = 0;
    return 0;
}

int cot_pair_src_read_ahead(const cot_pair_src_t *s, cot_pair_cache_t *c, uint64_t off,
                            size_t len, cot_buf_t *out)
{
    /* Decompressed again: the cursor's ring is the window. */
    if (s->reread && !atomic_load_explicit(&s->late, memory_order_acquire))
        return cot_pair_src_read(s, off, len, out);
    uint64_t next = c->next;
    c->next = off + len;
    if (off >= c->base && off + len <= c->base + c->len) {      /* read ahead */
        cot_buf_clear(out);
        cot_buf_add(out, c->buf + (off - c->base), len);
        return 0;
    }
    /* Not just after the last line (a seek), or too long for the window:
     * alone, as ever. */
    if (off < next || off - next > 2 || len > COT_PAIR_AHEAD / 4)
        return cot_pair_src_read(s, off, len, out);
    if (!c->buf) {
        c->cap = COT_PAIR_AHEAD;
        c->buf = cot_malloc(c->cap);
    }
    c->len = 0;
    c->base = off;
    while (c->len < c->cap) {
        ssize_t r = pread(s->fd, c->buf + c->len, c->cap - c->len, (off_t)(off + c->len));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        c->len += (size_t)r;
    }
    if (c->len < len) {         /* short, or an error: said as ever */
        c->len = 0;
        return cot_pair_src_read(s, off, len, out);
    }
    cot_buf_clear(out);
    cot_buf_add(out, c->buf, len);
    return 0;
}

void cot_pair_cache_free(cot_pair_cache_t *c)
{
    free(c->buf);
    memset(c, 0, sizeof *c);
}

int cot_pair_src_check(const cot_pair_src_t *s)
{
    struct stat now;
    if (s->spill) return 0;
    if (fstat(s->reread ? s->rfd : s->fd, &now) < 0 || now.st_size != s->st.st_size ||
        now.st_mtim.tv_sec != s->st.st_mtim.tv_sec ||
        now.st_mtim.tv_nsec != s->st.st_mtim.tv_nsec)
        return changed(s);
    return 0;
}

void cot_pair_src_close(cot_pair_src_t *s)
{
    if (!s) return;
    if (s->wt_on) spill_join(s);
    if (s->fd >= 0) close(s->fd);
    if (s->reread) {
        cot_stream_close(s->cur);
        free(s->win);
        close(s->rfd);
        pthread_mutex_destroy(&s->rmu);
    }
    if (s->ring[0]) {           /* buf is one of them */
        for (int i = 0; i < SRC_RING; i++) free(s->ring[i]);
        pthread_cond_destroy(&s->wcv);
        pthread_mutex_destroy(&s->wmu);
    } else {
        free(s->buf);
    }
    free(s->name);
    free(s);
}

/* ---- reading an original again without a JSON tree -------------------- */

static size_t skip_ws(const char *s, size_t n, size_t i)
{
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) i++;
    return i;
}

/* s[i] is a string's opening quote: the index after its closing quote, or
 * 0 when it has none.  A quote closes the string when an even number of
 * backslashes stands before it. */
static size_t skip_str(const char *s, size_t n, size_t i)
{
    size_t from = ++i;
    for (;;) {
        const char *q = i < n ? memchr(s + i, '"', n - i) : NULL;
        if (!q) return 0;
        size_t j = (size_t)(q - s), b = 0;
        while (j - b > from && s[j - b - 1] == '\\') b++;
        if (!(b & 1)) return j + 1;
        i = j + 1;
    }
}

/* s[i] starts a value: the index after it, or 0 when it is malformed. */
static size_t skip_value(const char *s, size_t n, size_t i)
{
    if (i >= n) return 0;
    if (s[i] == '"') return skip_str(s, n, i);
    if (s[i] == '{' || s[i] == '[') {
        size_t depth = 0;
        while (i < n) {
            char c = s[i];
            if (c == '"') {
                if (!(i = skip_str(s, n, i))) return 0;
                continue;
            }
            if (c == '{' || c == '[') depth++;
            else if ((c == '}' || c == ']') && --depth == 0) return i + 1;
            i++;
        }
        return 0;
    }
    size_t at = i;
    while (i < n && s[i] != ',' && s[i] != '}' && s[i] != ']' && s[i] != ' ' &&
           s[i] != '\t' && s[i] != '\n' && s[i] != '\r' && s[i] != '"' &&
           s[i] != '{' && s[i] != '[' && s[i] != ':')
        i++;
    return i > at ? i : 0;
}

int cot_pair_members(const char *s, size_t n, const char *const *names,
                     const size_t *nlen, int k, cot_pair_span_t *out)
{
    int left = k;
    for (int x = 0; x < k; x++) out[x] = (cot_pair_span_t){NULL, 0};
    size_t i = skip_ws(s, n, 0);
    if (i >= n || s[i] != '{') return -1;
    i = skip_ws(s, n, i + 1);
    if (i < n && s[i] == '}') return 0;
    while (left) {
        if (i >= n || s[i] != '"') return -1;
        size_t ks = i + 1, ke = skip_str(s, n, i);
        if (!ke) return -1;
        size_t klen = ke - 1 - ks;
        if (memchr(s + ks, '\\', klen)) return -1;   /* cJSON decodes names */
        i = skip_ws(s, n, ke);
        if (i >= n || s[i] != ':') return -1;
        i = skip_ws(s, n, i + 1);
        size_t ve = skip_value(s, n, i);
        if (!ve) return -1;
        for (int x = 0; x < k; x++)
            if (!out[x].p && nlen[x] == klen && !memcmp(names[x], s + ks, klen)) {
                out[x] = (cot_pair_span_t){s + i, ve - i};
                left--;         /* and on: a name may be asked for twice */
            }
        i = skip_ws(s, n, ve);
        if (i < n && s[i] == ',') { i = skip_ws(s, n, i + 1); continue; }
        if (i < n && s[i] == '}') return 0;
        return -1;
    }
    return 0;
}

static int hex4(const char *p, unsigned *v)
{
    unsigned x = 0;
    for (int k = 0; k < 4; k++) {
        char c = p[k];
        x <<= 4;
        if (c >= '0' && c <= '9') x |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') x |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') x |= (unsigned)(c - 'A' + 10);
        else return -1;
    }
    *v = x;
    return 0;
}

int cot_pair_string(cot_pair_span_t v, cot_buf_t *buf, const char **p, size_t *n)
{
    if (!v.p || v.n < 2 || v.p[0] != '"') return v.p && v.n && v.p[0] == '"' ? -1 : 0;
    const char *s = v.p + 1, *end = v.p + v.n - 1;
    if (*end != '"') return -1;
    const char *bs = memchr(s, '\\', (size_t)(end - s));
    if (!bs) {
        *p = s;
        *n = (size_t)(end - s);
        return 1;
    }
    cot_buf_clear(buf);
    cot_buf_reserve(buf, (size_t)(end - s) + 1);
    while (bs) {
        cot_buf_add(buf, s, (size_t)(bs - s));
        if (end - bs < 2) return -1;
        char c = bs[1], o;
        s = bs + 2;
        switch (c) {
        case '"': o = '"'; break;
        case '\\': o = '\\'; break;
        case '/': o = '/'; break;
        case 'b': o = '\b'; break;
        case 'f': o = '\f'; break;
        case 'n': o = '\n'; break;
        case 'r': o = '\r'; break;
        case 't': o = '\t'; break;
        case 'u': {
            unsigned cp, lo;
            if (end - s < 4 || hex4(s, &cp) < 0 || cp == 0) return -1;
            s += 4;
            if (cp >= 0xDC00 && cp <= 0xDFFF) return -1;      /* a lone low half */
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (end - s < 6 || s[0] != '\\' || s[1] != 'u' || hex4(s + 2, &lo) < 0 ||
                    lo < 0xDC00 || lo > 0xDFFF)
                    return -1;
                s += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            char u[4];
            size_t m;
            if (cp < 0x80) { u[0] = (char)cp; m = 1; }
            else if (cp < 0x800) {
                u[0] = (char)(0xC0 | cp >> 6); u[1] = (char)(0x80 | (cp & 0x3F)); m = 2;
            } else if (cp < 0x10000) {
                u[0] = (char)(0xE0 | cp >> 12); u[1] = (char)(0x80 | (cp >> 6 & 0x3F));
                u[2] = (char)(0x80 | (cp & 0x3F)); m = 3;
            } else {
                u[0] = (char)(0xF0 | cp >> 18); u[1] = (char)(0x80 | (cp >> 12 & 0x3F));
                u[2] = (char)(0x80 | (cp >> 6 & 0x3F)); u[3] = (char)(0x80 | (cp & 0x3F));
                m = 4;
            }
            cot_buf_add(buf, u, m);
            bs = memchr(s, '\\', (size_t)(end - s));
            continue;
        }
        default: return -1;
        }
        cot_buf_addc(buf, o);
        bs = memchr(s, '\\', (size_t)(end - s));
    }
    cot_buf_add(buf, s, (size_t)(end - s));
    cot_buf_cstr(buf);
    *p = buf->s;
    *n = buf->len;
    return 1;
}
