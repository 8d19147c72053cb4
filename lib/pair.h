/* pair.h -- the originals index of cot-diff: join keys, hashing, and a
 * compact in-memory store of the original records' CoT and answer.
 *
 * Keys.  A prompt key is normalised before hashing and comparing: every
 * run of ASCII whitespace (space, \t, \n, \v, \f, \r) becomes one space and
 * the ends are trimmed.  Other keys (id, a JSON pointer) are compared as
 * given.  Keys are hashed with cot_pair_hash() (64 bits, the same on every
 * machine, so --shard K/N assigns a key to the same shard everywhere) and
 * always confirmed by comparing the full key bytes: a hash collision can
 * never pair the wrong records.  An empty key (no text, or only
 * whitespace) names nothing: it never pairs, and such originals are not
 * indexed (cot_pair_key_empty()).
 *
 * Storage.  The index holds no text: per original, where its line is
 * (offset and length in the originals' source, below) and its line number;
 * per key, two independent 64-bit hashes (so distinct keys are told apart
 * as groups) and the chain of its originals in load order.  The key bytes
 * are not kept: the caller reads a candidate's line again, derives its key
 * and compares it with the SFT key in full before pairing, so a hash
 * collision can never pair the wrong records.  About 70 bytes per original
 * whatever the texts' size (cot_pair_bytes()).
 *
 * Source.  The original lines are read again from where they are: a plain
 * (not zstd) regular file in place, by offset; a zstd regular file spilled
 * as below, or where TMPDIR cannot well take it by decompressing it again,
 * in step with the reads (cot_pair_src_readers()); anything else (stdin, a
 * pipe) is spilled, line by line as the originals
 * are indexed, to an unlinked temporary file in $TMPDIR (else /tmp), which
 * is gone when the process ends.
 */
#ifndef COT_PAIR_H
#define COT_PAIR_H

#include <stddef.h>
#include <stdint.h>
#include "util.h"

#define COT_PAIR_NONE ((size_t)-1)

/* Append the normalised form of a prompt p[0..n) to out. */
void cot_pair_normalize(const char *p, size_t n, cot_buf_t *out);

/* 64-bit hash of p[0..n); stable across runs and platforms. */
uint64_t cot_pair_hash(const char *p, size_t n);

/* 1 when key[0..n) is empty or only ASCII whitespace: a key that names
 * nothing, which must never pair (every prompt-less record would pair with
 * every other); else 0. */
int cot_pair_key_empty(const char *key, size_t n);

/* The pairing check behind cot-diff's --min-paired: of `total` SFT records
 * compared, `paired` found an original.  Returns 0 when at least `min`
 * (0..1) of them did; else 1, with a one-line message in *msg naming the
 * counts and `key` (how the records were keyed, e.g. "key: id").  Nothing
 * compared (total 0) or nothing paired always fails, whatever `min` is:
 * a comparison that compared nothing is not a pass. */
int cot_pair_check(unsigned long long paired, unsigned long long total,
                   double min, const char *key, cot_buf_t *msg);

typedef struct cot_pair_index cot_pair_index_t;

/* A new, empty index.  Never NULL (out of memory exits). */
cot_pair_index_t *cot_pair_index_new(void);
void cot_pair_index_free(cot_pair_index_t *ix);
/* Testing aid: when on, every key hashes to the same values. */
void cot_pair_index_force_hash(cot_pair_index_t *ix, int on);

/* Add the original whose line is at off, len bytes, line number lineno of
 * the originals, under key[0..klen).  Returns the entry number (0, 1, ...
 * in load order).  key NULL: an original without a key
 * (cot_pair_key_empty()); it is kept (counted, and listed as unused) but
 * never found. */
size_t cot_pair_add(cot_pair_index_t *ix, const char *key, size_t klen,
                    uint64_t off, size_t len, unsigned long long lineno);

