#!/usr/bin/env python3
"""Live parity test: the wearfm C CLI against the PyTorch reference.

    /usr/bin/python3 tests/parity/parity.py --wearfm build/native/wearfm \
        [--wearfm "node wasi/run.mjs build/wasi/wearfm.wasm" ...] [--paper] [--workdir DIR]
    /usr/bin/python3 tests/parity/parity.py --self-check     # torch only, no C needed

See tests/parity/README.md. Errors are max|a-b| / max|b| (b = reference).
"""
import argparse
import datetime as dt
import json
import math
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from make_model import paper_config, small_config, small_config_v2  # noqa: E402
from safetensors_io import read_safetensors, round_to_dtype, write_safetensors  # noqa: E402
from wearfm_ref import (WearFM, init_random, load_model, pos_2d_sincos, table_inputs,  # noqa: E402
                        save_model, tokenize)
import waveform_cases  # noqa: E402  (tests/parity: the waveform_encoder cases)

BOUND_TORCH = 1e-4   # C vs PyTorch (docs/model-format.md)
BOUND_BUILD = 1e-5   # between builds of the C core, and between mask modes
START = dt.datetime(2016, 4, 12)  # midnight: a window boundary for any T dividing 1440


# --------------------------------------------------------------------------
# Reporting

class Report:
    def __init__(self):
        self.passed = self.failed = 0

    def line(self, name, errs, bound, problems=()):
        """errs: dict label -> float or None (not applicable)."""
        ok = not problems and all(e is None or e <= bound for e in errs.values())
        cols = "  ".join(f"{k} {'-':>8}" if e is None else f"{k} {e:8.2e}" for k, e in errs.items())
        print(f"{name:<46} {cols}  {'PASS' if ok else 'FAIL'} (<= {bound:.0e})", flush=True)
        for p in problems:
            print(f"    ! {p}", flush=True)
        if ok:
            self.passed += 1
        else:
            self.failed += 1


