#!/usr/bin/env python3
"""The probes the participant page ships (`make page-probes`): fit by the C
core on the shipped model's slot features of the training people, measured
on the validation people, written with their cards.

    /usr/bin/python3 tools/page_probes.py --data build/fitabase \\
        --model models/wearfm-minute-fitabase.safetensors --wearfm build/native/wearfm \\
        [--out models/probes] [--workdir build/page-probes]

A slot is one patch of the model (its patch_minutes; 20 for the shipped
model). Features come from `wearfm slots MODEL USER.csv --inputs ...` (the
C core's wfm_slot_features, which the page calls too): the model sees only
the probe's input channels, and a slot's features are the mean of their
visible token embeddings there. Each probe is fit by `wearfm probe fit`
(logistic, not class-balanced, so its probabilities follow the real class
frequencies and their sum over a day is an unbiased count; lambda by an
inner CV grouped by person) on the rows of the training people of
tools/userdays.py: split_users, and every number of its card comes from
`wearfm probe predict --labels` (and `wearfm slots --periods`) on the
validation people, who never enter a fit.

A person wears what they have: the rows of every training slot are given
once per input variant (all inputs, and the subsets in VARIANTS), so a
probe learns to answer from whichever of its inputs a person records; the
card reports each variant on the validation people.

Labels (from the importer's minute table; docs/data.md):
  sleep   tools/probe_tasks.py: sleep_labels, whole day: a slot is "asleep"
          when most of its sleep_state minutes are asleep or restless,
          "awake" when most are awake (in-log wake, or worn outside the
          logs); slots with fewer than half their minutes labelled or a
          tie are left out. sleep_state is never an input.
  active  a slot with intensity recorded in at least half its minutes is
          "active" when at least half of those are moderate or very active
          (Fitbit intensity >= 2), else "not active". Intensity is never an
          input (it defines the label).

Outputs in --out: <name>.safetensors (the probe, bound to the model's
weights hash), <name>.md (its card) and probes.json (what the page reads:
inputs, classes, words, and the measured numbers; the cards are rendered
from it by tools/page_probe_cards.py, whose --check `make test` runs).
"""
import argparse
import hashlib
import json
import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
import userdays
import probe_tasks
import page_probe_cards
from page_probe_eval import calibration, day_totals, sleep_periods_truth, match_periods

DAY = 1440
HR, STEPS, INTENSITY, SLEEP = range(4)
LAMBDAS = "1e-4,1e-3,1e-2,1e-1,1"

PROBES = [
    {"name": "sleep", "title": "Asleep or awake", "positive": "asleep", "negative": "awake",
     "inputs": ["heart_rate", "steps", "intensity"],
     "variants": [["heart_rate", "steps", "intensity"], ["heart_rate"], ["steps", "intensity"]],
     "question": "Was the person asleep (asleep or restless) for most of these {P} minutes?",
     "periods": {"threshold": 0.5, "max_gap_minutes": 20, "min_minutes": 60}},
    {"name": "active", "title": "Moderate or vigorous activity", "positive": "active", "negative": "not active",
     "inputs": ["heart_rate", "steps"],
     "variants": [["heart_rate", "steps"], ["heart_rate"], ["steps"]],
     "question": "Was most of these {P} minutes moderate or vigorous activity (Fitbit intensity 2 or 3)?"},
]


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def run(cmd, ok=(0,)):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode not in ok:
        raise SystemExit(f"failed ({r.returncode}): {' '.join(cmd)}\n{r.stderr}")
    return r


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def slot_labels(name, days, P):
    """{(day index, slot): class name} of one person."""
    if name == "sleep":
        rows = probe_tasks.sleep_labels(days, P)
        return {(d, p): ("asleep" if y else "awake") for d, p, y in rows}
    NP = DAY // P
    out = {}
    for d in range(days.shape[0]):
        it = days[d, :, INTENSITY].reshape(NP, P)
        for p in range(NP):
            v = it[p][~np.isnan(it[p])]
            if 2 * len(v) >= P:
                out[(d, p)] = "active" if 2 * (v >= 2).sum() >= len(v) else "not active"
    return out


