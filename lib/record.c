/* record.c -- see record.h */
#include "record.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Thread_local char msg[256];   /* -@ N: one per worker */
static _Thread_local int msg_twice;   /* msg says a member is given twice */

const char *cot_record_field_error(const char *key, int present)
{
    msg_twice = present == 2;
    if (!present)
        snprintf(msg, sizeof msg, "record has no '%s' field; is this a canonical "
                 "record? Run the input through cot-extract first", key);
    else if (present == 2)
        snprintf(msg, sizeof msg, "field '%s' is given twice, and JSON readers differ on "
                 "which one counts (the cot tools take the first, Python's json and jq "
                 "the last); keep one", key);
    else
        snprintf(msg, sizeof msg, "field '%s' must be a string; run the input "
                 "through cot-extract first", key);
    return msg;
}

const char *cot_record_string_or_absent(const cJSON *rec, const char *key)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(rec, key);
    return !j || cJSON_IsNull(j) || cJSON_IsString(j) ? NULL : cot_record_field_error(key, 1);
}

static const char *field(const cJSON *rec, const char *key, int need,
                         const char **out, size_t *len)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(rec, key);
    *out = NULL;
    if (len) *len = 0;
    if (!j || cJSON_IsNull(j))
        return need ? cot_record_field_error(key, 0) : NULL;
    if (!cJSON_IsString(j))         /* a field nobody asked for: absent */
        return need ? cot_record_field_error(key, 1) : NULL;
    *out = j->valuestring;
    if (len) *len = strlen(j->valuestring);
    return NULL;
}

const char *cot_record_twice_error(const char *path, const char *member)
{
    msg_twice = 1;
    snprintf(msg, sizeof msg, "%s: member '%s' is given twice, and JSON readers differ "
             "on which one counts (the cot tools take the first, Python's json and jq "
             "the last); keep one", path, member);
    return msg;
}

const char *cot_record_kind(const char *why, const char *otherwise)
{
    return why == msg && msg_twice ? "field-twice" : otherwise;
}

const char *cot_record_paths_twice(const cJSON *rec, const char *const *paths, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *twice;
        if (!paths[i]) continue;
        cot_record_get_unique(rec, paths[i], &twice);
        if (twice) return cot_record_twice_error(paths[i], twice);
    }
    return NULL;
}

const char *cot_record_twice(const cJSON *rec, const char *const *keys, size_t n)
{
    unsigned seen = 0;
    if (n > 32)                    /* keys past the mask would go unchecked */
        cot_die(COT_EXIT_IO, "internal error: cot_record_twice() takes 32 keys at most");
    for (const cJSON *c = rec ? rec->child : NULL; c; c = c->next) {
        const char *k = c->string;
        if (!k) continue;
        for (size_t i = 0; i < n; i++)
            if (k[0] == keys[i][0] && !strcmp(k, keys[i])) {
                if (seen >> i & 1) return keys[i];
                seen |= 1u << i;
                break;
            }
    }
    return NULL;
}

/* The first of the fields cot_record_view() reads that rec holds more
 * than once, or NULL. */
static const char *duplicated(const cJSON *rec)
{
    static const char *const names[] = {"id", "prompt", "cot", "answer", "cot_state"};
    return cot_record_twice(rec, names, sizeof names / sizeof *names);
}

const char *cot_record_view(const cJSON *rec, unsigned need,
                            cot_record_view_t *v)
{
    const char *e;
    memset(v, 0, sizeof *v);
    if ((e = duplicated(rec))) return cot_record_field_error(e, 2);
    if ((e = field(rec, "id", need & COT_NEED_ID, &v->id, NULL)) ||
        (e = field(rec, "prompt", need & COT_NEED_PROMPT, &v->prompt, &v->prompt_len)) ||
        (e = field(rec, "cot", need & COT_NEED_COT, &v->cot, &v->cot_len)) ||
        (e = field(rec, "answer", need & COT_NEED_ANSWER, &v->answer, &v->answer_len)) ||
        (e = field(rec, "cot_state", 0, &v->cot_state, NULL)))
        return e;
    return NULL;
}

void cot_record_set(cJSON *rec, const char *key, cJSON *value)
{
    if (cJSON_GetObjectItemCaseSensitive(rec, key))
        cJSON_ReplaceItemInObjectCaseSensitive(rec, key, value);
    else
        cJSON_AddItemToObject(rec, key, value);
}

/* Step into j by one path component c[0..n).  With twice, a member name
 * that the object holds more than once sets *twice to it (the first
 * member is still the one stepped into). */
static const cJSON *step(const cJSON *j, const char *c, size_t n, const char **twice)
{
    if (cJSON_IsArray(j)) {
        if (n == 0 || n > 9) return NULL;
        int idx = 0;
        for (size_t i = 0; i < n; i++) {
            if (c[i] < '0' || c[i] > '9') return NULL;
            idx = idx * 10 + (c[i] - '0');
        }
        if (n > 1 && c[0] == '0') return NULL;
        return cJSON_GetArrayItem(j, idx);
    }
    if (!cJSON_IsObject(j)) return NULL;
    for (const cJSON *k = j->child; k; k = k->next)
        if (k->string && strlen(k->string) == n && !memcmp(k->string, c, n)) {
            if (twice && !*twice)
                for (const cJSON *o = k->next; o; o = o->next)
                    if (o->string && strlen(o->string) == n && !memcmp(o->string, c, n)) {
                        *twice = k->string;
                        break;
                    }
            return k;
        }
    return NULL;
}

