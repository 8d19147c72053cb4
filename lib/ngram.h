/* ngram.h -- hashed n-gram features of a record's text, for the linear
 * classifier of lib/model.c (cot-judge train / --model; see cot-model(5)).
 *
 * Words are the tokens of cot_profile_tokenize() (runs of letters, '_' and
 * UTF-8 bytes, lower-cased; numbers; single punctuation characters).  A
 * word n-gram of order k (1..word_ngrams) is k consecutive tokens; a
 * character n-gram is `char_ngrams` consecutive bytes (ASCII lower-cased)
 * starting at any byte that is not a UTF-8 continuation byte.  Each field
 * (cot, answer, prompt) is its own feature space: the field is part of the
 * hash, so "wait" in the cot and "wait" in the answer are distinct
 * features.  A feature's bucket is the top `bits` bits of a 64-bit hash.
 *
 * Features are binary: a bucket counts once per field however often it
 * occurs (the first occurrence is kept, for evidence spans), and the
 * features of a field with n distinct buckets each carry the value
 * 1/sqrt(n), so every field's vector has unit length.
 */
#ifndef COT_NGRAM_H
#define COT_NGRAM_H

#include <stddef.h>
#include <stdint.h>
#include "profile.h"

enum { COT_FEAT_COT, COT_FEAT_ANSWER, COT_FEAT_PROMPT, COT_FEAT_NFIELDS };
#define COT_FEAT_BITS_MIN 10
#define COT_FEAT_BITS_MAX 26
#define COT_FEAT_WORD_MAX 5
#define COT_FEAT_CHAR_MAX 8

extern const char *const cot_feat_field_names[COT_FEAT_NFIELDS];

typedef struct {
    uint32_t bits;          /* log2 of the bucket count          [20]      */
    uint32_t word_ngrams;   /* word n-grams of order 1..N        [2]       */
    uint32_t char_ngrams;   /* character n-gram length, 0 = none [0]       */
    uint32_t fields;        /* bit mask of 1 << COT_FEAT_*       [cot]     */
} cot_feat_opts_t;

void cot_feat_opts_init(cot_feat_opts_t *o);

/* Parse "cot,answer,prompt" (any non-empty subset) into a field mask:
 * 0, or -1 on a bad name. */
int cot_feat_parse_fields(const char *s, uint32_t *mask);

/* One distinct feature of a record: its bucket, field and the byte span
 * [start, end) of its first occurrence in that field's text. */
typedef struct {
    uint32_t idx, start, end;
    uint8_t field, order;   /* order: word n-gram order, or 0 for chars  */
} cot_feat_t;

/* Scratch space reused between records.  Zero-initialise; free with
 * cot_feat_work_free().  After cot_feat_extract(): f[0..n) are the
 * distinct features, field by field (cot first), count[k] of them in
 * field k. */
typedef struct {
    cot_feat_t *f;
    uint32_t *idx;          /* f[i].idx, contiguous                      */
    size_t n, cap;
    uint32_t count[COT_FEAT_NFIELDS];
    uint32_t *set;          /* de-duplication within a field             */
    size_t scap;
    uint32_t smask;
    cot_ptok_t *toks;
    size_t tcap;
} cot_feat_work_t;

/* Extract the features of the selected fields; text[k]/len[k] may be NULL/0
 * (no features from that field). */
void cot_feat_extract(const cot_feat_opts_t *o, const char *const text[COT_FEAT_NFIELDS],
                      const size_t len[COT_FEAT_NFIELDS], cot_feat_work_t *w);
void cot_feat_work_free(cot_feat_work_t *w);

#endif
