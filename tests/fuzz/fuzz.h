/* fuzz.h -- shared bits of the libFuzzer harnesses (tests/fuzz/README.md). */
#ifndef COT_FUZZ_H
#define COT_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A property the harness checks failed: say which, then abort so libFuzzer
 * keeps the input as a crash. */
#define FUZZ_CHECK(cond, ...) do { if (!(cond)) { \
    fprintf(stderr, "fuzz check failed at %s:%d: %s: ", __FILE__, __LINE__, #cond); \
    fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); abort(); } } while (0)

#endif
