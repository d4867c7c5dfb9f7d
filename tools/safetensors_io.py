"""Minimal safetensors reader/writer in pure numpy (F32, F16, BF16).

No dependency on the `safetensors` package: the format is small enough to
write by hand, and owning it lets us produce exactly what the C loader
expects (see docs/model-format.md). numpy has no bfloat16, so BF16 goes
through uint16 bit patterns.
"""
import json
import struct

import numpy as np

DTYPE_SIZES = {"F32": 4, "F16": 2, "BF16": 2}
MAX_HEADER = 100 * 1024 * 1024


def f32_to_bf16_bits(a):
    """float32 array -> uint16 BF16 bits, round to nearest even; NaN stays NaN."""
    u = np.ascontiguousarray(a, dtype=np.float32).view(np.uint32)
    # Adding 0x7FFF plus the lowest kept bit rounds half to even; uint32
    # arithmetic wraps, but only NaN/huge values could reach the top, and
    # values that round past the largest finite BF16 correctly become Inf.
    rounded = ((u + np.uint32(0x7FFF) + ((u >> np.uint32(16)) & np.uint32(1)))
               >> np.uint32(16)).astype(np.uint16)
    nan = np.isnan(a)
    if nan.any():
        # Truncate and force a quiet-NaN mantissa bit so NaN never becomes Inf.
        rounded[nan] = ((u[nan] >> np.uint32(16)) | np.uint32(0x0040)).astype(np.uint16)
    return rounded


def bf16_bits_to_f32(b):
    """uint16 BF16 bits -> float32 (exact)."""
    return (np.asarray(b, dtype=np.uint16).astype(np.uint32) << np.uint32(16)).view(np.float32)


def round_to_dtype(a, dtype):
    """float32 array rounded to `dtype` and widened back (what a reader sees)."""
    a = np.asarray(a, dtype=np.float32)
    if dtype == "F32":
        return a.copy()
    if dtype == "F16":
        return a.astype(np.float16).astype(np.float32)
    if dtype == "BF16":
        return bf16_bits_to_f32(f32_to_bf16_bits(a))
    raise ValueError(f"unsupported dtype {dtype}")


def _to_numpy(t):
    if hasattr(t, "detach"):  # torch.Tensor without importing torch here
        t = t.detach().cpu().float().numpy()
    return np.asarray(t)


def _encode(a, dtype):
    a = np.asarray(a, dtype=np.float32)
    if dtype == "F32":
        return a.astype("<f4").tobytes()
    if dtype == "F16":
        return a.astype("<f2").tobytes()
    if dtype == "BF16":
        return f32_to_bf16_bits(a).astype("<u2").tobytes()
    raise ValueError(f"unsupported dtype {dtype}")


def write_safetensors(path, tensors, dtype="F32", metadata=None):
    """Write name -> array (numpy or torch) to `path`.

    dtype: "F32" | "F16" | "BF16" for all tensors, or a dict name -> dtype
    (missing names default to F32). metadata: dict str -> str.
    Tensors are laid out in sorted name order, contiguous, header padded with
    spaces to a multiple of 8 bytes (as the reference implementation does).
    """
    header = {}
    chunks = []
    offset = 0
    for name in sorted(tensors):
        a = _to_numpy(tensors[name])
        if a.ndim > 4:
            raise ValueError(f"{name}: more than 4 dims")
        dt = dtype.get(name, "F32") if isinstance(dtype, dict) else dtype
        if dt not in DTYPE_SIZES:
            raise ValueError(f"{name}: unsupported dtype {dt}")
        data = _encode(a, dt)
        header[name] = {"dtype": dt, "shape": [int(s) for s in a.shape],
                        "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    if metadata:
        for k, v in metadata.items():
            if not isinstance(k, str) or not isinstance(v, str):
                raise ValueError("__metadata__ must map str to str")
        header["__metadata__"] = dict(metadata)
    hb = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hb += b" " * (-len(hb) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hb)))
        f.write(hb)
        for c in chunks:
            f.write(c)


def read_header(path):
    """Return (header dict without __metadata__, metadata dict, data offset)."""
    with open(path, "rb") as f:
        raw = f.read(8)
        if len(raw) != 8:
            raise ValueError("file too short")
        (n,) = struct.unpack("<Q", raw)
        if n < 1 or n > MAX_HEADER:
            raise ValueError(f"bad header length {n}")
        hb = f.read(n)
        if len(hb) != n:
            raise ValueError("truncated header")
    header = json.loads(hb.decode("utf-8"))
    if not isinstance(header, dict):
        raise ValueError("header is not a JSON object")
    meta = header.pop("__metadata__", {}) or {}
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in meta.items()):
        raise ValueError("__metadata__ must map str to str")
    return header, meta, 8 + n


def read_safetensors(path, widen=True):
    """Read `path` -> (tensors, metadata).

    With widen=True every tensor is float32 (F16/BF16 widened exactly, as the C
    loader does). With widen=False F16 stays float16 and BF16 is returned as
    its uint16 bit pattern.
    """
    header, meta, start = read_header(path)
    with open(path, "rb") as f:
        f.seek(start)
        buf = f.read()
    spans = []
    tensors = {}
    for name, e in header.items():
        dt, shape, (b, end) = e["dtype"], e["shape"], e["data_offsets"]
        if dt not in DTYPE_SIZES:
            raise ValueError(f"{name}: unsupported dtype {dt}")
        if len(shape) > 4 or any((not isinstance(s, int)) or s < 0 for s in shape):
            raise ValueError(f"{name}: bad shape {shape}")
        if end - b != int(np.prod(shape, dtype=np.int64)) * DTYPE_SIZES[dt]:
            raise ValueError(f"{name}: size does not match shape")
        spans.append((b, end, name))
        raw = buf[b:end]
        if dt == "F32":
            a = np.frombuffer(raw, dtype="<f4").astype(np.float32)
        elif dt == "F16":
            a = np.frombuffer(raw, dtype="<f2")
            a = a.astype(np.float32) if widen else a.astype(np.float16)
        else:
            a = np.frombuffer(raw, dtype="<u2").astype(np.uint16)
            a = bf16_bits_to_f32(a) if widen else a
        tensors[name] = a.reshape(shape)
    # Offsets, sorted, must tile the data buffer exactly.
    pos = 0
    for b, end, name in sorted(spans):
        if b != pos:
            raise ValueError(f"{name}: offsets not contiguous")
        pos = end
    if pos != len(buf):
        raise ValueError("tensors do not cover the data buffer")
    return tensors, meta
