#!/usr/bin/env python3
"""Downstream linear-probe tasks on Fitabase: AIM vs naive embeddings vs
hand-made statistics, with leave-users-out cross-validation by the C core.

    /usr/bin/python3 tools/probe_tasks.py --data build/fitabase \\
        --model models/wearfm-minute-fitabase.safetensors \\
        --naive models/wearfm-minute-fitabase-naive.safetensors \\
        [--wearfm build/native/wearfm] [--workdir build/probe-tasks] [--folds 5] \\
        [--users ID,ID,...] [--markdown build/probe-tasks/results.md]

Every probe is fit and scored by `wearfm probe eval ... --groups user`
(grouped K-fold: a user is never on both sides; class-balanced logistic
regression; lambda chosen by an inner grouped CV on the training users).
Embeddings come from `wearfm tokens MODEL CSV` (the on-device path).

Inputs: the per-user minute CSVs of `wearfm import fitabase` (header
timestamp,heart_rate,steps,intensity,sleep_state; whole days; the sleep
encoding of docs/data.md: inside a sleep log 2 asleep, 1 restless, 0 awake;
for a user with any sleep log, a worn minute outside every log is 0, awake;
otherwise missing). Both models get exactly the same input: the raw minute
CSV of the variant's channels with its NaN gaps, the removed channels
absent (so entirely missing). No imputation happens here: the AIM model
sees the gaps as missing tokens, and the naive ablation (a format_version 2
model with "inherited_mask": false) is imputed by the C core itself (linear
interpolation within the window, a channel without data at its mean) and
treats every token as visible. Models take whole days (window 1440 min) in
patches of P minutes, P read from each model's config (10, 20, 30 ...);
token n = c*NP + p with NP = 1440 / P, channels in the order heart_rate,
steps, intensity, sleep_state. The label unit ("slot") is one patch, so the
AIM and the naive model must have the same P (the table compares them on
the same rows).

Task 1, sleep vs wake per P-minute slot, labelled from the importer's
sleep_state (which is REMOVED from every input, so it cannot leak into the
features). A slot is labelled only when at least half of its P minutes
carry a sleep_state; then
  asleep  more than half of those minutes are asleep (2) or restless (1);
  awake   more than half of them are awake (0): in-log wake, or worn time
          outside the logs (the importer's rule: Fitbit logs every sleep of
          about an hour or more by itself while the band is worn, so worn
          minutes outside the logs are awake);
  slots with an exact tie are left out, and so are slots with fewer than
  P/2 labelled minutes (non-wear outside the logs, users with no sleep log
  at all). We never require steps > 0 for "awake" (that would define the
  label by an input channel). Awake-in-bed minutes are rare in this data
  set, so "awake" is mostly daytime, and time of day alone nearly separates
  the classes over the whole day (the embeddings carry the slot's
  position); the metric of record is balanced accuracy on task 1b.

Task 1b (the metric of record for sleep/wake): the same labels, but only
slots lying wholly between 20:00 and 10:00: asleep vs awake at night
(in-log wake, evenings before bed, mornings after waking, worn nights
without a log). With the time of day matched this is the harder, more
informative comparison.

Task 2, moderate-to-vigorous activity from heart rate alone: a slot with
intensity observed in at least half of its P minutes is "active" when at
least half of those are moderate or very active (intensity >= 2), else
"inactive". The input to the models is heart rate ONLY (steps, intensity
and sleep_state removed); only slots with heart rate observed count.
Intensity comes from Fitbit's accelerometer, a different sensor, so the
question is whether a single-modality embedding (the situation AIM trains
for: a whole channel missing) still carries the activity information of its
heart-rate patch.

Feature sets (the same rows for all of them: a slot counts only when at
least one input channel is observed in it and both models give a token):
  (a) AIM: mean of the visible token embeddings of the input channels at the
      slot (a patch with no observed minute is never a token);
  (b) naive ablation: the same mean, over the tokens at the slot of the
      input channels that are observed in the raw data in the slot (the
      naive model outputs a token for every patch; its input there is the
      C core's interpolation);
  (c) statistics of the raw input channels: mean/std/min/max over the slot
      and over slot +- 30 min, a missing indicator per channel and window
      (missing stats are 0), and the time of day (sin, cos) - the token
      embeddings carry the slot's position through their positional
      encoding, so the baseline gets it too;
  (d) task 1 only: (a)-(c) with heart rate removed from the input as well.
"""
import argparse
import json
import math
import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
import userdays
from safetensors_io import read_header

