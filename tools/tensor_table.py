"""The tensor table of each architecture: the name, shape and role of every
tensor a model file holds, in the order the C loader reads them.

This is the C core's table (src/model/config.c: minute_tensors and
wfm_spec_stack; src/waveform/waveform_config.c: wfm_waveform_tensors) for
the Python side, which cannot link the core: `make test` checks that the two
agree for every family and option (tests/test_tensor_table.py, against
build/native/tensor_table_dump). The Python writers check what they write
against it (wearfm_ref.save_model, waveform_ref.save_waveform), and the fuzz
seeds are made from it (tools/make_fuzz_seed.py). Plain Python (no numpy or
torch), so the seed maker runs anywhere.

Configs are the dicts stored in a model file (docs/model-format.md); only
the keys that decide the tensors are read, with the C parser's defaults.
"""

PROFILE_TERMS = 3  # anchor.profile_weight columns (src/model/config.h WFM_PROFILE_TERMS)

# One pre-LN transformer block: name, role, rows, columns. Rows and columns
# are "d" (the stack's width), "3d" or "m" (its MLP width); 1-D tensors have
# no columns. The order is the loader's.
BLOCK = (
    ("norm1.weight", "norm_weight", "d", None),
    ("norm1.bias", "norm_bias", "d", None),
    ("attn.qkv.weight", "weight", "3d", "d"),
    ("attn.qkv.bias", "bias", "3d", None),
    ("attn.proj.weight", "weight", "d", "d"),
    ("attn.proj.bias", "bias", "d", None),
    ("norm2.weight", "norm_weight", "d", None),
    ("norm2.bias", "norm_bias", "d", None),
    ("mlp.fc1.weight", "weight", "m", "d"),
    ("mlp.fc1.bias", "bias", "m", None),
    ("mlp.fc2.weight", "weight", "d", "m"),
    ("mlp.fc2.bias", "bias", "d", None),
)


def _linear(prefix, out, inp):
    return [(prefix + ".weight", (out, inp), "weight"), (prefix + ".bias", (out,), "bias")]


def _stack(prefix, block):
    d, m = block["dim"], block["mlp_dim"]
    size = {"d": d, "3d": 3 * d, "m": m}
    out = []
    for i in range(block["layers"]):
        for name, role, rows, cols in BLOCK:
            shape = (size[rows],) if cols is None else (size[rows], size[cols])
            out.append((f"{prefix}.layers.{i}.{name}", shape, role))
    out += [(prefix + ".norm.weight", (d,), "norm_weight"), (prefix + ".norm.bias", (d,), "norm_bias")]
    return out


def head_width(cfg):
    """Values per minute from the decoder head: 1, or the most levels of a
    category channel (its logits)."""
    return max([1] + [len(c["levels"]) for c in cfg["channels"] if c.get("kind") == "category"])


def minute_tensors(cfg):
    """The lsm2_mae table (docs/model-format.md, "Tensors")."""
    P, De = cfg["patch_minutes"], cfg["encoder"]["dim"]
    out = _linear("patch_embed", De, P) + _stack("encoder", cfg["encoder"])
    dec = cfg.get("decoder")
    if dec:
        Dd = dec["dim"]
        out += _linear("decoder.embed", Dd, De)
        out.append(("decoder.mask_token", (Dd,), "vector"))
        out += _stack("decoder", dec)
        out += _linear("decoder.head", P * head_width(cfg), Dd)
        if cfg.get("fill", "direct") == "anchored":
            out += _linear("decoder.anchor_embed", Dd, 2 * P)
    if cfg.get("anchor", "linear") == "cross_channel":
        C = len(cfg["channels"])
        out.append(("anchor.weight", (C, C * (1 + len(cfg.get("anchor_rolling", [])))), "anchor_weight"))
        out.append(("anchor.bias", (C,), "vector"))
        if cfg.get("anchor_profile"):
            out.append(("anchor.profile_weight", (C, PROFILE_TERMS), "vector"))
    return out


def waveform_tensors(cfg):
    """The waveform_encoder table (docs/model-format.md, "Waveform encoders")."""
    D = cfg["encoder"]["dim"]
    out = _linear("patch_embed", D, len(cfg["channels"]) * cfg["patch_samples"]) + _stack("encoder", cfg["encoder"])
    if cfg.get("projection"):
        out += _linear("proj", cfg["projection"]["dim"], D)
    return out


def expected_tensors(cfg):
    """[(name, shape tuple, role)] of a config dict, in the loader's order."""
    arch = cfg.get("architecture")
    if arch == "lsm2_mae":
        return minute_tensors(cfg)
    if arch == "waveform_encoder":
        return waveform_tensors(cfg)
    raise ValueError(f"unknown architecture {arch!r}")


def check_tensors(cfg, shapes):
    """Raises ValueError unless `shapes` (name -> shape) holds exactly the
    table's tensors with their shapes: what the C loader will accept."""
    want = {name: shape for name, shape, _ in expected_tensors(cfg)}
    for name, shape in want.items():
        if name not in shapes:
            raise ValueError(f"missing tensor {name!r} (required by the config)")
        if tuple(int(s) for s in shapes[name]) != shape:
            raise ValueError(f"tensor {name!r}: shape {list(shapes[name])} does not match the config "
                             f"(expected {list(shape)})")
    extra = sorted(set(shapes) - set(want))
    if extra:
        raise ValueError(f"unexpected tensor {extra[0]!r} (not part of this config)")
