/* json.h -- a fast path for parsing one JSONL line into a cJSON tree.
 *
 * Every tool reads JSONL, and cJSON's parser plus the reader's own checks
 * (NUL bytes, UTF-8, \u0000) made four passes over each line.  This parser
 * makes one.  It accepts only plain, strictly valid JSON -- an object at top
 * level, RFC 8259 grammar, valid UTF-8, no raw control characters in
 * strings, no \u0000, no lone surrogates, numbers shorter than 64
 * characters, nesting under COT_JSON_FAST_DEPTH -- and builds the very tree
 * cJSON_Parse() would (same node types, strings, doubles and valueint, key
 * order and duplicates).  Anything else makes it give up, and the caller
 * runs the full checks and cJSON, which decide and explain.  So the fast
 * path can change speed, never a result.
 */
#ifndef COT_JSON_H
#define COT_JSON_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include "util.h"

#define COT_JSON_FAST_DEPTH 256

/* Parse text[0..n) (a line without its newline; trailing ' ', '\t' and
 * '\r' allowed).  Returns the object, owned by the caller (cJSON_Delete),
 * or NULL when the line is not plain JSON as above.  scratch is a reusable
 * buffer. */
cJSON *cot_json_parse_fast(const char *text, size_t n, cot_buf_t *scratch);

#endif
