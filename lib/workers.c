/* workers.c -- see workers.h.
 *
 * Batches live in a ring of threads + 2.  Sequence numbers, never reset:
 * batches head..take-1 are being worked on or done, take..fill-1 wait for
 * a worker, fill is the one the main thread fills.  A worker takes the
 * batch at `take`, runs work() on each of its records and marks it done;
 * the main thread delivers done batches from `head` on, in order, and waits
 * for `head` when the ring is full. */
#include "workers.h"
#include "util.h"

#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    char *items;               /* cap slots of item_size bytes           */
    cot_buf_t *diag;           /* per slot: captured messages            */
    unsigned char *run;        /* per slot: run work() on it             */
    size_t n, cap, bytes;
    int done;                  /* work finished (guarded by mu)          */
} batch_t;

struct cot_workers {
    cot_workers_opt_t o;
    size_t bi, bb;
    unsigned long long head, take, fill;
    int nb;
    batch_t *b;
    pthread_mutex_t mu;
    pthread_cond_t work_cv, done_cv;
    pthread_t *th;
    int nth;
    int quit, stopped, finished, pending;
    batch_t *pb;               /* the pending slot: pb's slot pi, which  */
    size_t pi;                 /* cot_workers_flush() may leave behind   */
    cot_buf_t *saved;          /* the capture before cot_workers_next()  */
    /* Adaptive (o.adapt): inline while the threads do not pay (see
     * workers.h).  The window runs from t0/c0 (wall and process CPU). */
    int inl;                   /* the records run inline now             */
    double t0, c0, win, back;
    size_t since;              /* records since the clocks were read     */
    unsigned long flip;        /* COT_WORKERS_ADAPT=flip:K: every K      */
    unsigned long long nin, nsw;   /* records run inline; mode switches  */
    unsigned long long nrec;       /* records submitted                  */
    /* Worker threads start with their index; they read w only. */
    struct arg { cot_workers_t *w; int i; } *args;
};

static batch_t *ring(cot_workers_t *w, unsigned long long seq)
{
    return &w->b[seq % (unsigned long long)w->nb];
}

static void *slot(cot_workers_t *w, batch_t *b, size_t i)
{
    return b->items + i * w->o.item_size;
}

/* Whether records go to the workers now (not inline). */
static int threaded(const cot_workers_t *w)
{
    return w->o.threads && !w->inl;
}

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void window_start(cot_workers_t *w, double win)
{
    w->t0 = cot_now();
    w->c0 = cpu_now();
    w->win = win;
    w->since = 0;
}

static void drain(cot_workers_t *w, unsigned long long until);

/* The adaptive switch, after a record (inline) or a batch handed over
 * (threaded).  A window of COT_WORKERS_ADAPT_WINDOW seconds or more
 * measures u, the CPU seconds the process got per second.  Threaded, u
 * under COT_WORKERS_ADAPT_PAYS means the threads are not running side by
 * side (other programs hold the CPUs, or the input or the output is the
 * bottleneck): every batch in flight is delivered and the records run
 * inline, on ctx[0], for a window that doubles each time the threads did
 * not pay (up to COT_WORKERS_ADAPT_BACKOFF_MAX).  Inline, u of
 * COT_WORKERS_ADAPT_BUSY or more (a CPU kept busy) tries the threads
 * again.  The output is the same either way. */
static void adapt(cot_workers_t *w, size_t records)
{
    if (w->flip) {
        w->since += records;
        if (w->since < w->flip) return;
        w->since = 0;
    } else {
        if ((w->since += records) < (w->inl ? 32 : 1)) return;
        w->since = 0;
        double t = cot_now();
        if (t - w->t0 < w->win) return;
        double u = (cpu_now() - w->c0) / (t - w->t0);
        if (!w->inl && u >= COT_WORKERS_ADAPT_PAYS) {
            w->back = COT_WORKERS_ADAPT_WINDOW;     /* they pay: go on */
            window_start(w, COT_WORKERS_ADAPT_WINDOW);
            return;
        }
        if (w->inl && u < COT_WORKERS_ADAPT_BUSY) {
            window_start(w, w->win);
            return;
        }
    }
    if (!w->inl) {
        drain(w, 1);                /* every batch in flight delivered */
        w->inl = 1;
        window_start(w, w->back);
        w->back = w->back * 2 < COT_WORKERS_ADAPT_BACKOFF_MAX ? w->back * 2
                                                              : COT_WORKERS_ADAPT_BACKOFF_MAX;
    } else {
        w->inl = 0;
        window_start(w, COT_WORKERS_ADAPT_WINDOW);
    }
    w->nsw++;
}