def rel_err(a, b, where=None):
    """max|a-b| / max|b| over entries where b is finite (and `where`)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return math.inf
    sel = np.isfinite(b) if where is None else (np.isfinite(b) & where)
    if not sel.any():
        return 0.0
    d = np.abs(a[sel] - b[sel])
    if not np.all(np.isfinite(d)):
        return math.inf
    scale = np.abs(b[sel]).max()
    return float(d.max() / scale) if scale > 0 else float(d.max())


# --------------------------------------------------------------------------
# Inputs: realistic-ish signals and missingness patterns

def ar1(rng, n, rho):
    e = rng.standard_normal(n)
    out = np.empty(n)
    acc = 0.0
    for i in range(n):
        acc = rho * acc + e[i]
        out[i] = acc
    return out * math.sqrt(1 - rho * rho)


# The plausible ranges of the core's data rules (src/data/channel_rules.c) for the
# channel names the synthetic models use: the minute-CSV reader drops a value
# outside them, so the C side would see it missing and the reference not.
PLAUSIBLE = {"heart_rate": (25.0, 250.0), "steps": (0.0, 300.0)}


def synth_signal(ch, n, rng, t0=0):
    """One channel, n minutes, original units. Some values go past the clip
    range on purpose so clipping is exercised (within the plausible range)."""
    mean, std, unit = ch["mean"], ch["std"], ch.get("unit", "")
    t = np.arange(t0, t0 + n)
    if unit == "state":  # binary blocks, e.g. asleep/awake
        level = (ar1(rng, n, 0.995) + math.sin(rng.uniform(0, 6.3)) > 0).astype(np.float64)
        v = level * 1.0
    elif unit == "count":  # mostly zero, bursts of activity
        active = ar1(rng, n, 0.98) > 0.6
        v = np.where(active, rng.gamma(2.0, mean + 2 * std, n), 0.0).round()
    else:  # smooth daily rhythm + correlated noise + rare spikes
        v = mean + 0.6 * std * np.sin(2 * math.pi * t / 1440 + rng.uniform(0, 6.3))
        v = v + 0.5 * std * ar1(rng, n, 0.9)
        spikes = rng.random(n) < 0.01
        v[spikes] += rng.choice([-1, 1], spikes.sum()) * std * (ch["clip"][1] + 2)
    if ch["name"] in PLAUSIBLE:
        v = np.clip(v, *PLAUSIBLE[ch["name"]])
    return v.astype(np.float32)


def synth_input(cfg, n_windows, rng):
    T, C = cfg["window_minutes"], len(cfg["channels"])
    x = np.stack([synth_signal(ch, n_windows * T, rng) for ch in cfg["channels"]], axis=1)
    return x.reshape(n_windows, T, C)


def drop_tokens(x, cfg, rng, frac):
    """Remove whole patches at random (at least one token stays visible)."""
    B, T, C = x.shape
    P = cfg["patch_minutes"]
    NP = T // P
    for b in range(B):
        n_drop = min(int(round(frac * NP * C)), NP * C - 1)
        for n in rng.choice(NP * C, n_drop, replace=False):
            c, p = divmod(int(n), NP)
            x[b, p * P:(p + 1) * P, c] = np.nan
    return x


def drop_minutes(x, rng, frac):
    """Random missing minutes (inside patches that may stay visible)."""
    x[rng.random(x.shape) < frac] = np.nan
    return x


# --------------------------------------------------------------------------
# CSV writer (the CLI's input format)

def write_csv(path, x, cfg, ts_style="T", column_order=None, omit_empty_rows=False):
    """x [B, T, C]: B consecutive windows starting at START."""
    names = [ch["name"] for ch in cfg["channels"]]
    order = list(range(len(names))) if column_order is None else list(column_order)
    flat = x.reshape(-1, x.shape[-1])
    fmt = "%Y-%m-%dT%H:%M" if ts_style == "T" else "%Y-%m-%d %H:%M:%S"
    with open(path, "w") as f:
        f.write("timestamp," + ",".join(names[c] for c in order) + "\n")
        for i, row in enumerate(flat):
            if omit_empty_rows and np.isnan(row).all():
                continue  # minutes absent from the file are missing
            cells = ["" if np.isnan(row[c]) else "%.9g" % row[c] for c in order]
            f.write((START + dt.timedelta(minutes=i)).strftime(fmt) + "," + ",".join(cells) + "\n")


def read_csv(path, cfg, n_windows):
    """Independent reader, used only to self-check write_csv."""
    T = cfg["window_minutes"]
    names = [ch["name"] for ch in cfg["channels"]]
    x = np.full((n_windows * T, len(names)), np.nan, dtype=np.float32)
    with open(path) as f:
        header = f.readline().strip().split(",")
        cols = [names.index(h) for h in header[1:]]
        for line in f:
            parts = line.rstrip("\n").split(",")
            ts = dt.datetime.fromisoformat(parts[0].replace(" ", "T"))
            i = int((ts - START).total_seconds() // 60)
            for c, v in zip(cols, parts[1:]):
                if v != "":
                    x[i, c] = np.float32(float(v))
    return x.reshape(n_windows, T, len(names))


# --------------------------------------------------------------------------
# Reference

def reference(model_path, x, ref_dtype, start=None):
    """Reference outputs from the model *file* (so F16/BF16 rounding is in).
    A model with anchor_profile gets the profile the CLI makes by default,
    from the input table itself, and a personal_lambda model its refitted
    anchor (wearfm_ref.table_inputs)."""
    m = load_model(model_path, ref_dtype)
    first = int(((start or START) - dt.datetime(1970, 1, 1)).total_seconds() // 60)
    profile, params = table_inputs(m, x, first)
    profile = None if profile is None else profile.to(ref_dtype)
    with torch.no_grad():
        o = m(torch.from_numpy(x).to(ref_dtype), profile=profile, anchor_params=params)
    out = {k: (None if v is None else v.double().numpy())
           for k, v in o.items() if k in ("embedding", "reconstruction", "imputed", "token_embeddings")}
    out["visible"] = o["visible"].numpy()
    out["n_visible"] = out["visible"].sum(1)
    return out


# --------------------------------------------------------------------------
# Running the C CLI

class CliError(Exception):
    pass


def run_cli(cmd, args, out_path, timeout):
    """Run CMD ARGS -o OUT_PATH and parse OUT_PATH. Output goes to a file, not
    a pipe: node's WASI silently drops output written to a full pipe."""
    if os.path.exists(out_path):
        os.remove(out_path)  # never read a previous run's output
    argv = shlex.split(cmd) + args + ["-o", out_path]
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise CliError(f"timeout after {timeout}s: {' '.join(argv)}")
    except OSError as e:
        raise CliError(f"cannot run {argv[0]}: {e}")
    if p.returncode != 0:
        tail = (p.stderr or p.stdout).strip().splitlines()[-3:]
        raise CliError(f"exit {p.returncode}: {' '.join(argv)}: {' | '.join(tail)}")
    try:
        with open(out_path) as f:
            return json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        raise CliError(f"bad output from {' '.join(argv)}: {e}")


def arr(v):
    """JSON lists with null -> float64 array with NaN."""
    return np.array(v, dtype=np.float64)