/* The same in two steps, so that keys are hashed on worker threads and
 * added in load order on one: the key's hashes into h[0], h[1] (reads ix
 * only), then the entry with those hashes (h NULL: an original without a
 * key). */
void cot_pair_key_hash(const cot_pair_index_t *ix, const char *key, size_t klen,
                       uint64_t h[2]);
size_t cot_pair_add_hashed(cot_pair_index_t *ix, const uint64_t *h, uint64_t off,
                           size_t len, unsigned long long lineno);

/* The originals whose key hashes as key does: returns how many (0 when
 * none) and sets *first to the first entry number; walk on with
 * cot_pair_next().  They are candidates: the caller confirms each key. */
size_t cot_pair_find(const cot_pair_index_t *ix, const char *key, size_t klen,
                     size_t *first);
/* Next entry with the same key hashes, or COT_PAIR_NONE. */
size_t cot_pair_next(const cot_pair_index_t *ix, size_t e);

/* Where entry e's line is. */
void cot_pair_where(const cot_pair_index_t *ix, size_t e, uint64_t *off,
                    size_t *len, unsigned long long *lineno);
/* Used flags: set and read from one thread only (the readers of the
 * entries above may be others). */
void cot_pair_mark_used(cot_pair_index_t *ix, size_t e);
int cot_pair_used(const cot_pair_index_t *ix, size_t e);

size_t cot_pair_count(const cot_pair_index_t *ix);     /* entries          */
size_t cot_pair_keys(const cot_pair_index_t *ix);      /* distinct keys    */
size_t cot_pair_unused(const cot_pair_index_t *ix);    /* entries not used */
/* Bytes the index uses: entries, key groups and hash table (the
 * allocations, which grow by doubling, may hold up to twice as much). */
size_t cot_pair_bytes(const cot_pair_index_t *ix);

/* ---- the originals' source ------------------------------------------- */

typedef struct cot_pair_src cot_pair_src_t;

/* The source for the originals at path ("-" is stdin), opened before the
 * reader reads them: a plain regular file is read in place; a zstd file is
 * spilled or read again (below); stdin, a pipe or a device is spilled.
 * NULL after printing an error. */
cot_pair_src_t *cot_pair_src_open(const char *path);
/* Spill through a writer thread, so that the thread reading and indexing
 * the originals does not wait on the copy into the page cache: the same
 * file, 3 MiB more memory (4 buffers of 1 MiB in all, SRC_RING), and a
 * failed write is told by the next cot_pair_src_add() that hands it a
 * buffer, or by
 * cot_pair_src_done().  Before the first add; nothing when the originals
 * are read in place, or when no thread can be started. */
void cot_pair_src_threaded(cot_pair_src_t *s);
/* 1 when the originals are spilled to a temporary file. */
int cot_pair_src_spilled(const cot_pair_src_t *s);
/* Record the line the reader returned as line lineno (1-based; blank and
 * bad lines counted), text[0..len) without its newline: 0 with its offset
 * in *off, or -1 after printing an error (the spill could not be written:
 * the message names TMPDIR; or the file no longer holds that line). */
int cot_pair_src_add(cot_pair_src_t *s, unsigned long long lineno,
                     const char *text, size_t len, uint64_t *off);
/* A line the reader returned (0 from cot_jsonl_next_raw()) that is not
 * added: a zstd file read again counts it, to find the next ones. */
