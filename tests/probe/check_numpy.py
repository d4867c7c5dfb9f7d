#!/usr/bin/env python3
"""Ridge / linear probes, metrics, CV folds and the encoder hash of the C core
(through the native CLI) against numpy.

  ridge, linear   the closed form of (1/2n)||y_c - X_s w||^2 + lambda/2 ||w||^2
                  solved here in float64 (numpy.linalg.solve), coefficients
                  within 1e-5 relative; predictions within 1e-5
  metrics         accuracy, balanced accuracy, macro-F1, one-vs-rest AUROC
                  (average ranks), log loss, MAE, RMSE, Pearson r, R^2 of the
                  CLI's own predictions, recomputed here
  grouped CV      per-fold test groups add up to the users, no fold skipped
  weights hash    "fnv1a64w:..." of the shipped model, reimplemented here

    /usr/bin/python3 tests/probe/check_numpy.py [--wearfm build/native/wearfm]
"""
import argparse
import json
import os
import struct
import subprocess
import sys

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "../.."))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from safetensors_io import read_header, read_safetensors  # noqa: E402

MASK = (1 << 64) - 1
FNV_OFFSET, FNV_PRIME = 0xCBF29CE484222325, 0x100000001B3


def fnv_words(b):
    """FNV-1a 64 over little-endian 64-bit words (zero-padded tail), seeded with the length."""
    h = FNV_OFFSET ^ len(b)
    b = b + b"\0" * (-len(b) % 8)
    for (w,) in struct.iter_unpack("<Q", b):
        h = ((h ^ w) * FNV_PRIME) & MASK
    return h


def weights_hash(path):
    header, _, start = read_header(path)
    with open(path, "rb") as f:
        f.seek(start)
        data = f.read()
    h = FNV_OFFSET
    for name in sorted(header, key=lambda s: s.encode()):
        b, e = header[name]["data_offsets"]
        for byte in name.encode() + b"\0" + struct.pack("<Q", fnv_words(data[b:e])):
            h = ((h ^ byte) * FNV_PRIME) & MASK
    return f"fnv1a64w:{h:016x}"


def run(cmd):
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if r.returncode:
        raise SystemExit(f"FAILED: {' '.join(cmd)}\n{r.stderr}")
    return r.stdout


def auroc(score, pos):
    """Mann-Whitney U with average ranks; NaN when one side is empty."""
    n1, n0 = pos.sum(), (~pos).sum()
    if not n1 or not n0:
        return np.nan
    order = np.argsort(score, kind="mergesort")
    s = score[order]
    ranks = np.empty(len(s))
    i = 0
    while i < len(s):
        j = i
        while j < len(s) and s[j] == s[i]:
            j += 1
        ranks[order[i:j]] = 0.5 * (i + 1 + j)
        i = j
    return (ranks[pos].sum() - n1 * (n1 + 1) / 2) / (n1 * n0)


def class_metrics(y, p):
    K = p.shape[1]
    pred = p.argmax(1)
    present = [k for k in range(K) if (y == k).any()]
    f1s = []
    for k in range(K):
        tp = ((pred == k) & (y == k)).sum()
        denom = (pred == k).sum() + (y == k).sum()
        if denom:
            f1s.append(2 * tp / denom)
    aucs = [auroc(p[:, 1], y == 1)] if K == 2 else [auroc(p[:, k], y == k) for k in range(K)]
    aucs = [a for a in aucs if not np.isnan(a)]
    return {
        "accuracy": (pred == y).mean(),
        "balanced_accuracy": np.mean([(pred[y == k] == k).mean() for k in present]),
        "macro_f1": np.mean(f1s),
        "auroc": np.mean(aucs) if aucs else np.nan,
        "log_loss": -np.log(np.clip(p[np.arange(len(y)), y], 1e-15, 1)).mean(),
    }


