/* workers.h -- an ordered batch worker pool for per-record work (-@ N).
 *
 * The main thread reads records and hands them to the pool; N worker
 * threads run the tool's per-record function, each with its OWN context
 * (its own PCRE2 match data, scratch buffers, counters); the main thread
 * then gets every record back IN INPUT ORDER and does whatever must be
 * sequential there: writing, counting, rejecting, the gate.  As in pigz and
 * samtools, records travel in batches (COT_WORKERS_BATCH_ITEMS records or
 * COT_WORKERS_BATCH_BYTES of input, whichever comes first), and at most
 * threads + 2 batches exist at once, so memory is bounded by batch size x
 * (threads + 2) whatever the input size.
 *
 * With threads == 0 there is no thread at all: cot_workers_submit() runs
 * work() on ctx[0] and then done() at once, so `-@ 0` is the reference the
 * threaded runs must match byte for byte.
 *
 * Messages.  What cot_err()/cot_warn()/cot_info() print while work() runs
 * on a worker is captured per record and printed just before that record's
 * done() call, so stderr reads as it would with -@ 0.  What the main thread
 * prints between cot_workers_next() and cot_workers_submit() (while it
 * reads the record: a bad line, a damaged input) is captured into that slot
 * the same way, also when the slot is never submitted (the end of the
 * input, an I/O error): cot_workers_finish() prints it in its place.
 * Messages printed inside done() go straight to stderr.  cot_die() is never
 * captured.
 *
 * Stopping.  When done() returns nonzero (a fatal error on record k), no
 * later record is delivered, its captured messages are dropped, and every
 * later cot_workers_submit() returns -1: the output stops exactly where
 * -@ 0 stops it.
 *
 * Slots.  The pool owns the item slots (item_size bytes each, zeroed when
 * first made) and REUSES them: a slot comes back from cot_workers_next()
 * with whatever the tool left in it the last time, so buffers inside it are
 * kept and need no malloc per record.  item_free() (optional) is called on
 * every slot once, by cot_workers_free().
 *
 * Usage (cot-judge shape; error handling shortened):
 *
 *     typedef struct { cot_buf_t text, out; cot_line_t l; int bad; } item_t;
 *     static void work(void *ctx, void *it)      // on a worker: no globals
 *     {   judge_ctx_t *c = ctx; item_t *i = it;   // parse, judge, print
 *         i->bad = cot_jsonl_parse(&c->parser, &i->l, i->text.s, 0);
 *         if (!i->bad) judge(c, i->l.json, &i->out); }
 *     static int done(void *arg, void *it)       // main thread, in order
 *     {   item_t *i = it;
 *         if (i->bad) return cot_run_reject(arg, &i->l, i->l.kind, i->l.reason);
 *         return cot_run_emit_raw(arg, i->out.s, i->out.len); }
 *
 *     void *ctx[64];                 // one context per worker (>= 1)
 *     cot_workers_opt_t o = {.threads = n, .ctx = ctx, .item_size =
 *         sizeof(item_t), .work = work, .done = done, .done_arg = &run};
 *     cot_workers_t *w = cot_workers_new(&o);
 *     for (;;) {
 *         item_t *i = cot_workers_next(w);   // main-thread messages captured
 *         int r = cot_run_read_raw(&run, &l, &unterminated);
 *         if (r < 0) break;                  // the end, or a damaged input
 *         copy l.text, l.file, l.line into *i // the item must own its input
 *         if (cot_workers_submit(w, l.len, r == 0) < 0) break;   // stopped
 *     }
 *     int stopped = cot_workers_finish(w);   // drain, in order; 0 or -1
 *     cot_workers_free(w);                   // then merge the ctx counters
 *
 * A record whose line was bad (nothing to compute) is submitted with
 * run = 0: work() is skipped, done() still comes in its place.
 */
#ifndef COT_WORKERS_H
#define COT_WORKERS_H

#include <stddef.h>
#include "util.h"

#define COT_WORKERS_BATCH_ITEMS 256
#define COT_WORKERS_BATCH_BYTES (1u << 20)
/* With many threads the default batch shrinks so that the threads + 2
 * batches hold at most this much input together (output and buffers come
 * on top, about twice as much again): past -@ 10 the batches stop growing
 * with the thread count (each worker's own context still adds a little).
 * A batch never shrinks below COT_WORKERS_BATCH_MIN. */
#define COT_WORKERS_INFLIGHT_BYTES (12u << 20)
#define COT_WORKERS_BATCH_MIN (64u << 10)
/* Slots are reused with their buffers; a buffer grown past this by a long
 * record is freed after its record (cot_workers_trim()), so what slots
 * keep stays small whatever the longest line: at most batch size x
 * (threads + 2) of records live, plus this much per buffer per slot. */
#define COT_WORKERS_KEEP (16u << 10)
/* Most worker threads a pool runs (-@ is capped at 256). */
#define COT_WORKERS_MAX 256

