/* test-record.c -- the three spellings of a field path (lib/record) and the
 * edit distance behind "did you mean" (lib/util). */
#include "record.h"
#include "tap.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

static const char *REC =
    "{\"id\":\"r1\",\"meta\":{\"env\":\"code\",\"a/b\":1,\"t~x\":2,\"7\":\"seven\"},"
    "\"steps\":[\"s0\",{\"k\":\"deep\"}],\"judge\":{\"verdict\":\"clean\"}}";

/* What path finds in rec, as compact JSON ("(none)" when nothing). */
static const char *got(const cJSON *rec, const char *path)
{
    static char buf[256];
    const cJSON *j = cot_record_get(rec, path);
    if (!j) return "(none)";
    char *s = cJSON_PrintUnformatted(j);
    snprintf(buf, sizeof buf, "%s", s);
    cJSON_free(s);
    return buf;
}

static void test_paths(void)
{
    cJSON *rec = cJSON_Parse(REC);
    static const struct { const char *path, *want; } t[] = {
        {"meta.env", "\"code\""},          {"/meta/env", "\"code\""},
        {".meta.env", "\"code\""},         {".judge.verdict", "\"clean\""},
        {"steps.0", "\"s0\""},             {"/steps/0", "\"s0\""},
        {".steps[0]", "\"s0\""},           {"steps[1].k", "\"deep\""},
        {".steps[1].k", "\"deep\""},       {"/steps/1/k", "\"deep\""},
        {"/meta/a~1b", "1"},               {"/meta/t~0x", "2"},
        {"meta.7", "\"seven\""},           {".meta.nope", "(none)"},
        {".steps[2]", "(none)"},           {".meta[0]", "(none)"},
        {"id", "\"r1\""},                  {".id", "\"r1\""},
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++)
        tap_is_str(got(rec, t[i].path), t[i].want, t[i].path);
    const cJSON *whole = cot_record_get(rec, ".");
    tap_ok(whole == rec, "'.' is the record itself");
    cJSON_Delete(rec);
}

/* The member a path starts in: alone in a record, it gives the path the
 * same answer as the whole record (what a member-filtered parse relies on). */
static void test_head(void)
{
    static const struct { const char *path, *want; } t[] = {
        {"meta.env", "meta"}, {".meta.env", "meta"}, {"/meta/env", "meta"},
        {"steps[1].k", "steps"}, {".steps[0]", "steps"}, {"steps.0", "steps"},
        {"/meta/a~1b", "meta"}, {"/a~1b/c", "a/b"}, {"/t~0x", "t~x"}, {"/", ""},
        {"id", "id"}, {".id", "id"}, {"judge.verdict", "judge"},
        {".", NULL}, {"[0]", NULL}, {".[0]", NULL}, {"/a~2", NULL}, {"", NULL},
    };
    cJSON *rec = cJSON_Parse(REC);
    cot_buf_t h = {0};
    int bad = 0;
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        int r = cot_record_path_head(t[i].path, &h);
        if (r != (t[i].want ? 0 : -1) || (t[i].want && strcmp(cot_buf_cstr(&h), t[i].want))) {
            bad++;
            tap_diag("%s: %d '%s', want %s", t[i].path, r, h.s ? h.s : "", t[i].want ? t[i].want : "-1");
            continue;
        }
        if (r < 0) continue;
        cJSON *only = cJSON_CreateObject();
        for (const cJSON *c = rec->child; c; c = c->next)
            if (!strcmp(c->string, h.s))
                cJSON_AddItemToObject(only, c->string, cJSON_Duplicate(c, 1));
        char want[256];
        snprintf(want, sizeof want, "%s", got(rec, t[i].path));
        if (strcmp(got(only, t[i].path), want)) {
            bad++;
            tap_diag("%s: %s alone gives %s, the record %s", t[i].path, h.s, got(only, t[i].path), want);
        }
        cJSON_Delete(only);
    }
    tap_is_long(bad, 0, "cot_record_path_head: the first key of every spelling; the member "
                "alone answers the path as the record does; '.' and '[0]' need it all");
    cot_buf_free(&h);
    cJSON_Delete(rec);
}

/* The second key of a path: the head's object narrowed to it answers the
 * path as the whole record does (cot-stat's narrowed members). */
