/* test-workers.c -- unit tests of lib/workers: records come back in input
 * order with their messages in place, whatever the thread count; a stop at
 * record k delivers exactly records 0..k; slots are bounded and reused; an
 * adaptive pool switching between its workers and inline changes none of it. */
#include "tap.h"
#include "util.h"
#include "workers.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int k;
    unsigned long out;
    cot_buf_t note;        /* a buffer kept across reuse of the slot */
} item_t;

typedef struct {
    unsigned long nwork;   /* records this context computed */
} ctx_t;

typedef struct {
    cot_buf_t log;
    int stop_at;           /* done() returns 1 on this record; -1: never */
    int freed;
} run_t;

static pthread_t main_thread;
static void *ctx0;               /* the scenario's ctx[0] */
static unsigned long on_main, on_main_not_ctx0;

static void work(void *c, void *p)
{
    ctx_t *ctx = c;
    item_t *it = p;
    if (pthread_equal(pthread_self(), main_thread)) {
        on_main++;
        on_main_not_ctx0 += c != ctx0;
    }
    unsigned long h = (unsigned long)it->k * 2654435761u;
    /* Uneven work, so that batches finish out of order. */
    int spins = (it->k * 7919) % 5 == 0 ? 200000 : 100;
    for (int i = 0; i < spins; i++) h = h * 6364136223846793005u + 1442695040888963407u;
    it->out = h % 1000;
    cot_buf_clear(&it->note);
    cot_buf_printf(&it->note, "n%d", it->k);
    if (it->k % 5 == 3) cot_warn("work on record %d", it->k);
    ctx->nwork++;
}

static int done(void *arg, void *p)
{
    run_t *r = arg;
    item_t *it = p;
    cot_buf_printf(&r->log, "%d:%lu:%s\n", it->k, it->out, it->note.len ? it->note.s : "-");
    if (it->k % 13 == 12) cot_warn("done with record %d", it->k);
    return it->k == r->stop_at;
}

static void item_free(void *p)
{
    item_t *it = p;
    cot_buf_free(&it->note);
}

static int nfreed;
static void item_free_count(void *p)
{
    item_free(p);
    nfreed++;
}

/* Run n records on `threads` workers, batches of `bi`; the log and stderr
 * come back in *log and *err (caller frees). */
static int flush_every;   /* cot_workers_flush() before every k-th submit */
static int adapt_on;      /* opt.adapt (COT_WORKERS_ADAPT set by the caller) */
static unsigned long long got_inline, got_switches;
static int flush_short;   /* a flush delivered fewer records than it should */

static int lines(const cot_buf_t *b)
{
    int n = 0;
    for (size_t i = 0; i < b->len; i++) n += b->s[i] == '\n';
    return n;
}

static int scenario(int threads, int n, int stop_at, size_t bi, char **log, char **err,
                    unsigned long *nwork)
{
    ctx_t ctx[8] = {{0}};
    void *cp[8];
    for (int i = 0; i < 8; i++) cp[i] = &ctx[i];
    ctx0 = cp[0];
    on_main = on_main_not_ctx0 = 0;
    run_t r = {{0}, stop_at, 0};
    cot_workers_opt_t o = {.threads = threads, .ctx = cp, .item_size = sizeof(item_t),
                           .work = work, .done = done, .done_arg = &r,
                           .item_free = item_free_count, .batch_items = bi,
                           .adapt = adapt_on};
    nfreed = 0;
    tap_stderr_begin();
    cot_workers_t *w = cot_workers_new(&o);
    int rc = 0;
    for (int k = 0; k < n; k++) {
        item_t *it = cot_workers_next(w);
        it->k = k;
        int bad = k % 11 == 10;          /* a bad line: nothing to compute */
        if (bad) {
            cot_warn("reading record %d: bad line", k);
            it->out = 0;
            cot_buf_clear(&it->note);
        }
        if (flush_every && k % flush_every == 0) {   /* the input pauses */
            cot_workers_flush(w);
            if (stop_at < 0 && lines(&r.log) != k) flush_short = 1;
            it->k = k;           /* the slot is still ours */
        }
        if (cot_workers_submit(w, 100, !bad) < 0) { rc = 1; break; }
    }
    if (!rc) {
        cot_workers_next(w);
        cot_warn("end of input");         /* printed after every record */
    }
    int fin = cot_workers_finish(w);
    got_inline = cot_workers_inline_records(w);
    got_switches = cot_workers_switches(w);
    cot_workers_free(w);
    *err = cot_strdup(tap_stderr_end());
    *log = r.log.s ? r.log.s : cot_strdup("");
    *nwork = 0;
    for (int i = 0; i < 8; i++) *nwork += ctx[i].nwork;
    return fin < 0 ? 2 : rc;
}

