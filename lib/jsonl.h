/* jsonl.h -- JSON Lines over cot streams: a validating reader that walks
 * several inputs in order, and a record writer.
 *
 * The reader separates two kinds of failure: a bad *line* (invalid JSON,
 * invalid UTF-8, a NUL byte, ...) is data the caller may reject and skip;
 * a bad *stream* (unreadable file, truncated zstd) ends the run.
 */
#ifndef COT_JSONL_H
#define COT_JSONL_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include "json.h"
#include "stream.h"
#include "util.h"

typedef struct {
    const char   *file;    /* input name as given ("(stdin)" for -)         */
    unsigned long line;    /* 1-based line number within that file          */
    const char   *text;    /* the raw line, newline removed                  */
    size_t        len;
    cJSON        *json;    /* parsed object (owned by the reader) or NULL    */
    const char   *reason;  /* why the line is bad, when json is NULL         */
    const char   *kind;    /* short reason tag for accounting: invalid-json,
                              invalid-utf8, nul-byte, not-object, too-deep,
                              nul-escape, unterminated, too-long (over
                              COT_MAX_LINE: text holds its first bytes)      */
} cot_line_t;

typedef struct cot_jsonl_reader cot_jsonl_reader_t;

/* Read files[0..n) in order; n == 0 reads stdin.  "-" is stdin. */
cot_jsonl_reader_t *cot_jsonl_open(char *const *files, int n);

/* Next line.  Returns 0 with l->json set for a good record, 1 with
 * l->reason/l->kind set for a bad line (the caller decides to stop or skip;
 * the reader itself carries on), -1 at the clean end of the last input, -2
 * when an input stream holds bad data (truncated or corrupt zstd, ...) and
 * -3 on an I/O error such as a file that cannot be opened; both already
 * printed, and the run should stop.  Blank lines (nothing but spaces and
 * tabs, or a lone CR) are skipped, and counted by cot_jsonl_blank().  A last
 * line without a newline is a line: it is kept (with a warning) when it is
 * complete JSON, and a bad line of kind "unterminated" when it is not.
 * Everything in *l is valid until the next call. */
int cot_jsonl_next(cot_jsonl_reader_t *r, cot_line_t *l);

/* Reading and parsing apart, so that records are parsed on worker threads
 * (lib/workers.h): cot_jsonl_next_raw() is cot_jsonl_next() without the
 * parse: 0 with the line in l->text/l->len (l->json NULL) and whether it is
 * a last line without a newline in *unterminated; a line too long is
 * already bad (1); -1, -2, -3 the same.  cot_jsonl_parse() then checks and
 * parses a copy of it (text: l->len bytes, writable) with a parser of the
 * caller's own, exactly as cot_jsonl_next() would: 0 with l->json (owned by
 * the parser until its next call, or cot_jsonl_parser_take()), or 1 with
 * l->kind/l->reason, the same messages (the hint of a bad first line, the
 * warning of an unterminated last line) included. */
typedef struct {
    cJSON *json;
    cot_buf_t reason, scratch;
    /* members.keys (set by the caller; NULL: all): the top-level members to
     * build, and after a good parse where each member lies and whether the
     * line is canonical, for cot_json_splice() (json.h).  A line the slow
     * path parses has every member, no spans and is not canonical; so has
     * every line under COT_JSON_NO_FASTPATH. */
    cot_json_members_t members;
    int fast;                  /* cot_json_fastpath_off() + 1, read once    */
} cot_jsonl_parser_t;          /* zero-initialise */
int cot_jsonl_next_raw(cot_jsonl_reader_t *r, cot_line_t *l, int *unterminated);
int cot_jsonl_parse(cot_jsonl_parser_t *p, cot_line_t *l, char *text, int unterminated);
cJSON *cot_jsonl_parser_take(cot_jsonl_parser_t *p);
void cot_jsonl_parser_free(cot_jsonl_parser_t *p);

/* The top-level members cot_jsonl_next() builds from now on (keys[0..n),
 * which must outlive the reader's use of them; NULL: all, the default).
 * The others are checked as fully as ever, not built (json.h). */
void cot_jsonl_set_keys(cot_jsonl_reader_t *r, const char *const *keys, size_t n);
/* With keys set: sub[0..n) narrows what is built of each (json.h); NULL,
 * the default: each named member whole.  Must outlive the reader's use. */
void cot_jsonl_set_sub(cot_jsonl_reader_t *r, const cot_json_sub_t *sub);

/* Passed to every input stream (see cot_stream_set_idle). */
void cot_jsonl_set_idle(cot_jsonl_reader_t *r, int (*idle)(void *), void *arg);
/* Raw bytes consumed so far over all inputs, for progress. */
unsigned long long cot_jsonl_bytes_in(const cot_jsonl_reader_t *r);
/* Lines seen so far over all inputs, blank lines included: for a file that
 * ends with a newline, what wc -l says (one more when the last line has
 * none). */
unsigned long long cot_jsonl_lines(const cot_jsonl_reader_t *r);
/* Of those, the blank lines skipped. */
unsigned long long cot_jsonl_blank(const cot_jsonl_reader_t *r);
void cot_jsonl_close(cot_jsonl_reader_t *r);

/* Serialise `json` compactly plus '\n' to s, reusing *scratch between calls:
 * cot_json_print(), so numbers read from input keep their source text and
 * everything else is printed as cJSON prints it.  Returns 0 or -1 (error
 * printed). */
int cot_jsonl_write(cot_stream_t *s, const cJSON *json, cot_buf_t *scratch);

/* Why a text is not valid JSON, in words, with the byte offset;
 * written to out.  Used by the reader and by tools that parse JSON. */
void cot_json_explain(const char *text, size_t len, cot_buf_t *out);

#endif
