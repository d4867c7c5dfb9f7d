#!/usr/bin/env python3
"""Ships the accelerometer pair trained on all 15 WESAD subjects (make
ship-accel): copies the runs of tools/accel_pipeline.sh to models/, and
fits the page's and `wearfm hr`'s probes on the shipped student through the
C core's CLI:

  models/probes/accel-hr.safetensors        ridge, device heart rate of all
      15 WESAD subjects (30-s windows), lambda by inner CV over subjects,
      bound to the student; its error bands (expected MAE by motion_g) are
      the held-out ones of the evaluation (models/wearfm-accel.eval.json)
  models/probes/accel-activity.safetensors  logistic (class-balanced), the 6
      WISDM watch activities of all 51 subjects, bound to the student

    /usr/bin/python3 tools/accel_ship.py --runs build/accel --wearfm build/native/wearfm
"""
import argparse
import json
import os
import shutil
import sys
import tempfile

import numpy as np

import accel_data as D
from accel_eval import Embedder, cli, probe_fit

STUDENT = "models/wearfm-accel-wesad.safetensors"
TEACHER = "models/wearfm-ppg-wesad.safetensors"
HR_PROBE = "models/probes/accel-hr.safetensors"
ACTIVITY_PROBE = "models/probes/accel-activity.safetensors"
EVAL_JSON = "models/wearfm-accel.eval.json"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", default="build/accel")
    ap.add_argument("--wearfm", default="build/native/wearfm")
    ap.add_argument("--probes-only", action="store_true", help="keep the model files, refit the probes")
    args = ap.parse_args()
    if not args.probes_only:
        shutil.copyfile(os.path.join(args.runs, "student-all.safetensors"), STUDENT)
        shutil.copyfile(os.path.join(args.runs, "teacher-all.safetensors"), TEACHER)
        os.makedirs("models/train-logs/accel", exist_ok=True)
        for name in ("teacher-all", "student-all"):
            shutil.copyfile(os.path.join(args.runs, "logs", f"{name}.jsonl"), f"models/train-logs/accel/{name}.jsonl")
        print(f"wrote {STUDENT}, {TEACHER}")

    work = tempfile.mkdtemp(prefix="accel-ship-")
    E = Embedder(args.wearfm, work)
    w = D.load_wesad(stride_s=D.WINDOW_S)
    f = E.wesad(STUDENT, w, "acc")
    ok = ~np.isnan(f).any(1) & ~np.isnan(w["hr"])
    tmp = probe_fit(args.wearfm, work, "hr", "ridge", (f[ok], w["hr"][ok], w["sid"][ok]), model=STUDENT)
    bands = None
    if os.path.exists(EVAL_JSON):
        bands = json.load(open(EVAL_JSON)).get("hr_error_bands")
    if bands:
        path = os.path.join(work, "bands.json")
        json.dump(bands, open(path, "w"))
        cli(args.wearfm, ["probe", "annotate", tmp, "--error-bands", path, "-o", HR_PROBE, "-q"])
    else:
        print(f"note: {EVAL_JSON} has no hr_error_bands: the heart-rate probe ships without them", file=sys.stderr)
        shutil.copyfile(tmp, HR_PROBE)
    print(f"wrote {HR_PROBE} ({int(ok.sum())} windows of {len(np.unique(w['sid'][ok]))} subjects)")

    z = D.wisdm_windows(stride_s=D.WINDOW_S)
    g = E.wisdm(STUDENT, z)
    ok = ~np.isnan(g).any(1)
    tmp = probe_fit(args.wearfm, work, "activity", "logistic", (g[ok], z["activity"][ok], z["subject"][ok]),
                    model=STUDENT)
    shutil.copyfile(tmp, ACTIVITY_PROBE)
    print(f"wrote {ACTIVITY_PROBE} ({int(ok.sum())} windows of {len(np.unique(z['subject'][ok]))} subjects)")


if __name__ == "__main__":
    main()
