#!/usr/bin/env python3
"""One tensor table (issue 9): the Python table (tools/tensor_table.py) is
the C core's, for every family and option, and what the Python side writes
follows it.

    python3 tests/test_tensor_table.py --dump build/native/tensor_table_dump

For each config (minute models of format_version 1 and 2 with every option
that adds or reshapes a tensor, encoder-only, a decoder without layers, the
paper config, waveform encoders with and without a projection head, the
fuzz seeds' config and the shipped models' own configs):
  * the C table (tensor_table_dump) equals tensor_table.expected_tensors in
    names, shapes, roles and order;
  * the PyTorch module tree (wearfm_ref.WearFM / waveform_ref.WaveformEncoder)
    has exactly those tensors, so save_model / save_waveform write them;
and the writers refuse a state dict with a tensor missing, extra or of the
wrong shape, naming it.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tools"))
sys.path.insert(0, os.path.join(HERE, "parity"))
import torch  # noqa: E402

import make_fuzz_seed  # noqa: E402
import tensor_table  # noqa: E402
from make_model import paper_config, small_config, small_config_v2  # noqa: E402
from safetensors_io import read_header  # noqa: E402
from waveform_cases import wave_config  # noqa: E402
from waveform_ref import WaveformEncoder, save_waveform  # noqa: E402
from wearfm_ref import CONFIG_KEY, WearFM, save_model  # noqa: E402


def configs():
    def without(cfg, key):
        cfg = dict(cfg)
        del cfg[key]
        return cfg

    def zero_decoder_layers(cfg):
        cfg = json.loads(json.dumps(cfg))
        cfg["decoder"]["layers"] = 0
        return cfg

    out = {
        "v1 small": small_config(),
        "v1 encoder only": without(small_config(), "decoder"),
        "v1 decoder of 0 layers": zero_decoder_layers(small_config()),
        "v1 paper": paper_config(),
        "fuzz seed": make_fuzz_seed.CONFIG,
        "v2 direct, categories": small_config_v2(naive=True),
        "v2 anchored": small_config_v2(),
        "v2 cross anchor": small_config_v2(cross=True),
        "v2 cross anchor, profile": small_config_v2(1440, cross=True, edge_tau=30, profile=True),
        "v2 personal": small_config_v2(cross=True, edge_tau=8, profile=True, personal=(50.0, 2)),
        "waveform": wave_config(),
        "waveform with projection": wave_config(proj=16),
        "waveform ppg, 1 channel": wave_config("ppg", C=1, T=640, P=16, rate=64.0, norm="window_z"),
    }
    models = os.path.join(ROOT, "models")
    for f in sorted(os.listdir(models)):
        if f.endswith(".safetensors"):
            _, meta, _ = read_header(os.path.join(models, f))
            out["shipped " + f] = json.loads(meta[CONFIG_KEY])
    return out


def c_table(dump, cfg, work):
    path = os.path.join(work, "config.json")
    with open(path, "w") as f:
        json.dump(cfg, f)
    r = subprocess.run([dump, path], capture_output=True, text=True)
    if r.returncode:
        raise AssertionError(f"tensor_table_dump refused the config: {r.stderr.strip()}")
    rows = []
    for line in r.stdout.splitlines():
        name, shape, role = line.split("\t")
        rows.append((name, tuple(int(s) for s in shape.split("x")), role))
    return rows


def module(cfg):
    return WaveformEncoder(cfg) if cfg["architecture"] == "waveform_encoder" else WearFM(cfg)


def refused(save, model, path, edit, expect):
    """save() of model with its state dict edited must fail naming `expect`."""
    state = model.state_dict()
    edit(state)
    model.state_dict = lambda: state
    try:
        save(path, model)
    except ValueError as e:
        assert expect in str(e), f"message {e!r} does not name {expect!r}"
        assert not os.path.exists(path), "a refused model was written"
        return
    raise AssertionError(f"a state dict without {expect!r} was written")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dump", default=os.path.join(ROOT, "build/native/tensor_table_dump"))
    args = ap.parse_args()
    failures = 0
    with tempfile.TemporaryDirectory() as work:
        for name, cfg in configs().items():
            try:
                want = tensor_table.expected_tensors(cfg)
                got = c_table(args.dump, cfg, work)
                if got != want:
                    i = next(i for i in range(max(len(got), len(want)))
                             if i >= min(len(got), len(want)) or got[i] != want[i])
                    row = lambda t: t[i] if i < len(t) else "nothing"  # noqa: E731
                    raise AssertionError(f"row {i}: C has {row(got)}, Python {row(want)}")
                tree = {k: tuple(v.shape) for k, v in module(cfg).state_dict().items()}
                tensor_table.check_tensors(cfg, tree)
                print(f"ok   {name}: {len(want)} tensors, C = Python = the module tree")
            except AssertionError as e:
                failures += 1
                print(f"FAIL {name}: {e}")
            except ValueError as e:
                failures += 1
                print(f"FAIL {name}: the module tree does not follow the table: {e}")

        cases = [
            ("minute", small_config_v2(cross=True, profile=True), save_model),
            ("waveform", wave_config(proj=8), save_waveform),
        ]
        for fam, cfg, save in cases:
            edits = [
                ("missing", lambda s: s.pop("encoder.norm.bias"), "encoder.norm.bias"),
                ("extra", lambda s: s.__setitem__("encoder.layers.9.norm1.weight", torch.zeros(4)),
                 "encoder.layers.9.norm1.weight"),
                ("wrong shape", lambda s: s.__setitem__("patch_embed.bias", torch.zeros(3)), "patch_embed.bias"),
            ]
            for what, edit, expect in edits:
                path = os.path.join(work, f"{fam}-{what}.safetensors")
                try:
                    refused(save, module(cfg), path, edit, expect)
                    print(f"ok   the {fam} writer refuses a tensor {what}")
                except AssertionError as e:
                    failures += 1
                    print(f"FAIL the {fam} writer, tensor {what}: {e}")
    if failures:
        sys.exit(f"{failures} tensor-table check(s) failed")


if __name__ == "__main__":
    main()
