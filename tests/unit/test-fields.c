/* test-fields.c -- field paths that match nothing: counts, suggestions in
 * the user's notation, and the bounds on what is learnt. */
#include "fields.h"
#include "tap.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static cJSON *parse(const char *s)
{
    cJSON *j = cJSON_Parse(s);
    if (!j) { fprintf(stderr, "bad test JSON: %s\n", s); exit(2); }
    return j;
}

static void test_counts(void)
{
    cot_fields_t *f = cot_fields_new();
    int a = cot_fields_want(f, "--count", "meta.env", NULL);
    int b = cot_fields_want(f, "--count", "meta.domian", NULL);
    tap_is_long(cot_fields_want(f, "--count", "meta.env", NULL), a,
                "the same option and path are one entry");
    tap_ok(cot_fields_want(f, "--by", "meta.env", NULL) != a,
           "another option naming the path is its own entry");
    const char *recs[] = {
        "{\"meta\":{\"env\":\"code\",\"domain\":\"math\"}}",
        "{\"meta\":{\"env\":null,\"domain\":\"code\"}}",
        "{\"meta\":{\"domain\":\"x\"},\"id\":1}",
    };
    for (size_t i = 0; i < 3; i++) {
        cJSON *j = parse(recs[i]);
        cot_fields_scan(f, j);
        cJSON_Delete(j);
    }
    const cot_field_t *e = cot_fields_get(f, (size_t)a);
    tap_is_long((long)e->hit, 1, "meta.env: one hit");
    tap_is_long((long)e->miss, 2, "meta.env: null and absent are misses");
    e = cot_fields_get(f, (size_t)b);
    tap_is_long((long)e->hit, 0, "meta.domian: no hit");
    tap_is_str(cot_fields_suggest(f, "meta.domian"), "meta.domain",
               "dotted path: dotted suggestion");
    tap_is_str(cot_fields_suggest(f, "/meta/domian"), "/meta/domain",
               "pointer: pointer suggestion");
    tap_is_str(cot_fields_suggest(f, "domain"), "meta.domain",
               "no close path: the one with the same last component");
    tap_ok(cot_fields_suggest(f, "/nonexistent") == NULL, "nothing close: no suggestion");
    tap_ok(cot_fields_suggest(f, "meta.env") == NULL, "a path seen: nothing to suggest");
    cot_verbose = 0;   /* the messages are checked by the CLI goldens */
    tap_is_long((long)cot_fields_check(f, 0), 1, "one path matched nothing: one error");
    tap_is_long((long)cot_fields_check(f, 1), 0, "lenient (a shard): no error");
    cot_fields_free(f);
}

static void test_marks(void)
{
    cot_fields_t *f = cot_fields_new();
    int c = cot_fields_want(f, "--cot", "/trace", "their cot_state is absent");
    cot_fields_mark(f, c, COT_FIELD_BADTYPE);
    cot_fields_mark(f, c, COT_FIELD_BADTYPE);
    tap_is_long((long)cot_fields_check(f, 0), 1, "only ill-typed values: an error");
    cot_fields_mark(f, c, COT_FIELD_HIT);
    tap_is_long((long)cot_fields_check(f, 0), 0, "one usable value: a warning, not an error");
    cot_fields_free(f);
    f = cot_fields_new();
    cot_fields_want(f, "--cot", "/x", NULL);
    tap_is_long((long)cot_fields_check(f, 0), 0, "no record read: nothing to say");
    cot_fields_free(f);
}

/* Special characters in keys survive the round trip through pointers. */
static void test_escapes(void)
{
    cot_fields_t *f = cot_fields_new();
    cot_fields_want(f, "--cot", "/a~1bx", NULL);
    cJSON *j = parse("{\"a/b\":\"s\",\"c.d\":1}");
    cot_fields_scan(f, j);
    cJSON_Delete(j);
    tap_is_str(cot_fields_suggest(f, "/a~1bx"), "/a~1b", "'/' in a key is ~1");
    tap_ok(cot_fields_suggest(f, "c.dx") == NULL,
           "a key with a dot is never offered as a dotted path");
    tap_is_str(cot_fields_suggest(f, "/c.dx"), "/c.d", "... but is as a pointer");
    cot_fields_free(f);
}

