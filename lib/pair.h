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
 * Storage.  All strings of the index live in one growing arena, addressed
 * by offset; entries and key groups are flat arrays.  Originals that share
 * a key form a chain in load order.
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

typedef struct {
    const char *id, *cot, *answer, *raw;    /* into the arena; raw is NULL
                                               unless keep_raw was set    */
    size_t id_len, cot_len, answer_len, raw_len;
    int used;
} cot_pair_entry_t;

/* A new, empty index.  keep_raw: also keep each original's raw line (for
 * --unmatched).  Never NULL (out of memory exits). */
cot_pair_index_t *cot_pair_index_new(int keep_raw);
void cot_pair_index_free(cot_pair_index_t *ix);
/* Testing aid: when on, every key hashes to the same value. */
void cot_pair_index_force_hash(cot_pair_index_t *ix, int on);

/* Add an original under key[0..klen).  Strings are copied.  Returns the
 * entry number (0, 1, ... in load order).  key NULL: an original without a
 * key (cot_pair_key_empty()); it is kept (counted, and listed as unused)
 * but never found. */
size_t cot_pair_add(cot_pair_index_t *ix, const char *key, size_t klen,
                    const char *id, size_t id_len, const char *cot,
                    size_t cot_len, const char *answer, size_t answer_len,
                    const char *raw, size_t raw_len);

/* The originals under key: returns how many (0 when none) and sets *first
 * to the first entry number; walk on with cot_pair_next(). */
size_t cot_pair_find(const cot_pair_index_t *ix, const char *key, size_t klen,
                     size_t *first);
/* Next entry with the same key, or COT_PAIR_NONE. */
size_t cot_pair_next(const cot_pair_index_t *ix, size_t e);

/* Fill *out for entry e (pointers valid until the next cot_pair_add). */
void cot_pair_get(const cot_pair_index_t *ix, size_t e, cot_pair_entry_t *out);
void cot_pair_mark_used(cot_pair_index_t *ix, size_t e);

size_t cot_pair_count(const cot_pair_index_t *ix);     /* entries          */
size_t cot_pair_keys(const cot_pair_index_t *ix);      /* distinct keys    */
size_t cot_pair_unused(const cot_pair_index_t *ix);    /* entries not used */
/* Bytes the index uses: strings, entries, keys and hash table (the
 * allocations, which grow by doubling, may hold up to twice as much). */
size_t cot_pair_bytes(const cot_pair_index_t *ix);

#endif