def c_outputs(cmd, model, csv, cfg, mode, has_decoder, out_prefix, timeout):
    """Run embed / tokens / impute / impute --raw; return the parsed arrays."""
    extra = [] if mode == "compact" else ["--mask-mode", mode]
    names = [ch["name"] for ch in cfg["channels"]]
    res = {}

    emb = run_cli(cmd, ["embed", model, csv, "--format", "json"] + extra, out_prefix + ".embed.json", timeout)
    ws = emb["windows"]
    res["starts"] = [w["start"] for w in ws]
    res["embedding"] = arr([w["embedding"] for w in ws])
    res["n_visible"] = np.array([w["visible_tokens"] for w in ws])
    res["total_tokens"] = np.array([w["total_tokens"] for w in ws])

    tok = run_cli(cmd, ["tokens", model, csv, "--format", "json"] + extra, out_prefix + ".tokens.json", timeout)
    res["visible"] = np.array([w["visible"] for w in tok["windows"]], dtype=bool)
    res["token_embeddings"] = np.stack([
        np.stack([np.full(len(ws[0]["embedding"]), np.nan) if t is None else arr(t) for t in w["tokens"]])
        for w in tok["windows"]])

    if has_decoder:
        for raw in (False, True):
            imp = run_cli(cmd, ["impute", model, csv, "--format", "json"] + (["--raw"] if raw else []) + extra,
                          out_prefix + (".raw.json" if raw else ".impute.json"), timeout)
            vals, filled = [], []
            for w in imp["windows"]:
                col = [w["channels"].index(n) for n in names]  # any column order
                vals.append(arr(w["values"])[:, col])
                filled.append(np.array(w["filled"], dtype=bool)[:, col])
            res["reconstruction" if raw else "imputed"] = np.stack(vals)
            if not raw:
                res["filled"] = np.stack(filled)
    return res


def check_structure(c, ref, x, cfg, start=None):
    """Shapes, window starts, visibility: everything that is not a float."""
    problems = []
    B, T, C = x.shape
    N = T // cfg["patch_minutes"] * C
    start = start or START
    starts = [(start + dt.timedelta(minutes=b * T)).strftime("%Y-%m-%dT%H:%M") for b in range(B)]
    if [s[:16] for s in c["starts"]] != starts:
        problems.append(f"window starts {c['starts']} != {starts}")
        return problems
    if not np.array_equal(c["total_tokens"], np.full(B, N)):
        problems.append(f"total_tokens {c['total_tokens'].tolist()} != {N}")
    if not np.array_equal(c["n_visible"], ref["n_visible"]):
        problems.append(f"visible_tokens {c['n_visible'].tolist()} != {ref['n_visible'].tolist()}")
    if c["visible"].shape != ref["visible"].shape or not np.array_equal(c["visible"], ref["visible"]):
        problems.append("token visibility differs from the reference")
    elif not np.array_equal(np.isnan(c["token_embeddings"]).all(-1), ~ref["visible"]):
        problems.append("null tokens do not match masked tokens")
    if "filled" in c and not np.array_equal(c["filled"], np.isnan(x)):
        problems.append("'filled' flags differ from the missing minutes")
    return problems


def compare(a, b, ref_vis):
    """Per-output errors of run a against b (b: reference or first build)."""
    errs = {"emb": rel_err(a["embedding"], b["embedding"])}
    for key, label in (("reconstruction", "rec"), ("imputed", "imp")):
        errs[label] = None if b.get(key) is None else (rel_err(a[key], b[key]) if key in a else math.inf)
    errs["tok"] = rel_err(a["token_embeddings"], b["token_embeddings"], where=ref_vis[..., None])
    return errs


# --------------------------------------------------------------------------
# Cases