CH = userdays.CHANNELS            # heart_rate, steps, intensity, sleep_state
HR, STEPS, INTENSITY, SLEEP = range(4)
DAY = 1440
NIGHT_FROM, NIGHT_TO = 20 * 60, 10 * 60   # task 1b: slots wholly in 20:00-10:00


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def model_config(path, naive):
    """The model's config, checked for what this script assumes."""
    _, meta, _ = read_header(path)
    cfg = json.loads(meta["wearfm.config"])
    if cfg["window_minutes"] != DAY:
        raise SystemExit(f"{path}: window_minutes {cfg['window_minutes']}: this script needs a day model (1440 min)")
    P = cfg["patch_minutes"]
    if DAY % P:
        raise SystemExit(f"{path}: patch_minutes {P} does not divide the day")
    names = [c["name"] for c in cfg["channels"]]
    if names != CH:
        raise SystemExit(f"{path}: channels {names}, expected {CH}")
    inherited = cfg.get("inherited_mask", True)
    if naive and (cfg.get("format_version") != 2 or inherited):
        raise SystemExit(f"{path}: --naive needs a format_version 2 model with \"inherited_mask\": false "
                         f"(format_version {cfg.get('format_version')}, inherited_mask {inherited}); "
                         "the C core imputes its input, this script no longer does")
    if not naive and not inherited:
        raise SystemExit(f"{path}: --model has \"inherited_mask\": false (a naive ablation); pass it as --naive")
    return cfg


def fmt(v):
    return "" if np.isnan(v) else f"{v:.6g}"


def write_minutes(path, days, dates, channels):
    """A minute CSV with only `channels` (indices into CH); the others are absent (all missing)."""
    with open(path, "w") as f:
        f.write("timestamp," + ",".join(CH[c] for c in channels) + "\n")
        for d, date in enumerate(dates):
            block = days[d][:, channels]
            for t in range(DAY):
                f.write(f"{date}T{t // 60:02d}:{t % 60:02d}," + ",".join(fmt(v) for v in block[t]) + "\n")


def day_tokens(wearfm, model, csv, threads):
    """{date: (tokens [N, D] float32, NaN rows for invisible)} from `wearfm tokens`."""
    r = subprocess.run([wearfm, "tokens", model, csv, "--format", "json", "-q", "--threads", str(threads)],
                       capture_output=True, text=True)
    if r.returncode not in (0, 5):  # 5: no window with observed data
        raise SystemExit(f"wearfm tokens failed ({r.returncode}): {r.stderr}")
    if r.returncode == 5:
        return {}
    out = {}
    for w in json.loads(r.stdout)["windows"]:
        toks = w["tokens"]
        D = next(len(t) for t in toks if t is not None)
        a = np.full((len(toks), D), np.nan, dtype=np.float32)
        for n, t in enumerate(toks):
            if t is not None:
                a[n] = t
        out[w["start"][:10]] = a
    return out


# ------------------------------------------------------------------ labels

def night(p, P):
    """The slot lies wholly in 20:00-10:00."""
    return p * P >= NIGHT_FROM or (p + 1) * P <= NIGHT_TO


def sleep_labels(days, P, night_only=False):
    """[(day, slot, label)] for task 1; label 1 = asleep, 0 = awake, by the
    majority of the slot's sleep_state minutes (>= half of its P minutes
    must carry one; ties left out). night_only: slots wholly in 20:00-10:00."""
    NP = DAY // P
    rows = []
    for d in range(days.shape[0]):
        s = days[d, :, SLEEP].reshape(NP, P)
        for p in range(NP):
            if night_only and not night(p, P):
                continue
            n = (~np.isnan(s[p])).sum()
            if 2 * n < P:
                continue
            asleep = ((s[p] == 1) | (s[p] == 2)).sum()
            awake = (s[p] == 0).sum()
            if asleep != awake:
                rows.append((d, p, int(asleep > awake)))
    return rows


