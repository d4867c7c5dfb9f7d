#!/usr/bin/env python3
"""Logistic probes of the C core (through the native CLI) against PyTorch.

For random data sets (binary and multiclass, plain and class-balanced,
several lambdas), `wearfm probe fit` writes a probe; PyTorch's L-BFGS
(strong-Wolfe line search, float64) minimises the same documented objective

    (1/S) sum_i s_i CE(y_i, W x_std_i + b) + lambda/2 ||W||^2,
    s_i = 1 or n / (K n_{y_i}),  x_std = (x - mean) / std (population std),

from standardisation computed here in numpy. The standardisation, the
coefficients (softmax biases centred, as the probe stores them), the
objective and the predicted probabilities must agree: coefficients within
1e-4 (max |a - b| / max(1, max |b|)); the objective within 1e-7 (the probe
fits on float32 standardised features, torch on float64 ones). The WASI build of the CLI must give
the native probe's predictions within 1e-6.

    /usr/bin/python3 tests/probe/check_torch.py [--wearfm build/native/wearfm]
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np
import torch

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "../.."))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from safetensors_io import read_safetensors  # noqa: E402

torch.set_default_dtype(torch.float64)

CASES = [
    # name, n, d, classes, lambda, balanced
    ("binary", 600, 20, 2, 1e-2, False),
    ("binary-balanced", 500, 16, 2, 1e-3, True),
    ("softmax-5", 800, 30, 5, 1e-3, False),
    ("softmax-4-balanced", 700, 24, 4, 3e-2, True),
    ("binary-weak-penalty", 400, 10, 2, 1e-4, False),
]


def make_data(rng, n, d, K):
    """Correlated features with different means and scales; imbalanced noisy classes."""
    A = rng.normal(size=(d, d)) * 0.3 + np.eye(d)
    X = rng.normal(size=(n, d)) @ A * rng.uniform(0.5, 5, size=d) + rng.normal(0, 3, size=d)
    X = X.astype(np.float32)
    W = rng.normal(size=(K, d))
    score = (X - X.mean(0)) / X.std(0) @ W.T + rng.gumbel(size=(n, K)) * 1.5 + np.linspace(0, 1.5, K)
    y = score.argmax(1)
    return X, y


def write_csv(path, X, y, names):
    with open(path, "w") as f:
        f.write("label," + ",".join(f"f_{j}" for j in range(X.shape[1])) + "\n")
        for xi, yi in zip(X, y):
            f.write(names[yi] + "," + ",".join(repr(float(v)) for v in xi) + "\n")


def torch_fit(X, y, K, lam, balanced):
    Xd = X.astype(np.float64)
    mean = Xd.mean(0)
    std = np.sqrt(((Xd - mean) ** 2).mean(0))
    # the probe standardises with its float32-rounded statistics
    mean32, std32 = mean.astype(np.float32), std.astype(np.float32)
    Z = torch.tensor((Xd - mean32.astype(np.float64)) / std32.astype(np.float64))
    n, d = Z.shape
    counts = np.bincount(y, minlength=K)
    s = n / (K * counts[y]) if balanced else np.ones(n)
    s = torch.tensor(s)
    yt = torch.tensor(y)
    q = 1 if K == 2 else K
    W = torch.zeros(q, d, requires_grad=True)
    b = torch.zeros(q, requires_grad=True)

    def objective():
        z = Z @ W.T + b
        if K == 2:
            ce = torch.nn.functional.binary_cross_entropy_with_logits(z[:, 0], yt.double(), reduction="none")
        else:
            ce = torch.nn.functional.cross_entropy(z, yt, reduction="none")
        return (s * ce).sum() / s.sum() + 0.5 * lam * (W ** 2).sum()

    opt = torch.optim.LBFGS([W, b], lr=1, max_iter=20000, max_eval=40000, tolerance_grad=1e-13,
                            tolerance_change=0, history_size=50, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        f = objective()
        f.backward()
        return f

    opt.step(closure)
    f = objective().item()
    Wn, bn = W.detach().numpy(), b.detach().numpy()
    if q > 1:
        bn = bn - bn.mean()
    z = Z.numpy() @ Wn.T + bn
    if K == 2:
        p1 = 1 / (1 + np.exp(-z[:, 0]))
        prob = np.stack([1 - p1, p1], 1)
    else:
        e = np.exp(z - z.max(1, keepdims=True))
        prob = e / e.sum(1, keepdims=True)
    return dict(mean=mean, std=std, W=Wn, b=bn, f=f, prob=prob)


def run(cmd, cwd=ROOT):
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if r.returncode:
        raise SystemExit(f"FAILED: {' '.join(cmd)}\n{r.stderr}")
    return r.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--wearfm", default="build/native/wearfm")
    ap.add_argument("--wasi", default="build/wasi/wearfm.wasm", help="'' to skip the WASI check")
    ap.add_argument("--workdir", default="build/probe-check")
    a = ap.parse_args()
    os.makedirs(os.path.join(ROOT, a.workdir), exist_ok=True)
    rng = np.random.default_rng(20261121)
    failures = 0
    rows = []
    for name, n, d, K, lam, balanced in CASES:
        X, y = make_data(rng, n, d, K)
        names = [f"c{k}" for k in range(K)]  # sorted like the CLI sorts them
        csv = os.path.join(a.workdir, f"torch_{name}.csv")
        probe = os.path.join(a.workdir, f"torch_{name}.safetensors")
        write_csv(os.path.join(ROOT, csv), X, y, names)
        fit = ["fit", csv, "--labels", "label", "--lambda", repr(lam), "--tol", "1e-11", "--max-iter", "10000"]
        fit += ["--balanced"] if balanced else []
        run([a.wearfm, "probe"] + fit + ["-o", probe, "-q"])
        t, meta = read_safetensors(os.path.join(ROOT, probe))
        info = json.loads(meta["wearfm.probe"])
        ref = torch_fit(X, y, K, lam, balanced)
        W, b = t["probe.weight"].astype(np.float64), t["probe.bias"].astype(np.float64)
        err_w = np.abs(W - ref["W"]).max() / max(1.0, np.abs(ref["W"]).max())
        err_b = np.abs(b - ref["b"]).max() / max(1.0, np.abs(ref["b"]).max())
        err_mean = np.abs(t["probe.feature_mean"] - ref["mean"]).max() / np.abs(ref["mean"]).max()
        err_std = (np.abs(t["probe.feature_std"] - ref["std"]) / ref["std"]).max()
        err_f = abs(info["solver"]["loss"] - ref["f"]) / max(1.0, abs(ref["f"]))
        pred = json.loads(run([a.wearfm, "probe", "predict", probe, csv, "--format", "json", "-q"]))
        prob = np.array([r["probabilities"] for r in pred["rows"]])
        err_p = np.abs(prob - ref["prob"]).max()
        ok = err_w < 1e-4 and err_b < 1e-4 and err_mean < 1e-6 and err_std < 1e-6 and err_f < 1e-7 and err_p < 1e-5
        wasi = ""
        if a.wasi:
            node = ["node", "--no-warnings", "wasi/run.mjs", a.wasi, "probe"]
            run(node + fit + ["-o", probe + ".wasi", "-q"])
            wp = json.loads(run(node + ["predict", probe + ".wasi", csv, "--format", "json", "-q"]))
            err_wasi = np.abs(np.array([r["probabilities"] for r in wp["rows"]]) - prob).max()
            ok = ok and err_wasi < 1e-6
            wasi = f" wasi-vs-native {err_wasi:.1e}"
        failures += not ok
        line = (f"{'ok  ' if ok else 'FAIL'} {name:22s} n={n} d={d} K={K} lambda={lam:g}{' balanced' if balanced else ''}: "
                f"coef {err_w:.1e} bias {err_b:.1e} mean {err_mean:.1e} std {err_std:.1e} objective {err_f:.1e} "
                f"prob {err_p:.1e}{wasi} ({info['solver']['iterations']} L-BFGS iterations)")
        print(line)
        rows.append(line)
    print(f"{len(CASES) - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
