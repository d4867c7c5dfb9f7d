#!/usr/bin/env python3
"""AIM pretraining (LSM-2 style) on user-days, or the naive ablation.

    python3 tools/train.py --data build/fitabase --out models/NAME.safetensors
    python3 tools/train.py --data build/fitabase --naive --out build/naive.safetensors

AdamW with linear warmup then cosine decay, fixed seeds, split by user
(tools/userdays.py). Logs JSON lines to --log. Writes the model with its
config and a "provenance" string in the config (training data, split,
steps, time), loadable by the C core.
"""
import argparse
import json
import math
import os
import time

import numpy as np
import torch

import aim
import anchor_fit
import userdays
from wearfm_ref import (WearFM, init_random, load_model, personal_params, profiles_leave_one_out,
                        save_model, with_residual)

PROFILE_SMOOTH = 15  # minutes: the profile's +- smoothing, as tools/evaluate.py's own time-of-day baseline
# a day trains without its profile this often, so the model also fills a
# person with no other days (a first day, a single-day file)
PROFILE_DROP = 0.25

# The C core keeps units to 31 bytes; docs/data.md has the full definitions.
UNITS = {"heart_rate": "bpm", "steps": "steps/min", "intensity": "level 0-3",
         "sleep_state": "2 asleep 1 restless 0 awake"}
# What each channel is (docs/model-format.md): the fills stay inside these.
# The limits are the importer's plausibility rules (docs/data.md).
SEMANTICS = {"heart_rate": {"kind": "continuous", "range": [25.0, 250.0]},
             "steps": {"kind": "count", "range": [0.0, 300.0]},
             "intensity": {"kind": "category", "levels": [0, 1, 2, 3]},
             "sleep_state": {"kind": "category", "levels": [0, 1, 2]}}
CLIP = (-5.0, 10.0)  # z-units: wide enough for step bursts, cuts sensor spikes


def make_config(mean, std, args):
    return {
        "format_version": 2,
        "architecture": "lsm2_mae",
        "window_minutes": userdays.DAY,
        "patch_minutes": args.patch,
        "norm_eps": 1e-6,
        "fill": "anchored",
        "inherited_mask": not args.naive,
        **({"anchor": "cross_channel", "anchor_rolling": args.anchor_rolling} if args.anchor == "cross_channel" else {}),
        **({"edge_tau": args.edge_tau} if args.edge_tau else {}),
        **({"anchor_profile": True, "profile_smooth": PROFILE_SMOOTH, "profile_tau": args.profile_tau}
           if args.anchor_profile else {}),
        "channels": [dict({"name": n, "unit": UNITS[n], "mean": round(float(m), 4), "std": round(float(s), 4),
                           "clip": list(CLIP)}, **SEMANTICS[n]) for n, m, s in zip(userdays.CHANNELS, mean, std)],
        "encoder": {"dim": args.enc_dim, "layers": args.enc_layers, "heads": args.enc_heads,
                    "mlp_dim": 4 * args.enc_dim},
        "decoder": {"dim": args.dec_dim, "layers": args.dec_layers, "heads": args.dec_heads,
                    "mlp_dim": 4 * args.dec_dim},
    }


def lr_at(step, total, peak, warmup):
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return peak * 0.5 * (1 + math.cos(math.pi * progress))


def augment(x, cfg, rng, scale=(0.8, 1.25), shift_z=1.0, profile=None):
    """Each day's continuous channels (heart rate) rescaled about the channel
    mean by a log-uniform factor and shifted by up to +-shift_z standard
    deviations, so the model cannot learn the few training people's heart-rate
    levels and has to use the day's own observations (people differ in
    resting heart rate far more than the training set shows). The day's
    profile, if given, moves with it (the person's level, not the day's,
    is what changes). Returns (x, profile); profile None without one."""
    x = x.copy()
    profile = None if profile is None else profile.copy()
    for c, ch in enumerate(cfg["channels"]):
        if ch["kind"] != "continuous":
            continue
        B = len(x)
        s = np.exp(rng.uniform(np.log(scale[0]), np.log(scale[1]), B)).astype(np.float32)
        o = (rng.uniform(-shift_z, shift_z, B) * ch["std"]).astype(np.float32)
        lo, hi = ch.get("range", (-np.inf, np.inf))
        for a in (x, profile) if profile is not None else (x,):
            v = (a[..., c] - ch["mean"]) * s[:, None] + ch["mean"] + o[:, None]
            a[..., c] = np.clip(v, lo, hi)  # NaN stays NaN
    return x, profile