static void run_batch(cot_workers_t *w, batch_t *b, void *ctx, int stopped)
{
    for (size_t i = 0; i < b->n && !stopped; i++) {
        if (!b->run[i]) continue;
        cot_buf_t *old = cot_msg_capture(&b->diag[i]);
        w->o.work(ctx, slot(w, b, i));
        cot_msg_capture(old);
    }
}

static void *worker(void *p)
{
    struct arg *a = p;
    cot_workers_t *w = a->w;
    void *ctx = w->o.ctx ? w->o.ctx[a->i] : NULL;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->quit && w->take == w->fill) pthread_cond_wait(&w->work_cv, &w->mu);
        if (w->take == w->fill) break;          /* quit, nothing left */
        batch_t *b = ring(w, w->take++);
        int stopped = w->stopped;
        pthread_mutex_unlock(&w->mu);
        run_batch(w, b, ctx, stopped);
        pthread_mutex_lock(&w->mu);
        b->done = 1;
        pthread_cond_broadcast(&w->done_cv);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

cot_workers_t *cot_workers_new(const cot_workers_opt_t *o)
{
    cot_workers_t *w = cot_calloc(1, sizeof *w);
    w->o = *o;
    if (w->o.threads < 0) w->o.threads = 0;
    if (w->o.threads > COT_WORKERS_MAX) w->o.threads = COT_WORKERS_MAX;
    if (w->o.item_size == 0) w->o.item_size = 1;
    w->bi = o->batch_items ? o->batch_items : COT_WORKERS_BATCH_ITEMS;
    w->bb = o->batch_bytes ? o->batch_bytes : COT_WORKERS_BATCH_BYTES;
    if (w->o.threads == 0) w->bi = 1;           /* one slot, reused */
    w->nb = w->o.threads ? w->o.threads + 2 : 1;
    if (!o->batch_bytes && w->nb > 1 && w->bb > COT_WORKERS_INFLIGHT_BYTES / (size_t)w->nb) {
        w->bb = COT_WORKERS_INFLIGHT_BYTES / (size_t)w->nb;
        if (w->bb < COT_WORKERS_BATCH_MIN) w->bb = COT_WORKERS_BATCH_MIN;
    }
    w->b = cot_calloc((size_t)w->nb, sizeof *w->b);
    /* Read at any -@, so that a bad value is named whatever -@ says. */
    const char *env = getenv("COT_WORKERS_ADAPT");
    long k;
    if (env && !strcmp(env, "0")) w->o.adapt = 0;
    else if (env && !strncmp(env, "flip:", 5) && cot_parse_long(env + 5, 1, LONG_MAX, &k) == 0) {
        w->o.adapt = 1;                 /* the tests' switch: every K records */
        w->flip = (unsigned long)k;
    } else if (env) {
        static int warned;              /* once, not for every pool */
        if (!warned++) cot_warn("ignoring COT_WORKERS_ADAPT=%s: expected 0, or flip:K with K >= 1", env);
    }
    if (w->o.threads == 0) return w;
    w->back = COT_WORKERS_ADAPT_WINDOW;
    window_start(w, COT_WORKERS_ADAPT_WINDOW);
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->work_cv, NULL);
    pthread_cond_init(&w->done_cv, NULL);
    w->th = cot_calloc((size_t)w->o.threads, sizeof *w->th);
    w->args = cot_calloc((size_t)w->o.threads, sizeof *w->args);
    for (int i = 0; i < w->o.threads; i++) {
        w->args[i].w = w;
        w->args[i].i = i;
        int e = pthread_create(&w->th[i], NULL, worker, &w->args[i]);
        if (e) cot_die(COT_EXIT_IO, "cannot start worker thread %d of %d: %s (try a "
                       "smaller -@)", i + 1, w->o.threads, strerror(e));
        w->nth++;
    }
    return w;
}

