/* tap.h -- a minimal Test Anything Protocol emitter for the C unit tests. */
#ifndef COT_TAP_H
#define COT_TAP_H

#include <string.h>

int  tap_ok(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int  tap_is_str(const char *got, const char *want, const char *name);
int  tap_is_long(long got, long want, const char *name);
int  tap_is_double(double got, double want, double tol, const char *name);
void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print the plan ("1..N") and return the exit status for main(). */
int  tap_done(void);

#endif