def activity_labels(days, P):
    """[(day, slot, label)] for task 2; label 1 = active (MVPA), needs HR in the slot."""
    NP = DAY // P
    rows = []
    for d in range(days.shape[0]):
        it = days[d, :, INTENSITY].reshape(NP, P)
        hr = days[d, :, HR].reshape(NP, P)
        for p in range(NP):
            obs = ~np.isnan(it[p])
            if 2 * obs.sum() >= P and (~np.isnan(hr[p])).any():
                rows.append((d, p, int((it[p][obs] >= 2).sum() * 2 >= obs.sum())))
    return rows


# ---------------------------------------------------------------- features

def stat_features(days, d, p, channels, P):
    """mean/std/min/max of each channel over the slot and slot +- 30 min, a
    missing flag per channel and window, and the time of day."""
    f = []
    for lo, hi in ((p * P, p * P + P), (p * P - 30, p * P + P + 30)):
        idx = np.arange(lo, hi)
        # the +-30 min window may reach into the neighbouring days
        di, ti = d + idx // DAY, idx % DAY
        ok = (di >= 0) & (di < days.shape[0])
        for c in channels:
            v = days[di[ok], ti[ok], c]
            v = v[~np.isnan(v)]
            f += [v.mean(), v.std(), v.min(), v.max(), 0.0] if len(v) else [0.0, 0.0, 0.0, 0.0, 1.0]
    ang = 2 * math.pi * (p + 0.5) * P / DAY
    return f + [math.sin(ang), math.cos(ang)]


def token_feature(tok, p, channels, observed, NP):
    """Mean of the tokens of `channels` at slot p whose patch is observed in the raw data."""
    vs = [tok[c * NP + p] for c in channels if observed[c]]
    vs = [v for v in vs if not np.isnan(v[0])]
    return np.mean(vs, axis=0) if vs else None


# -------------------------------------------------------------------- main

