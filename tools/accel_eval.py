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
             balanced accuracy over the held-out subjects' windows; each
             feature set also through a person-relative probe (`probe fit
             --relative`, each person standardised over every window of
             their session, no labels; results["stress_relative"]);
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
import datetime
import hashlib
import json
import os
import subprocess
import tempfile

import numpy as np
import torch

import accel_data as D
from accel_train import N_FOLDS, fold_subjects
from safetensors_io import read_safetensors, write_safetensors
from waveform_ref import config_json
from wearfm_ref import CONFIG_KEY

POOL_SIZES = (2, 5, 10, 20, 50, 100, 200)
ABLATIONS = ("student", "student-norotate", "student-noaug")  # trainer runs, tools/accel_pipeline.sh
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


def strip_projection(path, out):
    """The same encoder without its projection head: its embedding is the
    pooled encoder output (the features a SimCLR encoder is probed on)."""
    tensors, meta = read_safetensors(path)
    cfg = json.loads(meta[CONFIG_KEY])
    cfg["projection"] = None
    meta[CONFIG_KEY] = config_json(cfg)
    write_safetensors(out, {k: v for k, v in tensors.items() if not k.startswith("proj.")}, metadata=meta)
    return out


def parse_utc(s):
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


def cli_embed(wearfm, model, recording, extra=()):
    """{window start (unix s): embedding} from `wearfm embed MODEL RECORDING`,
    the entry point a user calls (the core reads, resamples and windows)."""
    out = cli(wearfm, ["embed", model, recording, "--stride", str(D.WINDOW_S), "-q", "--threads", "1"] + list(extra))
    rows = [line.split(",") for line in out.strip().splitlines()[1:]]
    return {round(parse_utc(r[0]), 3): np.array([float(v) for v in r[2:]]) for r in rows}


class Embedder:
    """Embeddings of the evaluation windows through the CLI, one recording
    file per subject (WESAD) or per subject and activity (WISDM)."""

    def __init__(self, wearfm, work):
        self.wearfm, self.work, self.cache = wearfm, work, {}

    def wesad(self, model, w, signal):
        """[W, E] for the windows of load_wesad (rows in w's order); NaN rows
        for windows the core skipped (none is expected: WESAD has no gaps)."""
        name = "ACC.csv" if signal == "acc" else "BVP.csv"
        rows = None
        for sid in np.unique(w["sid"]):
            path = os.path.join(D.DATA, "wesad", sid, name)
            with open(path) as f:
                t0 = float(f.readline().split(",")[0])
            emb = cli_embed(self.wearfm, model, path)
            dim = len(next(iter(emb.values())))
            if rows is None:
                rows = np.full((len(w["sid"]), dim), np.nan)
            for i in np.flatnonzero(w["sid"] == sid):
                rows[i] = emb.get(round(t0 + float(w["t"][i]), 3), np.nan)
        return rows

    def wisdm(self, model, z):
        """[W, E] for the windows of wisdm_windows: each subject's activity
        written as a timestamp,x,y,z CSV in m/s^2 at 20 Hz (this copy of WISDM
        dropped the timestamps; the rate is the dataset's) and embedded."""
        out = np.full((len(z["subject"]), 0), np.nan)
        for (sub, act), (path, idx) in self.wisdm_files(z).items():
            emb = cli_embed(self.wearfm, model, path, ["--input-format", "csv", "--unit", "m/s2",
                                                       "--rate", str(D.WISDM_RATE)])
            vals = [emb[k] for k in sorted(emb)]
            if out.shape[1] == 0:
                out = np.full((len(z["subject"]), len(vals[0])), np.nan)
            for j, i in enumerate(idx[:len(vals)]):
                out[i] = vals[j]
        return out

    def wisdm_files(self, z):
        if "wisdm" not in self.cache:
            files = {}
            raw = D.wisdm_raw()
            for (sub, act), xyz in raw.items():
                idx = np.flatnonzero((z["subject"] == sub) & (z["activity"] == act))
                path = os.path.join(self.work, f"wisdm-{sub}-{act}.csv")
                with open(path, "w") as f:
                    f.write("timestamp,x,y,z\n")
                    for i, (x, y, zz) in enumerate(xyz):
                        f.write(f"{1.5e9 + i / D.WISDM_RATE:.3f},{x!r},{y!r},{zz!r}\n")
                files[(sub, act)] = (path, idx)
            self.cache["wisdm"] = files
        return self.cache["wisdm"]


