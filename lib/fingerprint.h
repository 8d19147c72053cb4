/* fingerprint.h -- what made a cot-stat partial, so that a merge is exactly
 * one pass over all the input or an error, and a sharded run can tell which
 * partials it may reuse.
 *
 * A partial's fingerprint holds the tool version, the --pipeline text (what
 * made its records upstream, options included) and one or more parts (a
 * direct partial has one; a merged partial holds those of its inputs).  A
 * part says which shard it is (--part K/N, or none), the --source files it
 * was made from (name, size, mtime) and the inputs cot-stat read (name,
 * size and mtime when a regular file, records, and a 64-bit content digest
 * of the records).  The shaping options (--by, --count, ...) sit beside it
 * in the partial and are compared by cot_stat_opts_differ().
 */
#ifndef COT_FINGERPRINT_H
#define COT_FINGERPRINT_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>
#include "util.h"

typedef struct {
    char    *name;        /* as given; "-" for stdin                      */
    int64_t  size;        /* bytes; -1 when not a regular file            */
    char    *mtime;       /* "SECONDS.NANOSECONDS"; NULL when not a file  */
    uint64_t records;     /* inputs: records read                         */
    uint64_t digest;      /* inputs: cot_fp_hash() of the records         */
    int      is_input;    /* 1: an input cot-stat read, 0: a --source     */
} cot_fp_file_t;

typedef struct {
    long k, n;            /* part K of N (1-based); n == 0: no --part     */
    cot_fp_file_t *f;     /* --source files first, then the inputs        */
    size_t nf;
    char *origin;         /* where it was read ("FILE" or "FILE:LINE");
                             set by cot_fp_read(), never written          */
} cot_fp_part_t;

typedef struct {
    char *tool;           /* "cot-stat VERSION"                           */
    char *pipeline;       /* --pipeline TEXT, or NULL                     */
    cot_fp_part_t *parts;
    size_t nparts;
} cot_fp_t;

/* A fingerprint for this cot-stat with one empty part (k, n: --part, or
 * 0, 0), pipeline NULL or the text (copied). */
void cot_fp_init(cot_fp_t *fp, const char *pipeline, long k, long n);
/* Add a file to part p: stat() it now (size and mtime; a pipe or stdin
 * has none).  Returns 0, or -1 when it cannot be stat()ed (errno set). */
int  cot_fp_add_file(cot_fp_part_t *p, const char *name, int is_input);
/* Extend a 64-bit content digest h (start with 0) by n bytes.  Not
 * cryptographic: it tells shards apart, it does not resist forgery. */
uint64_t cot_fp_hash(uint64_t h, const void *p, size_t n);

/* Append the fingerprint as a JSON object to b. */
void cot_fp_write(const cot_fp_t *fp, cot_buf_t *b);
/* Read one from j (the "fingerprint" member of a partial); origin names
 * where it came from, for messages.  NULL, or a message; fp is valid for
 * cot_fp_free() either way. */
const char *cot_fp_read(const cJSON *j, const char *origin, cot_fp_t *fp);

/* NULL when a and b come from the same tool and pipeline, else a message
 * (static storage) saying what differs. */
const char *cot_fp_differ(const cot_fp_t *a, const cot_fp_t *b);
/* Move b's parts to the end of a's; b is left empty. */
void cot_fp_take(cot_fp_t *a, cot_fp_t *b);

/* Check that a set of parts is one pass over distinct input: every part
 * labelled or none, one N, no K twice, no records twice (an input of one
 * part with the digest and record count of an input of another, whatever
 * its name), and when complete
 * is set every K from 1 to N present.  Each problem is printed through
 * cot_err() naming the partials; returns how many there were. */
size_t cot_fp_check(const cot_fp_t *fp, int complete);

/* Would this command line (want: one part, its files stat()ed now) make
 * the partial that have describes?  Returns 1 when yes; 0 with the reason
 * in why otherwise. */
int  cot_fp_current(const cot_fp_t *have, const cot_fp_t *want, cot_buf_t *why);

void cot_fp_free(cot_fp_t *fp);

#endif
