/* record.c -- see record.h */
#include "record.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *field(const cJSON *rec, const char *key, int need,
                         const char **out, size_t *len, char *msg, size_t msz)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(rec, key);
    *out = NULL;
    if (len) *len = 0;
    if (!j || cJSON_IsNull(j)) {
        if (!need) return NULL;
        snprintf(msg, msz, "record has no '%s' field; is this a canonical "
                 "record? Run the input through cot-extract first", key);
        return msg;
    }
    if (!cJSON_IsString(j)) {
        if (!need) return NULL;     /* a field nobody asked for: absent */
        snprintf(msg, msz, "field '%s' must be a string; run the input "
                 "through cot-extract first", key);
        return msg;
    }
    *out = j->valuestring;
    if (len) *len = strlen(j->valuestring);
    return NULL;
}

const char *cot_record_view(const cJSON *rec, unsigned need,
                            cot_record_view_t *v)
{
    static char msg[256];
    const char *e;
    memset(v, 0, sizeof *v);
    if ((e = field(rec, "id", need & COT_NEED_ID, &v->id, NULL, msg, sizeof msg)) ||
        (e = field(rec, "prompt", need & COT_NEED_PROMPT, &v->prompt,
                   &v->prompt_len, msg, sizeof msg)) ||
        (e = field(rec, "cot", need & COT_NEED_COT, &v->cot, &v->cot_len,
                   msg, sizeof msg)) ||
        (e = field(rec, "answer", need & COT_NEED_ANSWER, &v->answer,
                   &v->answer_len, msg, sizeof msg)) ||
        (e = field(rec, "cot_state", 0, &v->cot_state, NULL, msg, sizeof msg)))
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

/* Step into j by one path component c[0..n). */
static const cJSON *step(const cJSON *j, const char *c, size_t n)
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
        if (k->string && strlen(k->string) == n && !memcmp(k->string, c, n))
            return k;
    return NULL;
}

const cJSON *cot_record_get(const cJSON *rec, const char *path)
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
            if (!(j = step(j, tok, n))) return NULL;
            if (!*p) return j;
            p++;
        }
    }
    if (!*path) return rec;
    const char *p = path;
    for (;;) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (!(j = step(j, p, n))) return NULL;
        if (!dot) return j;
        p = dot + 1;
    }
}

int cot_record_path_ok(const char *path)
{
    if (!path || !*path) return -1;
    if (path[0] == '/') {
        for (const char *p = path; *p; p++)
            if (*p == '~' && p[1] != '0' && p[1] != '1') return -1;
        return 0;
    }
    /* Dotted: no empty components. */
    if (path[0] == '.' || path[strlen(path) - 1] == '.' || strstr(path, ".."))
        return -1;
    return 0;
}