# --------------------------------------------------------------------------
# Probes through the C core's CLI


def write_features(path, feats, labels, groups):
    with open(path, "w") as f:
        f.write("group,label," + ",".join(f"emb_{j}" for j in range(feats.shape[1])) + "\n")
        for g, y, row in zip(groups, labels, feats):
            f.write(f"{g},{y}," + ",".join(f"{v:.9g}" for v in row) + "\n")


def cli(wearfm, args):
    r = subprocess.run([wearfm] + args, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"wearfm {' '.join(args[:2])} failed ({r.returncode}): {r.stderr[-2000:]}")
    return r.stdout


def probe_fit(wearfm, work, name, task, tr, model=None, relative=False):
    """Fits a probe on tr = (features, labels, groups); returns its path.
    relative: person-relative features (`--relative`), each group's rows,
    labelled ("") or not, standardised by the group's own statistics."""
    a, p = os.path.join(work, f"{name}-train.csv"), os.path.join(work, f"{name}-probe.safetensors")
    write_features(a, *tr)
    opts = ["--task", "ridge"] if task == "ridge" else ["--balanced"]
    cli(wearfm, ["probe", "fit", a, "--labels", "label", "--features", "emb_", "--cv-lambda",
                 "--groups", "group", "-q", "-o", p] + opts + (["--model", model] if model else [])
        + (["--relative"] if relative else []))
    return p


def probe_fit_predict(wearfm, work, name, task, tr, te, relative=False):
    """tr, te: (features, labels, groups). Returns the predictions on te
    (ridge: numbers; logistic: class names), one per row of te."""
    p = probe_fit(wearfm, work, name, task, tr, relative=relative)
    b = os.path.join(work, f"{name}-test.csv")
    write_features(b, *te)
    out = cli(wearfm, ["probe", "predict", p, b, "--id", "group", "--groups", "group"]).strip().splitlines()
    col = out[0].split(",").index("prediction" if task == "ridge" else "class")
    vals = [line.split(",")[col] for line in out[1:]]
    return np.array([float(v) for v in vals]) if task == "ridge" else np.array(vals)


def cli_hr(wearfm, model, probe, recording):
    """{window start: (hr_bpm, motion_g)} from `wearfm hr` (the user's command)."""
    out = cli(wearfm, ["hr", model, probe, recording, "--stride", str(D.WINDOW_S), "-q", "--threads", "1"])
    rows = [line.split(",") for line in out.strip().splitlines()[1:]]
    return {round(parse_utc(r[0]), 3): (float(r[1]), float(r[3])) for r in rows}