def slot_features(args, csv, inputs, out):
    """{slot_start: features text} from `wearfm slots` (slots without an observed input are absent)."""
    r = run([args.wearfm, "slots", args.model, csv, "--inputs", ",".join(inputs), "-o", out, "-q",
             "--threads", "1"], ok=(0, 5))
    if r.returncode == 5:
        return {}
    with open(out) as f:
        f.readline()
        rows = {line[:16]: line[17:].rstrip("\n") for line in f}
    os.remove(out)
    return rows


def write_rows(path, D, rows):
    """rows: [(user, variant, slot_start, label, features text)]"""
    with open(path, "w") as f:
        f.write("user,variant,slot_start,label," + ",".join(f"emb_{j}" for j in range(D)) + "\n")
        for u, v, s, y, feats in rows:
            f.write(f"{u},{v},{s},{y},{feats}\n")


def variant_name(inputs):
    return "+".join(inputs)


def build_rows(args, users, ids, P, D):
    """{(probe, variant): [rows]} over the people `ids`."""
    rows = {(pr["name"], variant_name(v)): [] for pr in PROBES for v in pr["variants"]}
    needed = sorted({tuple(v) for pr in PROBES for v in pr["variants"]})
    for i, uid in enumerate(ids):
        days, dates = users[uid]
        labels = {pr["name"]: slot_labels(pr["name"], days, P) for pr in PROBES}
        day_of = {d: k for k, d in enumerate(dates)}
        for v in needed:
            feats = slot_features(args, os.path.join(args.data, f"{uid}.csv"), v,
                                  os.path.join(args.workdir, f"slots_{uid}.csv"))
            for pr in PROBES:
                if list(v) not in pr["variants"]:
                    continue
                for start, text in feats.items():
                    d = day_of.get(start[:10])
                    if d is None:
                        continue
                    p = (int(start[11:13]) * 60 + int(start[14:16])) // P
                    y = labels[pr["name"]].get((d, p))
                    if y is not None:
                        rows[(pr["name"], variant_name(v))].append((uid, variant_name(v), start, y, text))
        log(f"  {i + 1}/{len(ids)} {uid}: " + ", ".join(f"{k[0]}/{k[1]} {len(r)}" for k, r in rows.items()))
    return rows


