#!/usr/bin/env python3
"""Train the waveform encoders of issue 10 on WESAD (tools/accel_data.py),
split by subject:

  teacher     PPG encoder, masked-patch reconstruction on BVP windows
              (a training-only decoder; the shipped teacher is the encoder);
  student     accelerometer encoder + projection head, distilled from the
              frozen teacher with a cross-modal InfoNCE loss on time-paired
              windows (the accelerometer->PPG direction and back);
  ssl         baseline: the same accelerometer encoder, self-supervised
              (SimCLR: InfoNCE between two augmented views), same budget;
  supervised  baseline: the same accelerometer encoder + a linear head
              regressing the device heart rate, same budget.

    /usr/bin/python3 tools/accel_train.py --role student --fold 0 \\
        --teacher build/accel/teacher-fold0.safetensors --out build/accel/student-fold0.safetensors

--fold k trains on every subject outside fold k (3 folds: sorted subjects,
fold k = subjects[k::3]); --fold all trains on all 15 (the shipped models).
A JSON line per logged step goes to --log.
"""
import argparse
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import accel_data as D
from waveform_ref import WaveformEncoder, load_waveform, save_waveform, tokens
from wearfm_ref import Block, pos_1d_sincos

N_FOLDS = 3
ENCODER = dict(dim=64, layers=3, heads=4, mlp_dim=256)
AUGMENTATIONS = ("rotate", "scale", "noise", "warp", "drop")


def fold_subjects(fold):
    subs = sorted(D.WESAD_SUBJECTS, key=lambda s: int(s[1:]))
    if fold == "all":
        return subs, []
    k = int(fold)
    held = subs[k::N_FOLDS]
    return [s for s in subs if s not in held], held


def config(signal, proj_dim=None, encoder=None):
    T, P = D.WINDOW_S * D.RATE, D.PATCH_S * D.RATE
    if signal == "ppg":
        chans = [dict(name="bvp", unit="", mean=0.0, std=1.0, clip=6.0)]
        norm = "window_z"
    else:
        # g units as they are: gravity and posture are part of the signal.
        chans = [dict(name=f"acc_{a}", unit="g", mean=0.0, std=1.0, clip=8.0) for a in "xyz"]
        norm = "fixed"
    return dict(format_version=2, architecture="waveform_encoder", signal=signal,
                sample_rate_hz=D.RATE, window_samples=T, patch_samples=P, input_norm=norm,
                window_std_floor=1e-3, norm_eps=1e-6, channels=chans,
                encoder=dict(encoder or ENCODER),
                projection=None if proj_dim is None else dict(dim=proj_dim))


# --------------------------------------------------------------------------
# Augmentations of accelerometer windows [B, T, 3] in g


def random_rotation(B, gen):
    q = torch.randn(B, 4, generator=gen)
    q = q / q.norm(dim=1, keepdim=True)
    w, x, y, z = q.unbind(1)
    return torch.stack([
        1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w),
        2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w),
        2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)], 1).reshape(B, 3, 3)


def time_warp(x, gen, strength=0.2):
    """Smooth monotone warp of the time axis (4 knots), linear interpolation."""
    B, T, C = x.shape
    knots = 1 + strength * (2 * torch.rand(B, 4, generator=gen) - 1)
    speed = F.interpolate(knots[:, None, :], size=T, mode="linear", align_corners=True)[:, 0]
    pos = torch.cumsum(speed, 1)
    pos = (pos - pos[:, :1]) / (pos[:, -1:] - pos[:, :1]) * (T - 1)
    i0 = pos.floor().long().clamp(0, T - 2)
    f = (pos - i0)[..., None]
    g0 = torch.gather(x, 1, i0[..., None].expand(-1, -1, C))
    g1 = torch.gather(x, 1, (i0 + 1)[..., None].expand(-1, -1, C))
    return g0 * (1 - f) + g1 * f


