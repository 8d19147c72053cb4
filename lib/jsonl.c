/* jsonl.c -- see jsonl.h */
#define _GNU_SOURCE   /* memmem */
#include "jsonl.h"
#include "json.h"

#include <stdlib.h>
#include <string.h>

struct cot_jsonl_reader {
    char *const *files;
    int nfiles, next_file;
    cot_stream_t *cur;
    cot_jsonl_parser_t p;      /* json, reason, scratch */
    unsigned long long bytes_done, lines, blank;
    int (*idle)(void *);
    void *idle_arg;
};

static char *const stdin_only[] = {"-"};

cot_jsonl_reader_t *cot_jsonl_open(char *const *files, int n)
{
    cot_jsonl_reader_t *r = cot_calloc(1, sizeof *r);
    r->files = n > 0 ? files : stdin_only;
    r->nfiles = n > 0 ? n : 1;
    return r;
}

void cot_jsonl_set_idle(cot_jsonl_reader_t *r, int (*idle)(void *), void *arg)
{
    r->idle = idle;
    r->idle_arg = arg;
    if (r->cur) cot_stream_set_idle(r->cur, idle, arg);
}

unsigned long long cot_jsonl_bytes_in(const cot_jsonl_reader_t *r)
{
    return r->bytes_done + (r->cur ? cot_stream_bytes_in(r->cur) : 0);
}

unsigned long long cot_jsonl_lines(const cot_jsonl_reader_t *r)
{
    return r->lines;
}

unsigned long long cot_jsonl_blank(const cot_jsonl_reader_t *r)
{
    return r->blank;
}

/* Deepest nesting of arrays/objects outside strings. */
static int json_depth(const char *p, size_t n)
{
    int d = 0, max = 0, in_str = 0;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (in_str) {
            if (c == '\\') i++;
            else if (c == '"') in_str = 0;
        } else if (c == '"') in_str = 1;
        else if (c == '[' || c == '{') { if (++d > max) max = d; }
        else if (c == ']' || c == '}') d--;
    }
    return max;
}

/* Offset of a \u0000 escape (an odd run of backslashes before "u0000"),
 * or -1.  cJSON's C strings cannot carry U+0000, so such lines are refused
 * rather than silently truncated. */
static long find_nul_escape(const char *p, size_t n)
{
    /* memmem skips the line at memchr speed; this runs on every line. */
    const char *q = p, *end = p + n;
    while ((q = memmem(q, (size_t)(end - q), "\\u0000", 6)) != NULL) {
        const char *k = q;
        while (k > p && k[-1] == '\\') k--;
        if ((q - k) % 2 == 0) return (long)(q - p);  /* the \ itself is unescaped */
        q += 6;
    }
    return -1;
}

void cot_json_explain(const char *text, size_t len, cot_buf_t *out)
{
    cot_buf_clear(out);
    if (json_depth(text, len) >= CJSON_NESTING_LIMIT) {
        cot_buf_printf(out, "JSON nested deeper than %d levels",
                       CJSON_NESTING_LIMIT);
        return;
    }
    const char *end = NULL;
    cJSON *j = cot_cjson_parse(text, len, &end);
    if (j) {
        cJSON_Delete(j);
        cot_buf_printf(out, "unexpected text after the JSON value at byte %zu",
                       (size_t)(end - text));
        return;
    }
    size_t at = end && end >= text && end <= text + len
                ? (size_t)(end - text) : 0;
    if (at >= len) {
        cot_buf_adds(out, "invalid JSON: unexpected end of line "
                          "(truncated record?)");
        return;
    }
    cot_buf_printf(out, "invalid JSON at byte %zu near '", at);
    for (size_t i = at; i < len && i < at + 20; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c < 0x20 || c >= 0x7f) cot_buf_addc(out, '?');
        else cot_buf_addc(out, (char)c);
    }
    cot_buf_addc(out, '\'');
}

static void bad(cot_jsonl_parser_t *r, cot_line_t *l, const char *kind)
{
    l->kind = kind;
    l->reason = cot_buf_cstr(&r->reason);
}

/* 1 when t[0..n) opens more brackets than it closes, outside strings, and
 * never closes one it did not open: the first line of a document that goes
 * on over the next lines ("{", "[", "[{", "{\"a\": 1,"). */
