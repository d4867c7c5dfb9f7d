/* Why a path cannot be opened under WASI: the program sees only the
 * directories its host preopened, so an absolute path or one that climbs out
 * with ".." fails with a bare "cannot open" unless we say so. Native builds
 * add nothing. */
#include "cli.h"
#include <string.h>

#ifdef __wasi__
#include <limits.h>
#include <wasi/libc-find-relpath.h>

/* The host's view: no preopen holds path, or only the catch-all "." preopen
 * (wasmtime --dir ., node's {'.': cwd}) does, which reads "/abs/x.csv" as
 * "./abs/x.csv". */
static int outside_preopens(const char *path) {
    char buf[PATH_MAX];
    char *rel = buf;
    const char *prefix = NULL;
    if (__wasilibc_find_relpath(path, &prefix, &rel, sizeof buf) < 0) return 1;
    if (path[0] == '/' && (!prefix || !*prefix || !strcmp(prefix, "."))) return 1;
    return !strcmp(rel, "..") || !strncmp(rel, "../", 3);
}
#endif

const char *cli_path_note(const char *path) {
#ifdef __wasi__
    if (path && strcmp(path, "-") && outside_preopens(path))
        return ": WASI programs see only the directories the host preopened (wasmtime --dir, node's preopens); "
               "pass a path inside one";
#else
    (void)path;
#endif
    return "";
}
