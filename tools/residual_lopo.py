#!/usr/bin/env python3
"""Does the head's residual help a channel that is missing all day? Decided
on training people only, one held out at a time (`make residual-lopo`).

    python3 tools/residual_lopo.py --data build/fitabase --wearfm build/native/wearfm \\
        --workdir build/lopo --json models/train-logs/residual-lopo.json -- TRAIN_ARGS...

For each training person with heart rate, the model is trained by
tools/train.py with the shipped recipe (the arguments after `--`) on the
other training people (`--hold-out`), and the held-out person's days are
filled with heart rate hidden all day (evaluate.py's `hr_sensor` scenario,
the same CSV files, history and CLI call) twice: by the model file as
trained, and by the same weights with `"absent_residual"` set the other
way. The validation people are not used, so the rule the shipped model
takes from this (docs/model-format.md: `absent_residual`) is not tuned to
the evaluation. With --every-scenario (make residual-lopo passes it), every
scenario of make eval is also scored on the held-out person, the fold's
model against its anchor alone (the decoder head zeroed). A finished
fold's model is kept; a rerun resumes.
"""
import argparse
import concurrent.futures
import json
import os
import subprocess
import sys

import numpy as np
import torch

import evaluate
import userdays
from wearfm_ref import load_model, save_model, with_residual

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 8  # the scenario RNG, as make eval's


def train_fold(uid, args, train_args):
    out = os.path.join(args.workdir, f"fold{uid}.safetensors")
    if os.path.exists(out):
        return out
    log = os.path.join(args.workdir, f"fold{uid}.out")
    argv = [sys.executable, os.path.join(HERE, "train.py"), "--data", args.data, "--hold-out", uid,
            "--out", out, "--log", os.path.join(args.workdir, f"fold{uid}.jsonl")] + train_args
    with open(log, "w") as f:
        r = subprocess.run(argv, stdout=f, stderr=subprocess.STDOUT)
    if r.returncode:
        raise SystemExit(f"residual_lopo: training fold {uid} failed ({r.returncode}); see {log}")
    return out