void cot_pair_src_skip(cot_pair_src_t *s, size_t len);
/* After the last cot_pair_src_add(): 0, or -1 after printing an error. */
int cot_pair_src_done(cot_pair_src_t *s);
/* A zstd regular file is spilled where TMPDIR is a disk with room for
 * COT_PAIR_SPILL_ROOM times the file (the quicker way); else (TMPDIR a
 * tmpfs, where a spill would sit in memory, missing, not a folder we may
 * write in, or short of room) it
 * is decompressed again, in step with the reads, and its last
 * COT_PAIR_REREAD_MIN bytes (plus
 * COT_PAIR_REREAD_PER for each of n threads reading, up to
 * COT_PAIR_REREAD_MAX) are kept, so that reads in about file order,
 * however the threads interleave them, are served from there.  A read
 * behind them spills the whole file to TMPDIR then, and reads from that
 * from now on: the same bytes either way.  cot_pair_src_readers() sets n
 * before the first read; cot_pair_src_rewind() starts the cursor again
 * (one thread, before reading from the start again: --unmatched).  The
 * environment variable COT_DIFF_SPILL=1 always spills such a file as it is
 * indexed, =0 always reads it again. */
#define COT_PAIR_SPILL_ROOM 10.0
#define COT_PAIR_REREAD_MIN (2 << 20)
#define COT_PAIR_REREAD_PER (2 << 20)
#define COT_PAIR_REREAD_MAX (32 << 20)
void cot_pair_src_readers(cot_pair_src_t *s, int n);
void cot_pair_src_rewind(cot_pair_src_t *s);
/* Read the line at off, len bytes, into out (replaced; NUL-terminated).
 * Safe from several threads at once.  0, or -1 after printing an error. */
int cot_pair_src_read(const cot_pair_src_t *s, uint64_t off, size_t len,
                      cot_buf_t *out);
/* The same through a read-ahead window, for lines read in about file
 * order (SFT records in the order of their originals: most pipelines):
 * a line that starts at or just after the previous one's end is read with
 * the lines after it, COT_PAIR_AHEAD bytes in one call, and the next ones
 * are copied from there; any other is read alone.  One cache per thread
 * (zeroed to start; cot_pair_cache_free() after).  What comes back is
 * what cot_pair_src_read() reads. */
#define COT_PAIR_AHEAD (256 << 10)
typedef struct {
    char *buf;
    size_t len, cap;
    uint64_t base;              /* file offset of buf[0]                   */
    uint64_t next;              /* where the last line read ended          */
} cot_pair_cache_t;
int cot_pair_src_read_ahead(const cot_pair_src_t *s, cot_pair_cache_t *c, uint64_t off,
                            size_t len, cot_buf_t *out);
void cot_pair_cache_free(cot_pair_cache_t *c);
/* A file read in place must not change while it is used: 0 when it is as
 * it was opened, else -1 after printing an error. */
int cot_pair_src_check(const cot_pair_src_t *s);
/* Bytes written to the spill file (0 when read in place). */
unsigned long long cot_pair_src_spill_bytes(const cot_pair_src_t *s);
void cot_pair_src_close(cot_pair_src_t *s);

/* ---- reading an original again without a JSON tree -------------------- */

/* A raw JSON value inside a line: p[0..n), quotes included for a string;
 * p NULL when the member is absent. */
typedef struct {
    const char *p;
    size_t n;
} cot_pair_span_t;

/* The top-level members names[0..k) (nlen[i] bytes each) of the JSON
 * object line s[0..n), which passed the reader's checks when it was
 * indexed: out[i] is the raw value of the FIRST member of that name (as
 * cJSON finds it), or absent; a name may be given more than once.  Stops scanning once every name is found.
 * Returns 0, or -1 when it cannot be sure (a member name with an escape,
 * which cJSON would decode; not an object; anything malformed): the
 * caller then parses the line in full. */
int cot_pair_members(const char *s, size_t n, const char *const *names,
                     const size_t *nlen, int k, cot_pair_span_t *out);

/* The text of a raw value v: 1 with the decoded string in *p, *n (into v
 * itself when it holds no escape, else into buf, replaced), exactly what
 * cJSON decodes; 0 when v is absent, null or not a string; -1 when it
 * cannot be sure (an escape it does not decode as cJSON would: \u0000, a
 * lone surrogate, anything malformed). */
int cot_pair_string(cot_pair_span_t v, cot_buf_t *buf, const char **p, size_t *n);

#endif
