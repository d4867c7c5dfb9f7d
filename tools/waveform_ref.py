"""PyTorch reference of wearfm's waveform encoder (architecture
"waveform_encoder", docs/model-format.md) and the numpy reference of its
resampler. The C core (src/waveform*.c, src/waveform/resample.c) must match both.

A window is [T, C] samples at the model's rate, NaN = missing. It is cut into
T/P time patches; one token holds every channel's P samples of one patch
(channel-major: c0's P samples, then c1's ...). A token with any missing
sample is not visible (the inherited mask) and is dropped from the encoder.
The embedding is the mean of the visible tokens' normed encoder outputs,
passed through the projection head when the model has one.
"""
import json
import math
from fractions import Fraction

import numpy as np
import torch
import torch.nn as nn

from safetensors_io import read_safetensors, write_safetensors
from tensor_table import check_tensors
from wearfm_ref import Block, CONFIG_KEY, pos_1d_sincos

ARCH = "waveform_encoder"
INPUT_NORMS = ("fixed", "window_z")


# --------------------------------------------------------------------------
# Config


def waveform_config(d):
    """Validates a waveform config dict (the rules the C parser applies) and
    returns a copy with defaults filled in."""
    cfg = json.loads(json.dumps(d))

    def need(cond, msg):
        if not cond:
            raise ValueError("config: " + msg)

    need(cfg.get("format_version") == 2, "format_version must be 2")
    need(cfg.get("architecture") == ARCH, f"architecture must be {ARCH!r}")
    need(cfg.get("signal") in ("accelerometer", "ppg"), "signal must be 'accelerometer' or 'ppg'")
    rate = cfg.get("sample_rate_hz")
    need(isinstance(rate, (int, float)) and 1 <= rate <= 2000, "sample_rate_hz must be in [1, 2000]")
    T, P = cfg.get("window_samples"), cfg.get("patch_samples")
    need(isinstance(T, int) and isinstance(P, int) and 1 <= P <= T <= 65536 and T % P == 0,
         "window_samples must be a multiple of patch_samples")
    need(cfg.get("input_norm") in INPUT_NORMS, "input_norm must be 'fixed' or 'window_z'")
    cfg.setdefault("norm_eps", 1e-6)
    cfg.setdefault("window_std_floor", 1e-3)
    chans = cfg.get("channels")
    need(isinstance(chans, list) and 1 <= len(chans) <= 16, "channels must list 1..16 channels")
    for ch in chans:
        ch.setdefault("unit", "")
        ch.setdefault("mean", 0.0)
        ch.setdefault("std", 1.0)
        ch.setdefault("clip", 10.0)
        need(ch["std"] > 0 and ch["clip"] > 0, "channel std and clip must be > 0")
    enc = cfg.get("encoder")
    need(isinstance(enc, dict) and enc["dim"] % enc["heads"] == 0 and enc["dim"] % 2 == 0,
         "encoder dim must be even and divisible by heads")
    proj = cfg.get("projection")
    need(proj is None or (isinstance(proj, dict) and proj.get("dim", 0) >= 1), "projection.dim >= 1")
    cfg["projection"] = proj
    return cfg


def config_json(cfg):
    return json.dumps(waveform_config(cfg), sort_keys=True, separators=(",", ":"))


# --------------------------------------------------------------------------
# Tokens


def normalise(x, cfg):
    """[B, T, C] signal units -> clipped z-values [B, T, C], NaN kept.

    fixed:    z = (x - mean_c) / std_c (the config's constants);
    window_z: z = (x - m) / max(s, window_std_floor * std_c), m and s the
              mean and population std of the channel's observed samples in
              the window, so a device's gain and offset do not matter."""
    if torch.isinf(x).any():
        raise ValueError("input contains +-Inf")
    ch = cfg["channels"]
    mean = x.new_tensor([c["mean"] for c in ch])
    std = x.new_tensor([c["std"] for c in ch])
    clip = x.new_tensor([c["clip"] for c in ch])
    if cfg["input_norm"] == "fixed":
        z = (x - mean) / std
    else:
        obs = ~torch.isnan(x)
        n = obs.sum(1, keepdim=True).clamp(min=1).to(x.dtype)
        x0 = torch.where(obs, x, torch.zeros_like(x))
        m = x0.sum(1, keepdim=True) / n
        d = torch.where(obs, x - m, torch.zeros_like(x))
        s = torch.sqrt((d * d).sum(1, keepdim=True) / n)
        z = (x - m) / torch.maximum(s, cfg["window_std_floor"] * std)
    return torch.maximum(torch.minimum(z, clip), -clip)


