/* safetensors header parsing and validation, and F16/BF16 conversion.
 * See docs/model-format.md ("File"). Nothing here touches tensor data except
 * the converters; offsets are validated so the loader can trust them. */
#ifndef WFM_SAFETENSORS_H
#define WFM_SAFETENSORS_H
#include <stddef.h>
#include <stdint.h>
#include "wearfm.h"

#define WFM_ST_MAX_DIMS 4
#define WFM_ST_MAX_NAME 255                    /* bytes, excluding the NUL */
#define WFM_ST_MIN_HEADER 2                    /* "{}" */
#define WFM_ST_MAX_HEADER (100u * 1024 * 1024) /* 100 MiB, as the reference */

typedef enum wfm_dtype { WFM_DTYPE_F32 = 0, WFM_DTYPE_F16 = 1, WFM_DTYPE_BF16 = 2 } wfm_dtype;

/* 4, 2, 2 */
size_t wfm_dtype_size(wfm_dtype dtype);
/* "F32", "F16", "BF16" */
const char *wfm_dtype_name(wfm_dtype dtype);

typedef struct wfm_st_tensor {
    const char *name;              /* NUL-terminated, no embedded NUL, 1..255 bytes */
    wfm_dtype dtype;
    int ndim;                      /* 0..4; 0 is a scalar */
    uint64_t shape[WFM_ST_MAX_DIMS]; /* unused dims are 0 */
    uint64_t numel;                /* product of shape (1 for a scalar) */
    uint64_t begin, end;           /* byte range in the data buffer: end - begin = numel * size */
} wfm_st_tensor;

typedef struct wfm_st_file {
    size_t n_tensors;
    wfm_st_tensor *tensors;        /* in header order */
    size_t n_metadata;
    const char **meta_keys;        /* __metadata__, in header order */
    const char **meta_values;
    uint64_t header_len;           /* set by wfm_st_parse_buffer */
    uint64_t data_offset;          /* 8 + header_len: file offset of the data buffer */
    uint64_t data_size;            /* bytes of tensor data (all of it is covered) */
    /* private */
    const wfm_st_tensor **by_name; /* tensors sorted by name */
    char *strings;                 /* storage for names and metadata */
} wfm_st_file;

/* Reads the header length L from the first 8 bytes (little-endian) and checks
 * WFM_ST_MIN_HEADER <= L <= WFM_ST_MAX_HEADER and 8 + L <= file_size.
 * first8 is only read when file_size >= 8. Errors are WFM_ERR_FORMAT. */
wfm_status wfm_st_header_length(const uint8_t first8[8], uint64_t file_size,
                                uint64_t *header_len, wfm_error *err);

/* Parses and validates the header JSON json[0..len); data_size is the length
 * of the data buffer (file_size - 8 - L). On success *out owns everything
 * (wfm_st_free); on failure *out is zeroed. Errors: WFM_ERR_FORMAT,
 * WFM_ERR_NO_MEMORY. */
wfm_status wfm_st_parse_header(const char *json, size_t len, uint64_t data_size,
                               wfm_st_file *out, wfm_error *err);

/* Both of the above on a whole file in memory; fills header_len, data_offset
 * and data_size, so tensor t's bytes are buf + data_offset + t->begin. */
wfm_status wfm_st_parse_buffer(const void *buf, size_t size, wfm_st_file *out, wfm_error *err);

void wfm_st_free(wfm_st_file *file);

/* Tensor by name (O(log n)), or NULL. */
const wfm_st_tensor *wfm_st_find(const wfm_st_file *file, const char *name);
/* __metadata__ value by key, or NULL. */
const char *wfm_st_metadata(const wfm_st_file *file, const char *key);

/* Decodes count little-endian elements of dtype (any alignment of src) to
 * f32, exactly, on any host. */
void wfm_st_to_f32(wfm_dtype dtype, const void *src, size_t count, float *dst);

/* Exact widening (subnormals, +-0, inf and NaN payloads preserved). */
float wfm_f16_to_f32(uint16_t h);
float wfm_bf16_to_f32(uint16_t b);
/* Round to nearest even; overflow gives inf; NaN stays a (quiet) NaN. */
uint16_t wfm_f32_to_f16(float f);
uint16_t wfm_f32_to_bf16(float f);

#endif
