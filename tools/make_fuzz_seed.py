#!/usr/bin/env python3
"""Write tiny lsm2_mae model files (docs/model-format.md) as fuzzing seeds.

Plain python (struct + json), no numpy/torch, so it runs anywhere:

    python3 tools/make_fuzz_seed.py [out_dir]   # default: fuzz/corpus_safetensors

Valid seeds: T=20, P=10, C=2, encoder and decoder dim 8, 1 layer, 2 heads,
mlp 16, in F32, F16 and BF16, plus an encoder-only F32 model and one whose
decoder has no layers. Broken seeds
(each with one defect) give the fuzzer a head start on the error paths.
"""
import argparse
import json
import os
import random
import struct

from tensor_table import expected_tensors

CONFIG = {
    "format_version": 1,
    "architecture": "lsm2_mae",
    "window_minutes": 20,
    "patch_minutes": 10,
    "norm_eps": 1e-6,
    "channels": [
        {"name": "heart_rate", "unit": "bpm", "mean": 72.0, "std": 12.0, "clip": [-5.0, 5.0]},
        {"name": "steps", "unit": "count", "mean": 10.0, "std": 25.0, "clip": [-3.0, 8.0]},
    ],
    "encoder": {"dim": 8, "layers": 1, "heads": 2, "mlp_dim": 16},
    "decoder": {"dim": 8, "layers": 1, "heads": 2, "mlp_dim": 16},
}


def tensor_shapes(cfg):
    """Name -> shape, from the tensor table (tools/tensor_table.py)."""
    return {name: list(shape) for name, shape, _ in expected_tensors(cfg)}


def encode(values, dtype):
    if dtype == "F32":
        return struct.pack(f"<{len(values)}f", *values)
    if dtype == "F16":
        return struct.pack(f"<{len(values)}e", *values)
    if dtype == "BF16":  # round to nearest even from the f32 bits
        out = bytearray()
        for (u,) in struct.iter_unpack("<I", struct.pack(f"<{len(values)}f", *values)):
            out += struct.pack("<H", ((u + 0x7FFF + ((u >> 16) & 1)) >> 16) & 0xFFFF)
        return bytes(out)
    raise ValueError(dtype)


def numel(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def model_file(cfg, dtype, seed=0):
    """(header dict, data bytes) for cfg with small random weights."""
    rng = random.Random(seed)
    size = {"F32": 4, "F16": 2, "BF16": 2}[dtype]
    header, data = {}, bytearray()
    for name, shape in sorted(tensor_shapes(cfg).items()):
        if name.endswith("norm1.weight") or name.endswith("norm2.weight") or name.endswith("norm.weight"):
            vals = [1.0] * numel(shape)
        else:
            vals = [rng.uniform(-0.5, 0.5) for _ in range(numel(shape))]
        b = encode(vals, dtype)
        assert len(b) == numel(shape) * size
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(b)]}
        data += b
    header["__metadata__"] = {"wearfm.config": json.dumps(cfg, separators=(",", ":"))}
    return header, bytes(data)


def serialize(header, data):
    hb = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hb += b" " * (-len(hb) % 8)  # padded like the reference implementation
    return struct.pack("<Q", len(hb)) + hb + data


def main():
    ap = argparse.ArgumentParser(description="Write the safetensors fuzz seeds (valid models and malformed ones).")
    ap.add_argument("out_dir", nargs="?", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "fuzz", "corpus_safetensors"))
    out_dir = ap.parse_args().out_dir
    os.makedirs(out_dir, exist_ok=True)
    files = {}
    for dt in ("F32", "F16", "BF16"):
        files[f"tiny_{dt.lower()}.safetensors"] = serialize(*model_file(CONFIG, dt))
    enc_only = {k: v for k, v in CONFIG.items() if k != "decoder"}
    files["tiny_encoder_only_f32.safetensors"] = serialize(*model_file(enc_only, "F32"))
    no_dec_layers = json.loads(json.dumps(CONFIG))
    no_dec_layers["decoder"]["layers"] = 0
    files["tiny_decoder_0_layers_f16.safetensors"] = serialize(*model_file(no_dec_layers, "F16"))

    # Broken seeds, one defect each.
    h, d = model_file(CONFIG, "F16")
    files["bad_truncated.safetensors"] = serialize(h, d)[:-3]
    h, d = model_file(CONFIG, "F32")
    h["patch_embed.bias"]["data_offsets"][1] -= 4
    files["bad_offsets.safetensors"] = serialize(h, d)
    bad = json.loads(json.dumps(CONFIG))
    bad["channels"][1]["std"] = 0.0
    h, d = model_file(bad, "F32")
    files["bad_config_std.safetensors"] = serialize(h, d)
    h, d = model_file(CONFIG, "F32")
    h["decoder.mask_token"]["dtype"] = "I64"
    files["bad_dtype.safetensors"] = serialize(h, d)
    files["bad_header_json.safetensors"] = struct.pack("<Q", 12) + b'{"a":[1,2,]}'

    for name, blob in sorted(files.items()):
        with open(os.path.join(out_dir, name), "wb") as f:
            f.write(blob)
        print(f"{name}: {len(blob)} bytes")


if __name__ == "__main__":
    main()
