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

/* ---- Members: parse only what a tool reads, and splice what it adds ------
 *
 * A tool that reads three members of a record and adds one need not build
 * (and print again) the other ten.  cot_json_parse_members() is
 * cot_json_parse_fast() (the same acceptance: same lines taken, the same
 * given up) that builds only the top-level members named in m->keys: every
 * other member is still checked to the last byte (grammar, UTF-8, escapes,
 * control characters, \u0000, surrogates, number length, depth), so a line
 * that would be given up is given up, but it is not built.  Every member
 * named is built, all of its duplicates included, in their order, so any
 * lookup of a named member finds what it finds in the full tree.
 *
 * It also records where every top-level member lies in the text, and
 * whether the text is canonical: byte for byte what cot_json_print() writes
 * for the full tree (no whitespace outside strings, nothing after the
 * closing brace, every string written as cot_buf_add_json_str() writes it:
 * only \" \\ \n \r \t \b \f and lower-case \u00XX for the other control
 * characters are escaped, and nothing else is; numbers are printed from
 * their text, so any number is canonical).  Every cot tool's output is.
 *
 * For a canonical line, cot_json_splice() writes what cot_json_print()
 * would write for the record after cot_record_set() of each new member in
 * turn (the first member with that key replaced in place, else the member
 * appended), from the line's own bytes: the members the tool did not build
 * are copied, not printed.  The member texts must be what cot_json_print()
 * writes for the values.  A line that is not canonical (or that the slow
 * path parsed) has no spans: the caller prints its tree, as before.  A
 * line that would be canonical but for whitespace between tokens (or
 * around the object) is "spaced" instead: cot_json_splice() writes it too,
 * every member's key as it is and its value without that whitespace
 * (strings, numbers and literals as they are), which is again exactly
 * what cot_json_print() writes for the record.
 *
 *     cot_json_members_t m = {.keys = want, .nkeys = 3};
 *     cJSON *rec = cot_json_parse_members(text, n, &scratch, &m);
 *     if (rec && m.skipped && !m.canonical) {   // will be printed: build all
 *         cJSON_Delete(rec);
 *         rec = cot_json_parse_fast(text, n, &scratch);   // takes it again
 *     }
 *     ... judge rec, cot_record_set() it, print the new member into val ...
 *     cot_json_set_t set = {"judge", val.s, val.len};
 *     if (cot_json_splice(&out, text, n, &m, &set, 1) < 0)
 *         cot_json_print(&out, rec);        // the tree is whole here
 *
 * The key set must hold every member the tool reads (a path's first key:
 * cot_record_path_head() in record.h; "." or a path that does not start
 * with a key means all) and every member it sets, so the tree's
 * cot_record_set() finds what it finds in the full tree.  cot-judge does
 * this (cmd/cot-judge.c print_judged(): "shift" then "judge"), and so
 * does cot-diff: it reads cot_record_view()'s fields and the first key of
 * its --key path, and sets "diff" then (with --profile) "shift"
 * (cmd/cot-diff.c print_diffed()).  Through the reader, set
 * cot_jsonl_parser_t.members.keys before cot_jsonl_parse().
 * COT_JSON_NO_FASTPATH=1 in the environment makes the reader build every
 * member and call no line canonical (the path before members existed), and
 * COT_JSON_NO_FASTPATH=cjson also skips the one-pass parser (cJSON and the
 * reader's checks for every line): for tests that the fast paths change
 * nothing. */

typedef struct {
    size_t start;      /* the key's opening quote                          */
    size_t key_end;    /* just after the key's closing quote               */
    size_t end;        /* just after the value                             */
} cot_json_span_t;

/* Inside one named member: the second-level members to build when its
 * value is an object (keys NULL: all of it).  An array or a scalar is built
 * whole. */
typedef struct {
    const char *const *keys;
    size_t n;
} cot_json_sub_t;

