/* tap.h -- a minimal Test Anything Protocol emitter for the C unit tests,
 * and the random generator they share. */
#ifndef COT_TAP_H
#define COT_TAP_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int  tap_ok(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int  tap_is_str(const char *got, const char *want, const char *name);
int  tap_is_long(long got, long want, const char *name);
int  tap_is_double(double got, double want, double tol, const char *name);
void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Capture what the code under test writes to stderr (so expected error
 * messages are checked instead of cluttering `make check`): begin, run,
 * then end returns the text written since begin (static storage, valid
 * until the next end; at most 4 KiB kept). */
void tap_stderr_begin(void);
const char *tap_stderr_end(void);
/* A deterministic generator (splitmix64), so that a failure reproduces:
 * tap_seed() sets its state (0 until then), tap_rnd() returns the next
 * value, tap_rn(n) one in [0, n) (0 for n = 0).  tap_state() is the state,
 * for a test that must leave the draws of the tests after it as they were
 * (tap_seed(state) when it is done). */
void     tap_seed(uint64_t seed);
uint64_t tap_state(void);
uint64_t tap_rnd(void);
size_t   tap_rn(size_t n);
/* Print the plan ("1..N") and return the exit status for main(). */
int  tap_done(void);

#endif
