#!/usr/bin/env python3
"""A wearfm model's encoder as ONNX, in the two forms an onnxruntime user
would run it (issue 13), and the token files both forms read.

    /usr/bin/python3 tools/onnx_export.py export MODEL --out DIR
        DIR/encoder-masked.onnx   patches [1, N, P] float32, visible [1, N] bool
                                  -> embedding [1, D]. Fixed shape: every token
                                  runs, hidden ones are never attention keys.
        DIR/encoder-compact.onnx  patches [1, n, P] of the visible tokens only,
                                  positions [n] int64 (their token index
                                  c * NP + p) -> embedding [1, D]. n is dynamic.
    /usr/bin/python3 tools/onnx_export.py tokens MODEL CSV --out DIR
        the windows of a minute CSV (whole days from midnight, the importer's
        header) tokenised as the C core does it (wearfm_ref.tokens: standardise,
        anchor, patches; the typical day from the file itself, as the CLI's
        default), one set of token files per window, and DIR/tokens.json.
    /usr/bin/python3 tools/onnx_export.py day MODEL --missing PCT --seed S --out DIR
        one synthetic day for the benchmark (bench/vs_ort.py): DIR/day.f32 (the
        [T, C] minutes wfm_run takes, NaN missing; each patch missing with
        probability PCT/100, as in bench_model.c), the same day as a minute CSV
        DIR/day.csv (2016-04-12, for `wearfm embed`) and its tokens.

Token files of window w: w{w}.patches.f32 [N, P], w{w}.visible.u8 [N],
w{w}.compact.f32 [n, P] and w{w}.positions.i64 [n], little-endian.
tokens.json lists them with N, P, n and the window start.

Tokenisation stays outside the graphs: it is cheap, data-dependent, and the
same code for both engines. The graph is the part a benchmark should time.
"""
import argparse
import datetime
import json
import os

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
import userdays
from wearfm_ref import load_model, table_inputs, tokenize

OPSET = 17  # the newest opset Debian's torch 1.13 exports (toolchain facts)


class _EncoderGraph(nn.Module):
    """The model's patch embedding, positions and encoder, nothing else."""

    def __init__(self, m):
        super().__init__()
        self.patch_embed, self.encoder = m.patch_embed, m.encoder
        self.register_buffer("pos", m.enc_pos.clone())


class EncoderMasked(_EncoderGraph):
    """All N tokens; `visible` is the key mask and the pooling mask."""

    def forward(self, patches, visible):
        h = self.encoder(self.patch_embed(patches) + self.pos, key_mask=visible)
        w = visible[..., None].to(h.dtype)
        return (h * w).sum(1) / w.sum(1)


class EncoderCompact(_EncoderGraph):
    """Only the visible tokens, placed by their token index."""

    def forward(self, patches, positions):
        h = self.encoder(self.patch_embed(patches) + self.pos[positions][None])
        return h.mean(1)


