#!/usr/bin/env python3
"""Run the ONNX encoders of tools/onnx_export.py with onnxruntime on the
token files it wrote; print one JSON line per window and form.

    build/pyvenv/bin/python tools/ort_run.py ONNX_DIR TOKENS_DIR [--threads K]

Output lines: {"window": w, "start": ..., "form": "masked"|"compact",
"n_visible": n, "embedding": [...]}. Needs only numpy and onnxruntime (the
PyPI wheel, pinned in scripts/setup.sh), not torch.
"""
import argparse
import json
import os

import numpy as np
import onnxruntime as ort


def session(path, threads):
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("onnx_dir")
    ap.add_argument("tokens_dir")
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    with open(os.path.join(a.tokens_dir, "tokens.json")) as f:
        man = json.load(f)
    N, P = man["n_tokens"], man["patch_minutes"]
    masked = session(os.path.join(a.onnx_dir, "encoder-masked.onnx"), a.threads)
    compact = session(os.path.join(a.onnx_dir, "encoder-compact.onnx"), a.threads)

    def load(name, dtype, shape):
        return np.fromfile(os.path.join(a.tokens_dir, name), dtype=dtype).reshape(shape)

    for w, win in enumerate(man["windows"]):
        fl, n = win["files"], win["n_visible"]
        if n == 0:
            continue  # no visible token: wearfm writes no embedding for the window either
        outs = {
            "masked": masked.run(None, {"patches": load(fl["patches"], "<f4", (1, N, P)),
                                        "visible": load(fl["visible"], np.uint8, (1, N)).astype(bool)})[0],
            "compact": compact.run(None, {"patches": load(fl["compact"], "<f4", (1, n, P)),
                                          "positions": load(fl["positions"], "<i8", (n,))})[0],
        }
        for form, emb in outs.items():
            print(json.dumps({"window": w, "start": win["start"], "form": form, "n_visible": n,
                              "embedding": [float(v) for v in emb[0]]}))


if __name__ == "__main__":
    main()