int cot_workers_threaded(const cot_workers_t *w)
{
    return threaded(w);
}

unsigned long long cot_workers_inline_records(const cot_workers_t *w)
{
    return w->nin;
}

unsigned long long cot_workers_switches(const cot_workers_t *w)
{
    return w->nsw;
}

size_t cot_workers_batch_bytes(const cot_workers_t *w)
{
    return w->bb;
}

static void ensure(cot_workers_t *w, batch_t *b)
{
    if (b->cap) return;
    b->cap = w->bi;
    b->items = cot_calloc(b->cap, w->o.item_size);
    b->diag = cot_calloc(b->cap, sizeof *b->diag);
    b->run = cot_calloc(b->cap, 1);
}

void *cot_workers_next(cot_workers_t *w)
{
    if (w->pending) return slot(w, w->pb, w->pi);
    batch_t *b = ring(w, w->fill);
    ensure(w, b);
    w->pending = 1;
    w->pb = b;
    w->pi = b->n;
    if (threaded(w)) {
        cot_buf_clear(&b->diag[b->n]);
        w->saved = cot_msg_capture(&b->diag[b->n]);
    }
    return slot(w, b, b->n);
}

/* Deliver batch `head` (done) in order, then free its place. */
static void deliver(cot_workers_t *w)
{
    batch_t *b = ring(w, w->head);
    for (size_t i = 0; i < b->n; i++) {
        if (!w->stopped) {
            cot_msg_print(b->diag[i].s, b->diag[i].len);
            if (w->o.done(w->o.done_arg, slot(w, b, i))) {
                pthread_mutex_lock(&w->mu);   /* the workers read it */
                w->stopped = 1;
                pthread_mutex_unlock(&w->mu);
            }
        }
        cot_buf_clear(&b->diag[i]);
    }
    b->n = b->bytes = 0;
    pthread_mutex_lock(&w->mu);
    b->done = 0;
    w->head++;
    pthread_mutex_unlock(&w->mu);
}

/* Queue the batch being filled (when it holds records). */
static void dispatch(cot_workers_t *w)
{
    if (!ring(w, w->fill)->n) return;
    pthread_mutex_lock(&w->mu);
    w->fill++;
    pthread_cond_signal(&w->work_cv);
    pthread_mutex_unlock(&w->mu);
}

/* Deliver the done batches at the head; with `until`, wait until fewer than
 * `until` batches are in flight. */
static void drain(cot_workers_t *w, unsigned long long until)
{
    for (;;) {
        pthread_mutex_lock(&w->mu);
        int wait = w->fill - w->head >= until;
        while (w->head < w->fill && !ring(w, w->head)->done && wait)
            pthread_cond_wait(&w->done_cv, &w->mu);
        int ready = w->head < w->fill && ring(w, w->head)->done;
        pthread_mutex_unlock(&w->mu);
        if (!ready) return;
        deliver(w);
    }
}

