/* Shared by the CLI's sources (wearfm.c: model commands; import.c: importers). */
#ifndef WFM_CLI_H
#define WFM_CLI_H
#include <stddef.h>

enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_USAGE = 2, EXIT_MODEL = 3, EXIT_INPUT = 4, EXIT_NO_DATA = 5 };

/* The whole file (or stdin for "-"); NULL if it cannot be read. */
char *cli_read_all(const char *path, size_t *len);

/* ": it is a directory" when path is one, else "": for messages, since
 * fopen of a directory succeeds on Linux and only the reads fail. */
const char *cli_dir_note(const char *path);

/* wearfm import ...: argv[0] is "import". */
int cli_import(int argc, char **argv);

/* wearfm probe ...: argv[0] is "probe" (cli/probe.c). */
int cli_probe(int argc, char **argv);

#endif