def export(model_path, out_dir):
    m = load_model(model_path)
    cfg = m.cfg
    N = len(cfg["channels"]) * cfg["window_minutes"] // cfg["patch_minutes"]
    P = cfg["patch_minutes"]
    os.makedirs(out_dir, exist_ok=True)
    patches = torch.zeros(1, N, P)
    visible = torch.ones(1, N, dtype=torch.bool)
    paths = {"masked": os.path.join(out_dir, "encoder-masked.onnx"),
             "compact": os.path.join(out_dir, "encoder-compact.onnx")}
    with torch.no_grad():
        torch.onnx.export(EncoderMasked(m).eval(), (patches, visible), paths["masked"], opset_version=OPSET,
                          input_names=["patches", "visible"], output_names=["embedding"])
        n = max(N // 2, 1)
        torch.onnx.export(EncoderCompact(m).eval(), (patches[:, :n], torch.arange(n)), paths["compact"],
                          opset_version=OPSET, input_names=["patches", "positions"], output_names=["embedding"],
                          dynamic_axes={"patches": {1: "n"}, "positions": {0: "n"}})
    return paths


def window_tokens(m, x, first_minute=0):
    """x [W, T, C] (original units, NaN missing; consecutive windows, the
    first at epoch minute first_minute) -> (patches [W, N, P], visible
    [W, N]) as wearfm tokenises them; the typical day (profile_windows) and
    a personal_lambda model's refitted anchor (personal_params) come from
    the table itself, as `wearfm embed` makes them without --history."""
    xt = torch.from_numpy(x.astype(np.float32))
    with torch.no_grad():
        if m.cfg["format_version"] == 2:
            profile, params = table_inputs(m, x, first_minute)
            patches, visible, _, _ = m.tokens(xt, profile, params)
        else:
            patches, visible = tokenize(xt, m.cfg)
    return patches.numpy().astype("<f4"), visible.numpy()


def write_tokens(out_dir, patches, visible, starts):
    os.makedirs(out_dir, exist_ok=True)
    windows = []
    for w, (pt, vis) in enumerate(zip(patches, visible)):
        idx = np.flatnonzero(vis)
        files = {"patches": f"w{w}.patches.f32", "visible": f"w{w}.visible.u8",
                 "compact": f"w{w}.compact.f32", "positions": f"w{w}.positions.i64"}
        pt.tofile(os.path.join(out_dir, files["patches"]))
        vis.astype(np.uint8).tofile(os.path.join(out_dir, files["visible"]))
        pt[idx].tofile(os.path.join(out_dir, files["compact"]))
        idx.astype("<i8").tofile(os.path.join(out_dir, files["positions"]))
        windows.append({"start": starts[w], "n_visible": int(len(idx)), "files": files})
    N, P = patches.shape[1:]
    with open(os.path.join(out_dir, "tokens.json"), "w") as f:
        json.dump({"n_tokens": int(N), "patch_minutes": int(P), "windows": windows}, f, indent=1)


def bench_day(cfg, missing, seed):
    """bench_model.c's day: each patch missing with probability missing/100,
    observed minutes uniform in [50, 60)."""
    T, P, C = cfg["window_minutes"], cfg["patch_minutes"], len(cfg["channels"])
    rng = np.random.default_rng(seed)
    drop = rng.random((T // P, C)) < missing / 100.0
    x = (50.0 + 10.0 * rng.random((T, C))).astype(np.float32)
    x[np.repeat(drop, P, axis=0)] = np.nan
    return x


def write_day_csv(path, x, cfg, date="2016-04-12"):
    names = [ch["name"] for ch in cfg["channels"]]
    with open(path, "w") as f:
        f.write("timestamp," + ",".join(names) + "\n")
        for i, row in enumerate(x):
            cells = ",".join("" if np.isnan(v) else "%.9g" % v for v in row)
            f.write(f"{date}T{i // 60:02d}:{i % 60:02d},{cells}\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("export")
    e.add_argument("model")
    e.add_argument("--out", required=True)
    t = sub.add_parser("tokens")
    t.add_argument("model")
    t.add_argument("csv")
    t.add_argument("--out", required=True)
    d = sub.add_parser("day")
    d.add_argument("model")
    d.add_argument("--missing", type=float, required=True)
    d.add_argument("--seed", type=int, default=0)
    d.add_argument("--out", required=True)
    a = ap.parse_args()
    if a.cmd == "export":
        for form, path in export(a.model, a.out).items():
            print(f"{form}: {path}")
        return
    m = load_model(a.model)
    if a.cmd == "tokens":
        if m.cfg["window_minutes"] != userdays.DAY:
            raise SystemExit(f"{a.model}: 'tokens' reads whole days; this model's window is "
                             f"{m.cfg['window_minutes']} min")
        x, dates = userdays.read_user_csv(a.csv)
        starts = [f"{d}T00:00" for d in dates]
        day0 = datetime.date.fromisoformat(dates[0])
        if [(datetime.date.fromisoformat(d) - day0).days for d in dates] != list(range(len(dates))):
            raise SystemExit(f"{a.csv}: 'tokens' reads consecutive days")
        first = (day0 - datetime.date(1970, 1, 1)).days * userdays.DAY
    else:
        x = bench_day(m.cfg, a.missing, a.seed)[None]
        os.makedirs(a.out, exist_ok=True)
        x[0].astype("<f4").tofile(os.path.join(a.out, "day.f32"))
        write_day_csv(os.path.join(a.out, "day.csv"), x[0], m.cfg)
        starts = ["2016-04-12T00:00"]
        first = (datetime.date(2016, 4, 12) - datetime.date(1970, 1, 1)).days * userdays.DAY
    patches, visible = window_tokens(m, x, first)
    write_tokens(a.out, patches, visible, starts)
    print(f"{len(starts)} window(s), {int(visible.sum())} visible of {visible.size} tokens -> {a.out}")


if __name__ == "__main__":
    main()
