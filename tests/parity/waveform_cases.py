"""Waveform-model parity: the C core (through tests/parity/waveform_driver.c,
built as parity_waveform) against tools/waveform_ref.py, and the builds
against each other. Used by parity.py (--waveform CMD) and, for the random
models and windows, by tests/fixtures/make_fixtures.py.

Errors here are max|a - b| (absolute: the embeddings are LayerNorm outputs
of unit scale, and the issue's bound is on the absolute error), with b the
float64 reference computed from the written file.
"""
import json
import math
import os
import shlex
import struct
import subprocess

import numpy as np
import torch

from waveform_ref import WaveformEncoder, load_waveform, save_waveform, tokens

BOUND_TORCH = 1e-5   # C vs PyTorch, max abs
BOUND_BUILD = 1e-5   # between builds and between mask modes, max abs
STATUS_NO_DATA, STATUS_UNSUPPORTED = 6, 7


# --------------------------------------------------------------------------
# Models

def wave_config(signal="accelerometer", C=3, T=960, P=32, rate=32.0, norm="fixed", dim=32, layers=2, heads=4,
                mlp=64, proj=None):
    if signal == "accelerometer":
        names = ["x", "y", "z"][:C] + [f"a{i}" for i in range(3, C)]
        chans = [{"name": n, "unit": "g", "mean": m, "std": 0.35, "clip": 6.0}
                 for n, m in zip(names, [0.0, 0.0, 1.0] + [0.0] * C)]
    else:
        chans = [{"name": "ppg" if C == 1 else f"ppg{i}", "unit": "a.u.", "mean": 2000.0, "std": 150.0, "clip": 4.0}
                 for i in range(C)]
    return {"format_version": 2, "architecture": "waveform_encoder", "signal": signal, "sample_rate_hz": rate,
            "window_samples": T, "patch_samples": P, "input_norm": norm, "window_std_floor": 0.05,
            "norm_eps": 1e-6, "channels": chans,
            "encoder": {"dim": dim, "layers": layers, "heads": heads, "mlp_dim": mlp},
            "projection": None if proj is None else {"dim": proj}}


def init_waveform(model, seed, ln_noise=0.3, bias_std=0.1):
    """Deterministic random init (numpy RNG), as wearfm_ref.init_random:
    xavier-uniform linears, noisy LayerNorms and biases, so every parameter
    matters to the output."""
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for name, p in sorted(model.named_parameters()):
            if ".norm" in name:
                v = (1.0 if name.endswith("weight") else 0.0) + rng.normal(0.0, ln_noise, p.shape)
            elif name.endswith("bias"):
                v = rng.normal(0.0, bias_std, p.shape)
            else:
                fan_out, fan_in = p.shape
                b = math.sqrt(6.0 / (fan_in + fan_out))
                v = rng.uniform(-b, b, p.shape)
            p.copy_(torch.from_numpy(v.astype(np.float32)))
    return model


# --------------------------------------------------------------------------
# Windows [B, T, C] in signal units

def synth(cfg, rng):
    """One window: gravity plus movement (accelerometer, with a few samples
    beyond the clip), or a pulse wave with drift (PPG)."""
    T, C, rate = cfg["window_samples"], len(cfg["channels"]), cfg["sample_rate_hz"]
    t = np.arange(T) / rate
    x = np.empty((T, C))
    for c, ch in enumerate(cfg["channels"]):
        if cfg["signal"] == "accelerometer":
            f = rng.uniform(0.5, 3.0)
            v = ch["mean"] + 0.3 * np.sin(2 * np.pi * f * t + rng.uniform(0, 6.3)) + 0.05 * rng.standard_normal(T)
            spikes = rng.random(T) < 0.01
            v[spikes] += rng.choice([-1, 1], spikes.sum()) * ch["std"] * (ch["clip"] + 2)
        else:
            hr = rng.uniform(0.9, 2.0)
            v = ch["mean"] + 0.8 * ch["std"] * (np.sin(2 * np.pi * hr * t) + 0.3 * np.sin(4 * np.pi * hr * t + 1))
            v += 0.3 * ch["std"] * np.sin(2 * np.pi * 0.1 * t) + 5 * rng.standard_normal(T)
        x[:, c] = v
    return x.astype(np.float32)


