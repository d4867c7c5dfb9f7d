#!/usr/bin/env python3
"""Which rolling half-widths should the cross_channel anchor weigh, and how
strongly should it be refitted on a person's own days (personal_lambda)?
Decided on training people only, one held out at a time (`make anchor-lopo`,
`make personal-lopo`).

    python3 tools/anchor_lopo.py --data build/fitabase --model models/wearfm-minute-fitabase.safetensors \\
        --json models/train-logs/anchor-lopo.json

For each set of half-widths (`anchor_rolling`, docs/model-format.md) and
each training person with heart rate, the anchor is fitted in closed form
(tools/anchor_fit.py, as tools/train.py fits it) on the other training
people and fills the held-out person's days in the heart-rate scenarios of
make eval (the same generators and seed as tools/residual_lopo.py). The
fill is the anchor alone, computed by the PyTorch reference
(wearfm_ref.cross_anchor, which the C core matches within 1e-4), so no
transformer is trained: the anchor is what heart rate takes in
heart-rate-only gaps (`"residual": "others_missing"`) and whole-day fills
(`"absent_residual": false`). The validation people are not used. The
model file only gives the rest of the config (channels, profile rule).
"""
import argparse
import json
import time

import numpy as np
import torch

import anchor_fit
import evaluate
import userdays
from wearfm_ref import (anchor, cross_anchor, load_model, personal_normal_equations, personal_solve,
                        profile_z, profiles_leave_one_out, standardise)

SEED = 8  # the scenario RNG, as make eval's and residual_lopo's
PROFILE_SMOOTH = 15  # as tools/train.py
SCENARIOS = ["hrgap10", "hrgap30", "hrgap60", "hrgap180", "hr_sensor", "gap60", "gap180", "random80", "forecast60"]
CANDIDATES = ["10,30", "5,10,30,60", "5,10,30,60,120", "2,5,10,30,60", "2,5,15,30,60", "3,5,10,20,30,60",
              "1,3,5,10,30,60", "1,2,5,10,20,30,60"]


def anchor_fill_hr(cfg, fit, x_in, prof):
    """Heart rate [W, T] in bpm: the anchor of x_in [W, T, C] (NaN gaps) with
    the typical day prof [W, T, C], clipped as the C core clips a fill. fit:
    the model's (weight, bias, profile_weight), numpy, or per-window tensors
    (wearfm_ref.personal_params)."""
    W, b, PW = (a.double() if torch.is_tensor(a) else torch.from_numpy(a).double() for a in fit)
    z = standardise(torch.from_numpy(x_in).double(), cfg)
    pz, known = profile_z(torch.from_numpy(prof).double(), cfg)
    out = cross_anchor(z, anchor(z), W, b, cfg["anchor_rolling"], (pz, known, PW, cfg.get("profile_tau", 60)))
    hr = cfg["channels"][evaluate.HR]
    v = out[:, evaluate.HR].clamp(*hr["clip"]).numpy() * hr["std"] + hr["mean"]
    return np.clip(v, *hr["range"])


def fold_fit(users, train_ids, uid, cfg):
    """(the anchor fitted without person uid, as tools/train.py fits it;
    uid's leave-one-day-out typical days)."""
    fit_ids = [u for u in train_ids if u != uid]
    x_fit, _ = userdays.stack(users, fit_ids)
    p_fit = np.concatenate([profiles_leave_one_out(users[u][0], PROFILE_SMOOTH) for u in fit_ids])
    fit = anchor_fit.fit_cross_anchor(x_fit, cfg, seed=0, profiles=p_fit.astype(np.float32))
    return fit, profiles_leave_one_out(users[uid][0], PROFILE_SMOOTH).astype(np.float32)


def score_widths(users, train_ids, hr_people, base_cfg, widths):
    """{scenario: {"folds": [{person, minutes, mse}], "pooled": mse}} for one set of half-widths."""
    cfg = dict(base_cfg, anchor_rolling=widths)
    gens = {n: g for n, _, g, _ in evaluate.scenario_specs(evaluate.FULL)}
    out = {}
    for uid in hr_people:
        fit, prof_all = fold_fit(users, train_ids, uid, cfg)
        for name in SCENARIOS:
            refs, truth, hidden, score = evaluate.build_scenario(
                gens[name], users, [uid], evaluate.scenario_rng(SEED, name, "lopo"), None)
            if not refs:
                continue
            fill = anchor_fill_hr(cfg, fit, np.where(hidden, np.nan, truth).astype(np.float32),
                                  prof_all[[i for _, i in refs]])
            s = score[..., evaluate.HR]
            mse = float(np.mean((fill[s] - truth[..., evaluate.HR][s]) ** 2))
            out.setdefault(name, {"folds": []})["folds"].append({"person": uid, "minutes": int(s.sum()),
                                                                 "mse": round(mse, 3)})
    for v in out.values():
        n = sum(r["minutes"] for r in v["folds"])
        v["pooled"] = round(sum(r["mse"] * r["minutes"] for r in v["folds"]) / max(n, 1), 3)
    return out