def case_list(paper, model_file=None, input_csv=None):
    def small(T=180):
        return lambda: small_config(T)

    def encoder_only():
        cfg = small_config()
        del cfg["decoder"]
        return cfg

    def gap(x, cfg, rng):
        x[:, 10 * 60:18 * 60, :] = np.nan  # 8 h, all channels, rows left out of the CSV
        return drop_minutes(x, rng, 0.05)

    def no_sleep(x, cfg, rng):  # a whole channel never observed
        drop_tokens(x, cfg, rng, 0.1)
        x[:, :, 2] = np.nan
        return x

    def no_first_channel(x, cfg, rng):  # a value channel never observed: its cross anchor is r alone
        x = gap(x, cfg, rng)
        x[:, :, 0] = np.nan
        return x

    def multi(x, cfg, rng):  # different visible counts per window: exercises padding
        drop_tokens(x[0:1], cfg, rng, 0.1)
        drop_tokens(x[1:2], cfg, rng, 0.7)
        x[2, :, 0] = np.nan
        return drop_minutes(x, rng, 0.1)

    cases = [
        dict(name="missing0", cfg=small(), missing=lambda x, c, r: x),
        dict(name="missing50", cfg=small(), missing=lambda x, c, r: drop_tokens(x, c, r, 0.5),
             modes=("compact", "attention")),
        dict(name="missing90", cfg=small(), missing=lambda x, c, r: drop_tokens(x, c, r, 0.9),
             modes=("compact", "attention")),
        # Odd CSV on purpose: shuffled columns, "YYYY-MM-DD HH:MM:SS" timestamps.
        dict(name="partial_patches", cfg=small(), ts="space", shuffle=True,
             missing=lambda x, c, r: drop_minutes(drop_tokens(x, c, r, 0.2), r, 0.3),
             modes=("compact", "attention")),
        dict(name="channel_missing", cfg=small(), missing=no_sleep),
        dict(name="gap8h_T1440", cfg=small(1440), missing=gap, omit_rows=True,
             modes=("compact", "attention")),
        dict(name="weights_f16", cfg=small(), dtype="F16",
             missing=lambda x, c, r: drop_minutes(drop_tokens(x, c, r, 0.3), r, 0.1)),
        dict(name="weights_bf16", cfg=small(), dtype="BF16",
             missing=lambda x, c, r: drop_minutes(drop_tokens(x, c, r, 0.3), r, 0.1)),
        dict(name="multi_window", cfg=small(), windows=3, missing=multi, modes=("compact", "attention")),
        # format_version 2: kinds, ranges, levels, anchored fill; partial patches and gaps off the patch grid.
        dict(name="v2_anchored", cfg=lambda: small_config_v2(), windows=2,
             missing=lambda x, c, r: drop_minutes(drop_tokens(x, c, r, 0.3), r, 0.2), modes=("compact", "attention")),
        dict(name="v2_anchored_gap8h_T1440", cfg=lambda: small_config_v2(1440), missing=gap),
        dict(name="v2_cross_anchor", cfg=lambda: small_config_v2(cross=True), windows=2,
             missing=lambda x, c, r: drop_minutes(drop_tokens(x, c, r, 0.3), r, 0.2), modes=("compact", "attention")),
        dict(name="v2_cross_edge_tau", cfg=lambda: small_config_v2(cross=True, edge_tau=4.5), windows=2,
             missing=lambda x, c, r: drop_minutes(drop_tokens(x, c, r, 0.3), r, 0.2), modes=("compact", "attention")),
        dict(name="v2_cross_anchor_no_channel_T1440", cfg=lambda: small_config_v2(1440, cross=True),
             missing=no_first_channel),
        dict(name="v2_profile_T1440", cfg=lambda: small_config_v2(1440, cross=True, edge_tau=30, profile=True),
             windows=3, missing=lambda x, c, r: drop_minutes(drop_tokens(x, c, r, 0.3), r, 0.2),
             modes=("compact", "attention")),
        dict(name="v2_profile_T180", cfg=lambda: small_config_v2(cross=True, profile=True), windows=4,
             missing=no_first_channel),
        dict(name="v2_cross_naive", cfg=lambda: small_config_v2(naive=True, cross=True, edge_tau=10),
             missing=lambda x, c, r: drop_minutes(drop_tokens(x, c, r, 0.3), r, 0.2)),
        dict(name="v2_naive", cfg=lambda: small_config_v2(naive=True),
             missing=lambda x, c, r: drop_minutes(drop_tokens(x, c, r, 0.3), r, 0.2)),
        dict(name="encoder_only", cfg=encoder_only,
             missing=lambda x, c, r: drop_minutes(drop_tokens(x, c, r, 0.4), r, 0.1)),
        # absent_residual false: window 2 has no value of channel 0, so its fill there is the anchor alone
        dict(name="v2_absent_anchor_only", cfg=lambda: small_config_v2(cross=True, edge_tau=8, profile=True,
                                                                       absent_residual=False),
             windows=3, missing=multi, modes=("compact", "attention")),
        # personal_lambda: the anchor refitted on the table's other windows (the 2 nearest of 5; all 3 of 3)
        dict(name="v2_personal_T180", cfg=lambda: small_config_v2(cross=True, edge_tau=8, profile=True,
                                                                  personal=(50.0, 2)),
             windows=5, missing=multi, modes=("compact", "attention")),
        dict(name="v2_personal_T1440", cfg=lambda: small_config_v2(1440, cross=True, edge_tau=30, profile=True,
                                                                   absent_residual=False, personal=(300.0, 56)),
             windows=3, missing=lambda x, c, r: drop_minutes(drop_tokens(x, c, r, 0.3), r, 0.2)),
        # heart rate's residual only where steps are missing too (gaps of one channel and of both)
        dict(name="v2_residual_others_missing", cfg=lambda: small_config_v2(
            cross=True, edge_tau=8, profile=True, absent_residual=False, hr_residual_others_missing=True),
             windows=3, missing=multi, modes=("compact", "attention")),
    ]
    if model_file:
        cases.append(dict(name="model:" + os.path.basename(model_file), model_file=model_file,
                          input_csv=input_csv, modes=("compact", "attention")))
    if paper:
        cases.append(dict(name="paper_day50", cfg=paper_config,
                          missing=lambda x, c, r: drop_minutes(drop_tokens(x, c, r, 0.5), r, 0.05)))
    for i, c in enumerate(cases):
        c.setdefault("seed", 1000 + i)
        c.setdefault("dtype", "F32")
        c.setdefault("windows", 1)
        c.setdefault("modes", ("compact",))
    return cases