int cot_workers_submit(cot_workers_t *w, size_t bytes, int run)
{
    batch_t *b = ring(w, w->fill);
    if (w->pending && threaded(w)) cot_msg_capture(w->saved);
    if (w->pending && threaded(w) && w->pb != b) {
        /* cot_workers_flush() sent the slot's batch off without it: move
         * the slot (its bytes, which own its buffers) into place. */
        ensure(w, b);
        size_t sz = w->o.item_size;
        char *p = slot(w, w->pb, w->pi), *q = slot(w, b, b->n), tmp[256];
        for (size_t k = 0; k < sz; k += sizeof tmp) {
            size_t m = sz - k < sizeof tmp ? sz - k : sizeof tmp;
            memcpy(tmp, p + k, m);
            memcpy(p + k, q + k, m);
            memcpy(q + k, tmp, m);
        }
        cot_buf_t d = w->pb->diag[w->pi];
        w->pb->diag[w->pi] = b->diag[b->n];
        b->diag[b->n] = d;
    }
    w->pending = 0;
    if (w->stopped) return -1;
    w->nrec++;
    if (!threaded(w)) {     /* -@ 0, or adaptive and inline: the workers idle */
        void *it = slot(w, b, 0);
        if (run) w->o.work(w->o.ctx ? w->o.ctx[0] : NULL, it);
        if (w->o.done(w->o.done_arg, it)) w->stopped = 1;
        if (w->inl && !w->stopped) {
            w->nin++;
            adapt(w, 1);
        }
        return w->stopped ? -1 : 0;
    }
    b->run[b->n++] = (unsigned char)(run != 0);
    b->bytes += bytes;
    if (b->n < w->bi && b->bytes < w->bb) return 0;
    size_t n = b->n;
    dispatch(w);
    /* The next batch to fill must be free: at most nb in flight. */
    drain(w, (unsigned long long)w->nb);
    if (w->o.adapt && !w->stopped) adapt(w, n);
    return w->stopped ? -1 : 0;
}

int cot_workers_flush(cot_workers_t *w)
{
    if (!threaded(w) || w->finished) return w->stopped ? -1 : 0;
    /* What done() prints now is not the pending slot's. */
    cot_buf_t *cap = w->pending ? cot_msg_capture(w->saved) : NULL;
    dispatch(w);
    drain(w, 1);
    if (w->pending) cot_msg_capture(cap);
    return w->stopped ? -1 : 0;
}

void cot_workers_trim(cot_buf_t *b)
{
    if (b->cap > COT_WORKERS_KEEP) cot_buf_free(b);
}

int cot_workers_idle(void *w)
{
    cot_workers_flush(w);
    return 0;
}

int cot_workers_finish(cot_workers_t *w)
{
    if (w->finished) return w->stopped ? -1 : 0;
    w->finished = 1;
    cot_buf_t left = {0};
    if (w->pending) {
        w->pending = 0;
        if (threaded(w)) {
            cot_msg_capture(w->saved);
            cot_buf_t *d = &w->pb->diag[w->pi];
            cot_buf_add(&left, d->s, d->len);
            cot_buf_clear(d);
        }
    }
    if (w->o.threads) {
        dispatch(w);
        drain(w, 1);
        pthread_mutex_lock(&w->mu);
        w->quit = 1;
        pthread_cond_broadcast(&w->work_cv);
        pthread_mutex_unlock(&w->mu);
        for (int i = 0; i < w->nth; i++) pthread_join(w->th[i], NULL);
        w->nth = 0;
        if (cot_verbose >= 4)     /* -vvv: machine-dependent, so not at -vv */
            cot_info("workers: %d thread%s%s: %llu of %llu records inline, %llu switch%s",
                     w->o.threads, w->o.threads == 1 ? "" : "s",
                     w->o.adapt ? ", adaptive" : "", w->nin, w->nrec, w->nsw,
                     w->nsw == 1 ? "" : "es");
    }
    if (!w->stopped) cot_msg_print(left.s, left.len);
    cot_buf_free(&left);
    return w->stopped ? -1 : 0;
}

void cot_workers_free(cot_workers_t *w)
{
    if (!w) return;
    cot_workers_finish(w);
    for (int k = 0; k < w->nb; k++) {
        batch_t *b = &w->b[k];
        for (size_t i = 0; i < b->cap; i++) {
            if (w->o.item_free) w->o.item_free(slot(w, b, i));
            cot_buf_free(&b->diag[i]);
        }
        free(b->items);
        free(b->diag);
        free(b->run);
    }
    free(w->b);
    if (w->o.threads) {
        pthread_mutex_destroy(&w->mu);
        pthread_cond_destroy(&w->work_cv);
        pthread_cond_destroy(&w->done_cv);
    }
    free(w->th);
    free(w->args);
    free(w);
}