def run_eval(args, csv, n_users):
    k = min(args.folds, n_users)
    cmd = [args.wearfm, "probe", "eval", csv, "--labels", "label", "--groups", "user", "--features", "f_",
           "--folds", str(k), "--balanced", "--format", "json", "-q"]
    lam = args.probe_lambda
    if lam is None and n_users - -(-n_users // k) < 2:
        # a grouped inner CV needs two users in every outer training set
        lam = 1e-2
        log(f"  only {n_users} users: lambda fixed at {lam:g} (no inner CV)")
    cmd += ["--lambda", str(lam)] if lam is not None else \
        ["--cv-lambda", "--lambdas", args.lambdas, "--inner-folds", str(args.inner_folds)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode:
        log(f"  probe eval failed ({r.returncode}): {r.stderr.strip()}")
        return None
    return json.loads(r.stdout)


def write_rows(path, rows):
    """rows: [(user, id, label, feature vector)]"""
    with open(path, "w") as f:
        D = len(rows[0][3])
        f.write("user,slot,label," + ",".join(f"f_{j}" for j in range(D)) + "\n")
        for u, sid, lab, v in rows:
            f.write(f"{u},{sid},{lab}," + ",".join(f"{x:.7g}" for x in v) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True)
    ap.add_argument("--model", required=True, help="the AIM model")
    ap.add_argument("--naive", required=True, help="the naive-ablation model")
    ap.add_argument("--wearfm", default="build/native/wearfm")
    ap.add_argument("--workdir", default="build/probe-tasks")
    ap.add_argument("--folds", type=int, default=5, help="grouped folds (users); 0 = leave one user out")
    ap.add_argument("--lambdas", default="1e-4,1e-3,1e-2,1e-1,1", help="grid for the inner CV of lambda")
    ap.add_argument("--inner-folds", type=int, default=3)
    ap.add_argument("--lambda", dest="probe_lambda", type=float, default=None,
                    help="a fixed lambda instead of the inner CV")
    ap.add_argument("--tasks", default="sleep,sleep_night,activity")
    ap.add_argument("--threads", type=int, default=0, help="wearfm tokens threads (0 = all cores)")
    ap.add_argument("--users", default=None, help="only these user ids (comma-separated; for quick checks)")
    ap.add_argument("--markdown", default=None, help="also write the table here (default WORKDIR/results.md)")
    args = ap.parse_args()
    if args.folds <= 0:
        args.folds = 10 ** 6
    os.makedirs(args.workdir, exist_ok=True)
    cfgs = {"aim": model_config(args.model, naive=False), "naive": model_config(args.naive, naive=True)}
    P = cfgs["aim"]["patch_minutes"]
    if cfgs["naive"]["patch_minutes"] != P:
        raise SystemExit(f"patch sizes differ: {args.model} has {P}-minute patches, {args.naive} "
                         f"{cfgs['naive']['patch_minutes']}-minute ones. The label unit is one patch and the "
                         "table compares both models on the same rows, so they need the same patch_minutes.")
    NP = DAY // P
    log(f"{P}-minute slots ({NP} per day)")
    users = userdays.load_dir(args.data)
    if args.users:
        keep = set(args.users.split(","))
        missing = keep - set(users)
        if missing:
            raise SystemExit(f"--users: no data for {sorted(missing)}")
        users = {u: v for u, v in users.items() if u in keep}
    log(f"{len(users)} users, {sum(len(v[1]) for v in users.values())} days")

    # Input variants: which channels the models see (sleep_state never).
    variants = {"all": [HR, STEPS, INTENSITY], "no_hr": [STEPS, INTENSITY], "hr_only": [HR]}
    tasks = [t for t in args.tasks.split(",") if t]
    plan = []  # (task, variant)
    for t in ("sleep", "sleep_night"):
        if t in tasks:
            plan += [(t, "all"), (t, "no_hr")]
    if "activity" in tasks:
        plan += [("activity", "hr_only")]
    needed = sorted({v for _, v in plan})

    rows = {(t, v, fs): [] for t, v in plan for fs in ("aim", "naive", "stats")}
    for ui, (uid, (days, dates)) in enumerate(sorted(users.items())):
        labels = {"sleep": sleep_labels(days, P), "sleep_night": sleep_labels(days, P, night_only=True),
                  "activity": activity_labels(days, P)}
        if not any(labels[t] for t in tasks):
            continue
        log(f"user {ui + 1}/{len(users)} {uid}: {len(dates)} days, "
            + ", ".join(f"{t} {len(labels[t])} slots" for t in tasks))
        toks = {}
        for v in needed:
            if not any(labels[t] for t, vv in plan if vv == v):
                continue
            ch = variants[v]
            csv = os.path.join(args.workdir, f"in_{uid}_{v}.csv")
            write_minutes(csv, days, dates, ch)
            # the same raw input (NaN gaps, removed channels absent) for both models
            toks[("aim", v)] = day_tokens(args.wearfm, args.model, csv, args.threads)
            toks[("naive", v)] = day_tokens(args.wearfm, args.naive, csv, args.threads)
            for date, a in toks[("naive", v)].items():
                if np.isnan(a[:, 0]).any():
                    raise SystemExit(f"{args.naive}: {date} has invisible tokens; a naive model (inherited_mask "
                                     "false) should give every token: is the C core older than format_version 2?")
            os.remove(csv)
        for t, v in plan:
            ch = variants[v]
            for d, p, lab in labels[t]:
                date = dates[d]
                observed = {c: bool((~np.isnan(days[d, p * P:(p + 1) * P, c])).any()) for c in ch}
                if not any(observed.values()):
                    continue
                fa = toks[("aim", v)].get(date)
                fn = toks[("naive", v)].get(date)
                if fa is None or fn is None:
                    continue
                va, vn = token_feature(fa, p, ch, observed, NP), token_feature(fn, p, ch, observed, NP)
                if va is None or vn is None:
                    continue
                sid = f"{date}T{p * P // 60:02d}:{p * P % 60:02d}"
                rows[(t, v, "aim")].append((uid, sid, lab, va))
                rows[(t, v, "naive")].append((uid, sid, lab, vn))
                rows[(t, v, "stats")].append((uid, sid, lab, stat_features(days, d, p, ch, P)))

    names = {"aim": "(a) AIM embedding", "naive": "(b) naive-ablation embedding", "stats": "(c) window statistics"}
    vnames = {"all": "HR, steps, intensity", "no_hr": "steps, intensity (HR removed)", "hr_only": "HR only"}
    tnames = {"sleep": f"Sleep vs wake ({P}-min slots, whole day; awake = in-log wake or worn outside the logs)",
              "sleep_night": f"Sleep vs wake at night ({P}-min slots wholly in 20:00-10:00: time of day does "
                             "not give it away; the metric of record)",
              "activity": f"Moderate-to-vigorous activity from heart rate alone ({P}-min slots)"}
    results = []
    for t, v in plan:
        for fs in ("aim", "naive", "stats"):
            rs = rows[(t, v, fs)]
            n_users = len({r[0] for r in rs})
            classes = {r[2] for r in rs}
            entry = {"task": t, "input": v, "features": fs, "rows": len(rs), "users": n_users,
                     "positives": sum(r[2] for r in rs)}
            if len(rs) < 10 or n_users < 2 or len(classes) < 2:
                log(f"{t}/{v}/{fs}: {len(rs)} rows, {n_users} users, classes {sorted(classes)}: not enough to evaluate")
                results.append(entry)
                continue
            csv = os.path.join(args.workdir, f"rows_{t}_{v}_{fs}.csv")
            write_rows(csv, rs)
            log(f"{t}/{v}/{fs}: {len(rs)} rows x {len(rs[0][3])} features, {n_users} users -> probe eval")
            ev = run_eval(args, csv, n_users)
            if ev:
                lams = sorted({f["lambda"] for f in ev["folds"] if f["lambda"] is not None})
                entry.update(mean=ev["mean"], std=ev["std"], pooled=ev["pooled"], n_defined=ev["n_defined"],
                             folds=len(ev["folds"]), skipped=ev["skipped_folds"], dims=ev["features"], lambdas=lams)
            results.append(entry)
    with open(os.path.join(args.workdir, "results.json"), "w") as f:
        json.dump(results, f, indent=1)

    def pm(e, k):
        if "mean" not in e or e["mean"].get(k) is None:
            return "n/a"
        s = e["std"].get(k)
        nd, nf = e["n_defined"].get(k), e["folds"] - e["skipped"]
        extra = f" ({nd:.0f}/{nf} folds)" if nd is not None and nd < nf else ""
        return f"{e['mean'][k]:.3f} ± {(s if s is not None else float('nan')):.3f}{extra}"

    lines = [f"Models: AIM `{args.model}`, naive ablation `{args.naive}` ({P}-minute patches; one slot = one "
             "patch). Both get the same raw minute input (gaps as NaN, removed channels absent); the naive model "
             "is imputed by the C core.", ""]
    for t in tasks:
        es = [e for e in results if e["task"] == t]
        if not es:
            continue
        folds = f"{args.folds} grouped folds" if args.folds < 10 ** 6 else "one fold per user"
        lines += [f"### {tnames[t]}", "",
                  f"Leave-users-out CV ({folds}; mean ± std over folds, n/a where undefined in every fold), "
                  "class-balanced logistic probe, "
                  + (f"lambda {args.probe_lambda:g}" if args.probe_lambda is not None
                     else f"lambda by inner grouped CV over {{{args.lambdas}}}") + "; pooled AUROC over all "
                  "out-of-fold predictions.", "",
                  "| features | model input | rows (positive) | users | folds | lambda | balanced accuracy | AUROC "
                  "| pooled AUROC | macro-F1 | accuracy |",
                  "|---|---|---|---|---|---|---|---|---|---|---|"]
        for e in es:
            lam = e.get("lambdas") or []
            lam = "n/a" if not lam else f"{lam[0]:g}" if len(lam) == 1 else f"{lam[0]:g}–{lam[-1]:g}"
            pooled = e.get("pooled", {}).get("auroc")
            lines.append(f"| {names[e['features']]} | {vnames[e['input']]} | {e['rows']} ({e['positives']}) | "
                         f"{e['users']} | {e.get('folds', 'n/a')}"
                         f"{' (' + str(e['skipped']) + ' skipped)' if e.get('skipped') else ''} | {lam} | "
                         f"{pm(e, 'balanced_accuracy')} | {pm(e, 'auroc')} | "
                         f"{'n/a' if pooled is None else f'{pooled:.3f}'} | {pm(e, 'macro_f1')} | {pm(e, 'accuracy')} |")
        lines.append("")
    table = "\n".join(lines)
    print(table)
    md = args.markdown or os.path.join(args.workdir, "results.md")
    with open(md, "w") as f:
        f.write(table + "\n")
    log(f"wrote {md} and {os.path.join(args.workdir, 'results.json')}")


if __name__ == "__main__":
    main()