def augment(x, augs, gen):
    B = x.shape[0]
    if "warp" in augs:
        x = time_warp(x, gen)
    if "rotate" in augs:
        x = x @ random_rotation(B, gen).transpose(1, 2)
    if "scale" in augs:
        x = x * (0.8 + 0.4 * torch.rand(B, 1, 1, generator=gen))
    if "noise" in augs:
        x = x + 0.01 * torch.randn(x.shape, generator=gen)
    return x


def drop_tokens(visible, gen, max_frac=0.3):
    """Hide a random fraction (0..max_frac) of each window's tokens, as
    missing data would: the inherited mask the model meets at inference."""
    B, N = visible.shape
    frac = max_frac * torch.rand(B, 1, generator=gen)
    hide = torch.rand(B, N, generator=gen) < frac
    out = visible & ~hide
    return torch.where(out.any(1, keepdim=True), out, visible)


# --------------------------------------------------------------------------
# Losses


def info_nce(a, b, temperature):
    """Symmetric InfoNCE between paired rows of a and b (cosine similarity)."""
    a, b = F.normalize(a, dim=1), F.normalize(b, dim=1)
    logits = a @ b.T / temperature
    target = torch.arange(len(a))
    return 0.5 * (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target))


class MaeDecoder(nn.Module):
    """Training-only decoder of the teacher: mask tokens, 1D positions, one
    block, a head to each token's P z-values."""

    def __init__(self, enc_dim, n_tokens, token_len, dim=64, heads=4):
        super().__init__()
        self.embed = nn.Linear(enc_dim, dim)
        self.mask_token = nn.Parameter(torch.zeros(dim))
        self.block = Block(dim, heads, 4 * dim)
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.head = nn.Linear(dim, token_len)
        self.register_buffer("pos", torch.from_numpy(pos_1d_sincos(dim, np.arange(n_tokens))),
                             persistent=False)

    def forward(self, enc, visible):
        d = self.embed(enc)
        d = torch.where(visible[..., None], d, self.mask_token.expand_as(d)) + self.pos
        return self.head(self.norm(self.block(d)))


# --------------------------------------------------------------------------


def batches(n, batch, gen):
    while True:
        perm = torch.randperm(n, generator=gen)
        for i in range(0, n - batch + 1, batch):
            yield perm[i:i + batch]