def reg_metrics(y, p):
    e = p - y
    return {"mae": np.abs(e).mean(), "rmse": np.sqrt((e ** 2).mean()), "pearson_r": np.corrcoef(y, p)[0, 1],
            "r2": 1 - (e ** 2).sum() / ((y - y.mean()) ** 2).sum()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--wearfm", default="build/native/wearfm")
    ap.add_argument("--workdir", default="build/probe-check")
    ap.add_argument("--model", default=os.environ.get("SHIPPED_MODEL", "models/wearfm-minute-fitabase.safetensors"))
    a = ap.parse_args()
    os.makedirs(os.path.join(ROOT, a.workdir), exist_ok=True)
    rng = np.random.default_rng(7)
    results = []

    def check(name, ok, detail):
        results.append(ok)
        print(f"{'ok  ' if ok else 'FAIL'} {name}: {detail}")

    # data: correlated features, a numeric target, 3 classes, 9 users
    n, d = 700, 25
    A = rng.normal(size=(d, d)) * 0.4 + np.eye(d)
    X = (rng.normal(size=(n, d)) @ A * rng.uniform(0.2, 8, size=d) + rng.normal(0, 20, size=d)).astype(np.float32)
    Xd = X.astype(np.float64)
    beta = rng.normal(size=d)
    t = ((Xd - Xd.mean(0)) / Xd.std(0) @ beta + 5 + rng.normal(size=n)).astype(np.float32)
    cls = np.digitize(t + rng.normal(size=n), np.quantile(t, [0.3, 0.7]))
    users = rng.integers(0, 9, size=n)
    csv = os.path.join(a.workdir, "numpy.csv")
    with open(os.path.join(ROOT, csv), "w") as f:
        f.write("user,label,target," + ",".join(f"x{j}" for j in range(d)) + "\n")
        for i in range(n):
            f.write(f"u{users[i]},{'abc'[cls[i]]},{float(t[i])!r}," + ",".join(repr(float(v)) for v in X[i]) + "\n")

    # ridge and linear against the closed form
    td = t.astype(np.float64)
    for lam in (1e-4, 0.1, 3.0):
        mean, std = Xd.mean(0), Xd.std(0)
        Z = (Xd - mean) / std
        w = np.linalg.solve(Z.T @ Z / n + lam * np.eye(d), Z.T @ (td - td.mean()) / n)
        pred_ref = Z @ w + td.mean()
        for task in ("ridge", "linear"):
            probe = os.path.join(a.workdir, f"numpy_{task}.safetensors")
            run([a.wearfm, "probe", "fit", csv, "--labels", "target", "--features", "x", "--task", task, "--lambda",
                 repr(lam), "--tol", "1e-12", "--max-iter", "20000", "-o", probe, "-q"])
            tens, _ = read_safetensors(os.path.join(ROOT, probe))
            err_w = np.abs(tens["probe.weight"][0] - w).max() / np.abs(w).max()
            out = json.loads(run([a.wearfm, "probe", "predict", probe, csv, "--format", "json", "-q"]))
            err_p = np.abs(np.array([r["value"] for r in out["rows"]]) - pred_ref).max() / np.abs(pred_ref).max()
            check(f"{task} lambda={lam:g} vs numpy closed form", err_w < 1e-5 and err_p < 1e-5,
                  f"coefficients {err_w:.1e}, predictions {err_p:.1e} (relative)")

    # metrics of the CLI's predictions
    probe = os.path.join(a.workdir, "numpy_logistic.safetensors")
    run([a.wearfm, "probe", "fit", csv, "--labels", "label", "--features", "x", "--lambda", "0.05", "-o", probe, "-q"])
    out = json.loads(run([a.wearfm, "probe", "predict", probe, csv, "--format", "json", "--labels", "label", "-q"]))
    p = np.array([r["probabilities"] for r in out["rows"]], dtype=np.float32).astype(np.float64)
    ref = class_metrics(cls, p)
    worst = max(abs(out["metrics"][k] - v) for k, v in ref.items())
    check("classification metrics vs numpy", worst < 1e-6, f"max difference {worst:.1e} ({json.dumps(out['metrics'])})")
    # regression metrics of a ridge probe
    run([a.wearfm, "probe", "fit", csv, "--labels", "target", "--features", "x", "--task", "ridge", "--lambda", "0.1",
         "-o", os.path.join(a.workdir, "numpy_ridge.safetensors"), "-q"])
    out = json.loads(run([a.wearfm, "probe", "predict", os.path.join(a.workdir, "numpy_ridge.safetensors"), csv,
                          "--format", "json", "--labels", "target", "-q"]))
    pr = np.array([r["value"] for r in out["rows"]], dtype=np.float32).astype(np.float64)
    ref = reg_metrics(t.astype(np.float64), pr)
    worst = max(abs(out["metrics"][k] - v) for k, v in ref.items())
    check("regression metrics vs numpy", worst < 1e-6, f"max difference {worst:.1e}")

    # grouped CV: every user tested exactly once (leave-one-user-out and 4 folds)
    for folds in ("0", "4"):
        ev = json.loads(run([a.wearfm, "probe", "eval", csv, "--labels", "label", "--features", "x", "--groups", "user",
                             "--folds", folds, "--format", "json", "-q"]))
        tg = sum(f["test_groups"] for f in ev["folds"])
        rows = sum(f["test_rows"] for f in ev["folds"])
        ok = tg == 9 and rows == n and all(f["train_rows"] + f["test_rows"] == n for f in ev["folds"])
        check(f"grouped CV --folds {folds}", ok, f"{len(ev['folds'])} folds, {tg} test groups, {rows} test rows; "
              f"balanced accuracy {ev['mean']['balanced_accuracy']:.3f} +- {ev['std']['balanced_accuracy']:.3f}")

    # person-relative features (--relative): each user's rows standardised by
    # that user's own mean and population std over all of them, the rows
    # without a target included; then the ridge closed form on the labelled rows
    rel_csv = os.path.join(a.workdir, "numpy_relative.csv")
    has_t = rng.uniform(size=n) < 0.7
    with open(os.path.join(ROOT, rel_csv), "w") as f:
        f.write("user,target," + ",".join(f"x{j}" for j in range(d)) + "\n")
        for i in range(n):
            f.write(f"u{users[i]},{repr(float(t[i])) if has_t[i] else ''}," + ",".join(repr(float(v)) for v in X[i]) + "\n")
    R = np.empty_like(Xd)
    for u in np.unique(users):
        m = users == u
        sd = Xd[m].std(0)
        R[m] = (Xd[m] - Xd[m].mean(0)) / np.where(sd > 0, sd, 1)
    R = R.astype(np.float32).astype(np.float64)  # the core hands float32 features to the solver
    lam = 0.1
    Rl, tl = R[has_t], td[has_t]
    Z = (Rl - Rl.mean(0)) / Rl.std(0)
    w = np.linalg.solve(Z.T @ Z / len(Z) + lam * np.eye(d), Z.T @ (tl - tl.mean()) / len(Z))
    pred_ref = (R - Rl.mean(0)) / Rl.std(0) @ w + tl.mean()
    probe = os.path.join(a.workdir, "numpy_relative.safetensors")
    run([a.wearfm, "probe", "fit", rel_csv, "--labels", "target", "--groups", "user", "--relative", "--task", "ridge",
         "--lambda", repr(lam), "-o", probe, "-q"])
    tens, _ = read_safetensors(os.path.join(ROOT, probe))
    err_w = np.abs(tens["probe.weight"][0] - w).max() / np.abs(w).max()
    out = json.loads(run([a.wearfm, "probe", "predict", probe, rel_csv, "--groups", "user", "--format", "json", "-q"]))
    got = np.array([r["value"] for r in out["rows"]])
    err_p = np.abs(got - pred_ref).max() / np.abs(pred_ref).max()
    check("--relative ridge vs numpy (per-user standardisation, unlabelled rows in the statistics)",
          err_w < 1e-5 and err_p < 1e-5 and len(got) == n, f"coefficients {err_w:.1e}, predictions {err_p:.1e} (relative)")

    # the encoder binding hash
    model = a.model
    probe = os.path.join(a.workdir, "numpy_bound.safetensors")
    run([a.wearfm, "probe", "fit", csv, "--labels", "label", "--features", "x", "--model", model, "-o", probe, "-q"])
    got = json.loads(run([a.wearfm, "probe", "info", probe, "--format", "json"]))["encoder_weights_hash"]
    want = weights_hash(os.path.join(ROOT, model))
    check("weights hash vs Python", got == want, f"{got} / {want}")

    failed = results.count(False)
    print(f"{len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
