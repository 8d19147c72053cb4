/* fields.h -- the field paths a user names on the command line, checked
 * against the records of a run, so an option that matches nothing fails
 * instead of passing quietly (cot(7), "Fail closed").
 *
 * A tool registers each path an option gives (cot_fields_want), says for
 * every record whether the path gave a value there (cot_fields_mark, or
 * cot_fields_scan to look the paths up), and at the end calls
 * cot_fields_check(): a path that matched no record is an error naming the
 * option, the path and the closest path seen in the data ("did you mean
 * /original_process?"); one that matched only some records is a warning
 * with the count.
 *
 * The paths seen are learnt from the records in which a wanted path was
 * missing, while some wanted path has matched nothing yet, within fixed
 * bounds: the first COT_FIELDS_RECORDS such records, at most
 * COT_FIELDS_SEEN distinct paths, at most COT_FIELDS_DEPTH components deep,
 * arrays through their first element only, and at most COT_FIELDS_NODES
 * nodes of any one record.  So memory and time are bounded whatever the
 * input; a path that first appears later is not offered as a suggestion.
 */
#ifndef COT_FIELDS_H
#define COT_FIELDS_H

#include <cjson/cJSON.h>
#include <stddef.h>

#define COT_FIELDS_SEEN  1024
#define COT_FIELDS_DEPTH 5
#define COT_FIELDS_NODES 256
#define COT_FIELDS_RECORDS 1000

/* How a path fared in one record. */
enum { COT_FIELD_HIT, COT_FIELD_MISS, COT_FIELD_BADTYPE };

typedef struct {
    const char *opt, *path;       /* "--cot", "/original_process"            */
    const char *then;             /* what a record without it gets, or NULL  */
    unsigned long long hit, miss, badtype;
} cot_field_t;

typedef struct cot_fields cot_fields_t;

cot_fields_t *cot_fields_new(void);
void cot_fields_free(cot_fields_t *f);

/* Register the path an option gives.  `then` says in words what a record
 * without it gets ("their cot_state is absent"); NULL says nothing.  The
 * strings must outlive f.  Returns the entry's index; the same option and
 * path registered twice are one entry.  Mark each entry once a record. */
int cot_fields_want(cot_fields_t *f, const char *opt, const char *path,
                    const char *then);

size_t cot_fields_n(const cot_fields_t *f);
const cot_field_t *cot_fields_get(const cot_fields_t *f, size_t i);

/* Record how entry i fared in one record (COT_FIELD_*). */
void cot_fields_mark(cot_fields_t *f, int i, int how);

/* Record n records at once (counts from an aggregate, such as merged
 * cot-stat partials). */
void cot_fields_add(cot_fields_t *f, int i, int how, unsigned long long n);

/* Look up every entry in rec (cot_record_get): a value that is present and
 * not null is a hit, anything else a miss.  Learns the paths of rec when
 * one of them missed. */
void cot_fields_scan(cot_fields_t *f, const cJSON *rec);

/* Add the paths of rec to the set seen (within the bounds above). */
void cot_fields_learn(cot_fields_t *f, const cJSON *rec);

/* The path seen that is closest to `path`, written in the same notation
 * (JSON pointer or dotted), or NULL when none is close: an edit distance
 * (optimal string alignment) of at most a quarter of the length (1..3), or
 * else the same last component.  Valid until the next call. */
const char *cot_fields_suggest(cot_fields_t *f, const char *path);

/* The string of cands[0..n) closest to want by the same rule (an edit
 * distance of at most a quarter of want's length, 1..3), or NULL when none
 * is that close or one equals it. */
const char *cot_fields_closest(const char *want, const char *const *cands, size_t n);

/* At the end of a run: for each entry that matched none of the records it
 * was looked up in, print an error (cot_err) naming the option, the path
 * and the closest path seen, or the top-level fields seen; for each that
 * matched only some, a warning with the counts.  With `lenient` (a shard
 * of a larger run) the errors are printed as warnings.  Entries looked up
 * in no record say nothing.  Returns the number of errors printed. */
size_t cot_fields_check(cot_fields_t *f, int lenient);

#endif
