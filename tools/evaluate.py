#!/usr/bin/env python3
"""Gap-filling evaluation on validation users (`make eval`).

    python3 tools/evaluate.py --data build/fitabase --model models/M.safetensors \
        --naive build/train/naive.safetensors [--json out.json]

Scenarios (each hides observed minutes, fills them, and scores the hidden
observed minutes; MSE in z-units and in original units, bpm^2 for HR):
  random80      80% of the observed 10-min tokens hidden at random
  gap10..gap180 one contiguous gap of L minutes, all channels, random place
  forecast60    everything from t on hidden; scored on [t, t+60)
  hr_sensor     heart rate hidden for the whole day, rebuilt from the rest
Baselines: linear interpolation, last observation carried forward (LOCF),
and the user's own time-of-day mean over their other days (the population
time-of-day mean of the training users for hr_sensor).

AIM vs naive: how much the steps/intensity reconstruction error (random80)
grows when heart rate, or the night (00:00-06:00), is removed from the
input. AIM should degrade less.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import aim  # noqa: E402
import userdays  # noqa: E402
from wearfm_ref import load_model  # noqa: E402

HR, STEPS, INTENSITY, SLEEP = range(4)
DAY = userdays.DAY


# ---------------------------------------------------------------- fillers

def model_fill(model, x_hidden, naive=False, batch=64):
    """Reconstruction [B, T, C] in original units from inputs with NaN gaps."""
    cfg = model.cfg
    outs = []
    with torch.no_grad():
        for i in range(0, len(x_hidden), batch):
            xb = x_hidden[i:i + batch]
            if naive:
                xin = torch.from_numpy(aim.naive_inputs(xb, cfg))
                art = torch.zeros(len(xb), model.enc_pos.shape[0], dtype=torch.bool)
                pred, _, _ = aim.masked_forward(model, xin, art, naive=True)
                rec = pred.reshape(len(xb), len(cfg["channels"]), DAY).permute(0, 2, 1) * model.ch_std + model.ch_mean
            else:
                rec = model(torch.from_numpy(xb))["reconstruction"]
            outs.append(rec.numpy())
    return np.concatenate(outs)


def linear_fill(x_hidden):
    """Linear interpolation; before the first / after the last observation the
    nearest observed value (so it never extrapolates a trend)."""
    out = x_hidden.copy()
    t = np.arange(DAY)
    for b in range(len(x_hidden)):
        for c in range(x_hidden.shape[2]):
            v = x_hidden[b, :, c]
            ok = ~np.isnan(v)
            if ok.any():
                out[b, :, c] = np.interp(t, t[ok], v[ok])
    return out


def locf_fill(x_hidden):
    """Last observation carried forward; the next observation before the first."""
    out = x_hidden.copy()
    for b in range(len(x_hidden)):
        for c in range(x_hidden.shape[2]):
            v = out[b, :, c]
            ok = ~np.isnan(v)
            if not ok.any():
                continue
            idx = np.where(ok, np.arange(DAY), 0)
            np.maximum.accumulate(idx, out=idx)
            filled = v[idx]
            first = np.argmax(ok)
            filled[:first] = v[first]
            out[b, :, c] = filled
    return out


def time_of_day_profile(x, smooth=15):
    """Mean per minute of day over days x [D, T, C] (NaN-aware), smoothed by a
    +-smooth-minute circular window; channel mean where nothing is observed."""
    d = np.nan_to_num(x)
    n = (~np.isnan(x)).astype(np.float64)
    k = np.ones(2 * smooth + 1)
    s = np.stack([np.convolve(np.tile(d[..., c].sum(0), 3), k, "same")[DAY:2 * DAY] for c in range(x.shape[2])], -1)
    m = np.stack([np.convolve(np.tile(n[..., c].sum(0), 3), k, "same")[DAY:2 * DAY] for c in range(x.shape[2])], -1)
    overall = np.nanmean(x, axis=(0, 1))
    return np.where(m > 0, s / np.maximum(m, 1), overall).astype(np.float32)


# ---------------------------------------------------------------- scenarios

def hide_random_tokens(x, rng, frac=0.8, P=10):
    H = np.zeros_like(x, dtype=bool)
    for b in range(len(x)):
        obs_tok = ~np.isnan(x[b].reshape(DAY // P, P, -1)).all(1)  # [NP, C]
        cand = np.argwhere(obs_tok)
        pick = cand[rng.random(len(cand)) < frac]
        for p, c in pick:
            H[b, p * P:(p + 1) * P, c] = True
    return H & ~np.isnan(x)


def hide_gap(x, rng, length):
    """One gap per day, placed where heart rate is observed inside it when
    possible (gaps are scored mostly on HR)."""
    H = np.zeros_like(x, dtype=bool)
    for b in range(len(x)):
        hr = ~np.isnan(x[b, :, HR])
        starts = [s for s in range(0, DAY - length, 5) if hr[s:s + length].mean() > 0.5]
        s = rng.choice(starts) if starts else rng.integers(0, DAY - length)
        H[b, s:s + length, :] = True
    return H & ~np.isnan(x)


def hide_forecast(x, rng, horizon=60):
    """Hide everything from t on; score only [t, t + horizon)."""
    H, score = np.zeros_like(x, dtype=bool), np.zeros_like(x, dtype=bool)
    for b in range(len(x)):
        hr = ~np.isnan(x[b, :, HR])
        starts = [s for s in range(120, DAY - horizon, 5) if hr[s:s + horizon].mean() > 0.5]
        t = rng.choice(starts) if starts else rng.integers(120, DAY - horizon)
        H[b, t:, :] = True
        score[b, t:t + horizon, :] = True
    return H & ~np.isnan(x), score & ~np.isnan(x)


def mse(pred, x, where, c, std=1.0):
    w = where[..., c]
    if not w.any():
        return float("nan"), 0
    d = (pred[..., c][w] - x[..., c][w]) / std
    return float(np.mean(d * d)), int(w.sum())


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--naive", default=None, help="naive-ablation model for the AIM-vs-naive comparison")
    ap.add_argument("--json", default=None)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--max-days", type=int, default=0, help="limit validation days (smoke tests)")
    args = ap.parse_args()
    torch.set_num_threads(os.cpu_count())
    rng = np.random.default_rng(args.seed)

    users = userdays.load_dir(args.data)
    train_ids, val_ids = userdays.split_users(users)
    model = load_model(args.model)
    naive = load_model(args.naive) if args.naive else None
    cfg = model.cfg
    std = np.array([c["std"] for c in cfg["channels"]], dtype=np.float32)
    x_train, _ = userdays.stack(users, train_ids)
    channel_mean = np.nanmean(x_train, axis=(0, 1)).astype(np.float32)
    population = time_of_day_profile(x_train)

    results = {"validation_users": val_ids, "scenarios": {}}
    rows = []
    for uid in val_ids:
        days = users[uid][0]
        if args.max_days:
            days = days[:args.max_days]
        rows.append((uid, days))

    def user_profiles(days):
        """The user's own time-of-day mean for each day, from their other days."""
        return np.stack([time_of_day_profile(np.delete(days, i, 0)) if len(days) > 1 else population
                         for i in range(len(days))])

    scenarios = ["random80", "gap10", "gap30", "gap60", "gap180", "forecast60", "hr_sensor"]
    for name in scenarios:
        xs, Hs, Ss, profs = [], [], [], []
        for uid, days in rows:
            if name == "random80":
                H = hide_random_tokens(days, rng)
                S = H
            elif name.startswith("gap"):
                H = hide_gap(days, rng, int(name[3:]))
                S = H
            elif name == "forecast60":
                H, S = hide_forecast(days, rng)
            else:  # hr_sensor
                keep = (~np.isnan(days[:, :, HR])).any(1)
                days = days[keep]
                H = np.zeros_like(days, dtype=bool)
                H[:, :, HR] = ~np.isnan(days[:, :, HR])
                S = H
            if not len(days):
                continue
            xs.append(days)
            Hs.append(H)
            Ss.append(S)
            profs.append(np.broadcast_to(population, days.shape) if name == "hr_sensor" else user_profiles(days))
        x = np.concatenate(xs)
        H, S, prof = np.concatenate(Hs), np.concatenate(Ss), np.concatenate(profs)
        xh = np.where(H, np.nan, x).astype(np.float32)
        fills = {"AIM model": model_fill(model, xh)}
        if naive is not None:
            fills["naive model"] = model_fill(naive, xh, naive=True)
        if name not in ("forecast60", "hr_sensor"):  # nothing to interpolate between
            fills["linear interpolation"] = linear_fill(xh)
        if name != "hr_sensor":  # no heart rate at all to carry forward
            fills["LOCF"] = locf_fill(xh)
        fills["population time-of-day mean" if name == "hr_sensor" else "user time-of-day mean"] = \
            np.where(np.isnan(xh), prof, xh)
        # A baseline with nothing to work from (e.g. no heart rate left in the
        # day) falls back to the training mean of the channel, so every
        # method is scored on the same minutes.
        res = {}
        for method, pred in fills.items():
            pred = np.where(np.isnan(pred), channel_mean, pred)
            hr_z, n_hr = mse(pred, x, S, HR, std[HR])
            hr_bpm, _ = mse(pred, x, S, HR)
            per_ch = [mse(pred, x, S, c, std[c])[0] for c in range(x.shape[2])]
            res[method] = {"hr_mse_z": hr_z, "hr_mse_bpm2": hr_bpm, "hr_minutes": n_hr,
                           "mse_z_by_channel": dict(zip(userdays.CHANNELS, per_ch))}
        results["scenarios"][name] = res
        print(f"{name}: " + ", ".join(f"{m} {r['hr_mse_bpm2']:.1f}" for m, r in res.items()) + " (HR MSE, bpm^2)",
              flush=True)

    # AIM vs naive: steps/intensity random-80 reconstruction with HR / the night removed.
    if naive is not None:
        x = np.concatenate([d for _, d in rows])
        H = hide_random_tokens(x, np.random.default_rng(args.seed + 1))
        H[..., HR] = False
        H[..., SLEEP] = False
        base = np.where(H, np.nan, x).astype(np.float32)
        no_hr = base.copy()
        no_hr[..., HR] = np.nan
        no_night = base.copy()
        no_night[:, :360, :] = np.nan
        H_day = H.copy()
        H_day[:, :360, :] = False  # the night cannot be scored once it is removed
        ab = {}
        for label, m, is_naive in (("AIM", model, False), ("naive", naive, True)):
            def err(inp, where):
                pred = model_fill(m, inp, naive=is_naive)
                return float(np.mean([mse(pred, x, where, c, std[c])[0] for c in (STEPS, INTENSITY)]))
            full, full_day = err(base, H), err(base, H_day)
            ab[label] = {"full": full, "no_hr": err(no_hr, H), "full_day": full_day, "no_night": err(no_night, H_day)}
            ab[label]["change_no_hr"] = ab[label]["no_hr"] / full - 1
            ab[label]["change_no_night"] = ab[label]["no_night"] / full_day - 1
        results["aim_vs_naive"] = ab
        print("AIM vs naive (steps+intensity MSE, z): " + json.dumps(ab), flush=True)

    print()
    print(markdown(results))
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