def tokens(x, cfg):
    """[B, T, C] -> (tokens [B, NP, C*P] zero where missing, visible [B, NP])."""
    B, T, C = x.shape
    P = cfg["patch_samples"]
    z = normalise(x, cfg)
    zt = z.reshape(B, T // P, P, C).permute(0, 1, 3, 2).reshape(B, T // P, C * P)
    visible = ~torch.isnan(zt).any(-1)
    return torch.nan_to_num(zt, nan=0.0), visible


# --------------------------------------------------------------------------
# Model


class WaveformEncoder(nn.Module):
    """state_dict() keys == safetensors names."""

    def __init__(self, cfg):
        super().__init__()
        cfg = waveform_config(cfg)
        self.cfg = cfg
        C, P = len(cfg["channels"]), cfg["patch_samples"]
        NP = cfg["window_samples"] // P
        enc, eps = cfg["encoder"], cfg["norm_eps"]
        self.patch_embed = nn.Linear(C * P, enc["dim"])
        self.encoder = nn.Module()
        self.encoder.layers = nn.ModuleList([Block(enc["dim"], enc["heads"], enc["mlp_dim"], eps)
                                             for _ in range(enc["layers"])])
        self.encoder.norm = nn.LayerNorm(enc["dim"], eps=eps)
        self.proj = nn.Linear(enc["dim"], cfg["projection"]["dim"]) if cfg["projection"] else None
        self.register_buffer("pos", torch.from_numpy(pos_1d_sincos(enc["dim"], np.arange(NP))),
                             persistent=False)

    def encode_tokens(self, tok, visible):
        """Normed encoder outputs [B, NP, D] of the visible tokens (masked
        tokens are never keys; their rows are zeroed). Equal to compaction."""
        h = self.patch_embed(tok) + self.pos
        keep = visible | ~visible.any(-1, keepdim=True)
        for blk in self.encoder.layers:
            h = blk(h, key_mask=keep)
        h = self.encoder.norm(h)
        return h * visible[..., None].to(h.dtype)

    def pooled(self, tok, visible):
        h = self.encode_tokens(tok, visible)
        n = visible.sum(-1, keepdim=True).clamp(min=1).to(h.dtype)
        return h.sum(1) / n

    def embed_tokens(self, tok, visible):
        p = self.pooled(tok, visible)
        return self.proj(p) if self.proj is not None else p

    def forward(self, x):
        """x [B, T, C] signal units at the model's rate -> embeddings [B, E].
        A window with no visible token gives NaN (as the C core refuses it)."""
        tok, visible = tokens(x, self.cfg)
        e = self.embed_tokens(tok, visible)
        return torch.where(visible.any(-1, keepdim=True), e, torch.full_like(e, float("nan")))


def save_waveform(path, model, extra_metadata=None, dtype="F32"):
    meta = {CONFIG_KEY: config_json(model.cfg)}
    meta.update(extra_metadata or {})
    state = model.state_dict()
    check_tensors(model.cfg, {k: tuple(v.shape) for k, v in state.items()})  # what the C loader will accept
    write_safetensors(path, state, dtype=dtype, metadata=meta)


def load_waveform(path):
    tensors, meta = read_safetensors(path)
    model = WaveformEncoder(json.loads(meta[CONFIG_KEY]))
    model.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in tensors.items()}, strict=True)
    return model.float().eval()


# --------------------------------------------------------------------------
# Resampling (the C core's src/waveform/resample.c follows this exactly)

RESAMPLE_MAX_FACTOR = 1000   # a rate ratio is approximated by a fraction up/down, both <= this
RESAMPLE_HALF_ZEROS = 10     # filter half-length in zero crossings of the slower rate
RESAMPLE_KAISER_BETA = 5.0


def rate_ratio(rate_in, rate_out):
    """(up, down): rate_out / rate_in as a reduced fraction."""
    f = Fraction(rate_out / rate_in).limit_denominator(RESAMPLE_MAX_FACTOR)
    if f.numerator > RESAMPLE_MAX_FACTOR or f.numerator < 1:
        raise ValueError(f"rate ratio {rate_out}/{rate_in} out of range")
    return f.numerator, f.denominator


def resample_filter(up, down):
    """Kaiser-windowed sinc low-pass at the slower rate's Nyquist, gain up
    (scipy.signal.resample_poly's default filter)."""
    m = max(up, down)
    half = RESAMPLE_HALF_ZEROS * m
    n = np.arange(-half, half + 1, dtype=np.float64)
    cutoff = 1.0 / m
    h = cutoff * np.sinc(cutoff * n)
    h *= np.kaiser(2 * half + 1, RESAMPLE_KAISER_BETA)
    return h / h.sum() * up


def filter_run(x, up, down, t_up, h=None):
    """The run x (no NaN), upsampled by up, filtered and read at upsampled
    positions t_up (0 = the run's first sample). Beyond its ends the run is
    extended with its edge values:
        y = sum_i h[t_up + half - i*up] * x[clamp(i)]."""
    x = np.asarray(x, dtype=np.float64)
    h = resample_filter(up, down) if h is None else h
    half = (len(h) - 1) // 2
    t = np.asarray(t_up, dtype=np.int64) + half
    i_lo = -(-(t - 2 * half) // up)                  # first input index with a tap
    n_taps = (2 * half) // up + 1
    idx = i_lo[:, None] + np.arange(n_taps)[None, :]
    tap = t[:, None] - idx * up
    ok = tap >= 0                                      # the last column can fall past the filter
    taps = np.where(ok, h[np.where(ok, tap, 0)], 0.0)
    return (taps * x[np.clip(idx, 0, len(x) - 1)]).sum(1)


def resample(x, rate_in, rate_out):
    """[n] or [n, C] at rate_in -> rate_out; output sample k is at time
    k / rate_out from the first input sample; ceil(n*up/down) outputs.
    NaN = missing: each observed run is filtered on its own (edge-extended),
    and outputs outside every run are NaN."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 1:
        return resample(x[:, None], rate_in, rate_out)[:, 0]
    up, down = rate_ratio(rate_in, rate_out)
    h = resample_filter(up, down)
    n, C = x.shape
    n_out = -(-n * up // down)
    y = np.full((n_out, C), np.nan)
    for c in range(C):
        obs = np.concatenate([[False], ~np.isnan(x[:, c]), [False]])
        edges = np.flatnonzero(np.diff(obs.astype(np.int8)))
        for i, j in zip(edges[0::2], edges[1::2]):    # run [i, j)
            k0 = -(-i * up // down)                     # outputs at times inside the run
            k1 = ((j - 1) * up) // down
            if k1 >= k0:
                k = np.arange(k0, k1 + 1)
                y[k, c] = filter_run(x[i:j, c], up, down, k * down - i * up, h)
    return y
