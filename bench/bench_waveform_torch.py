#!/usr/bin/env python3
"""The PyTorch baseline of bench_waveform: tools/waveform_ref.py's
WaveformEncoder on the same model file and the same windows (written by
`bench_waveform --windows`), one thread (torch.set_num_threads(1)), under
torch.inference_mode(), at batch 1 (a window per call, as wfm_embed) and
batch 64 (one call), best of `reps` passes after a warm-up pass. With
`--c LABEL=FILE` (bench_waveform's output of the same run) it also prints
the C core's speed as a ratio to these.

    build/native/bench_waveform --windows build/bench-accel-windows.f32 64
    build/native/bench_waveform MODEL > build/bench-waveform-native.txt
    /usr/bin/python3 bench/bench_waveform_torch.py MODEL build/bench-accel-windows.f32 \\
        --c native=build/bench-waveform-native.txt

The reference masks keys instead of compacting, so its cost does not fall
with missing tokens; it is timed at 0% and 50% all the same.
"""
import argparse
import os
import re
import sys
import time

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from waveform_ref import load_waveform  # noqa: E402


def best_time(fn, reps):
    """(best wall-clock time, best process CPU time) of fn after a warm-up call."""
    fn()  # warm-up
    best = best_cpu = float("inf")
    for _ in range(reps):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        best = min(best, time.perf_counter() - t0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    return best, best_cpu


def blas():
    """BLAS_INFO of the build, and the BLAS library the process loaded (Linux)."""
    m = re.search(r"BLAS_INFO=(\w+)", torch.__config__.show())
    info = m.group(1) if m else "?"
    try:
        with open("/proc/self/maps") as f:
            libs = sorted({os.path.realpath(line.split()[-1]) for line in f if "blas" in line.lower() and "/" in line})
    except OSError:
        libs = []
    return info + (" (" + ", ".join(libs) + ")" if libs else "")


def c_rates(path):
    """{missing %: (windows/s, windows/s in CPU time)} from bench_waveform's table."""
    out = {}
    with open(path) as f:
        for line in f:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) == 7 and re.fullmatch(r"\d+%", cells[0]):
                out[int(cells[0][:-1])] = (float(cells[2]), float(cells[6]))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("windows", help="float32 [2, B, T, C] from bench_waveform --windows")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--c", action="append", default=[], metavar="LABEL=FILE",
                    help="bench_waveform output of the same run, for the ratios")
    args = ap.parse_args()

    torch.set_num_threads(1)
    model = load_waveform(args.model)
    T, C = model.cfg["window_samples"], len(model.cfg["channels"])
    window_s = T / model.cfg["sample_rate_hz"]
    x = np.fromfile(args.windows, dtype="<f4").reshape(2, -1, T, C)
    B = x.shape[1]
    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} thread, BLAS: {blas()}; "
          f"{B} windows per pass, best of {args.reps} passes after a warm-up pass\n")
    print("| missing tokens | batch | windows/s | ms per window | x real time | windows/s in CPU time |\n"
          "|---|---|---|---|---|---|")
    rates = {}
    with torch.inference_mode():
        for k, pct in enumerate((0, 50)):
            xs = torch.from_numpy(np.ascontiguousarray(x[k]))
            singles = [xs[b:b + 1] for b in range(B)]
            for batch in (1, 64):
                if batch == 1:
                    fn = lambda: [model(w) for w in singles]  # noqa: E731
                else:
                    chunks = [xs[i:i + batch] for i in range(0, B, batch)]
                    fn = lambda: [model(c) for c in chunks]  # noqa: E731
                wall, cpu = best_time(fn, args.reps)
                wps, wps_cpu = B / wall, B / cpu
                rates[(pct, batch)] = (wps, wps_cpu)
                print(f"| {pct}% | {batch} | {wps:.1f} | {1e3 / wps:.3f} | {wps * window_s:.0f}x | {wps_cpu:.1f} |")
    if args.c:
        print("\nThe C core (`wfm_embed`, one window per call) against PyTorch, same run:\n")
        print("| build | missing tokens | C windows/s | vs PyTorch batch 1 | vs PyTorch batch 64 | "
              "in CPU time: vs batch 1 | vs batch 64 |\n|---|---|---|---|---|---|---|")
        for spec in args.c:
            label, path = spec.split("=", 1)
            for pct, (wps, cpu) in sorted(c_rates(path).items()):
                b1, b64 = rates[(pct, 1)], rates[(pct, 64)]
                print(f"| {label} | {pct}% | {wps:.1f} | {wps / b1[0]:.2f}x | {wps / b64[0]:.2f}x | "
                      f"{cpu / b1[1]:.2f}x | {cpu / b64[1]:.2f}x |")


if __name__ == "__main__":
    main()
