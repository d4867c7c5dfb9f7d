"""Adaptive and Inherited Masking (AIM, LSM-2) for training, on top of the
reference model in wearfm_ref.py (whose forward is the inference path).

- inherited mask: tokens with no observed minute (tokenize);
- artificial mask, one strategy per sample: random 80% of all tokens
  (inherited tokens count toward the 80%), or temporal bars: 40% of the
  time columns across every channel;
- the union is masked. A fixed number of tokens is removed from the
  encoder input (dropout removal); any further masked tokens stay in the
  sequence and are hidden from attention by the key mask;
- the decoder sees a mask token at every masked position;
- the loss is the MSE on observed minutes inside masked tokens.

The naive ablation instead imputes its input (linear interpolation, then
the channel mean) and has no inherited mask: every token is visible unless
artificially masked.
"""
import numpy as np
import torch

from wearfm_ref import tokenize

RANDOM_RATIO = 0.8
BAR_RATIO = 0.4


def artificial_mask(inherited_visible, n_patches, n_channels, generator, p_random=0.5):
    """-> (bool [B, N] True = artificially masked (token n = c*NP + p),
    bool [B] True where the sample uses the random strategy)."""
    B, N = inherited_visible.shape
    use_random = torch.rand(B, generator=generator) < p_random
    # Random: mask the extra tokens needed to reach 80% among the visible ones.
    n_inherited = (~inherited_visible).sum(1)
    extra = (round(RANDOM_RATIO * N) - n_inherited).clamp(min=0)
    scores = torch.rand(B, N, generator=generator).masked_fill(~inherited_visible, 2.0)
    rank = scores.argsort(1).argsort(1)
    random_mask = rank < extra[:, None]
    # Bars: 40% of the time columns, all channels.
    n_bars = round(BAR_RATIO * n_patches)
    col_rank = torch.rand(B, n_patches, generator=generator).argsort(1).argsort(1)
    bars = (col_rank < n_bars)[:, None, :].expand(B, n_channels, n_patches).reshape(B, N)
    return torch.where(use_random[:, None], random_mask, bars), use_random


def removable(n_tokens, random_strategy):
    """The fixed number of tokens removed from the encoder input: what every
    sample of that strategy is guaranteed to have masked (random: 80% of the
    tokens, bars: 40%)."""
    return round((RANDOM_RATIO if random_strategy else BAR_RATIO) * n_tokens)


def encode_dropout(model, patches, visible, keep):
    """Encoder on `keep` tokens per sample: the visible ones first (in token
    order), then masked ones as padding that the key mask hides. Returns
    normed outputs [B, N, De], zero at masked tokens."""
    h = model.patch_embed(patches) + model.enc_pos
    order = torch.sort((~visible).to(torch.int8), dim=1, stable=True).indices[:, :keep]
    key = torch.gather(visible, 1, order)
    idx = order[..., None].expand(-1, -1, h.shape[-1])
    hv = model.encoder(torch.gather(h, 1, idx), key_mask=key)
    hv = hv * key[..., None].to(hv.dtype)
    out = torch.zeros_like(h).scatter_add(1, idx, hv)
    return out * visible[..., None].to(out.dtype)


def target_z(x, cfg):
    """Observed minutes in z-units as tokens [B, N, P] and their mask."""
    mean = torch.tensor([c["mean"] for c in cfg["channels"]], dtype=x.dtype)
    std = torch.tensor([c["std"] for c in cfg["channels"]], dtype=x.dtype)
    lo = torch.tensor([c["clip"][0] for c in cfg["channels"]], dtype=x.dtype)
    hi = torch.tensor([c["clip"][1] for c in cfg["channels"]], dtype=x.dtype)
    z = torch.maximum(torch.minimum((x - mean) / std, hi), lo)
    B, T, C = x.shape
    P = cfg["patch_minutes"]
    z = z.permute(0, 2, 1).reshape(B, C * (T // P), P)
    obs = ~torch.isnan(z)
    return torch.nan_to_num(z), obs


def linear_fill(x):
    """Naive imputation of [B, T, C] (numpy, NaN = missing): linear
    interpolation between observed minutes of each day and channel; before
    the first and after the last observation, NaN stays (the caller maps it
    to 0 in z-units, the channel mean)."""
    out = x.copy()
    t = np.arange(x.shape[1])
    for b in range(x.shape[0]):
        for c in range(x.shape[2]):
            v = x[b, :, c]
            ok = ~np.isnan(v)
            if ok.sum() >= 2:
                first, last = t[ok][0], t[ok][-1]
                inside = (t >= first) & (t <= last)
                out[b, inside, c] = np.interp(t[inside], t[ok], v[ok])
    return out


def naive_inputs(x, cfg):
    """The naive ablation's view of x: imputed, nothing missing."""
    filled = linear_fill(x)
    mean = np.array([c["mean"] for c in cfg["channels"]], dtype=np.float32)
    return np.where(np.isnan(filled), mean, filled).astype(np.float32)


def masked_forward(model, x, art_mask, naive=False, random_strategy=None):
    """Encoder (dropout removal) + decoder for a batch.

    x [B, T, C] torch, original units with NaN; art_mask [B, N] bool;
    random_strategy [B] bool (from artificial_mask), or None when nothing is
    artificially masked (inference: keep every visible token).
    For the naive ablation x must already be imputed (naive_inputs).
    Returns (pred z [B, N, P], visible [B, N], inherited [B, N])."""
    patches, inherited = tokenize(x, model.cfg)
    if naive:
        inherited = torch.ones_like(inherited)
    visible = inherited & ~art_mask
    B, N = visible.shape
    if random_strategy is None:
        enc = encode_dropout(model, patches, visible, max(int(visible.sum(1).max()), 1))
    else:
        # Each strategy group drops its own fixed number of tokens.
        enc = torch.zeros(B, N, model.enc_pos.shape[1], dtype=patches.dtype)
        for flag in (True, False):
            rows = (random_strategy == flag).nonzero().squeeze(1)
            if len(rows):
                keep = max(N - removable(N, flag), int(visible[rows].sum(1).max()), 1)
                enc = enc.index_copy(0, rows, encode_dropout(model, patches[rows], visible[rows], keep))
    return model.decode(enc, visible), visible, inherited


def masked_mse(pred, z, obs, masked):
    """MSE over observed minutes inside masked tokens (z-units)."""
    w = (obs & masked[..., None]).to(pred.dtype)
    return ((pred - z) ** 2 * w).sum() / w.sum().clamp(min=1)