def lr_at(step, steps, lr, warmup=100):
    if step < warmup:
        return lr * (step + 1) / warmup
    return lr * 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, steps - warmup)))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--role", required=True, choices=["teacher", "student", "ssl", "supervised"])
    ap.add_argument("--fold", default="all", help="0..2 or all")
    ap.add_argument("--teacher", help="student: the frozen teacher")
    ap.add_argument("--out", required=True)
    ap.add_argument("--log")
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--weight-decay", type=float, default=0.05)
    ap.add_argument("--temperature", type=float, default=0.1)
    ap.add_argument("--mask-ratio", type=float, default=0.6, help="teacher: hidden tokens")
    ap.add_argument("--aug", default="rotate,scale,noise,warp,drop",
                    help="accelerometer augmentations, comma-separated, or none")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--limit-windows", type=int, default=0, help="smoke tests: use this many windows")
    args = ap.parse_args(argv)
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    gen = torch.Generator().manual_seed(args.seed)
    augs = () if args.aug == "none" else tuple(args.aug.split(","))
    for a in augs:
        if a not in AUGMENTATIONS:
            ap.error(f"unknown augmentation {a!r}")

    train_subs, held = fold_subjects(args.fold)
    w = D.load_wesad(stride_s=10)
    keep = np.isin(w["sid"], train_subs)
    if args.limit_windows:
        keep &= np.cumsum(keep) <= args.limit_windows
    acc = torch.from_numpy(w["acc"][keep])
    bvp = torch.from_numpy(w["bvp"][keep])
    hr = torch.from_numpy(w["hr"][keep]).float()
    n = len(acc)
    print(f"{args.role} fold {args.fold}: {n} windows of {len(train_subs)} subjects "
          f"(held out: {','.join(held) or 'none'})", flush=True)

    teacher = None
    if args.role == "teacher":
        model = WaveformEncoder(config("ppg"))
        NP = model.cfg["window_samples"] // model.cfg["patch_samples"]
        extra = MaeDecoder(ENCODER["dim"], NP, model.cfg["patch_samples"])
    elif args.role == "student":
        if not args.teacher:
            ap.error("--role student needs --teacher")
        teacher = load_waveform(args.teacher)
        for p in teacher.parameters():
            p.requires_grad_(False)
        model = WaveformEncoder(config("accelerometer", proj_dim=teacher.cfg["encoder"]["dim"]))
        extra = None
        with torch.no_grad():  # the frozen teacher's targets, once
            targets = torch.cat([teacher(bvp[i:i + 1024]) for i in range(0, n, 1024)])
    elif args.role == "ssl":
        model = WaveformEncoder(config("accelerometer", proj_dim=ENCODER["dim"]))
        extra = None
    else:
        model = WaveformEncoder(config("accelerometer"))
        extra = nn.Linear(ENCODER["dim"], 1)
        hr_mean, hr_std = float(hr.mean()), float(hr.std())

    params = list(model.parameters()) + (list(extra.parameters()) if extra is not None else [])
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=args.weight_decay)
    log = open(args.log, "w") if args.log else None
    it = batches(n, min(args.batch, n), gen)
    t0 = time.time()
    for step in range(args.steps):
        for g in opt.param_groups:
            g["lr"] = lr_at(step, args.steps, args.lr)
        idx = next(it)
        model.train()
        if args.role == "teacher":
            tok, vis = tokens(bvp[idx], model.cfg)
            hide = torch.rand(vis.shape, generator=gen) < args.mask_ratio
            enc_vis = vis & ~hide
            enc_vis = torch.where(enc_vis.any(1, keepdim=True), enc_vis, vis)
            rec = extra(model.encode_tokens(tok, enc_vis), enc_vis)
            target_tok = vis & ~enc_vis
            loss = ((rec - tok) ** 2).mean(-1)[target_tok].mean()
        else:
            x = acc[idx]
            tok, vis = tokens(augment(x, augs, gen), model.cfg)
            if "drop" in augs:
                vis = drop_tokens(vis, gen)
            if args.role == "student":
                loss = info_nce(model.embed_tokens(tok, vis), targets[idx], args.temperature)
            elif args.role == "ssl":
                tok2, vis2 = tokens(augment(x, augs, gen), model.cfg)
                if "drop" in augs:
                    vis2 = drop_tokens(vis2, gen)
                loss = info_nce(model.embed_tokens(tok, vis), model.embed_tokens(tok2, vis2),
                                args.temperature)
            else:
                pred = extra(model.pooled(tok, vis))[:, 0]
                loss = F.mse_loss(pred, (hr[idx] - hr_mean) / hr_std)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        if step % 100 == 0 or step == args.steps - 1:
            rec_ = dict(step=step, loss=round(float(loss), 5), seconds=round(time.time() - t0, 1))
            print(json.dumps(rec_), flush=True)
            if log:
                log.write(json.dumps(rec_) + "\n")
                log.flush()

    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    meta = {"wearfm.training": json.dumps(dict(
        role=args.role, fold=args.fold, subjects=train_subs, held_out=held, steps=args.steps,
        batch=args.batch, lr=args.lr, temperature=args.temperature, augmentations=list(augs),
        mask_ratio=args.mask_ratio, seed=args.seed, windows=n,
        data="WESAD (Schmidt et al., ICMI 2018), Empatica E4 wrist, 30-s windows every 10 s"))}
    save_waveform(args.out, model.eval(), extra_metadata=meta)
    if args.role == "supervised":  # the HR head, beside the encoder (an evaluation baseline)
        torch.save(dict(weight=extra.weight.detach(), bias=extra.bias.detach(),
                        hr_mean=hr_mean, hr_std=hr_std), args.out + ".head.pt")
    print(f"wrote {args.out} in {time.time() - t0:.0f} s", flush=True)


if __name__ == "__main__":
    main()