def predict(args, probe, csv):
    """`wearfm probe predict --labels` JSON on a rows file."""
    r = run([args.wearfm, "probe", "predict", probe, csv, "--labels", "label", "--features", "emb_",
             "--id", "slot_start", "--model", args.model, "--format", "json", "-q"])
    return json.loads(r.stdout)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, help="the per-user minute CSVs of `wearfm import fitabase`")
    ap.add_argument("--model", required=True)
    ap.add_argument("--wearfm", default="build/native/wearfm")
    ap.add_argument("--out", default="models/probes")
    ap.add_argument("--workdir", default="build/page-probes")
    args = ap.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    os.makedirs(args.out, exist_ok=True)
    info = json.loads(run([args.wearfm, "info", args.model, "--format", "json"]).stdout)
    P, D = info["config"]["patch_minutes"], info["model"]["embedding_dim"]
    users = userdays.load_dir(args.data)
    train, val = userdays.split_users(users)
    # The model's own validation people (its provenance) must be these: neither the model nor a probe saw them.
    prov = info["config"].get("provenance", "")
    model_val = prov.split("validation users ")[1].split(";")[0].split(",") if "validation users " in prov else []
    if sorted(model_val) != sorted(val):
        raise SystemExit(f"{args.model} was validated on {model_val or 'unknown people'}, split_users gives {val}: "
                         "the probes' validation people would not be new to the model")
    log(f"{P}-minute slots; {len(train)} training people, {len(val)} validation people")
    log("training people:")
    train_rows = build_rows(args, users, train, P, D)
    log("validation people:")
    val_rows = build_rows(args, users, val, P, D)

    manifest = {"model": {"file": os.path.basename(args.model), "weights_hash": info["weights_hash"],
                          "sha256": sha256(args.model), "patch_minutes": P},
                "split": {"source": "tools/userdays.py: split_users", "train_people": len(train),
                          "validation_people": len(val), "validation_ids": val},
                "data": "Fitabase (Furberg et al. 2016, Zenodo 53894, CC BY 4.0), minute tables of "
                        "`wearfm import fitabase`",
                "wearfm_version": info["model"]["wearfm_version"], "probes": []}
    for pr in PROBES:
        name = pr["name"]
        fit_csv = os.path.join(args.workdir, f"{name}_train.csv")
        fit = [r for v in pr["variants"] for r in train_rows[(name, variant_name(v))]]
        write_rows(fit_csv, D, fit)
        probe = os.path.join(args.out, f"{name}.safetensors")
        log(f"{name}: fitting on {len(fit)} rows of {len({r[0] for r in fit})} training people")
        run([args.wearfm, "probe", "fit", fit_csv, "--labels", "label", "--features", "emb_", "--groups", "user",
             "--cv-lambda", "--lambdas", LAMBDAS, "--inner-folds", "3", "--model", args.model, "-o", probe, "-q"])
        pinfo = json.loads(run([args.wearfm, "probe", "info", probe, "--format", "json"]).stdout)
        entry = {k: pr[k] for k in ("name", "title", "positive", "negative", "inputs") if k in pr}
        entry.update(file=f"{name}.safetensors", question=pr["question"].format(P=P),
                     train={"rows": len(fit), "people": len({r[0] for r in fit}),
                            "positives": sum(r[3] == pr["positive"] for r in fit)},
                     fit={"lambda": pinfo["lambda"], "converged": pinfo["converged"], "iterations": pinfo["iterations"],
                          "lambdas": LAMBDAS, "inner_folds": 3},
                     validation=[])
        if "periods" in pr:
            entry["periods"] = pr["periods"]
        for v in pr["variants"]:
            vr = val_rows[(name, variant_name(v))]
            csv = os.path.join(args.workdir, f"{name}_val_{variant_name(v)}.csv")
            write_rows(csv, D, vr)
            out = predict(args, probe, csv)
            res = {"inputs": v, "rows": len(out["rows"]), "people": len({r[0] for r in vr}),
                   "positives": sum(r[3] == pr["positive"] for r in vr), "metrics": out["metrics"],
                   "command": f"wearfm probe predict {name}.safetensors {name}_val_{variant_name(v)}.csv "
                              "--labels label --features emb_ --id slot_start --model MODEL --format json"}
            if v == pr["inputs"]:
                res["calibration"] = calibration(out, [r[3] for r in vr], pr["positive"])
            if name == "active":
                res["day_minutes"] = day_totals(out, vr, users, P, pr["positive"])
            entry["validation"].append(res)
            log(f"  validation {variant_name(v)}: {res['rows']} rows, balanced accuracy "
                f"{out['metrics']['balanced_accuracy']:.3f}, AUROC {out['metrics']['auroc']:.3f}")
        if "periods" in pr:
            entry["period_check"] = period_check(args, pr, probe, users, val, P)
        manifest["probes"].append(entry)
    with open(os.path.join(args.out, "probes.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    page_probe_cards.write_cards(args.out)
    log(f"wrote {args.out}/probes.json, " + ", ".join(f"{p['name']}.safetensors and {p['name']}.md" for p in PROBES))


def period_check(args, pr, probe, users, val, P):
    """Predicted periods (`wearfm slots --periods`) against the band's own, per validation person."""
    per = pr["periods"]
    pairs = []
    for uid in val:
        csv = os.path.join(args.data, f"{uid}.csv")
        days, dates = userdays.read_user_csv(csv)  # every day, consecutive: the periods may cross midnight
        truth = sleep_periods_truth(days, dates, per["max_gap_minutes"], per["min_minutes"])
        if not truth["periods"]:
            continue
        r = run([args.wearfm, "slots", args.model, csv, "--inputs",
                 ",".join(pr["inputs"]), "--probe", probe, "--periods", pr["positive"],
                 "--threshold", str(per["threshold"]), "--max-gap", str(per["max_gap_minutes"]),
                 "--min-length", str(per["min_minutes"]), "--format", "json", "-q", "--threads", "1"], ok=(0, 5))
        predicted = json.loads(r.stdout)["periods"] if r.returncode == 0 else []
        pairs.append(match_periods(truth, predicted))
    return page_probe_cards.period_summary(pairs)


if __name__ == "__main__":
    main()