static int open_prefix(const char *t, size_t n)
{
    long depth = 0;
    int str = 0;
    for (size_t i = 0; i < n; i++) {
        char c = t[i];
        if (str) {
            if (c == '\\') i++;
            else if (c == '"') str = 0;
        } else if (c == '"') {
            str = 1;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            if (--depth < 0) return 0;
        }
    }
    return depth > 0 && !str;
}

/* When the first line of a file is bad, the file is often not JSON Lines at
 * all: say what it looks like and how to convert it, as the gzip message
 * does.  Appended to the reason. */
static void add_hint(cot_jsonl_parser_t *r, cot_line_t *l, const char *t, size_t n)
{
    const char *f = l->file;
    size_t k = 0;
    while (k < n && (t[k] == ' ' || t[k] == '\t' || t[k] == '\r')) k++;
    const char *h = NULL;
    int binary = 1;     /* a binary format: the hint replaces the reason */
    /* Binary formats first, by their magic bytes. */
    char buf[512];
    if (n >= 4 && !memcmp(t, "PAR1", 4)) {
        snprintf(buf, sizeof buf, "this is a Parquet file, not JSON Lines: convert "
                 "it first, e.g. duckdb -c \"COPY (FROM '%s') TO '/dev/stdout' "
                 "(FORMAT json)\" | %s", f, cot_prog);
        h = buf;
    } else if (n >= 4 && !memcmp(t, "PK\3\4", 4)) {
        h = "this is a zip archive (or an .xlsx sheet), not JSON Lines: unpack or "
            "export it first";
    } else if ((n >= 3 && !memcmp(t, "BZh", 3)) || (n >= 6 && !memcmp(t, "\xfd" "7zXZ", 5))) {
        snprintf(buf, sizeof buf, "this is bzip2 or xz data, not JSON Lines or "
                 "zstd: use 'bzcat %s | %s' or 'xzcat %s | %s'", f, cot_prog, f, cot_prog);
        h = buf;
    } else {
        binary = 0;
    }
    /* A document spread over lines stops at the end of its first line: an
     * array there, or a complete array on one line, or an object cut at
     * the end of the line.  A line that is wrong in its middle is just bad. */
    int cut = open_prefix(t, n) && strcmp(l->kind, "unterminated");
    int stdin_ = !strcmp(f, "(stdin)");
    if (h) {
        /* known binary format */
    } else if (k < n && t[k] == '[' && (cut || !strcmp(l->kind, "not-object"))) {
        if (stdin_)
            snprintf(buf, sizeof buf, "this looks like one JSON array, not JSON Lines "
                     "(one object per line): pipe it through jq -c '.[]' first");
        else
            snprintf(buf, sizeof buf, "this looks like one JSON array, not JSON Lines "
                     "(one object per line): try jq -c '.[]' %s | %s", f, cot_prog);
        h = buf;
    } else if (k < n && t[k] == '{' && cut) {
        if (stdin_)
            snprintf(buf, sizeof buf, "this looks like one pretty-printed JSON "
                     "document, not JSON Lines (one object per line): pipe it "
                     "through jq -c . first");
        else
            snprintf(buf, sizeof buf, "this looks like one pretty-printed JSON "
                     "document, not JSON Lines (one object per line): try jq -c . "
                     "%s | %s", f, cot_prog);
        h = buf;
    } else if (!strcmp(l->kind, "invalid-json") && k < n && t[k] != '{' &&
               (memchr(t, ',', n) || memchr(t, '\t', n))) {
        snprintf(buf, sizeof buf, "this looks like CSV or TSV (a header line), not "
                 "JSON Lines: convert it first, e.g. python3 -c 'import csv,json,sys; "
                 "[print(json.dumps(r)) for r in csv.DictReader(sys.stdin)]' < %s | %s",
                 f, cot_prog);
        h = buf;
    }
    if (!h) return;
    if (binary) cot_buf_clear(&r->reason);
    else cot_buf_adds(&r->reason, "; ");
    cot_buf_adds(&r->reason, h);
    l->reason = cot_buf_cstr(&r->reason);
}

