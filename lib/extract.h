/* extract.h -- raw generations to canonical records (see cot-extract(1)
 * and cot-record(5)).
 *
 * One input object gives one or more records (fan-out over generations,
 * choices or turns).  Records are serialised straight into a reusable
 * buffer, in the canonical key order:
 *   id, prompt, context (when non-empty), cot, answer, cot_state,
 *   signature (when present), meta (unless no_meta), src {file,line,format}
 */
#ifndef COT_EXTRACT_H
#define COT_EXTRACT_H

#include <cjson/cJSON.h>
#include <stdio.h>
#include "fields.h"
#include "util.h"

typedef struct {
    const char *format;        /* --format: LAYOUT, STYLE or LAYOUT+STYLE   */
    int turns_all;             /* --turns all                               */
    int no_meta;               /* --no-meta                                 */
    const char *id, *prompt, *cot, *answer;   /* JSON pointers or NULL      */
    const char **meta;         /* --meta pointers (nmeta of them)           */
    int nmeta;
    const char *split;         /* --split PCRE2 pattern or NULL             */
} cot_extract_opt_t;

typedef struct cot_extractor cot_extractor_t;

/* One record of the last cot_extract_line() call. */
typedef struct {
    const char *json;          /* serialised record, no newline             */
    size_t len;
    const char *format;        /* "LAYOUT" or "LAYOUT+STYLE"                */
    const char *cot_state;
    /* A raw rendering read beside split fields (gpt-oss raw_output next to
     * internal_reasoning and external_output): its field name, and
     * "consumed" (it says what the split fields say: left out of meta),
     * "used" (the split fields were empty: the record comes from it) or
     * "kept" (it says something else: kept in meta).  NULL when none. */
    const char *raw_field, *raw;
} cot_extract_rec_t;

/* Check the options (format name, pointers, regex).  Returns NULL and
 * writes a one-line message to err on a bad option.  The option strings
 * must outlive the extractor. */
cot_extractor_t *cot_extract_new(const cot_extract_opt_t *opt, cot_buf_t *err);

/* Extract the records of one input object.  Returns the number of records
 * (>= 1), or -1 when the object does not fit a forced --format, or when a
 * member it read (a layout's, or an option's path) is given twice (kind
 * "field-twice": readers differ on which counts); then *kind and *why say
 * so (static or extractor-owned, valid until the next call). */
int cot_extract_line(cot_extractor_t *x, const cJSON *obj, const char *file,
                     unsigned long line, const char **kind, const char **why);

/* The raw text of the line whose object goes to the next
 * cot_extract_line() call (newline removed; not copied, so it must stay
 * valid through that call).  Call it before each line: a record without an
 * id of its own is known by a digest of these bytes (see cot-record(5)). */
void cot_extract_set_raw(cot_extractor_t *x, const char *text, size_t len);

/* Where the last line's id came from: "source" (a source field, --id, or
 * a canonical record's own), "digest" (the fallback, a digest of the raw
 * line) or "none" (a canonical record without an id, passed through). */
const char *cot_extract_id_kind(const cot_extractor_t *x);

/* Record k (0 <= k < the count returned) of the last line. */
cot_extract_rec_t cot_extract_get(const cot_extractor_t *x, int k);

/* The pointers --id, --prompt, --cot, --answer and --meta gave, with how
 * each fared in the lines extracted so far (see fields.h); NULL when no
 * pointer was given.  Owned by the extractor. */
cot_fields_t *cot_extract_fields(cot_extractor_t *x);

/* The text of one field value into out (cleared first), as a record's cot
 * is read: a string as is, an array of strings (a step list) joined with
 * newlines, an array of text parts joined, a number as written.  Returns 1,
 * or 0 when the value gives no text (NULL, null, an object, a boolean). */
int cot_extract_text(const cJSON *v, cot_buf_t *out);

void cot_extract_free(cot_extractor_t *x);

/* Print the layouts and styles with one-line descriptions. */
void cot_extract_list_formats(FILE *fp);

#endif