def gaps(x, cfg, rng, n_gaps):
    """NaN runs of 1..2P samples in random channels."""
    T, P, C = x.shape[0], cfg["patch_samples"], x.shape[1]
    for _ in range(n_gaps):
        a = int(rng.integers(0, T))
        x[a:a + int(rng.integers(1, 2 * P + 1)), int(rng.integers(0, C))] = np.nan
    return x


def only_token(x, cfg, rng):
    """Every sample missing but those of one token."""
    P, NP = cfg["patch_samples"], x.shape[0] // cfg["patch_samples"]
    p = int(rng.integers(0, NP))
    keep = x[p * P:(p + 1) * P].copy()
    x[:] = np.nan
    x[p * P:(p + 1) * P] = keep
    return x


def no_token(x, cfg, rng):
    """One missing sample in every token (in turn in each channel): nothing visible."""
    P, C = cfg["patch_samples"], x.shape[1]
    for p in range(x.shape[0] // P):
        x[p * P + int(rng.integers(0, P)), p % C] = np.nan
    return x


def flat(x, cfg, rng):
    """Channel 0 constant (window_z divides by the std floor) and a gap."""
    x[:, 0] = x[0, 0]
    return gaps(x, cfg, rng, 2)


def windows(cfg, seed, patterns):
    rng = np.random.default_rng(seed)
    out = []
    for pat in patterns:
        x = synth(cfg, rng)
        if pat == "gaps":
            x = gaps(x, cfg, rng, 4)
        elif pat == "many_gaps":
            x = gaps(x, cfg, rng, max(4, x.shape[0] // cfg["patch_samples"] // 2))
        elif pat == "one_token":
            x = only_token(x, cfg, rng)
        elif pat == "no_token":
            x = no_token(x, cfg, rng)
        elif pat == "flat":
            x = flat(x, cfg, rng)
        elif pat == "gain":  # the same window at another gain and offset (window_z cannot tell)
            x = (x * 3.0 + 1.5).astype(np.float32)
        out.append(x)
    return np.stack(out)


PATTERNS = ["full", "gaps", "many_gaps", "one_token", "no_token"]


def case_list():
    acc, ppg = "accelerometer", "ppg"
    cases = [
        dict(name="wave_acc3_fixed_proj", cfg=wave_config(acc, 3, 960, 32, 32.0, "fixed", proj=16),
             modes=("compact", "attention")),
        dict(name="wave_acc3_window_z", cfg=wave_config(acc, 3, 960, 32, 32.0, "window_z"),
             patterns=PATTERNS + ["flat", "gain"], modes=("compact", "attention")),
        dict(name="wave_ppg1_window_z_proj", cfg=wave_config(ppg, 1, 960, 32, 64.0, "window_z", proj=8),
             patterns=PATTERNS + ["flat"]),
        dict(name="wave_ppg1_fixed", cfg=wave_config(ppg, 1, 960, 32, 25.0, "fixed")),
        # an odd shape: T=100, P=10, dim 18 (not a multiple of 4) with 3 heads
        dict(name="wave_acc3_T100_P10_window_z_proj",
             cfg=wave_config(acc, 3, 100, 10, 20.0, "window_z", dim=18, heads=3, mlp=40, proj=5),
             patterns=PATTERNS + ["flat"], modes=("compact", "attention")),
        dict(name="wave_ppg1_T100_P10_fixed", cfg=wave_config(ppg, 1, 100, 10, 50.0, "fixed", dim=18, heads=3,
                                                              mlp=40, layers=3)),
        dict(name="wave_acc3_T100_P10_fixed_f16", cfg=wave_config(acc, 3, 100, 10, 20.0, "fixed", proj=12),
             dtype="F16"),
    ]
    for i, c in enumerate(cases):
        c.setdefault("seed", 2000 + i)
        c.setdefault("patterns", PATTERNS)
        c.setdefault("modes", ("compact",))
        c.setdefault("dtype", "F32")
    return cases


def write_windows(path, x):
    B, T, C = x.shape
    with open(path, "wb") as f:
        f.write(b"WFMWIN1\n" + struct.pack("<3i", B, T, C) + np.ascontiguousarray(x, dtype="<f4").tobytes())


def prepare(case, workdir):
    cfg = case["cfg"]
    model = init_waveform(WaveformEncoder(cfg), case["seed"])
    path = os.path.join(workdir, case["name"] + ".safetensors")
    save_waveform(path, model, dtype=case["dtype"])
    x = windows(cfg, case["seed"] + 1, case["patterns"])
    xpath = os.path.join(workdir, case["name"] + ".windows.bin")
    write_windows(xpath, x)
    return path, x, xpath


def reference(path, x):
    """float64 outputs from the file's weights: embeddings [B, E] (NaN when
    nothing is visible), token outputs [B, NP, D] (NaN rows where not
    visible), visibility [B, NP]."""
    m = load_waveform(path).double()
    with torch.no_grad():
        xt = torch.from_numpy(x).double()
        tok, vis = tokens(xt, m.cfg)
        h = m.encode_tokens(tok, vis)
        emb = m(xt)
    h = torch.where(vis[..., None], h, torch.full_like(h, float("nan")))
    return {"embedding": emb.numpy(), "tokens": h.numpy(), "visible": vis.numpy(), "cfg": m.cfg}


# --------------------------------------------------------------------------
# The C side

def run_driver(cmd, model, xpath, out, mode, timeout):
    if os.path.exists(out):
        os.remove(out)
    argv = shlex.split(cmd) + [model, xpath, "-o", out] + ([] if mode == "compact" else ["--mask-mode", mode])
    p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError(f"exit {p.returncode}: {' '.join(argv)}: {(p.stderr or p.stdout).strip()[-300:]}")
    with open(out) as f:
        return json.load(f)


def c_arrays(res, ref):
    B, NP, D = ref["tokens"].shape
    E = ref["embedding"].shape[1]
    emb = np.full((B, E), np.nan)
    tok = np.full((B, NP, D), np.nan)
    vis = np.zeros((B, NP), dtype=bool)
    status = np.array([w["status"] for w in res["windows"]])
    for b, w in enumerate(res["windows"]):
        if "visible" in w:
            vis[b] = np.array(w["visible"], dtype=bool)
        if w["status"] == 0:
            emb[b] = np.array(w["embedding"], dtype=np.float64)
            for n, t in enumerate(w["tokens"]):
                if t is not None:
                    tok[b, n] = np.array(t, dtype=np.float64)
    return {"embedding": emb, "tokens": tok, "visible": vis, "status": status,
            "messages": [w["message"] for w in res["windows"]]}


def max_abs(a, b):
    """max|a - b| where b is finite; inf when a is not finite there, or finite where b is not."""
    if a.shape != b.shape:
        return math.inf
    fb = np.isfinite(b)
    if not np.array_equal(np.isfinite(a), fb):
        return math.inf
    return float(np.abs(a[fb] - b[fb]).max()) if fb.any() else 0.0


def structure(c, res, ref, cfg):
    """Everything that is not a float: statuses, visibility, info fields."""
    problems = []
    none_visible = ~ref["visible"].any(1)
    want = np.where(none_visible, STATUS_NO_DATA, 0)
    if not np.array_equal(c["status"], want):
        problems.append(f"statuses {c['status'].tolist()} != {want.tolist()}")
    for b in np.flatnonzero(none_visible):
        if "no visible token" not in c["messages"][b]:
            problems.append(f"window {b}: NO_DATA message '{c['messages'][b]}'")
    if not np.array_equal(c["visible"], ref["visible"]):
        problems.append("token visibility differs from the reference")
    if res["impute_status"] != STATUS_UNSUPPORTED:
        problems.append(f"wfm_impute returned {res['impute_status']}, not WFM_ERR_UNSUPPORTED")
    i = res["info"]
    T, P, C = cfg["window_samples"], cfg["patch_samples"], len(cfg["channels"])
    E = cfg["projection"]["dim"] if cfg["projection"] else cfg["encoder"]["dim"]
    expect = {"architecture": "waveform_encoder", "family": 1, "signal": cfg["signal"],
              "sample_rate_hz": cfg["sample_rate_hz"], "window_samples": T, "patch_samples": P, "n_channels": C,
              "n_tokens": T // P, "input_norm": cfg["input_norm"], "enc_dim": cfg["encoder"]["dim"],
              "embedding_dim": E, "projection_dim": cfg["projection"]["dim"] if cfg["projection"] else 0,
              "window_minutes": 0, "patch_minutes": 0, "has_decoder": 0}
    for k, v in expect.items():
        if i.get(k) != v:
            problems.append(f"info.{k} = {i.get(k)!r}, expected {v!r}")
    return problems


def run(args, report, workdir):
    cmds = args.waveform
    multi = len(cmds) > 1
    worst = {"torch": 0.0, "build": 0.0, "mode": 0.0}
    identical_builds = True
    for k, cmd in enumerate(cmds):
        print(f"waveform cmd{k}: {cmd}")
    for case in case_list():
        if args.only and not __import__("re").search(args.only, case["name"]):
            continue
        path, x, xpath = prepare(case, workdir)
        ref = reference(path, x)
        runs = {}
        for k, cmd in enumerate(cmds):
            for mode in case["modes"]:
                name = case["name"] + ("" if mode == "compact" else f" {mode}") + (f" [cmd{k}]" if multi else "")
                try:
                    res = run_driver(cmd, path, xpath, os.path.join(workdir, f"{case['name']}.{mode}.{k}.json"),
                                     mode, args.timeout)
                    c = c_arrays(res, ref)
                    problems = structure(c, res, ref, ref["cfg"])
                except (RuntimeError, OSError, ValueError, KeyError, subprocess.TimeoutExpired) as e:
                    report.line(name, {"emb": None, "tok": None}, BOUND_TORCH, [f"{type(e).__name__}: {e}"])
                    continue
                errs = {"emb": max_abs(c["embedding"], ref["embedding"]), "tok": max_abs(c["tokens"], ref["tokens"])}
                report.line(name, errs, BOUND_TORCH, problems)
                worst["torch"] = max(worst["torch"], *errs.values())
                runs[(k, mode)] = c
        for k in range(len(cmds)):
            for mode in case["modes"][1:]:
                if (k, mode) in runs and (k, "compact") in runs:
                    a, b = runs[(k, mode)], runs[(k, "compact")]
                    errs = {"emb": max_abs(a["embedding"], b["embedding"]), "tok": max_abs(a["tokens"], b["tokens"])}
                    report.line(f"{case['name']} {mode}~compact" + (f" [cmd{k}]" if multi else ""), errs, BOUND_BUILD)
                    worst["mode"] = max(worst["mode"], *errs.values())
        for k in range(1, len(cmds)):
            for mode in case["modes"]:
                if (k, mode) in runs and (0, mode) in runs:
                    a, b = runs[(k, mode)], runs[(0, mode)]
                    errs = {"emb": max_abs(a["embedding"], b["embedding"]), "tok": max_abs(a["tokens"], b["tokens"])}
                    report.line(f"{case['name']}" + ("" if mode == "compact" else f" {mode}") + f" cmd{k}~cmd0",
                                errs, BOUND_BUILD)
                    worst["build"] = max(worst["build"], *errs.values())
                    same = all(np.array_equal(np.nan_to_num(a[f], nan=7.0), np.nan_to_num(b[f], nan=7.0))
                               for f in ("embedding", "tokens"))
                    identical_builds &= same
    print(f"waveform: worst max abs error C vs PyTorch {worst['torch']:.2e}, attention vs compact "
          f"{worst['mode']:.2e}, between builds {worst['build']:.2e}"
          + (f" (bit-identical: {'yes' if identical_builds else 'no'})" if multi else ""))


# --------------------------------------------------------------------------
# Self-check: the torch reference against a literal float64 transcription of
# docs/model-format.md ("Architecture waveform_encoder"), one window at a time.

def naive_embed(W, cfg, x):
    T, P = cfg["window_samples"], cfg["patch_samples"]
    C, NP = len(cfg["channels"]), T // P
    eps = cfg["norm_eps"]
    W = {k: v.astype(np.float64) for k, v in W.items()}
    z = np.empty((T, C))
    for c, ch in enumerate(cfg["channels"]):
        col = x[:, c].astype(np.float64)
        obs = col[~np.isnan(col)]
        if cfg["input_norm"] == "fixed":
            m, s = ch["mean"], ch["std"]
        else:
            m = obs.sum() / max(len(obs), 1)
            s = max(math.sqrt(((obs - m) ** 2).sum() / max(len(obs), 1)), cfg["window_std_floor"] * ch["std"])
        for t in range(T):
            v = (col[t] - m) / s
            z[t, c] = v if math.isnan(v) else min(max(v, -ch["clip"]), ch["clip"])
    toks = [[z[p * P + i, c] for c in range(C) for i in range(P)] for p in range(NP)]
    vis = [not any(math.isnan(v) for v in tk) for tk in toks]
    if not any(vis):
        return None
    D = cfg["encoder"]["dim"]
    om = [1.0 / 10000.0 ** (i / (D / 2.0)) for i in range(D // 2)]

    def ln(h, pre):
        mu = h.mean(-1, keepdims=True)
        return (h - mu) / np.sqrt(((h - mu) ** 2).mean(-1, keepdims=True) + eps) * W[pre + ".weight"] + W[pre + ".bias"]

    def lin(h, pre):
        return h @ W[pre + ".weight"].T + W[pre + ".bias"]

    erf = np.vectorize(math.erf)
    h = np.array([lin(np.array(toks[p]), "patch_embed")
                  + np.float32([math.sin(p * w) for w in om] + [math.cos(p * w) for w in om])
                  for p in range(NP) if vis[p]])
    heads = cfg["encoder"]["heads"]
    for i in range(cfg["encoder"]["layers"]):
        pre = f"encoder.layers.{i}"
        n, hd = h.shape[0], D // heads
        qkv = lin(ln(h, pre + ".norm1"), pre + ".attn.qkv")
        o = np.zeros((n, D))
        for hh in range(heads):
            q, k, v = (qkv[:, j * D + hh * hd:j * D + (hh + 1) * hd] for j in range(3))
            s = q @ k.T / math.sqrt(hd)
            a = np.exp(s - s.max(-1, keepdims=True))
            o[:, hh * hd:(hh + 1) * hd] = (a / a.sum(-1, keepdims=True)) @ v
        h = h + lin(o, pre + ".attn.proj")
        u = lin(ln(h, pre + ".norm2"), pre + ".mlp.fc1")
        h = h + lin(0.5 * u * (1 + erf(u / math.sqrt(2))), pre + ".mlp.fc2")
    e = ln(h, "encoder.norm").mean(0)
    return lin(e, "proj") if cfg["projection"] else e


def self_check(report, workdir):
    from safetensors_io import read_safetensors
    for case in case_list():
        path, x, _ = prepare(case, workdir)
        ref = reference(path, x)
        W, _ = read_safetensors(path)
        err = 0.0
        for b in range(x.shape[0]):
            e = naive_embed(W, ref["cfg"], x[b])
            if e is None:
                err = max(err, 0.0 if np.isnan(ref["embedding"][b]).all() else math.inf)
            else:
                err = max(err, float(np.abs(e - ref["embedding"][b]).max()))
        report.line(f"self: torch~naive {case['name']}", {"emb": err}, 1e-10)