static void test_second(void)
{
    static const struct { const char *path, *want; } t[] = {
        {"meta.env", "env"}, {".meta.env", "env"}, {"/meta/env", "env"},
        {"/meta/a~1b", "a/b"}, {"/meta/t~0x", "t~x"}, {"meta.7", "7"},
        {"judge.verdict", "verdict"}, {"steps.1.k", "1"}, {"meta.env.x", "env"},
        {"meta", NULL}, {"/meta", NULL}, {"/meta/", NULL}, {"steps[1].k", NULL},
        {"meta[0]", NULL}, {".", NULL}, {"/meta/a~2", NULL}, {"", NULL},
    };
    cJSON *rec = cJSON_Parse(REC);
    cot_buf_t h = {0}, k = {0};
    int bad = 0;
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        int r = cot_record_path_second(t[i].path, &k);
        if (r != (t[i].want ? 0 : -1) || (t[i].want && strcmp(cot_buf_cstr(&k), t[i].want))) {
            bad++;
            tap_diag("%s: %d '%s', want %s", t[i].path, r, k.s ? k.s : "", t[i].want ? t[i].want : "-1");
            continue;
        }
        if (r < 0 || cot_record_path_head(t[i].path, &h) < 0) continue;
        /* the record with the head's object narrowed to key k */
        cJSON *only = cJSON_Duplicate(rec, 1);
        cJSON *m = cJSON_GetObjectItemCaseSensitive(only, h.s);
        if (cJSON_IsObject(m))
            for (cJSON *c = m->child, *nx; c; c = nx) {
                nx = c->next;
                if (strcmp(c->string, k.s)) cJSON_Delete(cJSON_DetachItemViaPointer(m, c));
            }
        char want[256];
        snprintf(want, sizeof want, "%s", got(rec, t[i].path));
        if (strcmp(got(only, t[i].path), want)) {
            bad++;
            tap_diag("%s: narrowed to %s gives %s, the record %s", t[i].path, k.s,
                     got(only, t[i].path), want);
        }
        cJSON_Delete(only);
    }
    tap_is_long(bad, 0, "cot_record_path_second: the second key of every spelling; the head "
                "narrowed to it answers the path as the record does; none for a path that "
                "stops at the head or indexes it");
    cot_buf_free(&h);
    cot_buf_free(&k);
    cJSON_Delete(rec);
}

static void test_syntax(void)
{
    static const char *good[] = {"a", "a.b", ".a", ".a.b", ".", "a[0]", ".a[0].b",
                                 "a[0][1]", "/a", "/a/b", "/a~0~1", "a.0"};
    static const char *bad[] = {"", "a..b", "a.", "..a", ".a.", "a[", "a[x]", "a[]",
                                "a[0", "a[0]b", "/a~2", "[0]x", ".."};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        tap_ok(cot_record_path_ok(good[i]) == 0 && !cot_record_path_check("--x", good[i]),
               "good path '%s'", good[i]);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        tap_ok(cot_record_path_ok(bad[i]) == -1, "bad path '%s'", bad[i]);
    tap_is_str(cot_record_path_check("--count", "a..b"),
               "--count: 'a..b' is not a field path: write meta.env, .meta.env (as jq "
               "does) or /meta/env (a JSON pointer)", "one message for a bad path");
}

static void test_distance(void)
{
    static const struct { const char *a, *b; size_t d; } t[] = {
        {"format", "format", 0}, {"frmat", "format", 1}, {"fromat", "format", 1},
        {"formta", "format", 1}, {"", "abc", 3}, {"abc", "", 3},
        {"original_procss", "original_process", 1}, {"kitten", "sitting", 3},
        {"ca", "abc", 3},   /* OSA: no edit of a substring twice */
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++)
        tap_is_long((long)cot_edit_distance(t[i].a, strlen(t[i].a), t[i].b, strlen(t[i].b)),
                    (long)t[i].d, t[i].a);
    char big[300];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = 0;
    tap_is_long((long)cot_edit_distance(big, 299, "x", 1), 299, "long strings are far apart");
}

int main(void)
{
    cot_prog = "test-record";
    test_paths();
    test_head();
    test_second();
    test_syntax();
    test_distance();
    return tap_done();
}
