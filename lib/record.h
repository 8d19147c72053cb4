/* record.h -- the canonical record (see man/cot-record.5).
 *
 *   {"id", "prompt", "context", "cot", "answer", "cot_state", "signature",
 *    "meta", "src", ...annotations added by tools: "diff", "judge", "shift"}
 *
 * Tools read the fields they need through cot_record_view(), add their own
 * top-level object with cot_record_set(), and pass everything else through
 * unchanged.
 */
#ifndef COT_RECORD_H
#define COT_RECORD_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include "util.h"

/* Which fields cot_record_view() must find as strings. */
enum {
    COT_NEED_ID     = 1,
    COT_NEED_PROMPT = 2,
    COT_NEED_COT    = 4,
    COT_NEED_ANSWER = 8
};

typedef struct {
    const char *id, *prompt, *cot, *answer;   /* NULL when absent          */
    size_t prompt_len, cot_len, answer_len;
    const char *cot_state;                    /* "ok", "absent", ... or NULL */
} cot_record_view_t;

/* Fill v from rec.  Fields not in `need` may be absent or ill-typed (then
 * NULL; a JSON null counts as absent).  Returns NULL on success, or a message saying which
 * field is missing or ill-typed and suggesting cot-extract (static storage,
 * valid until the next call).  Any of the five fields given twice is an
 * error, needed or not: readers differ on which of the two counts. */
const char *cot_record_view(const cJSON *rec, unsigned need,
                            cot_record_view_t *v);

/* The message cot_record_view() gives when a needed field `key` is absent
 * or null (present 0), is not a string (present 1) or is given twice
 * (present 2); the same static storage. */
const char *cot_record_field_error(const char *key, int present);

/* NULL when the top-level `key` is absent, null or a string; else
 * cot_record_field_error(key, 1): for a field a tool reads without
 * needing it (cot-judge's cot and cot_state), whose other types must not
 * pass for an absent one. */
const char *cot_record_string_or_absent(const cJSON *rec, const char *key);

/* Set top-level key to value, replacing an existing one in place (so the
 * field order stays stable when a tool runs twice).  Takes ownership. */
void cot_record_set(cJSON *rec, const char *key, cJSON *value);

/* Look up a path, in any of three spellings of the same thing:
 *   a JSON pointer   "/meta/env", "/steps/0" (RFC 6901, with ~0 and ~1);
 *   a dotted path    "meta.env", "steps.0" (a numeric component indexes an
 *                    array);
 *   jq's path        ".meta.env", ".steps[0]", "." (the record itself);
 *                    "[N]" also follows a dotted component ("steps[0]").
 * Returns the item or NULL when any step is missing. */
const cJSON *cot_record_get(const cJSON *rec, const char *path);

/* The first of keys[0..n) (n <= 32) that rec holds more than once as a
 * top-level member, or NULL.  A tool that sets a member (judge, diff,
 * shift) rejects a record that gives it twice: replacing the first would
 * pass the stale second on to a reader that takes the last. */
const char *cot_record_twice(const cJSON *rec, const char *const *keys, size_t n);

/* The message for a path through a member given twice (thread-local
 * storage, as cot_record_field_error()'s). */
const char *cot_record_twice_error(const char *path, const char *member);

/* The kind to reject a record with for the message why: "field-twice"
 * when why is this thread's last cot_record_field_error(key, 2) or
 * cot_record_twice_error() (a member given twice), else otherwise
 * ("missing-field", "missing-key", "not-canonical", ...).  Every tool
 * gives the one kind to a member given twice. */
const char *cot_record_kind(const char *why, const char *otherwise);

/* cot_record_twice_error() for the first of paths[0..n) (NULL entries
 * skipped) on whose way rec gives a member twice, or NULL: for a tool to
 * reject a record whose option paths it would read by the first copy. */
const char *cot_record_paths_twice(const cJSON *rec, const char *const *paths, size_t n);

/* As cot_record_get(), and *twice set to the name of the first member on
 * the way that its object holds more than once (else NULL).  The item
 * found is then the first one's, where Python's json and jq take the last:
 * a tool that reports or gates on the value must not count it. */
const cJSON *cot_record_get_unique(const cJSON *rec, const char *path, const char **twice);

/* The top-level key a path starts with, decoded, into out (cleared):
 * "meta" for meta.env, .meta.env, meta[0] and /meta/env, "a/b" for /a~1b/c.
 * 0, or -1 when the path may read the record as a whole ("." or any path
 * that does not start with a key): a tool that builds only some members
 * (json.h) must then build them all. */
int cot_record_path_head(const char *path, cot_buf_t *out);

/* The second step of a path when it is surely an object key, decoded, into
 * out (cleared): "status" for diff.status, .diff.status.x and
 * /diff/status; 0, or -1 when there is no second step or it may be
 * something else (diff, diff[0], diff.a[1] is "a"; an empty or over-long
 * pointer token): the member named by the head must then be built whole.
 * A dotted step such as "0" is returned: on an object it is a key, and an
 * array is always built whole (json.h, cot_json_sub_t). */
int cot_record_path_second(const char *path, cot_buf_t *out);

/* Check a path's syntax without a record: 0 ok, -1 bad (for option parsing). */
int cot_record_path_ok(const char *path);

/* The one message for a bad path in every tool, naming the option and the
 * three spellings; NULL when the path is good (static storage). */
const char *cot_record_path_check(const char *opt, const char *path);
/* For option parsing: a bad path is a usage error with that message. */
void cot_record_path_usage(const char *opt, const char *path);

#endif