typedef struct {
    /* in: the top-level members to build; keys NULL builds every one
     * (nkeys 0 with keys set builds none) */
    const char *const *keys;
    size_t nkeys;
    /* in: NULL, or nkeys entries: sub[i] narrows what is built of keys[i]
     * (every duplicate of a named second-level member is built, in order,
     * so a lookup through it finds what it finds in the full tree; the
     * rest is checked as fully, not built) */
    const cot_json_sub_t *sub;
    /* out, after a parse that did not give up */
    cot_json_span_t *span;     /* every top-level member, in order          */
    size_t nspan, cap;
    size_t skipped;            /* members checked but not built (top-level
                                  and, with sub, second-level): 0 means the
                                  tree is whole                              */
    int canonical;             /* 1: the text is cot_json_print()'s output  */
    int spaced;                /* 1: it is but for whitespace between tokens
                                  or around the object (json.dumps()'s
                                  ", " and ": "): without that whitespace
                                  it would be canonical; splices too        */
} cot_json_members_t;

/* As cot_json_parse_fast(), building only m's keys and filling m's spans
 * (m NULL: every member, no spans).  On NULL m->canonical and m->nspan are
 * 0. */
cJSON *cot_json_parse_members(const char *text, size_t n, cot_buf_t *scratch,
                              cot_json_members_t *m);

/* Free m's spans (not its keys). */
void cot_json_members_free(cot_json_members_t *m);

/* One member to set: its key and its value as cot_json_print() writes it. */
typedef struct {
    const char *key;
    const char *text;
    size_t len;
} cot_json_set_t;

#define COT_JSON_SPLICE_MAX 16

/* Append to out the canonical (or spaced) line text[0..n) (parsed into m)
 * with set[0..nset) set in turn, as described above.  Returns 0, or -1 (out
 * untouched) when m is neither canonical nor spaced, its spans are not this
 * line's, or nset > COT_JSON_SPLICE_MAX. */
int cot_json_splice(cot_buf_t *out, const char *text, size_t n,
                    const cot_json_members_t *m, const cot_json_set_t *set, size_t nset);

/* The first top-level member named key (printable ASCII without '"' or
 * '\\') of the line text that cot_json_parse_members() took into m, found
 * by its span as cJSON_GetObjectItemCaseSensitive() finds it in the full
 * tree, built or not: 1 with its value at text[*v..*end) (text[*v] is the
 * value's first byte: '"' a string, 'n' null, ...), 0 when there is none,
 * -1 when the spans cannot tell (a member name before it holds an escape,
 * which cJSON decodes).  m must hold the spans of text: a parse that
 * skipped a member (m->skipped > 0) has them. */
int cot_json_member_find(const char *text, const cot_json_members_t *m, const char *key,
                         size_t *v, size_t *end);

/* How many top-level members of that line are named key (the names as
 * cot_json_member_find() reads them), or -1 when the spans cannot tell (a
 * member name holds an escape). */
int cot_json_member_count(const char *text, const cot_json_members_t *m, const char *key);

/* What COT_JSON_NO_FASTPATH asks for: 0 (unset, empty or "0": every fast
 * path), 1 (no member filter, no splice) or 2 ("cjson": not even the
 * one-pass parser).  Read from the environment at each call. */
int cot_json_fastpath_off(void);

/* For tests: on (1), the parsers scan strings byte by byte (the reference
 * for the 64-byte blocks they use where SSE2 is built in); off (0, the
 * default), the blocks.  Process-wide; not for use while other threads
 * parse. */
void cot_json_scalar_strings(int on);

/* Give every number node of `root`, parsed by cJSON from text[0..n), its
 * source text (see above): the numbers are found again in document order,
 * as cJSON's parser read them.  Returns 0, or -1 when the text does not hold
 * the tree's numbers (a caller's bug; no number of the tree has a text
 * then, and each prints as cJSON prints it). */
int cot_json_keep_numbers(cJSON *root, const char *text, size_t n);

/* The offset of the first number in text[0..n), outside strings, that
 * cJSON's parser takes but RFC 8259 refuses ("01", "1.", "-.5"), its text
 * in *num; -1 when there is none.  The reader (jsonl.h) refuses such lines:
 * Python's json and most readers do, so a tool that kept them would read
 * a file that the next tool in the pipeline cannot. */
long cot_json_loose_number(const char *text, size_t n, cot_buf_t *num);

/* cJSON_ParseWithLengthOpts(text, n, end, 0) under one process-wide lock:
 * cJSON's parser writes a global (the error position) on every call, and
 * the -@ N workers parse their unusual lines with it, so two threads must
 * not run it at once.  Every cot call of cJSON's parser goes through here.
 * end may be NULL. */
cJSON *cot_cjson_parse(const char *text, size_t n, const char **end);

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