def time_shift(x, rng, max_minutes, profile=None):
    """Each day moved by up to +-max_minutes, the minutes it uncovers missing:
    people keep their routines only roughly by the clock, and with so few
    people the model otherwise learns their time-of-day habits. A profile,
    if given, moves with its day (circularly: it is a day of the clock), so
    it still describes the person's routine around the shifted day.
    Returns (x, profile); profile None without one."""
    out = np.full_like(x, np.nan)
    prof = None if profile is None else profile.copy()
    T = x.shape[1]
    for b, k in enumerate(rng.integers(-max_minutes, max_minutes + 1, len(x))):
        if k >= 0:
            out[b, k:] = x[b, :T - k]
        else:
            out[b, :T + k] = x[b, -k:]
        if prof is not None:
            prof[b] = np.roll(profile[b], k, axis=0)
    return out, prof


def batch_loss(model, x_obs, rng, strategy=None, mix=aim.STRATEGIES, p_focus=0.6, profile=None, anchor_params=None):
    """x_obs: real observations [B, T, C] numpy; minutes hidden by aim.hide_mask."""
    hide, _ = aim.hide_mask(x_obs, model.cfg["patch_minutes"], rng, strategy, mix, p_focus)
    return aim.masked_loss(model, torch.from_numpy(x_obs), torch.from_numpy(hide),
                           profile=None if profile is None else torch.from_numpy(profile),
                           anchor_params=anchor_params)


def person_profiles(users, ids, smooth):
    """[D, T, C] float32 in userdays.stack order: each day's leave-one-out
    typical day of its person (wearfm_ref.profiles_leave_one_out)."""
    return np.concatenate([profiles_leave_one_out(users[u][0], smooth) for u in ids]).astype(np.float32)


def person_anchor_params(users, ids, cfg, anchor, lam):
    """Each day of `ids` (in userdays.stack order): the anchor refitted on
    the person's other days (personal_lambda lam), as the C core fits it at
    inference with the person's history: (weight [D, C, C*F], bias [D, C],
    profile_weight [D, C, 3]) float32."""
    cfg = dict(cfg, personal_lambda=lam)
    parts = []
    for u in ids:
        hist, first, starts = userdays.person_history(users, u)
        W, b, pw = personal_params(hist, first, starts, cfg, anchor.weight, anchor.bias, anchor.profile_weight)
        parts.append((W.float(), b.float(), pw.float()))
    return tuple(torch.cat([p[k] for p in parts]) for k in range(3))