/* Validate and parse one line into l.  0 = good, 1 = bad. */
static int parse_line(cot_jsonl_parser_t *r, char *text, size_t n,
                      cot_line_t *l, int unterminated)
{
    cot_buf_clear(&r->reason);
    if (!r->fast) r->fast = cot_json_fastpath_off() + 1;
    cot_json_members_t *m = &r->members;
    m->nspan = m->skipped = 0;
    m->canonical = m->spaced = 0;
    /* Plain lines take one pass; anything else gets every check below. */
    if (r->fast == 2) {          /* COT_JSON_NO_FASTPATH=1: every member, no spans */
        r->json = cot_json_parse_fast(text, n, &r->scratch);
    } else if (r->fast == 1) {
        r->json = cot_json_parse_members(text, n, &r->scratch, m);
    }
    if (r->json) {
        l->json = r->json;
        if (unterminated)
            cot_warn("%s:%lu: no newline at end of file; the last record is "
                     "complete JSON and was kept", l->file, l->line);
        return 0;
    }
    const char *nul = memchr(text, '\0', n);
    if (nul) {
        cot_buf_printf(&r->reason, "NUL byte at byte %zu (binary data?)",
                       (size_t)(nul - text));
        bad(r, l, "nul-byte");
        return 1;
    }
    size_t u = cot_utf8_check(text, n);
    if (u < n) {
        cot_buf_printf(&r->reason, "invalid UTF-8 at byte %zu; convert the "
                       "file to UTF-8 (e.g. with iconv)", u);
        bad(r, l, "invalid-utf8");
        return 1;
    }
    const char *end = NULL;
    r->json = cot_cjson_parse(text, n, &end);
    if (r->json) {
        /* Only whitespace may follow the value. */
        while (end < text + n && (*end == ' ' || *end == '\t' || *end == '\r'))
            end++;
        if (end != text + n) {
            cJSON_Delete(r->json);
            r->json = NULL;
        }
    }
    if (!r->json) {
        cot_json_explain(text, n, &r->reason);
        if (unterminated)
            cot_buf_adds(&r->reason, "; the file ends without a newline, "
                         "so it was probably cut short");
        bad(r, l, unterminated ? "unterminated" :
            json_depth(text, n) >= CJSON_NESTING_LIMIT ? "too-deep"
                                                       : "invalid-json");
        return 1;
    }
    if (!cJSON_IsObject(r->json)) {
        const char *what = cJSON_IsArray(r->json) ? "an array"
                         : cJSON_IsString(r->json) ? "a string"
                         : cJSON_IsNumber(r->json) ? "a number"
                         : cJSON_IsNull(r->json) ? "null" : "a boolean";
        cot_buf_printf(&r->reason, "expected a JSON object, got %s", what);
        cJSON_Delete(r->json);
        r->json = NULL;
        bad(r, l, "not-object");
        return 1;
    }
    cot_buf_t num = {0};
    long bn = cot_json_loose_number(text, n, &num);
    if (bn >= 0) {
        cot_buf_printf(&r->reason, "number '%s' at byte %ld is not JSON (RFC 8259: "
                       "no leading zeros, digits before and after a '.'); write it "
                       "as a JSON number", cot_buf_cstr(&num), bn);
        cot_buf_free(&num);
        cJSON_Delete(r->json);
        r->json = NULL;
        bad(r, l, "invalid-json");
        return 1;
    }
    cot_buf_free(&num);
    long z = find_nul_escape(text, n);
    if (z >= 0) {
        cot_buf_printf(&r->reason, "string with \\u0000 at byte %ld is not "
                       "supported (cot would truncate it)", z);
        cJSON_Delete(r->json);
        r->json = NULL;
        bad(r, l, "nul-escape");
        return 1;
    }
    if (cot_json_keep_numbers(r->json, text, n) < 0)
        cot_die(COT_EXIT_IO, "%s:%lu: internal error: numbers not found in "
                "their text", l->file, l->line);
    l->json = r->json;
    if (unterminated)
        cot_warn("%s:%lu: no newline at end of file; the last record is "
                 "complete JSON and was kept", l->file, l->line);
    return 0;
}

/* The next line, unparsed: 0 (a line in l->text), 1 (too long: a bad
 * line), or -1/-2/-3 as cot_jsonl_next(). */
