"""Adaptive and Inherited Masking (AIM, LSM-2) for training format_version 2
models, on top of the reference model in wearfm_ref.py (whose forward is
the inference path, so training scores exactly what `impute` outputs).

- inherited mask: tokens with no observed minute;
- artificial masks hide *minutes*, one strategy per sample (`STRATEGIES`):
  random 80% of the 10-min tokens (LSM-2), temporal slices (gaps of any
  length at any minute, every channel), channel gaps (one channel hidden
  for a while, the others recording: a heart-rate gap while steps are
  counted), sensor slices (one channel hidden all day) and forecasts
  (everything from a time on). A token left with no observed minute is
  masked; a token with some left stays visible with its hidden minutes
  taking the anchor, so partial patches are trained exactly as `impute`
  fills them;
- dropout removal: masked tokens are removed from the encoder input; the
  rows that pad a sample to the longest in the batch are hidden by the key
  mask;
- the loss is scored on every hidden observed minute: MSE in z-units for
  continuous and count channels, cross-entropy for categories, averaged
  per channel so the sparse heart rate weighs as much as steps.

The naive ablation has no inherited mask: its input is the linear
interpolation of what is left (wearfm_ref.tokens_v2), every token visible.
"""
import numpy as np
import torch
import torch.nn.functional as F

from wearfm_ref import _channel_stats, channel_z, edge_gate, standardise

RANDOM_RATIO = 0.8
# (name, probability): the mixture of artificial masks.
STRATEGIES = (("random", 0.2), ("temporal", 0.2), ("channel_gaps", 0.3), ("sensor", 0.15), ("forecast", 0.15))
GAP_MIN, GAP_MAX = 3, 240  # minutes, log-uniform


def _gaps(rng, T, k):
    """k (start, length) pairs, lengths log-uniform in [GAP_MIN, GAP_MAX],
    starts at any minute."""
    out = []
    for _ in range(k):
        L = int(round(np.exp(rng.uniform(np.log(GAP_MIN), np.log(GAP_MAX)))))
        s = int(rng.integers(0, T - L + 1))
        out.append((s, L))
    return out


def _pick_channel(rng, observed_any, focus=0, p_focus=0.6):
    """A channel with data, the focus channel (heart rate) more often."""
    have = np.flatnonzero(observed_any)
    if len(have) == 0:
        return None
    if observed_any[focus] and rng.random() < p_focus:
        return focus
    return int(rng.choice(have))


def parse_mix(text):
    """'random=0.15,channel_gaps=0.45,...' -> the STRATEGIES form (names checked)."""
    known = {s for s, _ in STRATEGIES}
    mix = []
    for part in text.split(","):
        name, _, p = part.partition("=")
        if name not in known or not p:
            raise ValueError(f"mask mix: '{part}' (strategies: {', '.join(sorted(known))})")
        mix.append((name, float(p)))
    return tuple(mix)


def hide_mask(x, P, rng, strategy=None, mix=STRATEGIES, p_focus=0.6):
    """Minutes to hide [B, T, C] bool for x [B, T, C] (numpy, NaN = missing),
    one strategy per sample drawn from `mix`; channel gaps and sensor slices
    pick heart rate (channel 0) with probability p_focus when it has data.
    Returns (mask, strategy names)."""
    B, T, C = x.shape
    names = [s for s, _ in mix]
    probs = np.array([p for _, p in mix])
    hide = np.zeros((B, T, C), dtype=bool)
    used = []
    for b in range(B):
        s = strategy or names[rng.choice(len(names), p=probs / probs.sum())]
        obs = ~np.isnan(x[b])
        if s == "random":
            NP = T // P
            tok = rng.random((C, NP)) < RANDOM_RATIO
            hide[b] = np.repeat(tok, P, axis=1).T
        elif s == "temporal":
            for st, L in _gaps(rng, T, int(rng.integers(1, 5))):
                hide[b, st:st + L, :] = True
        elif s == "channel_gaps":
            c = _pick_channel(rng, obs.any(0), p_focus=p_focus)
            if c is not None:
                for st, L in _gaps(rng, T, int(rng.integers(1, 7))):
                    hide[b, st:st + L, c] = True
        elif s == "sensor":
            c = _pick_channel(rng, obs.any(0), p_focus=p_focus)
            if c is not None:
                hide[b, :, c] = True
        elif s == "forecast":
            hide[b, int(rng.integers(60, T - 60)):, :] = True
        else:
            raise ValueError(f"unknown strategy {s}")
        used.append(s)
    return hide & ~np.isnan(x), used


def level_index(x, cfg):
    """Category targets: the index of the nearest level, [B, T, C] int64
    (0 for non-category channels and missing minutes)."""
    out = np.zeros(x.shape, dtype=np.int64)
    for c, ch in enumerate(cfg["channels"]):
        if ch["kind"] == "category":
            lv = np.asarray(ch["levels"], dtype=np.float64)
            v = np.nan_to_num(x[..., c], nan=lv[0])
            out[..., c] = np.abs(v[..., None] - lv).argmin(-1)
    return out


def encode_dropout(model, patches, visible):
    """Encoder on each sample's visible tokens only (dropout removal), padded
    to the longest sample; padding is hidden by the key mask. The same
    function as the reference's compact branch."""
    return model.encode(patches, visible, mode="compact")


def masked_loss(model, x_obs, hide, targets_idx=None, profile=None, anchor_params=None):
    """Loss for one batch. x_obs [B, T, C] torch (real observations, NaN =
    missing); hide [B, T, C] bool torch (minutes to hide, observed ones);
    profile [B, T, C] torch, each day's typical day (anchor_profile) or None;
    anchor_params: each day's personal anchor (wearfm_ref.personal_params) or
    None for the file's weights.
    Returns (loss, {channel name: its loss} for the channels scored)."""
    cfg = model.cfg
    x_in = x_obs.masked_fill(hide, float("nan"))
    patches, visible, anchor_tok, observed = model.tokens(x_in, profile, anchor_params)
    enc = encode_dropout(model, patches, visible)
    head = model.decode(enc, visible, anchor_tok, observed)
    zhat, h = channel_z(head, anchor_tok, cfg, edge_gate(x_in, cfg))
    B, T, C = x_obs.shape
    P = cfg["patch_minutes"]
    NP = T // P
    z = standardise(x_obs, cfg)  # [B, C, T] clipped target
    scored = hide.permute(0, 2, 1)  # [B, C, T]
    if targets_idx is None:
        targets_idx = torch.from_numpy(level_index(x_obs.numpy(), cfg))
    tgt_idx = targets_idx.permute(0, 2, 1)
    losses, names = [], []
    for c, ch in enumerate(cfg["channels"]):
        w = scored[:, c]
        n = w.sum()
        if n == 0:
            continue
        rows = slice(c * NP, (c + 1) * NP)
        if ch["kind"] == "category":
            L = len(ch["levels"])
            logits = h[:, rows, :, :L].reshape(B, T, L)
            ce = F.cross_entropy(logits[w], tgt_idx[:, c][w])
            losses.append(ce)
            names.append(ch["name"])
        else:
            pred = zhat[:, rows].reshape(B, T)
            losses.append(((pred - torch.nan_to_num(z[:, c])) ** 2)[w].mean())
            names.append(ch["name"])
    if not losses:
        return head.sum() * 0.0, {}
    return torch.stack(losses).mean(), {n: float(v) for n, v in zip(names, losses)}
