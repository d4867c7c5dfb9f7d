/* The C core's tensor table of a config, for tests/test_tensor_table.py,
 * which checks the Python table (tools/tensor_table.py) against it:
 *
 *   tensor_table_dump CONFIG.json
 *
 * prints one line per tensor, in the loader's order: name, shape (dims
 * joined by 'x') and role, tab-separated. A config the parser refuses is
 * exit 2 with its message. */
#include <stdio.h>
#include <stdlib.h>
#include "model/config.h"
#include "platform/error.h"

static const char *role_name(wfm_tensor_role r) {
    switch (r) {
    case WFM_ROLE_WEIGHT: return "weight";
    case WFM_ROLE_BIAS: return "bias";
    case WFM_ROLE_NORM_WEIGHT: return "norm_weight";
    case WFM_ROLE_NORM_BIAS: return "norm_bias";
    case WFM_ROLE_VECTOR: return "vector";
    case WFM_ROLE_ANCHOR_WEIGHT: return "anchor_weight";
    }
    return "?";
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: tensor_table_dump CONFIG.json\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        fprintf(stderr, "tensor_table_dump: cannot open %s\n", argv[1]);
        return 2;
    }
    static char json[1 << 20];
    size_t len = fread(json, 1, sizeof json, f);
    fclose(f);
    if (len == sizeof json) {
        fprintf(stderr, "tensor_table_dump: %s is larger than 1 MiB\n", argv[1]);
        return 2;
    }
    wfm_config c;
    wfm_error e = {0};
    if (wfm_config_parse(json, len, &c, &e)) {
        fprintf(stderr, "tensor_table_dump: %s\n", e.message);
        return 2;
    }
    size_t n = wfm_config_tensor_count(&c);
    wfm_tensor_spec *specs = malloc(n * sizeof *specs);
    if (!specs || wfm_config_expected_tensors(&c, specs, n, &n, &e)) {
        fprintf(stderr, "tensor_table_dump: %s\n", specs ? e.message : "out of memory");
        return 2;
    }
    for (size_t i = 0; i < n; i++) {
        printf("%s\t", specs[i].name);
        for (int d = 0; d < specs[i].ndim; d++) printf("%s%llu", d ? "x" : "", (unsigned long long)specs[i].shape[d]);
        printf("\t%s\n", role_name(specs[i].role));
    }
    free(specs);
    return 0;
}
