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
 *
 * Numbers keep their source text.  cJSON holds a number as a double, which
 * cannot carry 12345678901234567890, 9007199254740993 or 1e400, and prints
 * it again in its own spelling (1.0 becomes 1).  So every number node that
 * comes from input text (either parser) is still a cJSON_Number, with
 * valuedouble and valueint as cJSON sets them for code that computes, but
 * also holds its exact source text in valuestring (cJSON_Delete frees it and
 * cJSON_Duplicate copies it, for every node type).  cot_json_print() writes
 * that text back; a number a tool creates has no text and is printed as
 * cJSON prints it.  A tool that changes a parsed number in place must free
 * and clear its valuestring.
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

/* Give every number node of `root`, parsed by cJSON from text[0..n), its
 * source text (see above): the numbers are found again in document order,
 * as cJSON's parser read them.  Returns 0, or -1 when the text does not hold
 * the tree's numbers (a caller's bug; no number of the tree has a text
 * then, and each prints as cJSON prints it). */
int cot_json_keep_numbers(cJSON *root, const char *text, size_t n);

/* Parse text[0..n) as one JSON value, numbers with their text: the fast
 * path, else cJSON and cot_json_keep_numbers().  For text the tools wrote
 * themselves; input lines go through the reader (jsonl.h), which checks
 * more.  NULL when it is not JSON. */
cJSON *cot_json_parse(const char *text, size_t n);

/* Append `j` to b as compact JSON, byte for byte what cJSON_PrintUnformatted
 * would print, except that a number with source text is printed as that
 * text.  Returns 0, or -1 for a node cJSON cannot print either (an invalid
 * type, a raw node without text). */
int cot_json_print(cot_buf_t *b, const cJSON *j);

/* Append the text of number `j`: its source text, or cJSON's spelling of
 * the double (%1.15g, or %1.17g when that does not read back; null for
 * NaN and infinities). */
void cot_json_print_number(cot_buf_t *b, const cJSON *j);

#endif
