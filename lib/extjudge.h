/* extjudge.h -- an external judge process (cot-judge --judge-cmd).
 *
 * The command is started once with `sh -c CMD`.  Each request is one JSON
 * line on its stdin:
 *     {"id": ..., "prompt": ..., "cot": ..., "answer": ..., "rubric": ...}
 * and it answers each with one JSON line on its stdout, in request order:
 *     {"id": ..., "verdict": "clean|rejected|...", "labels": [...],
 *      "rationale": "..."}
 * Up to `window` requests are in flight.  Each verdict must arrive within
 * `timeout` seconds of its request being written.
 *
 * Results come back, strictly in submission order, through the deliver
 * callback: (arg, item, verdict object or NULL, error or NULL).  When the
 * judge dies, falls silent, answers out of order or sends a bad line, the
 * error is printed once, the child is stopped, and every pending and every
 * later item is delivered with an error string (the tool marks those
 * records judge_error).  Each item is delivered exactly once.
 *
 * Every wait is bounded by the timeout.  The judge runs in its own process
 * group; stopping it sends SIGTERM to the group, then SIGKILL two seconds
 * later, and at the end anything it left running in its group is stopped
 * the same way; SIGINT, SIGTERM or SIGHUP to this process sends SIGTERM to
 * the group before the earlier handler or the default action runs.
 * Messages quote at most 64 bytes of what the judge sent.
 *
 * The child's stdin is a socket, so writes to a dead judge fail with EPIPE
 * (MSG_NOSIGNAL) instead of killing us with SIGPIPE.
 */
#ifndef COT_EXTJUDGE_H
#define COT_EXTJUDGE_H

#include <cjson/cJSON.h>
#include "util.h"

typedef struct cot_extjudge cot_extjudge_t;

typedef void (*cot_extjudge_deliver_fn)(void *arg, void *item,
                                        const cJSON *verdict, const char *error);

/* The built-in (a)/(b) rubric sent with every request. */
extern const char cot_extjudge_rubric[];

/* Start CMD.  NULL (error printed) when it cannot be started. */
cot_extjudge_t *cot_extjudge_start(const char *cmd, int window, double timeout,
                                   const char *rubric,
                                   cot_extjudge_deliver_fn deliver, void *arg);

/* Longest reply line accepted (bytes, newline excluded); a longer one fails
 * the judge, like any bad line.  Default COT_EXTJUDGE_MAX_LINE_DEFAULT. */
#define COT_EXTJUDGE_MAX_LINE_DEFAULT ((size_t)1 << 20)
void cot_extjudge_set_max_line(cot_extjudge_t *x, size_t n);

/* Queue one request; may wait for earlier verdicts while the window is
 * full (delivering them).  Never fails: after a judge failure the item is
 * delivered at once with the error. */
void cot_extjudge_submit(cot_extjudge_t *x, void *item, const char *id,
                         const char *prompt, const char *cot, const char *answer);

/* Deliver everything still pending, close the judge's stdin, reap it and
 * free x.  Returns 0 when every verdict came back and the judge exited 0,
 * -1 otherwise (error printed). */
int cot_extjudge_finish(cot_extjudge_t *x);

/* Whether the judge has failed (pending and later items get errors). */
int cot_extjudge_failed(const cot_extjudge_t *x);

#endif