int main(void)
{
    cot_prog = "test";
    main_thread = pthread_self();
    char *rlog, *rerr;
    unsigned long rwork, nw;
    int rrc = scenario(0, 100, -1, 0, &rlog, &rerr, &rwork);
    tap_is_long(rrc, 0, "inline: runs to the end");
    tap_ok(strstr(rlog, "0:") == rlog && strstr(rlog, "\n99:") != NULL, "inline: every record");
    tap_is_long((long)rwork, 100 - 9, "inline: work() skipped on the records submitted with run=0");
    tap_ok(strstr(rerr, "test: warning: work on record 3\n") == rerr, "inline: a work message");
    tap_ok(strstr(rerr, "test: warning: reading record 10: bad line\n"
                        "test: warning: done with record 12\n"
                        "test: warning: work on record 13\n") != NULL,
           "inline: main-thread and work messages in record order");
    const char *tail = "\ntest: warning: end of input\n";
    tap_ok(strlen(rerr) > strlen(tail) && !strcmp(rerr + strlen(rerr) - strlen(tail), tail),
           "inline: the message of an unsubmitted slot comes last");
    tap_is_long(nfreed, 1, "inline: one slot, reused");

    int th[] = {1, 2, 7};
    size_t bis[] = {1, 3, 256};
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) {
            char *log, *err;
            int rc = scenario(th[a], 100, -1, bis[b], &log, &err, &nw);
            char name[64];
            snprintf(name, sizeof name, "-@ %d, batches of %zu", th[a], bis[b]);
            tap_is_long(rc, 0, name);
            tap_is_str(log, rlog, "  the records in input order, as inline");
            tap_is_str(err, rerr, "  the messages in the same order, as inline");
            tap_is_long((long)nw, (long)rwork, "  each record computed once");
            size_t bound = (size_t)(th[a] + 2) * (bis[b] < 100 ? bis[b] : 256);
            tap_ok((size_t)nfreed <= bound, "  at most (threads + 2) x batch slots (%d <= %zu)",
                   nfreed, bound);
            free(log);
            free(err);
        }
    free(rlog);
    free(rerr);

    /* A stop at record k: records 0..k delivered, no message after k's. */
    for (int k = 0; k < 3; k++) {
        int stop = (int[]){0, 37, 99}[k];
        int rc0 = scenario(0, 100, stop, 0, &rlog, &rerr, &rwork);
        char want[32];
        snprintf(want, sizeof want, "\n%d:", stop);
        tap_is_long(rc0, 2, "inline stop: finish says stopped");
        tap_ok(strstr(rlog, want) || (stop == 0 && !strncmp(rlog, "0:", 2)),
               "inline stop at %d: record %d delivered", stop, stop);
        char *last = strrchr(rlog, '\n');
        *last = 0;
        char *prev = strrchr(rlog, '\n');
        tap_is_long(atol(prev ? prev + 1 : rlog), stop, "  and none after it");
        *last = '\n';
        for (int a = 0; a < 3; a++) {
            char *log, *err;
            int rc = scenario(th[a], 100, stop, 3, &log, &err, &nw);
            tap_is_long(rc, 2, "-@ stop: finish says stopped");
            tap_is_str(log, rlog, "  the same records as inline");
            tap_is_str(err, rerr, "  the same messages as inline");
            free(log);
            free(err);
        }
        free(rlog);
        free(rerr);
    }

    /* Flushes between next() and submit() (an input that pauses): every
     * record before the pending one is delivered, and nothing changes. */
    rrc = scenario(0, 100, -1, 0, &rlog, &rerr, &rwork);
    flush_every = 7;
    for (int a = 0; a < 3; a++) {
        char *log, *err;
        flush_short = 0;
        int rc = scenario(th[a], 100, -1, 5, &log, &err, &nw);
        tap_is_long(rc, 0, "-@ flush: runs to the end");
        tap_ok(!flush_short, "  each flush delivered the records before the pending one");
        tap_is_str(log, rlog, "  the records as inline");
        tap_is_str(err, rerr, "  the messages as inline");
        free(log);
        free(err);
    }
    flush_every = 0;
    free(rlog);
    free(rerr);

    /* Adaptive pools, made to switch between the workers and inline every
     * K records (COT_WORKERS_ADAPT=flip:K) whatever the clocks say: the
     * records, the messages, the stops and the flushes as inline, each
     * record computed once, the inline ones on ctx[0]. */
    adapt_on = 1;
    for (int f = 0; f < 3; f++) {
        static const char *const flips[] = {"flip:1", "flip:2", "flip:5"};
        setenv("COT_WORKERS_ADAPT", flips[f], 1);
        for (int stop = -1; stop <= 61; stop += 62) {
            for (int fl = 0; fl <= 7; fl += 7) {
                int rc0 = scenario(0, 100, stop, 0, &rlog, &rerr, &rwork);
                flush_every = fl;
                for (int a = 0; a < 3; a++)
                    for (int b = 0; b < 2; b++) {
                        char *log, *err;
                        flush_short = 0;
                        int rc = scenario(th[a], 100, stop, bis[b], &log, &err, &nw);
                        char name[96];
                        snprintf(name, sizeof name, "adaptive %s, -@ %d, batches of %zu%s%s",
                                 flips[f], th[a], bis[b], stop >= 0 ? ", stop at 61" : "",
                                 fl ? ", flushes" : "");
                        tap_is_long(rc, rc0, name);
                        tap_is_str(log, rlog, "  the records as inline");
                        tap_is_str(err, rerr, "  the messages as inline");
                        if (stop < 0) {
                            tap_is_long((long)nw, (long)rwork, "  each record computed once");
                            tap_ok(!flush_short, "  each flush delivered the records before the pending one");
                        }
                        tap_ok(got_switches >= 2 && got_inline > 0,
                               "  it switched (%llu times; %llu records inline)",
                               got_switches, got_inline);
                        tap_ok(on_main > 0 && on_main_not_ctx0 == 0,
                               "  inline on the main thread and ctx[0] (%lu records, %lu not)",
                               on_main, on_main_not_ctx0);
                        free(log);
                        free(err);
                    }
                flush_every = 0;
                free(rlog);
                free(rerr);
            }
        }
    }
    /* COT_WORKERS_ADAPT=0 turns it off; at -@ 0 there is nothing to adapt */
    setenv("COT_WORKERS_ADAPT", "0", 1);
    {
        char *log, *err;
        scenario(2, 100, -1, 1, &log, &err, &nw);
        tap_ok(got_switches == 0 && got_inline == 0, "COT_WORKERS_ADAPT=0: no switch");
        free(log);
        free(err);
    }
    setenv("COT_WORKERS_ADAPT", "flip:1", 1);
    {
        char *log, *err;
        scenario(0, 100, -1, 1, &log, &err, &nw);
        tap_ok(got_switches == 0 && got_inline == 0, "-@ 0: no switch");
        free(log);
        free(err);
    }
    unsetenv("COT_WORKERS_ADAPT");
    adapt_on = 0;

    /* The default batch shrinks with many threads, so that threads + 2
     * batches hold at most COT_WORKERS_INFLIGHT_BYTES of input, never
     * below COT_WORKERS_BATCH_MIN; an explicit batch_bytes is kept. */
    {
        static const struct { int threads; size_t asked, want; } cases[] = {
            {0, 0, 1u << 20}, {2, 0, 1u << 20}, {9, 0, 1u << 20},
            {10, 0, (12u << 20) / 12}, {15, 0, (12u << 20) / 17}, {62, 0, (12u << 20) / 64},
            {190, 0, (12u << 20) / 192}, {254, 0, 64u << 10}, {256, 0, 64u << 10}, {62, 4u << 20, 4u << 20}};
        for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
            run_t r = {{0}, -1, 0};
            ctx_t c[256] = {{0}};
            void *cp[256];
            for (int i = 0; i < 256; i++) cp[i] = &c[i];
            cot_workers_opt_t o = {.threads = cases[k].threads, .ctx = cp,
                                   .item_size = sizeof(item_t), .work = work, .done = done,
                                   .done_arg = &r, .item_free = item_free,
                                   .batch_bytes = cases[k].asked};
            cot_workers_t *w = cot_workers_new(&o);
            char name[96];
            snprintf(name, sizeof name, "-@ %d, batch_bytes %zu: a batch is %zu bytes",
                     cases[k].threads, cases[k].asked, cases[k].want);
            tap_is_long((long)cot_workers_batch_bytes(w), (long)cases[k].want, name);
            cot_workers_free(w);
        }
    }

    /* No record at all. */
    {
        run_t r = {{0}, -1, 0};
        ctx_t c[2] = {{0}};
        void *cp[2] = {&c[0], &c[1]};    /* one per thread */
        cot_workers_opt_t o = {.threads = 2, .ctx = cp, .item_size = sizeof(item_t),
                               .work = work, .done = done, .done_arg = &r,
                               .item_free = item_free};
        cot_workers_t *w = cot_workers_new(&o);
        tap_is_long(cot_workers_finish(w), 0, "empty input: finish is 0");
        tap_is_long(cot_workers_finish(w), 0, "finish twice is harmless");
        cot_workers_free(w);
        tap_ok(r.log.s == NULL, "empty input: nothing delivered");
    }
    return tap_done();
}
