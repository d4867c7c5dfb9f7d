#!/usr/bin/env python3
"""How far the model's fills of heart rate and steps fall from the truth,
by distance to the nearest recorded minute: the band the page draws around
an estimate (`make fill-bands`).

    /usr/bin/python3 tools/fill_bands.py --data build/fitabase \\
        --model models/wearfm-minute-fitabase.safetensors --wearfm build/native/wearfm \\
        [--json models/wearfm-minute-fitabase.fill-bands.json]
    /usr/bin/python3 tools/fill_bands.py --check    # exit 1 unless the JSON is for the model file as it is

On the validation people only (tools/userdays.py: split_users), stretches of
recorded data are hidden, every channel at once (as when the band is off):
gaps of GAPS minutes (count per day), placed by tools/evaluate.py's rule
(where heart rate, else steps, is mostly recorded; never within 30 min of
midnight). The model fills them through `wearfm impute` (the C core, as the
page). For each hidden minute that had a recorded value, the error
fill - truth is put in the bin of its distance to the nearest minute of the
same channel still recorded in that day (the model sees one day), and each
bin keeps the 10th and 90th percentiles: the page draws
[fill + p10, fill + p90], where 8 in 10 true values fell. Coverage on
people left out (each person scored with the bins of the others) is
reported beside it.
"""
import argparse
import hashlib
import json
import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
import userdays
import evaluate

DEFAULT_JSON = "models/wearfm-minute-fitabase.fill-bands.json"
GAPS = {10: 8, 30: 6, 60: 4, 180: 2, 480: 1}
BINS = [(1, 5), (6, 15), (16, 30), (31, 60), (61, 120), (121, 240), (241, 1440)]
CHANNELS = ["heart_rate", "steps"]
COVERAGE = (10, 90)
SEED = 12


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def distance_to_recorded(observed):
    """Minutes from each minute to the nearest recorded one of its row ([W, DAY] bool); DAY+1 when none."""
    W, T = observed.shape
    idx = np.arange(T)
    big = T + 1
    last = np.where(observed, idx, -big)
    last = np.maximum.accumulate(last, axis=1)
    nxt = np.where(observed, idx, 2 * T + big)
    nxt = np.minimum.accumulate(nxt[:, ::-1], axis=1)[:, ::-1]
    return np.minimum(np.minimum(idx - last, nxt - idx), big)


def bin_of(dist):
    out = np.full(dist.shape, -1)
    for b, (lo, hi) in enumerate(BINS):
        out[(dist >= lo) & (dist <= hi)] = b
    return out


def bands(err, bins):
    rows = []
    for b, (lo, hi) in enumerate(BINS):
        e = err[bins == b]
        row = {"from": lo, "to": hi, "n": int(len(e))}
        if len(e):
            p_lo, p_mid, p_hi = np.percentile(e, [COVERAGE[0], 50, COVERAGE[1]])
            row.update(low=round(float(p_lo), 2), median=round(float(p_mid), 2), high=round(float(p_hi), 2),
                       mae=round(float(np.abs(e).mean()), 2))
        rows.append(row)
    return rows


def left_out_coverage(err, bins, person):
    """Share of each person's errors inside the band of the other people's errors."""
    inside, total = 0, 0
    for p in np.unique(person):
        mine, rest = person == p, person != p
        for b in range(len(BINS)):
            e, r = err[mine & (bins == b)], err[rest & (bins == b)]
            if len(e) and len(r):
                lo, hi = np.percentile(r, COVERAGE)
                inside += int(((e >= lo) & (e <= hi)).sum())
                total += len(e)
    return round(inside / total, 4) if total else None


def weights_hash(wearfm, model):
    r = subprocess.run([wearfm, "info", model, "--format", "json"], capture_output=True, text=True, check=True)
    return json.loads(r.stdout)["weights_hash"]


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def measure(args):
    users = userdays.load_dir(args.data)
    _, val = userdays.split_users(users)
    rng = evaluate.scenario_rng(SEED, "fill-bands")
    parts = [evaluate.build_scenario(lambda d, r, L=L, k=k: evaluate.gap_masks(d, r, L, k, hr_only=False),
                                     users, val, rng, 0) for L, k in GAPS.items()]
    refs = [x for p in parts for x in p[0]]
    truth, hidden, score = (np.concatenate([p[i] for p in parts]) for i in (1, 2, 3))
    x_in = np.where(hidden, np.nan, truth).astype(np.float32)
    log(f"{len(val)} validation people, {len(refs)} day copies with gaps of {sorted(GAPS)} min")
    cli = evaluate.Cli(args.wearfm, args.workdir, 1, users)  # each person's days as --history, as make eval
    fills = cli.impute(args.model, cli.write("fill_bands", x_in, refs), len(x_in))
    person = np.array([r[0] for r in refs])
    out = {}
    for name in CHANNELS:
        c = userdays.CHANNELS.index(name)
        dist = distance_to_recorded(~np.isnan(x_in[:, :, c]))
        sel = score[:, :, c] & ~np.isnan(fills[:, :, c])
        err = (fills[:, :, c] - truth[:, :, c])[sel]
        b, who = bin_of(dist)[sel], np.repeat(person[:, None], evaluate.DAY, axis=1)[sel]
        out[name] = {"minutes": int(sel.sum()), "people": len(set(who)), "bands": bands(err, b),
                     "left_out_coverage": left_out_coverage(err, b, who)}
        log(f"{name}: {out[name]['minutes']} hidden minutes scored; coverage on people left out "
            f"{out[name]['left_out_coverage']}")
    return {"model": {"file": os.path.basename(args.model), "sha256": sha256(args.model),
                      "weights_hash": weights_hash(args.wearfm, args.model)},
            "method": "tools/fill_bands.py: validation people, every channel hidden in gaps of "
                      + ", ".join(f"{k} ({v} a day)" for k, v in GAPS.items()) + " minutes, filled by `wearfm impute`; "
                      "error = fill - truth by distance to the nearest recorded minute of the channel that day",
            "coverage": (COVERAGE[1] - COVERAGE[0]) / 100, "validation_people": len(val), "channels": out}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.path.join(ROOT, "build/fitabase"))
    ap.add_argument("--model", default=os.path.join(ROOT, "models/wearfm-minute-fitabase.safetensors"))
    ap.add_argument("--wearfm", default=os.path.join(ROOT, "build/native/wearfm"))
    ap.add_argument("--json", default=os.path.join(ROOT, DEFAULT_JSON))
    ap.add_argument("--workdir", default=os.path.join(ROOT, "build/fill-bands"))
    ap.add_argument("--check", action="store_true", help="only check that the JSON is for the model file")
    args = ap.parse_args()
    if args.check:
        with open(args.json) as f:
            have = json.load(f)["model"]
        now = {"sha256": sha256(args.model), "weights_hash": weights_hash(args.wearfm, args.model)}
        if any(have[k] != v for k, v in now.items()):
            print(f"FAIL {args.json} is for another model ({have['weights_hash']}; {args.model} is "
                  f"{now['weights_hash']}): run `make fill-bands`", file=sys.stderr)
            sys.exit(1)
        print(f"ok   {args.json} is for {args.model}")
        return
    result = measure(args)
    with open(args.json, "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    log(f"wrote {args.json}")


if __name__ == "__main__":
    main()
