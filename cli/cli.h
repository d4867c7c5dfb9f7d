/* Shared by the CLI's sources (wearfm.c: model commands; import.c: importers). */
#ifndef WFM_CLI_H
#define WFM_CLI_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_USAGE = 2, EXIT_MODEL = 3, EXIT_INPUT = 4, EXIT_NO_DATA = 5 };

/* Inputs are read whole (the readers validate a file in a first pass before
 * building anything), so their size is capped. 1 GiB is 1000 days (the
 * minute table's span limit) at 740 bytes a row: several times a row of 26
 * channels, and 76 years of the shipped model's 4-channel CSV (38 KB a day).
 * WFM_MAX_INPUT_BYTES (decimal bytes) sets another limit: for tests, and
 * for devices with less memory. */
#define CLI_MAX_INPUT (1ull << 30)
uint64_t cli_max_input(void);

/* Why cli_read_all returned NULL. */
enum { CLI_READ_CANNOT = 1, CLI_READ_TOO_LARGE = 2, CLI_READ_NO_MEMORY = 3 };

/* The whole file (or stdin for "-"), at most cli_max_input() bytes, with a
 * NUL after them; NULL on failure, *why saying why (*len: bytes read). */
char *cli_read_all(const char *path, size_t *len, int *why);
/* Prints "<who>: ..." for that failure and returns the exit code:
 * EXIT_INPUT (cannot read, too large) or EXIT_RUNTIME (out of memory). */
int cli_read_failed(const char *who, const char *path, int why, size_t len);

/* ": it is a directory" when path is one, else "": for messages, since
 * fopen of a directory succeeds on Linux and only the reads fail. */
const char *cli_dir_note(const char *path);

/* Under WASI, ": WASI programs see only the directories the host
 * preopened ..." when path lies outside every preopened directory; "" for a
 * path inside one, and always in native builds (cli/wasi_paths.c). */
const char *cli_path_note(const char *path);

/* wearfm import ...: argv[0] is "import". */
int cli_import(int argc, char **argv);

/* wearfm import takeout|apple-health|fit ... (cli/import_exports.c). */
int cli_import_export(int argc, char **argv);

/* --tz ZONE ("local": the machine's): the zone as the C library knows it,
 * or a message on stderr and EXIT_USAGE (unknown zone; the WASI build has
 * no zone database) or EXIT_RUNTIME. */
struct wfm_tz;
int cli_time_zone(const char *name, struct wfm_tz **out);
/* A minute value as the importers write it: integers plainly, else the
 * shortest %.6g..%.9g that reads back as the same float; nothing for NaN. */
void cli_put_value(FILE *f, float v);
/* mkdir -p; 0, or -1 with errno set. */
int cli_make_dir(const char *dir);

/* wearfm probe ...: argv[0] is "probe" (cli/probe.c). */
int cli_probe(int argc, char **argv);

/* wearfm embed | hr for a waveform model (cli/waveform.c): the options main
 * parsed. input_format -1 = sniff the first line; stride 0 = the window. */
typedef struct cli_wave_opts {
    const char *input, *probe, *output, *unit;
    int input_format, json, quiet;
    double rate, stride;
} cli_wave_opts;
/* Runs embed (probe NULL) or hr; returns the exit code. */
struct wfm_model;
int cli_waveform(const cli_wave_opts *o, struct wfm_model *m);

/* wearfm slots ...: argv[0] is "slots" (cli/slots.c). */
int cli_slots(int argc, char **argv);

#endif