def read_days_csv(path, cfg):
    """A real minute CSV of whole windows (model channel names, first row at a
    window start) -> (x [windows, T, C] with NaN, start datetime)."""
    T = cfg["window_minutes"]
    names = [ch["name"] for ch in cfg["channels"]]
    with open(path) as f:
        header = f.readline().strip().split(",")
        rows = [line.rstrip("\n").split(",") for line in f if line.strip()]
    cols = {h: i for i, h in enumerate(header)}
    start = dt.datetime.fromisoformat(rows[0][0].replace(" ", "T")[:16])
    n = (int((dt.datetime.fromisoformat(rows[-1][0].replace(" ", "T")[:16]) - start).total_seconds() // 60) // T + 1)
    x = np.full((n * T, len(names)), np.nan, dtype=np.float32)
    for r in rows:
        i = int((dt.datetime.fromisoformat(r[0].replace(" ", "T")[:16]) - start).total_seconds() // 60)
        for c, name in enumerate(names):
            v = r[cols[name]] if name in cols else ""
            if v not in ("", "NaN", "nan", "NA"):
                x[i, c] = np.float32(float(v))
    return x.reshape(n, T, len(names)), start


def prepare(case, workdir):
    """Model file, input window(s) with NaNs, CSV. Returns (cfg, model_path, x, csv_path)."""
    if "model_file" in case:  # a real model on a real recording, as given
        cfg = load_model(case["model_file"]).cfg
        x, case["start"] = read_days_csv(case["input_csv"], cfg)
        return cfg, case["model_file"], x, case["input_csv"]
    rng = np.random.default_rng(case["seed"])
    cfg = case["cfg"]()
    model = init_random(WearFM(cfg), case["seed"], ln_noise=0.3, bias_std=0.1)  # non-trivial LN
    model_path = os.path.join(workdir, f"{case['name']}.safetensors")
    save_model(model_path, model, cfg, dtype=case["dtype"])
    x = case["missing"](synth_input(cfg, case["windows"], rng), cfg, rng)
    csv_path = os.path.join(workdir, f"{case['name']}.csv")
    order = rng.permutation(len(cfg["channels"])) if case.get("shuffle") else None
    write_csv(csv_path, x, cfg, ts_style=case.get("ts", "T"), column_order=order,
              omit_empty_rows=case.get("omit_rows", False))
    return cfg, model_path, x, csv_path


def run_parity(args, report):
    os.makedirs(args.workdir, exist_ok=True)
    workdir = os.path.relpath(args.workdir)  # WASI runners see the cwd tree only
    cmds = args.wearfm
    multi = len(cmds) > 1
    for k, cmd in enumerate(cmds):
        print(f"cmd{k}: {cmd}")
    for case in case_list(args.paper, args.model_file, args.input_csv):
        if args.only and not re.search(args.only, case["name"]):
            continue
        cfg, model_path, x, csv_path = prepare(case, workdir)
        t0 = time.time()
        ref = reference(model_path, x, args.ref_dtype, case.get("start"))
        if args.verbose:
            print(f"  [{case['name']}: reference {time.time() - t0:.1f}s, "
                  f"{int(ref['n_visible'].sum())} visible tokens]", flush=True)
        runs = {}  # (k, mode) -> outputs
        for k, cmd in enumerate(cmds):
            for mode in case["modes"]:
                name = case["name"] + ("" if mode == "compact" else f" {mode}") + (f" [cmd{k}]" if multi else "")
                try:
                    out = c_outputs(cmd, model_path, csv_path, cfg, mode, cfg.get("decoder") is not None,
                                    os.path.join(workdir, f"{case['name']}.{mode}.cmd{k}"), args.timeout)
                except (CliError, KeyError, TypeError, ValueError, IndexError) as e:
                    report.line(name, {"emb": None, "rec": None, "imp": None, "tok": None}, BOUND_TORCH,
                                [f"{type(e).__name__}: {e}"])
                    continue
                problems = check_structure(out, ref, x, cfg, case.get("start"))
                if problems:
                    report.line(name, {"emb": None, "rec": None, "imp": None, "tok": None}, BOUND_TORCH, problems)
                    continue
                runs[(k, mode)] = out
                report.line(name, compare(out, ref, ref["visible"]), BOUND_TORCH)
        # The two mask modes of one build must agree closely.
        for k in range(len(cmds)):
            for mode in case["modes"][1:]:
                if (k, mode) in runs and (k, "compact") in runs:
                    report.line(f"{case['name']} {mode}~compact" + (f" [cmd{k}]" if multi else ""),
                                compare(runs[(k, mode)], runs[(k, "compact")], ref["visible"]), BOUND_BUILD)
        # Every build against the first one.
        for k in range(1, len(cmds)):
            for mode in case["modes"]:
                if (k, mode) in runs and (0, mode) in runs:
                    report.line(f"{case['name']}" + ("" if mode == "compact" else f" {mode}") + f" cmd{k}~cmd0",
                                compare(runs[(k, mode)], runs[(0, mode)], ref["visible"]), BOUND_BUILD)


# --------------------------------------------------------------------------
# Self-checks of the reference itself (no C needed)

def naive_forward(W, cfg, x):
    """Literal float64 transcription of docs/model-format.md for ONE window
    x [T, C]: explicit loops, real compaction. Independent of wearfm_ref's
    vectorised code paths, so a layout bug there shows up here."""
    T, P = cfg["window_minutes"], cfg["patch_minutes"]
    C, NP = len(cfg["channels"]), T // P
    eps = cfg.get("norm_eps", 1e-6)
    W = {k: v.astype(np.float64) for k, v in W.items()}

    def sincos(pos, d):
        om = [1.0 / 10000.0 ** (i / (d / 2.0)) for i in range(d // 2)]
        return [math.sin(pos * w) for w in om] + [math.cos(pos * w) for w in om]

    def pos2d(p, c, D):
        return np.float32(sincos(p, D // 2) + sincos(c, D // 2)).astype(np.float64)

    def ln(h, pre):
        mu = h.mean(-1, keepdims=True)
        var = ((h - mu) ** 2).mean(-1, keepdims=True)
        return (h - mu) / np.sqrt(var + eps) * W[pre + ".weight"] + W[pre + ".bias"]

    def lin(h, pre):
        return h @ W[pre + ".weight"].T + W[pre + ".bias"]

    erf = np.vectorize(math.erf)

    def block(h, pre, heads):
        n, D = h.shape
        hd = D // heads
        qkv = lin(ln(h, pre + ".norm1"), pre + ".attn.qkv")
        o = np.zeros((n, D))
        for hh in range(heads):
            q = qkv[:, hh * hd:(hh + 1) * hd]
            k = qkv[:, D + hh * hd:D + (hh + 1) * hd]
            v = qkv[:, 2 * D + hh * hd:2 * D + (hh + 1) * hd]
            s = q @ k.T / math.sqrt(hd)
            a = np.exp(s - s.max(-1, keepdims=True))
            o[:, hh * hd:(hh + 1) * hd] = (a / a.sum(-1, keepdims=True)) @ v
        h = h + lin(o, pre + ".attn.proj")
        u = lin(ln(h, pre + ".norm2"), pre + ".mlp.fc1")
        return h + lin(0.5 * u * (1 + erf(u / math.sqrt(2))), pre + ".mlp.fc2")

    stats = [np.float32([ch["mean"], ch["std"], ch["clip"][0], ch["clip"][1]]).astype(np.float64)
             for ch in cfg["channels"]]
    toks, vis, pos = [], [], []
    for c in range(C):
        mean, std, lo, hi = stats[c]
        for p in range(NP):
            seg = [(x[t, c] - mean) / std for t in range(p * P, (p + 1) * P)]
            seg = [v if math.isnan(v) else min(max(v, lo), hi) for v in seg]
            obs = [v for v in seg if not math.isnan(v)]
            fill = sum(obs) / len(obs) if obs else 0.0
            toks.append([fill if math.isnan(v) else v for v in seg])
            vis.append(bool(obs))
            pos.append((p, c))
    enc = cfg["encoder"]
    h = np.array([lin(np.array(toks[n]), "patch_embed") + pos2d(*pos[n], enc["dim"])
                  for n in range(len(toks)) if vis[n]])
    for i in range(enc["layers"]):
        h = block(h, f"encoder.layers.{i}", enc["heads"])
    h = ln(h, "encoder.norm")
    out = {"embedding": h.mean(0)}
    te = np.full((len(toks), enc["dim"]), np.nan)
    te[np.array(vis)] = h
    out["token_embeddings"] = te
    dec = cfg.get("decoder")
    if dec:
        d, j = [], 0
        for n in range(len(toks)):
            if vis[n]:
                d.append(lin(h[j], "decoder.embed"))
                j += 1
            else:
                d.append(W["decoder.mask_token"].copy())
            d[-1] = d[-1] + pos2d(*pos[n], dec["dim"])
        d = np.array(d)
        for i in range(dec["layers"]):
            d = block(d, f"decoder.layers.{i}", dec["heads"])
        zh = lin(ln(d, "decoder.norm"), "decoder.head")
        rec = np.zeros((T, C))
        for t in range(T):
            for c in range(C):
                rec[t, c] = zh[c * NP + t // P, t % P] * stats[c][1] + stats[c][0]
        out["reconstruction"] = rec
        out["imputed"] = np.where(np.isnan(x), rec, x)
    return out


def self_check(args, report):
    os.makedirs(args.workdir, exist_ok=True)
    wd = args.workdir
    rng = np.random.default_rng(7)

    # 1. safetensors: F16/BF16 rounding matches numpy/torch; file round-trips.
    a = np.concatenate([rng.standard_normal(1000) * 10.0 ** rng.integers(-8, 6, 1000),
                        [0.0, -0.0, 1.0, 65504.0, 1e-8, 3.3895e38, np.inf, -np.inf]]).astype(np.float32)
    a = np.concatenate([a, rng.integers(0, 2**32, 1000, dtype=np.uint32).view(np.float32)])  # any bits
    a = a[~np.isnan(a)]
    np.seterr(over="ignore")  # F16 overflow to Inf is expected here
    for dtype, expect in (("F32", a), ("F16", a.astype(np.float16).astype(np.float32)),
                          ("BF16", torch.from_numpy(a).to(torch.bfloat16).float().numpy())):
        p = os.path.join(wd, f"st_{dtype}.safetensors")
        write_safetensors(p, {"t": a.reshape(-1, 2), "b": np.arange(6, dtype=np.float32).reshape(1, 2, 3)},
                          dtype=dtype, metadata={"k": "v"})
        t, meta = read_safetensors(p)
        same = (np.array_equal(t["t"].reshape(-1).view(np.uint32), expect.view(np.uint32))
                and np.array_equal(round_to_dtype(a, dtype).view(np.uint32), expect.view(np.uint32))
                and t["b"].shape == (1, 2, 3) and meta == {"k": "v"})
        report.line(f"self: safetensors {dtype} bit-exact", {"err": 0.0 if same else math.inf}, 0.0)
    np.seterr(over="warn")

    # 2. Positions: table row n = c*NP + p.
    pe = pos_2d_sincos(8, 3, 2)
    ok = np.allclose(pe[4, :4], np.float32([math.sin(1), math.sin(0.01), math.cos(1), math.cos(0.01)])) \
        and np.allclose(pe[4, 4:], np.float32([math.sin(1), math.sin(0.01), math.cos(1), math.cos(0.01)])) \
        and np.allclose(pe[2, 4:], np.float32([0, 0, 1, 1]))
    report.line("self: pos_2d_sincos layout", {"err": 0.0 if ok else math.inf}, 0.0)

    # 3. tokenize: the fill rule on a hand-made window.
    cfg = small_config()
    x = np.full((1, 180, 3), np.nan, dtype=np.float32)
    x[0, 0:3, 0] = [70, 82, 1000]   # z = 0, 1, clipped to 5 -> fill (0+1+5)/3 = 2
    x[0, 10:20, 1] = 10 + 20 * np.arange(10)
    patches, vis = tokenize(torch.from_numpy(x).double(), cfg)
    ok = (torch.allclose(patches[0, 0], torch.tensor([0, 1, 5] + [2] * 7, dtype=torch.float64))
          and torch.allclose(patches[0, 18 + 1], torch.tensor([0, 1, 2, 3, 4, 5, 6, 7, 8, 8], dtype=torch.float64))
          and vis[0].sum().item() == 2 and bool(vis[0, 0]) and bool(vis[0, 19]) and patches[0, 1].abs().sum() == 0)
    report.line("self: tokenize fill/clip/order", {"err": 0.0 if ok else math.inf}, 0.0)

    # 4. Torch reference vs the literal transcription, per window.
    for case in case_list(False):
        if case["name"] not in ("missing50", "partial_patches", "multi_window", "encoder_only",
                                "channel_missing", "weights_bf16", "gap8h_T1440"):
            continue
        cfg, model_path, x, csv_path = prepare(case, wd)
        ref = reference(model_path, x, torch.float64)
        W, _ = read_safetensors(model_path)
        errs = {"emb": 0.0, "rec": None, "imp": None, "tok": 0.0}
        for b in range(x.shape[0]):
            nv = naive_forward(W, cfg, x[b].astype(np.float64))
            e = compare({k: v[None] for k, v in nv.items()}, {k: (None if v is None else v[b:b + 1])
                                                                for k, v in ref.items()}, ref["visible"][b:b + 1])
            errs = {k: (None if e[k] is None else max(errs[k] or 0.0, e[k])) for k in errs}
        report.line(f"self: torch~naive {case['name']}", errs, 1e-10)

        # CSV writer round trip (bit-exact float32 through '%.9g').
        xr = read_csv(csv_path, cfg, x.shape[0])
        same = np.array_equal(np.isnan(xr), np.isnan(x)) and np.array_equal(np.nan_to_num(xr), np.nan_to_num(x))
        report.line(f"self: csv round trip {case['name']}", {"err": 0.0 if same else math.inf}, 0.0)

    # 5. compact vs attention mode, f32 and f64, batched with different counts.
    case = [c for c in case_list(False) if c["name"] == "multi_window"][0]
    cfg, model_path, x, _ = prepare(case, wd)
    for dtype, bound in ((torch.float32, 1e-6), (torch.float64, 1e-12)):
        m = load_model(model_path, dtype)
        with torch.no_grad():
            xc = torch.from_numpy(x).to(dtype)
            a, b = m(xc), m(xc, mode="attention")
        e = compare({k: v.numpy() for k, v in a.items() if v is not None},
                    {k: (None if v is None else v.numpy()) for k, v in b.items()}, b["visible"].numpy())
        report.line(f"self: compact~attention {str(dtype)[6:]}", e, bound)

    # 6. An explicit (artificial) mask equals hiding those tokens' minutes.
    m = load_model(model_path, torch.float64)
    xt = torch.from_numpy(x).double()
    _, inherited = tokenize(xt, cfg)
    keep = inherited & torch.from_numpy(np.random.default_rng(3).random(inherited.shape) < 0.6)
    P, NP = cfg["patch_minutes"], cfg["window_minutes"] // cfg["patch_minutes"]
    hidden = xt.clone()
    for bb, n in (~keep & inherited).nonzero().tolist():
        c, p = divmod(n, NP)
        hidden[bb, p * P:(p + 1) * P, c] = float("nan")
    with torch.no_grad():
        a, b = m(xt, visible=keep), m(hidden)
    e = compare({k: v.numpy() for k, v in a.items() if v is not None and k != "imputed"},
                {k: (None if v is None or k == "imputed" else v.numpy()) for k, v in b.items()},
                b["visible"].numpy())
    report.line("self: explicit visible mask", e, 1e-12)

    # 7. save -> load -> forward is bit-exact for F32.
    m1 = init_random(WearFM(cfg), 5, ln_noise=0.3, bias_std=0.1)
    p = os.path.join(wd, "roundtrip.safetensors")
    save_model(p, m1, cfg)
    m2 = load_model(p)
    with torch.no_grad():
        o1, o2 = m1(torch.from_numpy(x)), m2(torch.from_numpy(x))
    same = all(torch.equal(torch.nan_to_num(o1[k]), torch.nan_to_num(o2[k]))
               for k in ("embedding", "reconstruction", "token_embeddings"))
    report.line("self: save/load/forward bit-exact", {"err": 0.0 if same else math.inf}, 0.0)

    # 8. The waveform reference against its literal transcription.
    waveform_cases.self_check(report, wd)


# --------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--wearfm", action="append", default=[],
                    help="CLI command prefix (shell-split); repeat to compare builds")
    ap.add_argument("--waveform", action="append", default=[],
                    help="waveform driver command prefix (parity_waveform, shell-split); repeat to compare builds")
    ap.add_argument("--paper", action="store_true", help="also run the paper-sized model (slow)")
    ap.add_argument("--workdir", default=None,
                    help="files for the CLI (default: a temp dir in ./build/parity, removed if all pass)")
    ap.add_argument("--self-check", action="store_true", help="check the reference itself (default without --wearfm)")
    ap.add_argument("--only", default=None, help="regex: run only matching cases")
    ap.add_argument("--model-file", default=None, help="also compare this model file ...")
    ap.add_argument("--input-csv", default=None, help="... on this real minute CSV of whole windows")
    ap.add_argument("--ref-dtype", default="float64", choices=["float32", "float64"])
    ap.add_argument("--timeout", type=float, default=900.0, help="seconds per CLI call")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    args.ref_dtype = getattr(torch, args.ref_dtype)
    auto_workdir = args.workdir is None
    if auto_workdir:
        os.makedirs(os.path.join("build", "parity"), exist_ok=True)
        args.workdir = tempfile.mkdtemp(dir=os.path.join("build", "parity"))
    torch.set_num_threads(os.cpu_count() or 1)

    report = Report()
    if args.self_check or not (args.wearfm or args.waveform):
        self_check(args, report)
    if args.wearfm:
        run_parity(args, report)
    if args.waveform:
        os.makedirs(args.workdir, exist_ok=True)
        waveform_cases.run(args, report, os.path.relpath(args.workdir))
    if auto_workdir and not report.failed:
        shutil.rmtree(args.workdir)  # keep the files only when there is something to debug
    print(f"{report.passed} passed, {report.failed} failed")
    sys.exit(1 if report.failed else 0)


if __name__ == "__main__":
    main()
