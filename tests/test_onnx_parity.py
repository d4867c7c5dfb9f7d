#!/usr/bin/env python3
"""The ONNX encoders (tools/onnx_export.py), run by onnxruntime, against
`wearfm embed` (issue 13): both forms, every window, within 1e-4 (the
PyTorch bound of docs/model-format.md; these are different engines).

    /usr/bin/python3 tests/test_onnx_parity.py --wearfm build/native/wearfm \
        --ort-python build/pyvenv/bin/python [--workdir DIR]

Cases: the shipped minute model on the bundled real sample (format 2:
anchored tokens, the typical day from the file), and a random paper-config
model (26 channels x 1440 min, 12 x 384) on synthetic days at 0% and 80%
missing patches. A check that the comparison can fail: a perturbed
embedding must exceed the bound.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BOUND = 1e-4
SHIPPED = os.path.join(ROOT, "models", "wearfm-minute-fitabase.safetensors")
SAMPLE = os.path.join(ROOT, "data", "sample", "fitabase_4388161847.csv")


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stderr[-2000:]}")
    return r.stdout


def rel_err(a, b):
    return float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-30))


def compare(name, model, csv, onnx_dir, tokens_dir, args):
    """-> number of failed comparisons."""
    wfm = json.loads(run([args.wearfm, "embed", model, csv, "--format", "json", "-q"]))
    ref = {w["start"]: (np.array(w["embedding"]), w["visible_tokens"]) for w in wfm["windows"]}
    lines = run([args.ort_python, os.path.join(ROOT, "tools", "ort_run.py"), onnx_dir, tokens_dir]).splitlines()
    seen, bad = set(), 0
    for line in lines:
        r = json.loads(line)
        if r["start"] not in ref:
            print(f"FAIL {name}: onnxruntime gave window {r['start']}, wearfm did not")
            bad += 1
            continue
        b, nv = ref[r["start"]]
        e = rel_err(np.array(r["embedding"]), b)
        ok = e <= BOUND and nv == r["n_visible"]
        bad += not ok
        seen.add(r["start"])
        print(f"{'ok  ' if ok else 'FAIL'} {name} {r['start']} {r['form']:<8} visible {r['n_visible']:5d} "
              f"(wearfm {nv}) rel. err {e:.2e} (<= {BOUND:.0e})")
    missing = set(ref) - seen
    if missing or not lines:
        print(f"FAIL {name}: windows without an onnxruntime embedding: {sorted(missing) or 'all'}")
        bad += 1
    return bad


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--wearfm", required=True)
    ap.add_argument("--ort-python", required=True)
    ap.add_argument("--paper-model", help="a paper-config model file (default: written by tools/make_model.py)")
    ap.add_argument("--workdir")
    args = ap.parse_args()
    work = args.workdir or tempfile.mkdtemp(prefix="wfm-onnx-")
    os.makedirs(work, exist_ok=True)
    tool = [sys.executable, os.path.join(ROOT, "tools", "onnx_export.py")]
    bad = 0

    ship = os.path.join(work, "shipped")
    run(tool + ["export", SHIPPED, "--out", ship])
    run(tool + ["tokens", SHIPPED, SAMPLE, "--out", ship])
    bad += compare("shipped model, real sample", SHIPPED, SAMPLE, ship, ship, args)

    paper = args.paper_model or os.path.join(work, "paper.safetensors")
    if not args.paper_model:
        run([sys.executable, os.path.join(ROOT, "tools", "make_model.py"), "--config", "paper",
             "--seed", "3", "--out", paper])
    onnx = os.path.join(work, "paper-onnx")
    run(tool + ["export", paper, "--out", onnx])
    for pct in (0, 80):
        day = os.path.join(work, f"paper-{pct}")
        run(tool + ["day", paper, "--missing", str(pct), "--seed", str(pct), "--out", day])
        bad += compare(f"paper config, {pct}% missing", paper, os.path.join(day, "day.csv"), onnx, day, args)

    # The comparison itself must be able to fail.
    b = np.linspace(-1, 1, 64)
    if rel_err(b + 2e-4, b) <= BOUND:
        print("FAIL the comparison cannot see a 2e-4 error")
        bad += 1
    print(f"{'all agree' if not bad else f'{bad} comparison(s) failed'}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
