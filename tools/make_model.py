#!/usr/bin/env python3
"""Write a randomly initialised wearfm model (for tests, demos and benchmarks).

    python3 tools/make_model.py --config small|small_v2|paper|PATH.json --seed S \
        --dtype F32|F16|BF16 --out model.safetensors
"""
import argparse
import json
import os
import sys

import torch

from wearfm_ref import WearFM, config_from_dict, init_random, save_model


def _ch(name, unit, mean, std, lo, hi):
    return {"name": name, "unit": unit, "mean": mean, "std": std, "clip": [lo, hi]}


def small_config(window_minutes=180):
    """Tiny 3-channel model: fast enough for unit and parity tests."""
    return {
        "format_version": 1,
        "architecture": "lsm2_mae",
        "window_minutes": window_minutes,
        "patch_minutes": 10,
        "norm_eps": 1e-6,
        "channels": [
            _ch("heart_rate", "bpm", 70.0, 12.0, -5.0, 5.0),
            _ch("steps", "count", 10.0, 20.0, -3.0, 8.0),
            _ch("sleep", "state", 0.5, 0.5, -3.0, 3.0),
        ],
        "encoder": {"dim": 64, "layers": 2, "heads": 4, "mlp_dim": 128},
        "decoder": {"dim": 32, "layers": 1, "heads": 2, "mlp_dim": 64},
    }


def small_config_v2(window_minutes=180, naive=False, cross=False, edge_tau=None, profile=False,
                    absent_residual=True, hr_residual_others_missing=False, personal=None):
    """format_version 2 of the small model: a bounded continuous channel (the
    range is narrow so random weights exercise clipping), a count and a
    category, anchored fill; naive=True drops the inherited mask; cross=True
    uses the cross_channel anchor (profile=True: with the person's profile);
    edge_tau fades the residual at observations; absent_residual=False (with
    edge_tau) fills a channel without observations by its anchor alone;
    hr_residual_others_missing gives the first channel "residual":
    "others_missing"; personal = (lambda, windows) refits the anchor on the
    history (personal_lambda, personal_windows)."""
    cfg = small_config(window_minutes)
    cfg["format_version"] = 2
    cfg["fill"] = "anchored"
    cfg["inherited_mask"] = not naive
    if cross:
        cfg["anchor"] = "cross_channel"
        cfg["anchor_rolling"] = [5, 30]
        if profile:
            cfg.update(anchor_profile=True, profile_smooth=7, profile_tau=20)
            if personal:
                cfg.update(personal_lambda=personal[0], personal_windows=personal[1])
    if edge_tau:
        cfg["edge_tau"] = edge_tau
    if not absent_residual:
        cfg["absent_residual"] = False
    cfg["channels"][0].update(kind="continuous", range=[60.0, 80.0])
    cfg["channels"][1].update(kind="count", range=[0.0, 200.0])
    cfg["channels"][2].update(kind="category", levels=[0, 1])
    if hr_residual_others_missing:
        cfg["channels"][0]["residual"] = "others_missing"
    return cfg


# Paper-sized model: LSM-2 uses 26 minute-level signals. The names are
# placeholders; the unit/stats are plausible for the kind of signal noted.
_PAPER_CHANNELS = [
    ("bpm", 72.0, 12.0, -5.0, 5.0),      # heart rate
    ("ms", 45.0, 25.0, -3.0, 8.0),       # HRV RMSSD
    ("ms", 60.0, 25.0, -3.0, 8.0),       # HRV SDNN
    ("ms", 850.0, 150.0, -5.0, 5.0),     # RR interval median
    ("ms", 120.0, 60.0, -3.0, 8.0),      # RR interval IQR
    ("%", 15.0, 10.0, -3.0, 8.0),        # HRV pNN20
    ("count", 10.0, 20.0, -3.0, 8.0),    # steps
    ("g", 0.05, 0.08, -3.0, 10.0),       # accelerometer magnitude
    ("g/s", 0.3, 0.5, -3.0, 10.0),       # jerk
    ("log", -2.0, 1.5, -5.0, 5.0),       # accelerometer log energy
    ("ratio", 0.3, 0.3, -3.0, 5.0),      # covariance / zero-crossing rate
    ("count", 4.0, 6.0, -3.0, 8.0),      # zero crossings
    ("degC", 33.0, 1.5, -5.0, 5.0),      # skin temperature
    ("degC", 0.0, 0.3, -5.0, 5.0),       # skin temperature slope
    ("uS", 2.0, 3.0, -3.0, 8.0),         # skin conductance level
    ("uS", 0.2, 0.4, -3.0, 8.0),         # skin conductance slope
    ("count", 1.0, 2.0, -3.0, 8.0),      # skin conductance peaks
    ("m", 0.0, 2.0, -5.0, 5.0),          # altimeter delta
    ("hPa", 1013.0, 8.0, -5.0, 5.0),     # barometric pressure
    ("state", 0.3, 0.45, -3.0, 3.0),     # sleep coefficient
    ("state", 0.9, 0.3, -3.0, 3.0),      # on-wrist
    ("kcal", 1.2, 1.0, -3.0, 8.0),       # energy expenditure
    ("min", 0.1, 0.3, -3.0, 5.0),        # active zone minutes
    ("%", 96.0, 2.0, -5.0, 5.0),         # SpO2
    ("rpm", 15.0, 3.0, -5.0, 5.0),       # respiration rate
    ("lux", 200.0, 400.0, -3.0, 8.0),    # ambient light
]


def paper_config():
    """LSM-2 sized: 1440-minute windows, 26 channels, ViT-S-like encoder."""
    return {
        "format_version": 1,
        "architecture": "lsm2_mae",
        "window_minutes": 1440,
        "patch_minutes": 10,
        "norm_eps": 1e-6,
        "channels": [_ch(f"ch{i:02d}", *c) for i, c in enumerate(_PAPER_CHANNELS)],
        "encoder": {"dim": 384, "layers": 12, "heads": 6, "mlp_dim": 1536},
        "decoder": {"dim": 256, "layers": 4, "heads": 8, "mlp_dim": 1024},
    }


def get_config(name):
    if name == "small":
        return small_config()
    if name == "paper":
        return paper_config()
    if name == "small_v2":
        return small_config_v2()
    with open(name) as f:
        return json.load(f)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", default="small", help="small, paper, or a config JSON file")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--dtype", default="F32", choices=["F32", "F16", "BF16"])
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    cfg = config_from_dict(get_config(args.config))
    model = init_random(WearFM(cfg), args.seed)
    save_model(args.out, model, cfg, dtype=args.dtype)
    n = sum(p.numel() for p in model.parameters())
    print(f"wrote {args.out}: {n} parameters, {args.dtype}", file=sys.stderr)


if __name__ == "__main__":
    torch.set_num_threads(os.cpu_count() or 1)
    main()