/* Bounds: the set of paths seen stops growing; a path first seen after
 * COT_FIELDS_RECORDS records is not learnt. */
static void test_bounds(void)
{
    cot_fields_t *f = cot_fields_new();
    cot_fields_want(f, "--count", "zzzz", NULL);
    cot_buf_t b = {0};
    for (int r = 0; r < 300; r++) {   /* 5 paths a record: the set fills */
        cot_buf_clear(&b);
        cot_buf_printf(&b, "{\"k%d\":{\"a\":[{\"b\":{\"c\":{\"d\":{\"e\":1}}}}]}}", r);
        cJSON *j = parse(b.s);
        cot_fields_scan(f, j);
        cJSON_Delete(j);
    }
    tap_ok(cot_fields_suggest(f, "k1x") != NULL, "an early path is learnt");
    tap_is_str(cot_fields_suggest(f, "/k1/a/0/bx"), "/k1/a/0/b", "the first element stands for all");
    tap_is_str(cot_fields_suggest(f, "/k1/a/0/b/c/d"), "/k1/a/0/b/c",
               "nothing deeper than COT_FIELDS_DEPTH components (it was not seen)");
    /* suggest() gives NULL for a path seen, something else for one not */
    tap_ok(cot_fields_suggest(f, "/k20/a") == NULL, "an early path is seen");
    tap_ok(cot_fields_suggest(f, "/k250/a") != NULL,
           "no more than COT_FIELDS_SEEN paths are kept");
    cot_fields_t *h = cot_fields_new();
    cot_fields_want(h, "--count", "zzzz", NULL);
    for (int r = 0; r < COT_FIELDS_RECORDS + 10; r++) {   /* one path a record */
        cot_buf_clear(&b);
        cot_buf_printf(&b, "{\"key%d\":1}", r);
        cJSON *j = parse(b.s);
        cot_fields_scan(h, j);
        cJSON_Delete(j);
    }
    tap_ok(cot_fields_suggest(h, "key999") == NULL, "the last record walked is seen");
    tap_ok(cot_fields_suggest(h, "key1005") != NULL,
           "records after the first COT_FIELDS_RECORDS are not walked");
    cot_fields_free(h);
    /* many keys in one record: at most COT_FIELDS_NODES of them */
    cot_fields_t *g = cot_fields_new();
    cot_fields_want(g, "--count", "zzzz", NULL);
    cot_buf_clear(&b);
    cot_buf_adds(&b, "{");
    for (int i = 0; i < 600; i++) cot_buf_printf(&b, "%s\"key%03d\":1", i ? "," : "", i);
    cot_buf_adds(&b, "}");
    cJSON *j = parse(b.s);
    cot_fields_scan(g, j);
    cJSON_Delete(j);
    tap_is_str(cot_fields_suggest(g, "key010x"), "key010", "a key within the node budget");
    tap_ok(cot_fields_suggest(g, "key500x") == NULL,
           "a key past the node budget is not learnt");
    cot_fields_free(g);
    cot_buf_free(&b);
    cot_fields_free(f);
}

static void test_closest(void)
{
    const char *const v[] = {"clean", "rejected", "rationalized", "silent"};
    tap_is_str(cot_fields_closest("rationalised", v, 4), "rationalized", "a value one edit away");
    tap_ok(cot_fields_closest("rationalized", v, 4) == NULL, "the value itself: nothing to say");
    tap_ok(cot_fields_closest("hacked", v, 4) == NULL, "nothing close: NULL");
    tap_ok(cot_fields_closest("x", v, 0) == NULL, "no candidates: NULL");
}

int main(void)
{
    test_closest();
    test_counts();
    test_marks();
    test_escapes();
    test_bounds();
    return tap_done();
}