def score_personal(users, train_ids, hr_people, cfg, lambdas):
    """{lambda (or "model"): {scenario: {"folds", "pooled"}}}: the anchor alone
    with personal_lambda refitted on the held-out person's own other days
    (wearfm_ref.personal_params; the history is every kept day, the target
    day left out), against the model's weights."""
    gens = {n: g for n, _, g, _ in evaluate.scenario_specs(evaluate.FULL)}
    out = {}
    for uid in hr_people:
        fit, prof_all = fold_fit(users, train_ids, uid, cfg)
        hist, h0, starts = userdays.person_history(users, uid)
        eq = personal_normal_equations(hist, h0, starts, cfg)
        params = {"model": tuple(torch.from_numpy(a).double()[None].expand(len(starts), *a.shape) for a in fit)}
        for lam in lambdas:
            params[lam] = personal_solve(eq, cfg, lam, *fit)
        for name in SCENARIOS:
            refs, truth, hidden, score = evaluate.build_scenario(
                gens[name], users, [uid], evaluate.scenario_rng(SEED, name, "lopo"), None)
            if not refs:
                continue
            idx = [i for _, i in refs]
            x_in = np.where(hidden, np.nan, truth).astype(np.float32)
            s = score[..., evaluate.HR]
            for key, (W, b, PW) in params.items():
                fill = anchor_fill_hr(cfg, (W[idx], b[idx], PW[idx]), x_in, prof_all[idx])
                mse = float(np.mean((fill[s] - truth[..., evaluate.HR][s]) ** 2))
                out.setdefault(str(key), {}).setdefault(name, {"folds": []})["folds"].append(
                    {"person": uid, "minutes": int(s.sum()), "mse": round(mse, 3)})
        print(f"{uid}: done", flush=True)
    for by_sc in out.values():
        for v in by_sc.values():
            n = sum(r["minutes"] for r in v["folds"])
            v["pooled"] = round(sum(r["mse"] * r["minutes"] for r in v["folds"]) / max(n, 1), 3)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True)
    ap.add_argument("--model", required=True, help="a shipped model file: the config the anchor is fitted for")
    ap.add_argument("--json", required=True)
    ap.add_argument("--widths", default=";".join(CANDIDATES), help="candidate sets, ';'-separated")
    ap.add_argument("--personal", default=None,
                    help="instead: candidate personal_lambda values, ','-separated, with the model's widths")
    args = ap.parse_args()
    torch.set_num_threads(1)
    users = userdays.load_dir(args.data)
    train_ids, _ = userdays.split_users(users)
    hr_people = [u for u in train_ids if userdays.has_hr(users[u][0])]
    base_cfg = load_model(args.model).cfg
    if args.personal:
        return main_personal(args, users, train_ids, hr_people, base_cfg)
    results = {}
    for spec in args.widths.split(";"):
        widths = [int(v) for v in spec.split(",")]
        t0 = time.time()
        results[spec] = score_widths(users, train_ids, hr_people, base_cfg, widths)
        print(f"{spec:20s} " + " ".join(f"{k} {v['pooled']:.1f}" for k, v in results[spec].items())
              + f"  ({time.time() - t0:.0f} s)", flush=True)
    # the pick: the lowest mean over the heart-rate-only scenarios, which take the anchor alone
    hr_only = [s for s in SCENARIOS if s.startswith("hrgap") or s == "hr_sensor"]
    mean = {k: float(np.mean([v[s]["pooled"] for s in hr_only])) for k, v in results.items()}
    best = min(mean, key=mean.get)
    out = {"task": "heart-rate MSE in bpm^2 of the anchor alone (no transformer) on each heart-rate training "
                   "person held out of the anchor's fit, per set of anchor_rolling half-widths; pooled over minutes",
           "people": hr_people, "scenarios": SCENARIOS, "results": results,
           "mean_over_heart_rate_only_scenarios": {k: round(v, 3) for k, v in mean.items()}, "lowest": best}
    with open(args.json, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(f"lowest mean over {', '.join(hr_only)}: {best} ({mean[best]:.2f} bpm^2)")


def main_personal(args, users, train_ids, hr_people, cfg):
    lambdas = [float(v) for v in args.personal.split(",")]
    cfg = {k: v for k, v in cfg.items() if k not in ("personal_lambda", "personal_windows")}
    results = score_personal(users, train_ids, hr_people, cfg, lambdas)
    for k, v in results.items():
        print(f"{k:10s} " + " ".join(f"{s} {x['pooled']:.1f}" for s, x in v.items()), flush=True)
    hr_only = [s for s in SCENARIOS if s.startswith("hrgap") or s == "hr_sensor"]
    mean = {k: float(np.mean([v[s]["pooled"] for s in hr_only])) for k, v in results.items()}
    best = min((k for k in mean if k != "model"), key=mean.get)
    out = {"task": "heart-rate MSE in bpm^2 of the anchor alone (no transformer) on each heart-rate training "
                   "person held out of the anchor's fit: the model's weights ('model') against the anchor refitted "
                   "on the person's own other days (personal_lambda; the history is every kept day of the person, "
                   "the target day left out); pooled over minutes",
           "anchor_rolling": cfg["anchor_rolling"], "people": hr_people, "scenarios": SCENARIOS, "results": results,
           "mean_over_heart_rate_only_scenarios": {k: round(v, 3) for k, v in mean.items()}, "lowest": best}
    with open(args.json, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(f"lowest mean over {', '.join(hr_only)}: personal_lambda {best} ({mean[best]:.2f} bpm^2; "
          f"the model's weights {mean['model']:.2f})")


if __name__ == "__main__":
    main()
