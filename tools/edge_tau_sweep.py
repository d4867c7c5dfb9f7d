#!/usr/bin/env python3
"""The validation heart-rate loss of a trained model at other edge_tau values.

    /usr/bin/python3 tools/edge_tau_sweep.py --data build/fitabase \
        --model models/NAME.safetensors --taus 5,10,20,30,60 --json OUT.json

The same fixed masks and loss as train.py's validation (aim.hide_mask with
seed 1234, every strategy on every validation day), so the numbers are
comparable with the training logs. Only edge_tau changes; the weights stay.
This is how the shipped edge_tau was chosen (the model card says which run
and what it gave); the model was then retrained with it, so that training
scores what inference uses.
"""
import argparse
import json
import os

import numpy as np
import torch

import aim
import userdays
from wearfm_ref import WearFM, load_model


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--taus", default="5,10,20,30,60")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    users = userdays.load_dir(args.data)
    _, val_ids = userdays.split_users(users)
    x_val, _ = userdays.stack(users, val_ids)
    base = load_model(args.model)
    masks = {s: aim.hide_mask(x_val, base.cfg["patch_minutes"], np.random.default_rng(1234), s)[0]
             for s, _ in aim.STRATEGIES}
    rows = []
    for tau in (float(t) for t in args.taus.split(",")):
        m = WearFM(dict(base.cfg, edge_tau=tau))
        m.load_state_dict(base.state_dict())
        m.eval()
        per = {}
        with torch.no_grad():
            for s, hide in masks.items():
                hr = [aim.masked_loss(m, torch.from_numpy(x_val[i:i + 64]), torch.from_numpy(hide[i:i + 64]))[1]
                      .get("heart_rate") for i in range(0, len(x_val), 64)]
                per[s + "_hr"] = round(float(np.mean([v for v in hr if v is not None])), 5)
        per["mean_hr"] = round(float(np.mean(list(per.values()))), 5)
        rows.append(dict(edge_tau=tau, **per))
        print(json.dumps(rows[-1]), flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"model": os.path.basename(args.model), "validation_users": val_ids, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