def markdown(results):
    sc = results["scenarios"]
    methods = []
    for r in sc.values():
        methods += [m for m in r if m not in methods]
    lines = ["HR MSE on hidden observed minutes, bpm² (z-units in brackets); validation users "
             + ", ".join(results["validation_users"]), "",
             "| scenario | " + " | ".join(methods) + " | AIM vs best baseline |",
             "|---|" + "---|" * (len(methods) + 1)]
    for name, r in sc.items():
        cells = []
        for m in methods:
            cells.append(f"{r[m]['hr_mse_bpm2']:.1f} ({r[m]['hr_mse_z']:.3f})" if m in r else "—")
        base = np.nanmin([v["hr_mse_bpm2"] for k, v in r.items() if "model" not in k])
        gain = 1 - r["AIM model"]["hr_mse_bpm2"] / base
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {100 * gain:+.0f}% |")
    lines += ["", "All-channel MSE in z-units (heart_rate / steps / intensity / sleep_state):", "",
              "| scenario | " + " | ".join(methods) + " |", "|---|" + "---|" * len(methods)]
    for name, r in sc.items():
        cells = [" / ".join(f"{v:.2f}" for v in r[m]["mse_z_by_channel"].values()) if m in r else "—" for m in methods]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    if "aim_vs_naive" in results:
        ab = results["aim_vs_naive"]
        lines += ["", "Steps + intensity reconstruction (random 80% of their tokens hidden), MSE in z-units:", "",
                  "| model | all inputs | heart rate removed | change | daytime, all inputs | night removed | change |",
                  "|---|---|---|---|---|---|---|"]
        for k, v in ab.items():
            lines.append(f"| {k} | {v['full']:.3f} | {v['no_hr']:.3f} | {100 * v['change_no_hr']:+.1f}% | "
                         f"{v['full_day']:.3f} | {v['no_night']:.3f} | {100 * v['change_no_night']:+.1f}% |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