def fold_files(path, workdir, uid):
    """The fold's weights as the files the comparison runs, every channel's
    residual "always" unless named (as the fold was trained):
    residual       the residual also on a channel missing all window
    anchor         "absent_residual": false
    anchor_only    that with the decoder head zeroed: every continuous fill is its anchor
    hr_others      that with heart rate's "residual": "others_missing"."""
    m = load_model(path)
    base = {k: v for k, v in m.cfg.items() if k != "absent_residual"}
    base["channels"] = [{k: v for k, v in ch.items() if k != "residual"} for ch in m.cfg["channels"]]
    anchor = dict(base, absent_residual=False)
    out = {k: os.path.join(workdir, f"fold{uid}-{k}.safetensors") for k in ("residual", "anchor", "anchor_only",
                                                                             "hr_others")}
    save_model(out["residual"], m, base)
    save_model(out["anchor"], m, anchor)
    save_model(out["hr_others"], m, with_residual(anchor, ["heart_rate"], "others_missing"))
    with torch.no_grad():
        m.decoder.head.weight.zero_()
        m.decoder.head.bias.zero_()
    save_model(out["anchor_only"], m, anchor)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True)
    ap.add_argument("--wearfm", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--json", required=True)
    ap.add_argument("--jobs", type=int, default=2, help="folds trained at once (one thread each)")
    ap.add_argument("--every-scenario", action="store_true",
                    help="also score every make eval scenario, the model against its anchor alone")
    ap.add_argument("--folds", type=int, default=None, help="only the first N heart-rate people (smoke)")
    ap.add_argument("train_args", nargs=argparse.REMAINDER, help="-- then tools/train.py's recipe")
    args = ap.parse_args()
    train_args = [a for a in args.train_args if a != "--"]
    os.makedirs(args.workdir, exist_ok=True)
    users = userdays.load_dir(args.data)
    train_ids, _ = userdays.split_users(users)
    hr_people = [u for u in train_ids if userdays.has_hr(users[u][0])][:args.folds]
    cli = evaluate.Cli(args.wearfm, os.path.join(args.workdir, "csv"), 1, users)
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:  # one training process per job
        trained = dict(zip(hr_people, pool.map(lambda u: train_fold(u, args, train_args), hr_people)))
    folds, by_scenario = [], {}
    for uid in hr_people:
        # As make eval: where the CLI fills nothing (a window with no value left), the fold's training mean.
        mean = float(np.nanmean(np.concatenate([users[u][0][..., evaluate.HR] for u in train_ids if u != uid])))
        files = fold_files(trained[uid], args.workdir, uid)
        row = scenario_mse(cli, users, uid, "hr_sensor", evaluate.hr_sensor_masks, mean,
                           {"residual": files["residual"], "anchor_alone": files["anchor"]})
        if row is None:
            continue
        print(json.dumps(row), flush=True)
        folds.append(row)
        if not args.every_scenario:
            continue
        shipped = {"model": files["anchor"], "anchor_only": files["anchor_only"],
                   "hr_others_missing": files["hr_others"]}
        for name, _, gen, _ in evaluate.scenario_specs(evaluate.FULL):
            r = scenario_mse(cli, users, uid, name, gen, mean, shipped)
            if r:
                by_scenario.setdefault(name, []).append(r)
                print(name, json.dumps(r), flush=True)
    better = sum(r["anchor_alone"] < r["residual"] for r in folds)
    out = {"task": "heart rate hidden all day (evaluate.py hr_sensor) on each heart-rate training person, "
                   "held out of training; MSE in bpm^2 through wearfm impute --history",
           "train_args": train_args, "folds": folds,
           "anchor_alone_better": f"{better} of {len(folds)}",
           "pooled_over_minutes": pooled(folds, ("anchor_alone", "residual"))}
    if by_scenario:
        out["every_scenario"] = {
            "task": "heart-rate MSE in bpm^2 of every make eval scenario on the held-out person: the fold's "
                    "model file (absent_residual false), the same file with the decoder head zeroed (its heart "
                    "rate is then its anchor), and the same file with heart rate's residual 'others_missing'",
            "scenarios": {k: {"folds": v, "pooled_over_minutes": pooled(v, ("model", "anchor_only",
                                                                             "hr_others_missing")),
                              "anchor_only_better": f"{sum(r['anchor_only'] < r['model'] for r in v)} of {len(v)}"}
                          for k, v in by_scenario.items()}}
    with open(args.json, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(f"anchor alone better than the residual for {better} of {len(folds)} held-out people; "
          f"pooled {out['pooled_over_minutes']}")
    for k, v in out.get("every_scenario", {}).get("scenarios", {}).items():
        print(f"{k:12s} {v['pooled_over_minutes']}  anchor only better for {v['anchor_only_better']}")


def pooled(rows, keys):
    n = max(1, sum(r["minutes"] for r in rows))
    return {k: round(sum(r[k] * r["minutes"] for r in rows) / n, 3) for k in keys}


def scenario_mse(cli, users, uid, name, generator, mean, models):
    """{person, days, minutes, <model key>: heart-rate MSE} of one scenario on one person, or None."""
    refs, truth, hidden, score = evaluate.build_scenario(
        generator, users, [uid], evaluate.scenario_rng(SEED, name, "lopo"), None)
    if not refs:
        return None
    plan = cli.write(f"{name}.{uid}", np.where(hidden, np.nan, truth).astype(np.float32), refs)
    s = score[..., evaluate.HR]
    row = {"person": uid, "days": len(refs), "minutes": int(s.sum())}
    for key, path in models.items():
        fill = cli.impute(path, plan, len(refs))[..., evaluate.HR][s]
        row["fallback_minutes"] = int(np.isnan(fill).sum())
        err = np.where(np.isnan(fill), mean, fill) - truth[..., evaluate.HR][s]
        row[key] = round(float(np.mean(err ** 2)), 3)
    for path, *_ in plan:
        os.remove(path)
    return row


if __name__ == "__main__":
    main()