/* The dotted forms: "meta.env", jq's ".meta.env", and jq's array index
 * "steps[0]" / ".steps[0]" (also "steps.0").  Walks rec, or with rec NULL
 * only checks the syntax.  Returns the item, rec itself for ".", NULL when
 * a step is missing; *bad is set on a syntax error. */
static const cJSON *get_dotted(const cJSON *rec, const char *path, int *bad,
                               const char **twice)
{
    const cJSON *j = rec;
    const char *p = path;
    *bad = 0;
    if (*p == '.') {
        p++;
        if (!*p) return rec;                 /* jq's "." */
    }
    for (;;) {
        size_t n = strcspn(p, ".[");
        if (n) {
            if (rec && !(j = step(j, p, n, twice))) return NULL;
            p += n;
        } else if (*p != '[') {
            *bad = 1;                        /* an empty component */
            return NULL;
        }
        while (*p == '[') {
            size_t d = strspn(p + 1, "0123456789");
            if (!d || p[1 + d] != ']') { *bad = 1; return NULL; }
            if (rec && !(j = cJSON_IsArray(j) ? step(j, p + 1, d, twice) : NULL)) return NULL;
            p += d + 2;
        }
        if (!*p) return rec ? j : NULL;
        if (*p != '.' || !p[1]) { *bad = 1; return NULL; }
        p++;
    }
}

static const cJSON *get(const cJSON *rec, const char *path, const char **twice)
{
    const cJSON *j = rec;
    if (path[0] == '/') {
        char tok[512];
        const char *p = path + 1;
        for (;;) {
            size_t n = 0;
            for (; *p && *p != '/'; p++) {
                char c = *p;
                if (c == '~') {
                    if (p[1] == '0') c = '~';
                    else if (p[1] == '1') c = '/';
                    else return NULL;
                    p++;
                }
                if (n + 1 >= sizeof tok) return NULL;
                tok[n++] = c;
            }
            if (!(j = step(j, tok, n, twice))) return NULL;
            if (!*p) return j;
            p++;
        }
    }
    if (!*path) return rec;
    int bad;
    return get_dotted(rec, path, &bad, twice);
}

const cJSON *cot_record_get(const cJSON *rec, const char *path)
{
    return get(rec, path, NULL);
}

const cJSON *cot_record_get_unique(const cJSON *rec, const char *path, const char **twice)
{
    *twice = NULL;
    return get(rec, path, twice);
}

/* Decode the JSON pointer token at p (just after its '/') into out, as
 * cot_record_get() reads it; returns where it ends ('/' or NUL), or NULL
 * for a '~' that is not ~0 or ~1. */
static const char *ptr_token(const char *p, cot_buf_t *out)
{
    for (; *p && *p != '/'; p++) {
        char c = *p;
        if (c == '~') {
            if (p[1] == '0') c = '~';
            else if (p[1] == '1') c = '/';
            else return NULL;
            p++;
        }
        cot_buf_addc(out, c);
    }
    cot_buf_cstr(out);
    return p;
}

int cot_record_path_head(const char *path, cot_buf_t *out)
{
    cot_buf_clear(out);
    if (!path || !*path) return -1;
    if (path[0] == '/')              /* as cot_record_get() reads a pointer */
        return ptr_token(path + 1, out) ? 0 : -1;
    const char *p = path + (path[0] == '.');
    size_t n = strcspn(p, ".[");
    if (!n) return -1;               /* ".", "[0]", "..": not a key first */
    cot_buf_add(out, p, n);
    return 0;
}

int cot_record_path_second(const char *path, cot_buf_t *out)
{
    cot_buf_clear(out);
    if (!path || !*path) return -1;
    if (path[0] == '/') {
        const char *p = strchr(path + 1, '/');
        /* cot_record_get() reads a token of up to 511 bytes */
        if (!p || !ptr_token(p + 1, out) || !out->len || out->len > 500) {
            cot_buf_clear(out);
            return -1;
        }
        return 0;
    }
    const char *p = path + (path[0] == '.');
    size_t n = strcspn(p, ".[");
    if (!n || p[n] != '.') return -1;
    p += n + 1;
    n = strcspn(p, ".[");
    if (!n) return -1;
    cot_buf_add(out, p, n);
    cot_buf_cstr(out);
    return 0;
}

int cot_record_path_ok(const char *path)
{
    if (!path || !*path) return -1;
    if (path[0] == '/') {
        for (const char *p = path; *p; p++)
            if (*p == '~' && p[1] != '0' && p[1] != '1') return -1;
        return 0;
    }
    int bad;
    get_dotted(NULL, path, &bad, NULL);
    return bad ? -1 : 0;
}

const char *cot_record_path_check(const char *opt, const char *path)
{
    static char msg[1024];
    if (path && *path && cot_record_path_ok(path) == 0) return NULL;
    snprintf(msg, sizeof msg, "%s: '%.900s' is not a field path: write meta.env, "
             ".meta.env (as jq does) or /meta/env (a JSON pointer)", opt,
             path ? path : "");
    return msg;
}

void cot_record_path_usage(const char *opt, const char *path)
{
    const char *e = cot_record_path_check(opt, path);
    if (e) cot_usage_error("%s", e);
}