typedef struct cot_workers cot_workers_t;

/* On a worker thread (or inline): compute one record.  ctx is that
 * worker's own context; touch nothing shared that is not read-only. */
typedef void (*cot_work_fn)(void *ctx, void *item);
/* On the main thread, in input order.  0 to go on; nonzero stops the pool. */
typedef int (*cot_done_fn)(void *arg, void *item);

typedef struct {
    int threads;              /* worker threads; 0: inline, no thread     */
    void **ctx;               /* ctx[i] for worker i: max(threads, 1)      */
    size_t item_size;         /* bytes of the tool's item                 */
    cot_work_fn work;
    cot_done_fn done;
    void *done_arg;
    void (*item_free)(void *item);   /* optional, once per slot at the end */
    size_t batch_items;       /* 0: COT_WORKERS_BATCH_ITEMS               */
    size_t batch_bytes;       /* 0: COT_WORKERS_BATCH_BYTES, or less when
                                 threads + 2 of them would pass
                                 COT_WORKERS_INFLIGHT_BYTES               */
    int adapt;                /* run inline while the threads do not pay
                                 (the default -@, cot_common_t.threads_auto) */
} cot_workers_opt_t;

/* Adaptive pools (opt.adapt, threads > 0).  A pool hands its records to
 * the workers as long as the process gets COT_WORKERS_ADAPT_PAYS CPUs or
 * more over a window (so that the threads run side by side); else it
 * delivers what is in flight and runs the records inline, on ctx[0], as
 * at -@ 0, where the hand-offs cost nothing.  On a machine with few CPUs
 * that the stages of a pipeline share, the threads' hand-offs and cache
 * misses cost CPU time that no other CPU gives back (cot(7)).  Inline, a
 * window with the process keeping a CPU busy (COT_WORKERS_ADAPT_BUSY) tries
 * the threads again, after a window that doubles each time they did not
 * pay.  Records, output and messages are the same in either mode, and at
 * every switch.  COT_WORKERS_ADAPT=0 turns it off; flip:K switches every K
 * records whatever the clocks say (the tests). */
#define COT_WORKERS_ADAPT_WINDOW 0.1            /* seconds */
#define COT_WORKERS_ADAPT_BACKOFF_MAX 3.2
#define COT_WORKERS_ADAPT_PAYS 1.25              /* CPUs */
#define COT_WORKERS_ADAPT_BUSY 0.9

/* Start the pool (the threads when threads > 0).  Never NULL (dies when
 * a thread cannot be started). */
cot_workers_t *cot_workers_new(const cot_workers_opt_t *o);

/* The slot for the next record; from now until cot_workers_submit() the
 * main thread's messages are captured into it (threads > 0). */
void *cot_workers_next(cot_workers_t *w);

/* Hand the slot from cot_workers_next() over: bytes is its input size (for
 * the batch limit), run says whether work() runs on it.  May deliver
 * finished records (done() calls) and wait for a batch to finish when
 * threads + 2 batches are in flight.  0, or -1 when a done() stopped the
 * pool (then stop reading). */
int cot_workers_submit(cot_workers_t *w, size_t bytes, int run);

/* Deliver every record submitted so far, waiting for the workers: for a
 * reader about to block on its input (cot_run_set_idle()), so that records
 * reach the next program in a pipeline while the input pauses, as they do
 * at -@ 0.  May be called between cot_workers_next() and
 * cot_workers_submit() (the slot stays valid).  0, or -1 when stopped. */
int cot_workers_flush(cot_workers_t *w);
/* cot_workers_flush() as an idle hook: cot_run_set_idle(&run,
 * cot_workers_idle, w).  Always 0 (a stop shows at the next submit). */
int cot_workers_idle(void *w);

/* After the last record: finish every batch and deliver it in order, then
 * print what was captured into an unsubmitted slot.  Stops the threads.
 * 0, or -1 when a done() stopped the pool. */
int cot_workers_finish(cot_workers_t *w);

/* For done(): free b when its capacity is past COT_WORKERS_KEEP (it is
 * remade on the next use); else keep it for the next record. */
void cot_workers_trim(cot_buf_t *b);

/* Whether the slot of the last cot_workers_next() goes to a worker (else
 * it runs inline in cot_workers_submit(), and may point into the reader's
 * buffer).  It changes only inside cot_workers_submit(). */
int cot_workers_threaded(const cot_workers_t *w);
/* Records run inline by an adaptive pool, and its switches of mode. */
unsigned long long cot_workers_inline_records(const cot_workers_t *w);
unsigned long long cot_workers_switches(const cot_workers_t *w);

/* The input bytes at which a batch is handed to the workers. */
size_t cot_workers_batch_bytes(const cot_workers_t *w);

/* Free the pool (calls cot_workers_finish() first if needed). */
void cot_workers_free(cot_workers_t *w);

#endif