def sample_batch(rng, n, hr_days, other_days, hr_fraction):
    """Indices of a batch: about hr_fraction of it from days with heart rate,
    which are few (the loss on heart rate needs them)."""
    k = rng.binomial(n, hr_fraction) if len(hr_days) and len(other_days) else (n if len(hr_days) else 0)
    return np.concatenate([rng.choice(hr_days, k), rng.choice(other_days, n - k)]) if n - k else rng.choice(hr_days, k)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, help="directory of per-user minute CSVs (wearfm import fitabase)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--naive", action="store_true", help="train the naive ablation (imputed input, no inherited mask)")
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--weight-decay", type=float, default=0.1)
    ap.add_argument("--warmup", type=float, default=0.05, help="fraction of steps")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--enc-dim", type=int, default=128)
    ap.add_argument("--enc-layers", type=int, default=4)
    ap.add_argument("--enc-heads", type=int, default=4)
    ap.add_argument("--dec-dim", type=int, default=128)
    ap.add_argument("--dec-layers", type=int, default=3)
    ap.add_argument("--dec-heads", type=int, default=4)
    ap.add_argument("--patch", type=int, default=20)
    ap.add_argument("--anchor", default="linear", choices=["linear", "cross_channel"],
                    help="the fill's anchor (docs/model-format.md); cross_channel is fitted in closed form "
                    "on the training people (tools/anchor_fit.py) and kept fixed")
    ap.add_argument("--anchor-rolling", default="10,30", type=lambda s: [int(v) for v in s.split(",")],
                    help="half-widths in minutes of the cross_channel anchor's rolling means")
    ap.add_argument("--edge-tau", type=float, default=None,
                    help="minutes: the head's residual fades to 0 at observations (docs/model-format.md)")
    ap.add_argument("--no-absent-residual", dest="absent_residual", action="store_false",
                    help="the model file fills a channel with no observation in the window by its anchor "
                    "alone (needs --edge-tau; docs/model-format.md). Training still adds the residual there: "
                    "run 9, which dropped it in training too, filled gaps worse (models/train-logs)")
    ap.add_argument("--residual-others-missing", default=[], type=lambda s: [n for n in s.split(",") if n],
                    help="channels whose residual the model file uses only where the other value channels are "
                    "missing (\"residual\": \"others_missing\"; needs --edge-tau). Training keeps the residual")
    ap.add_argument("--personal-lambda", type=float, default=None,
                    help="the model file refits the anchor on the person's history at inference, shrunk toward "
                    "the fitted weights with this weight (personal_lambda; needs --anchor-profile; chosen by "
                    "make personal-lopo). Training is unchanged")
    ap.add_argument("--personal-train", action="store_true",
                    help="train on each day's personal anchor (the anchor refitted on the person's other days with "
                    "--personal-lambda, as the C core does at inference), not on the file's weights")
    ap.add_argument("--anchor-profile", action="store_true",
                    help="the anchor also weighs the person's typical day (their other days; docs/model-format.md)")
    ap.add_argument("--profile-tau", type=float, default=60.0,
                    help="minutes: the profile's second term grows as 1 - exp(-d/tau) away from observations")
    ap.add_argument("--mix", default=None, help="mask strategies and weights, e.g. random=0.2,channel_gaps=0.5 "
                    "(default: aim.STRATEGIES)")
    ap.add_argument("--hr-focus", type=float, default=0.6, help="share of channel gaps / sensor slices on heart rate")
    ap.add_argument("--hold-out", default=[], type=lambda s: [u for u in s.split(",") if u],
                    help="training user ids left out of training (tools/residual_lopo.py)")
    ap.add_argument("--init", default=None, help="start from this model's weights (a second stage; same config)")
    ap.add_argument("--dropout", type=float, default=0.1, help="dropout on attention and MLP outputs (training only)")
    ap.add_argument("--time-shift", type=int, default=90, help="shift each training day by up to this many minutes")
    ap.add_argument("--no-augment", dest="augment", action="store_false",
                    help="no heart-rate level/scale augmentation (train.augment)")
    ap.add_argument("--hr-fraction", type=float, default=0.5, help="share of each batch from days with heart rate")
    ap.add_argument("--dtype", default="F32", choices=["F32", "F16", "BF16"])
    ap.add_argument("--checkpoint-every", type=int, default=250, help="also write the model every N steps")
    ap.add_argument("--stop-after", type=int, default=None,
                    help="stop after this many steps of the --steps schedule (a first stage) and write the model")
    ap.add_argument("--log", default=None, help="JSON-lines training log")
    ap.add_argument("--eval-every", type=int, default=250)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)

    users = userdays.load_dir(args.data)
    train_ids, val_ids = userdays.split_users(users)
    unknown = set(args.hold_out) - set(train_ids)
    if unknown:
        raise SystemExit(f"train: --hold-out {','.join(sorted(unknown))}: not a training user")
    train_ids = [u for u in train_ids if u not in args.hold_out]
    x_train, _ = userdays.stack(users, train_ids)
    x_val, _ = userdays.stack(users, val_ids)
    mean, std = userdays.channel_stats(x_train)
    cfg = make_config(mean, std, args)
    unknown = set(args.residual_others_missing) - {ch["name"] for ch in cfg["channels"]}
    if unknown:
        raise SystemExit(f"train: --residual-others-missing {','.join(sorted(unknown))}: no such channel")
    p_train = person_profiles(users, train_ids, PROFILE_SMOOTH) if args.anchor_profile else None
    p_val = person_profiles(users, val_ids, PROFILE_SMOOTH) if args.anchor_profile else None
    model = init_random(WearFM(cfg), args.seed)
    mix = aim.parse_mix(args.mix) if args.mix else aim.STRATEGIES
    init_provenance = None
    if args.init:
        prev = load_model(args.init)
        init_provenance = prev.cfg.get("provenance", "")
        if {k: v for k, v in prev.cfg.items() if k != "provenance"} != {k: v for k, v in model.cfg.items()
                                                                        if k != "provenance"}:
            raise SystemExit(f"--init {args.init}: its config differs from this run's")
        model.load_state_dict(prev.state_dict())
        print(f"starting from {args.init} ({prev.cfg.get('provenance', '')[:60]}...)", flush=True)
    for m in model.modules():
        if isinstance(m, torch.nn.Dropout):
            m.p = args.dropout
    if not args.init:
        with torch.no_grad():  # start from the anchor (a zero residual) and uniform categories
            model.decoder.head.weight.zero_()
            model.decoder.head.bias.zero_()
    if model.anchor is not None:
        if not args.init:
            fit = anchor_fit.fit_cross_anchor(x_train, model.cfg, seed=args.seed, profiles=p_train)
            with torch.no_grad():
                model.anchor.weight.copy_(torch.from_numpy(fit[0]))
                model.anchor.bias.copy_(torch.from_numpy(fit[1]))
                if p_train is not None:
                    model.anchor.profile_weight.copy_(torch.from_numpy(fit[2]))
            print("anchor fitted" + (f"; profile weights {fit[2].tolist()}" if p_train is not None else ""), flush=True)
        model.anchor.requires_grad_(False)
    a_train = a_val = None
    if args.personal_train:
        if not (args.personal_lambda and args.anchor_profile):
            raise SystemExit("train: --personal-train needs --personal-lambda and --anchor-profile")
        t_fit = time.time()
        with torch.no_grad():
            a_train = person_anchor_params(users, train_ids, model.cfg, model.anchor, args.personal_lambda)
            a_val = person_anchor_params(users, val_ids, model.cfg, model.anchor, args.personal_lambda)
        print(f"personal anchors of {len(a_train[0])} training and {len(a_val[0])} validation days "
              f"in {time.time() - t_fit:.0f} s", flush=True)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"train: {len(train_ids)} users, {len(x_train)} days; validation: {len(val_ids)} users, "
          f"{len(x_val)} days; {n_params} parameters; {'naive ablation' if args.naive else 'AIM'}", flush=True)

    trained = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    decay = [p for n, p in trained if p.ndim == 2]
    no_decay = [p for n, p in trained if p.ndim < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}], lr=args.lr, betas=(0.9, 0.95))
    warmup = max(1, int(args.warmup * args.steps))
    log = open(args.log, "w") if args.log else None
    t0 = time.time()
    hr_day = ~np.isnan(x_train[..., 0]).all(1)
    hr_days, other_days = np.flatnonzero(hr_day), np.flatnonzero(~hr_day)
    # Validation: fixed masks, every strategy on every validation day.
    val_masks = {s: aim.hide_mask(x_val, cfg["patch_minutes"], np.random.default_rng(1234), s)[0]
                 for s, _ in aim.STRATEGIES}

    def validate():
        """Mean loss per strategy, and the heart-rate loss (z^2) per strategy."""
        model.eval()
        out = {}
        with torch.no_grad():
            for s, hide in val_masks.items():
                tot, hr = [], []
                for i in range(0, len(x_val), 64):
                    pv = None if p_val is None else torch.from_numpy(p_val[i:i + 64])
                    av = None if a_val is None else tuple(a[i:i + 64] for a in a_val)
                    loss, per = aim.masked_loss(model, torch.from_numpy(x_val[i:i + 64]),
                                                torch.from_numpy(hide[i:i + 64]), profile=pv, anchor_params=av)
                    tot.append(float(loss))
                    if "heart_rate" in per:
                        hr.append(per["heart_rate"])
                out[s] = round(float(np.mean(tot)), 5)
                out[s + "_hr"] = round(float(np.mean(hr)), 5) if hr else None
        model.train()
        out["mean"] = round(float(np.mean([out[s] for s, _ in aim.STRATEGIES])), 5)
        return out

    def provenance(steps_done, seconds):
        return (f"{'naive ablation' if args.naive else 'AIM'} pretraining by tools/train.py on Fitabase minute data "
                f"(Furberg et al. 2016, CC BY 4.0): train users {','.join(train_ids)}; validation users "
                f"{','.join(val_ids)}; {steps_done} steps x batch {args.batch}, seed {args.seed}, "
                f"{seconds / 60:.1f} min on {args.threads} CPU threads"
                + (f"; mask mix {args.mix}" if args.mix else "")
                + (f"; continued from {os.path.basename(args.init)}: {init_provenance}" if args.init else ""))

    def write(path, steps_done):
        c = dict(cfg, provenance=provenance(steps_done, time.time() - t0))
        if not args.absent_residual:  # the file's rule only: training keeps the residual (see --no-absent-residual)
            c["absent_residual"] = False
        if args.residual_others_missing:  # the same: a rule of the file, not of training
            c = with_residual(c, args.residual_others_missing, "others_missing")
        if args.personal_lambda:  # the same: the C core refits the anchor on the history at inference
            c = dict(c, personal_lambda=args.personal_lambda)
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        save_model(path, model.eval(), c, dtype=args.dtype)
        model.train()

    if not args.init:  # where training starts: the anchor alone (the head is zero)
        rec0 = {"step": 0, "val": validate(), "seconds": 0.0}
        print(json.dumps(rec0), flush=True)
        if log:
            log.write(json.dumps(rec0) + "\n")
    model.train()
    for step in range(args.steps):
        lr = lr_at(step, args.steps, args.lr, warmup)
        for group in opt.param_groups:
            group["lr"] = lr
        idx = sample_batch(rng, args.batch, hr_days, other_days, args.hr_fraction)
        pb = None
        if p_train is not None:
            pb = p_train[idx].copy()
            pb[rng.random(len(idx)) < PROFILE_DROP] = np.nan
        xb = x_train[idx]
        if args.augment:
            xb, pb = augment(xb, cfg, rng, profile=pb)
        if args.time_shift:
            xb, pb = time_shift(xb, rng, args.time_shift, profile=pb)
        ab = None if a_train is None else tuple(a[torch.from_numpy(idx)] for a in a_train)
        loss, _ = batch_loss(model, xb, rng, mix=mix, p_focus=args.hr_focus, profile=pb, anchor_params=ab)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        rec = {"step": step + 1, "loss": round(float(loss), 5), "lr": lr, "seconds": round(time.time() - t0, 1)}
        if (step + 1) % args.eval_every == 0 or step + 1 == args.steps:
            rec["val"] = validate()
            print(json.dumps(rec), flush=True)
        if log:
            log.write(json.dumps(rec) + "\n")
            log.flush()
        if (step + 1) % args.checkpoint_every == 0:
            write(args.out + ".ckpt", step + 1)
        if args.stop_after and step + 1 == args.stop_after:
            break

    seconds = time.time() - t0
    write(args.out, min(args.steps, args.stop_after or args.steps))
    print(f"wrote {args.out} ({os.path.getsize(args.out) / 1e6:.2f} MB) after {seconds:.0f} s", flush=True)


if __name__ == "__main__":
    main()