def error_bands(abs_err, motion, n_bands=3):
    """The probe's measured MAE in motion_g terciles of the held-out windows."""
    edges = [float(v) for v in np.quantile(motion, np.arange(1, n_bands) / n_bands)]
    which = np.searchsorted(edges, motion, side="right")
    return dict(by="motion_g", edges=edges,
                mae_bpm=[float(abs_err[which == b].mean()) for b in range(n_bands)])


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


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


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
    ap.add_argument("--ablation-folds", default="0",
                    help="folds on which the student's augmentation ablations are scored (empty: none)")
    ap.add_argument("--quick", action="store_true",
                    help="smoke tests: 50 retrieval draws, activity in 5 grouped folds with a fixed lambda")
    ap.add_argument("--shipped", default="",
                    help="comma-separated model files whose sha256 the JSON records (tools/accel_tables.py --check)")
    args = ap.parse_args(argv)
    global DRAWS
    if args.quick:
        DRAWS = 50
    torch.set_num_threads(2)
    rng = np.random.default_rng(args.seed)
    folds = [int(k) for k in args.folds.split(",")]
    w = D.load_wesad(stride_s=D.WINDOW_S)
    stats = accel_stats(w["acc"])
    work = tempfile.mkdtemp(prefix="accel-eval-")
    run = lambda name: os.path.join(args.runs, f"{name}.safetensors")  # noqa: E731
    pooled = lambda name: strip_projection(run(name), os.path.join(work, f"{name}-pooled.safetensors"))  # noqa: E731
    E = Embedder(args.wearfm, work)

    students = ["student"]
    results = dict(folds=folds, windows=int(len(w["acc"])), retrieval={}, heart_rate={}, stress={},
                   stress_relative={}, activity={})
    per_fold = {}
    for k in folds:
        train_subs, held = fold_subjects(k)
        tr, te = np.isin(w["sid"], train_subs), np.isin(w["sid"], held)
        feats = {"teacher (PPG)": E.wesad(run(f"teacher-fold{k}"), w, "bvp"), "window statistics": stats}
        for v in students:
            feats[f"{v} pooled"] = E.wesad(pooled(f"{v}-fold{k}"), w, "acc")
            feats[f"{v} projection"] = E.wesad(run(f"{v}-fold{k}"), w, "acc")
            r = retrieval(feats[f"{v} projection"][te], feats["teacher (PPG)"][te], rng)
            per_fold.setdefault(("retrieval", v), []).append(r)
        feats["ssl baseline"] = E.wesad(pooled(f"ssl-fold{k}"), w, "acc")
        feats["supervised baseline"] = E.wesad(run(f"supervised-fold{k}"), w, "acc")
        head = torch.load(run(f"supervised-fold{k}") + ".head.pt")
        sup_pred = (feats["supervised baseline"] @ head["weight"].numpy().T.astype(np.float64))[:, 0]
        sup_pred = (sup_pred + float(head["bias"][0])) * head["hr_std"] + head["hr_mean"]

        # heart rate
        hr = w["hr"]
        per_fold.setdefault(("hr", "training mean"), []).append(np.abs(hr[te] - hr[tr].mean()))
        per_fold.setdefault(("hr", "supervised baseline (its own head)"), []).append(np.abs(hr[te] - sup_pred[te]))
        if "student projection" in feats:  # the shipped kind of model, through `wearfm hr`
            f = feats["student projection"]
            probe = probe_fit(args.wearfm, work, f"hrcli{k}", "ridge", (f[tr], hr[tr], w["sid"][tr]),
                              model=run(f"student-fold{k}"))
            err, mot = [], []
            for sid in held:
                path = os.path.join(D.DATA, "wesad", sid, "ACC.csv")
                with open(path) as fh:
                    t0 = float(fh.readline().split(",")[0])
                got = cli_hr(args.wearfm, run(f"student-fold{k}"), probe, path)
                for i in np.flatnonzero(w["sid"] == sid):
                    bpm, m = got[round(t0 + float(w["t"][i]), 3)]
                    err.append(abs(bpm - hr[i]))
                    mot.append(m)
            per_fold.setdefault(("hr", "student: wearfm hr"), []).append(np.array(err))
            per_fold.setdefault(("motion", "student: wearfm hr"), []).append(np.array(mot))
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
            # person-relative: every window of a person's session (all
            # conditions and the unlabelled stretches between them) sets that
            # person's statistics, for training and held-out people alike;
            # only Base and TSST windows are labelled and scored
            p = probe_fit_predict(args.wearfm, work, f"sr{k}", "logistic", (f[tr], lab[tr], w["sid"][tr]),
                                  (f[te], lab[te], w["sid"][te]), relative=True)
            per_fold.setdefault(("stress_relative", name), []).append((lab[s_te], p[lab[te] != ""]))
        print(f"fold {k} done", flush=True)

    for (task, name), vals in per_fold.items():
        if task == "motion":
            continue
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
            results[task][name] = dict(balanced_accuracy=balanced_accuracy(y, p), n=int(len(y)),
                                           per_fold=[balanced_accuracy(*v) for v in vals])

    # the student's augmentations, ablated on the folds where every variant exists
    abl_folds = [int(k) for k in args.ablation_folds.split(",") if k != ""]
    variants = [v for v in ABLATIONS if all(os.path.exists(run(f"{v}-fold{k}")) for k in abl_folds)]
    results["ablation"] = {}
    if abl_folds and len(variants) > 1:
        acc = {v: dict(top1=[], hr=[], y=[], p=[]) for v in variants}
        lab = np.where(w["cond"] == "TSST", "stress", np.where(w["cond"] == "Base", "baseline", ""))
        for k in abl_folds:
            train_subs, held = fold_subjects(k)
            tr, te = np.isin(w["sid"], train_subs), np.isin(w["sid"], held)
            teacher = E.wesad(run(f"teacher-fold{k}"), w, "bvp")
            for v in variants:
                proj, pool = E.wesad(run(f"{v}-fold{k}"), w, "acc"), E.wesad(pooled(f"{v}-fold{k}"), w, "acc")
                acc[v]["top1"].append(retrieval(proj[te], teacher[te], rng)[100]["top1"])
                p = probe_fit_predict(args.wearfm, work, f"ab{k}", "ridge", (pool[tr], w["hr"][tr], w["sid"][tr]),
                                      (pool[te], w["hr"][te], w["sid"][te]))
                acc[v]["hr"].append(np.abs(w["hr"][te] - p))
                s_tr, s_te = tr & (lab != ""), te & (lab != "")
                acc[v]["p"].append(probe_fit_predict(args.wearfm, work, f"abs{k}", "logistic",
                                                     (pool[s_tr], lab[s_tr], w["sid"][s_tr]),
                                                     (pool[s_te], lab[s_te], w["sid"][s_te])))
                acc[v]["y"].append(lab[s_te])
        for v in variants:
            results["ablation"][v] = dict(
                folds=abl_folds, top1=float(np.mean(acc[v]["top1"])), hr_mae=float(np.concatenate(acc[v]["hr"]).mean()),
                stress_balanced_accuracy=balanced_accuracy(np.concatenate(acc[v]["y"]), np.concatenate(acc[v]["p"])))

    if ("hr", "student: wearfm hr") in per_fold:
        results["hr_error_bands"] = error_bands(np.concatenate(per_fold[("hr", "student: wearfm hr")]),
                                                np.concatenate(per_fold[("motion", "student: wearfm hr")]))

    # activity on WISDM (fold 0's encoders; nobody in WISDM was in training)
    z = D.wisdm_windows(stride_s=D.WINDOW_S)
    act_feats = {"window statistics": accel_stats(z["acc"])}
    act_feats["student pooled"] = E.wisdm(pooled(f"student-fold{folds[0]}"), z)
    act_feats["student projection"] = E.wisdm(run(f"student-fold{folds[0]}"), z)
    for v in variants if abl_folds and abl_folds[0] == folds[0] else []:
        act_feats.setdefault(f"{v} pooled", E.wisdm(pooled(f"{v}-fold{folds[0]}"), z))
    act_feats["ssl baseline"] = E.wisdm(pooled(f"ssl-fold{folds[0]}"), z)
    act_feats["supervised baseline"] = E.wisdm(run(f"supervised-fold{folds[0]}"), z)
    for name, f in act_feats.items():
        path = os.path.join(work, "act.csv")
        write_features(path, f, z["activity"], z["subject"])
        opts = (["--folds", "5"] if args.quick else
                ["--folds", "0", "--cv-lambda", "--lambdas", "1e-4,1e-3,1e-2,1e-1", "--inner-folds", "3"])
        out = cli(args.wearfm, ["probe", "eval", path, "--labels", "label", "--groups", "group", "--features", "emb_",
                                "--balanced", "--format", "json", "-q"] + opts)
        results["activity"][name] = json.loads(out)
    results["shipped"] = {os.path.basename(p): dict(file=p, sha256=sha256(p))
                          for p in args.shipped.split(",") if p}
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(results, f, indent=1, sort_keys=True)
    print(json.dumps({t: {k: (v.get("mae") or v.get("balanced_accuracy") or v.get("100") or "")
                          for k, v in results[t].items()} for t in ("retrieval", "heart_rate", "stress", "stress_relative")},
                     indent=1))


if __name__ == "__main__":
    main()