static int next_line(cot_jsonl_reader_t *r, cot_line_t *l, int *unterminated)
{
    memset(l, 0, sizeof *l);
    *unterminated = 0;
    for (;;) {
        if (!r->cur) {
            if (r->next_file >= r->nfiles) return -1;
            r->cur = cot_stream_open(r->files[r->next_file++], "r");
            if (!r->cur) return -3;
            if (r->idle) cot_stream_set_idle(r->cur, r->idle, r->idle_arg);
        }
        char *text;
        ssize_t n = cot_stream_getline(r->cur, &text);
        if (n == -1) {
            r->bytes_done += cot_stream_bytes_in(r->cur);
            cot_stream_close(r->cur);
            r->cur = NULL;
            continue;
        }
        if (n == COT_STREAM_TOO_LONG) {   /* a bad line, not a bad stream */
            r->lines++;
            l->file = cot_stream_name(r->cur);
            l->line = cot_stream_lineno(r->cur);
            l->text = text;
            l->len = cot_stream_kept(r->cur);
            cot_buf_clear(&r->p.reason);
            cot_buf_printf(&r->p.reason, "line longer than %zu bytes; raise the limit with "
                           "COT_MAX_LINE (--rejects keeps its first %zu bytes)", l->len, l->len);
            bad(&r->p, l, "too-long");
            return 1;
        }
        if (n < -1) return (int)n;
        r->lines++;                     /* every line counts, as in wc -l */
        size_t k = 0;
        while (k < (size_t)n && (text[k] == ' ' || text[k] == '\t')) k++;
        if (k == (size_t)n) { r->blank++; continue; }   /* skipped, counted */
        l->file = cot_stream_name(r->cur);
        l->line = cot_stream_lineno(r->cur);
        l->text = text;
        l->len = (size_t)n;
        *unterminated = cot_stream_unterminated(r->cur);
        return 0;
    }
}

int cot_jsonl_parse(cot_jsonl_parser_t *p, cot_line_t *l, char *text, int unterminated)
{
    cJSON_Delete(p->json);
    p->json = NULL;
    l->json = NULL;
    l->text = text;
    int bad_line = parse_line(p, text, l->len, l, unterminated);
    if (bad_line && l->line == 1) add_hint(p, l, text, l->len);
    return bad_line;
}

cJSON *cot_jsonl_parser_take(cot_jsonl_parser_t *p)
{
    cJSON *j = p->json;
    p->json = NULL;
    return j;
}

void cot_jsonl_parser_free(cot_jsonl_parser_t *p)
{
    cJSON_Delete(p->json);
    cot_buf_free(&p->reason);
    cot_buf_free(&p->scratch);
    cot_json_members_free(&p->members);
    memset(p, 0, sizeof *p);
}

void cot_jsonl_set_keys(cot_jsonl_reader_t *r, const char *const *keys, size_t n)
{
    r->p.members.keys = keys;
    r->p.members.nkeys = n;
}

void cot_jsonl_set_sub(cot_jsonl_reader_t *r, const cot_json_sub_t *sub)
{
    r->p.members.sub = sub;
}

int cot_jsonl_next(cot_jsonl_reader_t *r, cot_line_t *l)
{
    cJSON_Delete(r->p.json);
    r->p.json = NULL;
    int unterminated;
    int rc = next_line(r, l, &unterminated);
    if (rc != 0) return rc;
    return cot_jsonl_parse(&r->p, l, (char *)l->text, unterminated);
}

int cot_jsonl_next_raw(cot_jsonl_reader_t *r, cot_line_t *l, int *unterminated)
{
    cJSON_Delete(r->p.json);
    r->p.json = NULL;
    return next_line(r, l, unterminated);
}

void cot_jsonl_close(cot_jsonl_reader_t *r)
{
    if (!r) return;
    cot_stream_close(r->cur);
    cot_jsonl_parser_free(&r->p);
    free(r);
}

int cot_jsonl_write(cot_stream_t *s, const cJSON *json, cot_buf_t *scratch)
{
    cot_buf_clear(scratch);
    if (cot_json_print(scratch, json) < 0) {
        cot_err("%s: internal error: a record holds a value that cannot be "
                "written as JSON", cot_stream_name(s));
        return -1;
    }
    cot_buf_addc(scratch, '\n');
    return cot_stream_write(s, scratch->s, scratch->len);
}
