#!/usr/bin/env python3
"""Evaluation of the accelerometer models of issue 10 (make eval-accel).

Inputs: the runs of tools/accel_pipeline.sh in --runs (teacher-foldK,
student-foldK, ssl-foldK, supervised-foldK for K = 0..2; ablations when
present). Every score is on subjects the fold's encoders never saw
(WESAD, 3 folds by subject), from non-overlapping 30-s windows:

  retrieval  the student's accelerometer embedding against the fold
             teacher's PPG embeddings of a pool of held-out windows
             (cosine): top-1 and mean rank, pool sizes 2..200, 500 draws
             per size, pools drawn from all held-out subjects together;
  heart rate ridge probe (the C core's, `wearfm probe fit --task ridge
             --cv-lambda --groups subject`) fitted on the training subjects'
             windows, predicting the held-out subjects' device heart rate
             (HR.csv mean over the window); MAE in bpm;
  stress     TSST vs Base windows (condition edges trimmed 60 s), logistic
             probe (class-balanced, lambda by inner CV over subjects),
             balanced accuracy over the held-out subjects' windows;
  activity   WISDM watch (51 other people, another watch, 20 Hz resampled
             to 32 Hz): the 6 activities, leave-one-subject-out logistic
             probe (`wearfm probe eval --groups subject --folds 0`),
             accuracy and macro-F1; encoders of fold 0 (no WISDM data in
             any training).

Features per method: the accelerometer encoders' pooled embeddings (the
student: also its projection into the teacher's space), hand-made window
statistics of the same accelerometer windows, the PPG teacher's embedding
(a reference: it sees the pulse), and for stress the wrist's EDA and
temperature. Writes --out JSON (the model card's tables are generated from
it by tools/accel_tables.py).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import accel_data as D  # noqa: E402
from accel_train import N_FOLDS, fold_subjects  # noqa: E402
from waveform_ref import load_waveform, tokens  # noqa: E402

POOL_SIZES = (2, 5, 10, 20, 50, 100, 200)
DRAWS = 500


# --------------------------------------------------------------------------
# Features


def accel_stats(acc):
    """Hand-made statistics of [W, T, 3] windows in g: per-axis mean and
    std, magnitude mean/std/percentiles, jerk, and the magnitude's spectral
    power in 0.3-1, 1-2, 2-3.5, 3.5-8 Hz with its peak frequency."""
    mag = np.linalg.norm(acc, axis=2)
    f = [acc.mean(1), acc.std(1), mag.mean(1, keepdims=True), mag.std(1, keepdims=True),
         np.percentile(mag, [10, 50, 90], axis=1).T, np.abs(np.diff(mag, axis=1)).mean(1, keepdims=True)]
    spec = np.abs(np.fft.rfft(mag - mag.mean(1, keepdims=True), axis=1)) ** 2
    freqs = np.fft.rfftfreq(mag.shape[1], 1 / D.RATE)
    for lo, hi in ((0.3, 1), (1, 2), (2, 3.5), (3.5, 8)):
        band = (freqs >= lo) & (freqs < hi)
        f.append(np.log1p(spec[:, band].sum(1, keepdims=True)))
    sel = freqs >= 0.3
    f.append(freqs[sel][np.argmax(spec[:, sel], axis=1)][:, None])
    return np.concatenate(f, axis=1).astype(np.float64)


@torch.no_grad()
def embed(model, x, which="embedding"):
    out = []
    for i in range(0, len(x), 512):
        xb = torch.from_numpy(np.ascontiguousarray(x[i:i + 512]))
        tok, vis = tokens(xb, model.cfg)
        out.append(model.pooled(tok, vis) if which == "pooled" else model.embed_tokens(tok, vis))
    return torch.cat(out).numpy().astype(np.float64)


# --------------------------------------------------------------------------
# Probes through the C core's CLI


def write_features(path, feats, labels, groups):
    with open(path, "w") as f:
        f.write("group,label," + ",".join(f"f_{j}" for j in range(feats.shape[1])) + "\n")
        for g, y, row in zip(groups, labels, feats):
            f.write(f"{g},{y}," + ",".join(f"{v:.9g}" for v in row) + "\n")


def cli(wearfm, args):
    r = subprocess.run([wearfm] + args, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"wearfm {' '.join(args[:2])} failed ({r.returncode}): {r.stderr[-2000:]}")
    return r.stdout


def probe_fit_predict(wearfm, work, name, task, tr, te):
    """tr, te: (features, labels, groups). Returns the predictions on te
    (ridge: numbers; logistic: class names)."""
    a, b, p = (os.path.join(work, f"{name}-{s}") for s in ("train.csv", "test.csv", "probe.safetensors"))
    write_features(a, *tr)
    write_features(b, *te)
    opts = ["--task", "ridge"] if task == "ridge" else ["--balanced"]
    cli(wearfm, ["probe", "fit", a, "--labels", "label", "--features", "f_", "--cv-lambda",
                 "--groups", "group", "-q", "-o", p] + opts)
    out = cli(wearfm, ["probe", "predict", p, b, "--id", "group"]).strip().splitlines()
    col = out[0].split(",").index("prediction" if task == "ridge" else "class")
    vals = [line.split(",")[col] for line in out[1:]]
    return np.array([float(v) for v in vals]) if task == "ridge" else np.array(vals)


def balanced_accuracy(y, p):
    return float(np.mean([np.mean(p[y == c] == c) for c in np.unique(y)]))


def macro_f1(y, p):
    f1 = []
    for c in np.unique(y):
        tp = np.sum((p == c) & (y == c))
        prec = tp / max(1, np.sum(p == c))
        rec = tp / max(1, np.sum(y == c))
        f1.append(0.0 if tp == 0 else 2 * prec * rec / (prec + rec))
    return float(np.mean(f1))


# --------------------------------------------------------------------------


def retrieval(student_emb, teacher_emb, rng):
    """Top-1 and mean rank of the paired teacher embedding in random pools."""
    s = student_emb / np.linalg.norm(student_emb, axis=1, keepdims=True)
    t = teacher_emb / np.linalg.norm(teacher_emb, axis=1, keepdims=True)
    sim = s @ t.T
    out = {}
    for k in POOL_SIZES:
        if k > len(s):
            continue
        top1, ranks = [], []
        for _ in range(DRAWS):
            pool = rng.choice(len(s), size=k, replace=False)
            q = pool[0]
            r = int(np.sum(sim[q, pool] > sim[q, q]))  # 0 = the pair is nearest
            top1.append(r == 0)
            ranks.append(r + 1)
        out[k] = dict(top1=float(np.mean(top1)), mean_rank=float(np.mean(ranks)))
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", default="build/accel")
    ap.add_argument("--wearfm", default="build/native/wearfm")
    ap.add_argument("--out", default="build/accel/eval.json")
    ap.add_argument("--folds", default=",".join(str(k) for k in range(N_FOLDS)))
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    torch.set_num_threads(2)
    rng = np.random.default_rng(args.seed)
    folds = [int(k) for k in args.folds.split(",")]
    w = D.load_wesad(stride_s=D.WINDOW_S)
    stats = accel_stats(w["acc"])
    work = tempfile.mkdtemp(prefix="accel-eval-")
    run = lambda name: os.path.join(args.runs, f"{name}.safetensors")  # noqa: E731

    students = [v for v in ("student", "student-noaug", "student-norotate")
                if all(os.path.exists(run(f"{v}-fold{k}")) for k in folds)]
    results = dict(folds=folds, windows=int(len(w["acc"])), retrieval={}, heart_rate={}, stress={},
                   activity={})
    per_fold = {}
    for k in folds:
        train_subs, held = fold_subjects(k)
        tr, te = np.isin(w["sid"], train_subs), np.isin(w["sid"], held)
        teacher = load_waveform(run(f"teacher-fold{k}"))
        feats = {"teacher (PPG)": embed(teacher, w["bvp"], "pooled"), "window statistics": stats}
        for v in students:
            m = load_waveform(run(f"{v}-fold{k}"))
            feats[f"{v} pooled"] = embed(m, w["acc"], "pooled")
            feats[f"{v} projection"] = embed(m, w["acc"])
            r = retrieval(feats[f"{v} projection"][te], feats["teacher (PPG)"][te], rng)
            per_fold.setdefault(("retrieval", v), []).append(r)
        feats["ssl baseline"] = embed(load_waveform(run(f"ssl-fold{k}")), w["acc"], "pooled")
        sup = load_waveform(run(f"supervised-fold{k}"))
        feats["supervised baseline"] = embed(sup, w["acc"], "pooled")
        head = torch.load(run(f"supervised-fold{k}") + ".head.pt")
        sup_pred = (feats["supervised baseline"] @ head["weight"].numpy().T.astype(np.float64))[:, 0]
        sup_pred = (sup_pred + float(head["bias"][0])) * head["hr_std"] + head["hr_mean"]

        # heart rate
        hr = w["hr"]
        per_fold.setdefault(("hr", "training mean"), []).append(np.abs(hr[te] - hr[tr].mean()))
        per_fold.setdefault(("hr", "supervised baseline (its own head)"), []).append(np.abs(hr[te] - sup_pred[te]))
        for name, f in feats.items():
            p = probe_fit_predict(args.wearfm, work, f"hr{k}", "ridge",
                                  (f[tr], hr[tr], w["sid"][tr]), (f[te], hr[te], w["sid"][te]))
            per_fold.setdefault(("hr", name), []).append(np.abs(hr[te] - p))

        # stress: TSST vs Base
        lab = np.where(w["cond"] == "TSST", "stress", np.where(w["cond"] == "Base", "baseline", ""))
        s_tr, s_te = tr & (lab != ""), te & (lab != "")
        wrist = np.stack([w["eda"], w["temp"]], 1)
        stress_feats = dict(feats)
        stress_feats["EDA + temperature"] = wrist
        stress_feats["wrist: teacher + student + EDA + temperature"] = np.concatenate(
            [feats["teacher (PPG)"], feats["student pooled"], wrist], 1) if "student pooled" in feats else None
        stress_feats["wrist: statistics + EDA + temperature"] = np.concatenate([stats, wrist], 1)
        for name, f in stress_feats.items():
            if f is None:
                continue
            p = probe_fit_predict(args.wearfm, work, f"st{k}", "logistic",
                                  (f[s_tr], lab[s_tr], w["sid"][s_tr]), (f[s_te], lab[s_te], w["sid"][s_te]))
            per_fold.setdefault(("stress", name), []).append((lab[s_te], p))
        print(f"fold {k} done", flush=True)

    for (task, name), vals in per_fold.items():
        if task == "retrieval":
            results["retrieval"][name] = {
                str(size): dict(top1=float(np.mean([v[size]["top1"] for v in vals])),
                                mean_rank=float(np.mean([v[size]["mean_rank"] for v in vals])))
                for size in vals[0]}
        elif task == "hr":
            e = np.concatenate(vals)
            results["heart_rate"][name] = dict(mae=float(e.mean()), n=int(len(e)),
                                               per_fold=[float(v.mean()) for v in vals])
        else:
            y = np.concatenate([v[0] for v in vals])
            p = np.concatenate([v[1] for v in vals])
            results["stress"][name] = dict(balanced_accuracy=balanced_accuracy(y, p), n=int(len(y)),
                                           per_fold=[balanced_accuracy(*v) for v in vals])

    # activity on WISDM (fold 0's encoders; nobody in WISDM was in training)
    z = D.wisdm_windows(stride_s=D.WINDOW_S)
    act_feats = {"window statistics": accel_stats(z["acc"])}
    for v in students:
        m = load_waveform(run(f"{v}-fold{folds[0]}"))
        act_feats[f"{v} pooled"] = embed(m, z["acc"], "pooled")
        act_feats[f"{v} projection"] = embed(m, z["acc"])
    act_feats["ssl baseline"] = embed(load_waveform(run(f"ssl-fold{folds[0]}")), z["acc"], "pooled")
    act_feats["supervised baseline"] = embed(load_waveform(run(f"supervised-fold{folds[0]}")), z["acc"], "pooled")
    for name, f in act_feats.items():
        path = os.path.join(work, "act.csv")
        write_features(path, f, z["activity"], z["subject"])
        out = cli(args.wearfm, ["probe", "eval", path, "--labels", "label", "--groups", "group", "--folds", "0",
                                "--features", "f_", "--balanced", "--cv-lambda", "--lambdas", "1e-4,1e-3,1e-2,1e-1",
                                "--inner-folds", "3", "--format", "json", "-q"])
        results["activity"][name] = json.loads(out)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(results, f, indent=1, sort_keys=True)
    print(json.dumps({t: {k: (v.get("mae") or v.get("balanced_accuracy") or v.get("100") or "")
                          for k, v in results[t].items()} for t in ("retrieval", "heart_rate", "stress")},
                     indent=1))


if __name__ == "__main__":
    main()
