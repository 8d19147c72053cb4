/* cot-extract -- raw generations in, canonical records out.
 * (Foundation skeleton: flat fields only; formats land in lib/extract.c.) */
#include "cli.h"
#include "record.h"

#include <stdlib.h>
#include <string.h>

static void usage(FILE *fp)
{
    fprintf(fp,
"Usage: cot-extract [options] [FILE...]\n"
"Read raw generations (JSONL, plain or zstd) and write canonical records.\n"
"\n");
    cot_common_usage(fp, 1);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {COT_COMMON_LONG, {0, 0, 0, 0}};
    cot_common_t common;
    cot_common_init(&common, "cot-extract", usage);
    int c;
    while ((c = getopt_long(argc, argv, COT_COMMON_SHORT, longopts, NULL)) >= 0)
        if (!cot_common_opt(&common, c, optarg)) cot_bad_option(argv);

    cot_run_t run;
    int st = cot_run_open(&run, &common, argv + optind, argc - optind, 1);
    if (st) return st;
    cot_line_t l;
    while (cot_run_next(&run, &l) == 0) {
        cJSON *rec = l.json;
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(rec, "answer");
        cJSON *out = cJSON_CreateObject();
        char id[64];
        snprintf(id, sizeof id, "%lu", l.line);
        cJSON_AddStringToObject(out, "id", id);
        cJSON_AddStringToObject(out, "answer",
                                cJSON_IsString(a) ? a->valuestring : "");
        int r = cot_run_emit(&run, out);
        cJSON_Delete(out);
        if (r < 0) break;
    }
    return cot_run_finish(&run);
}
