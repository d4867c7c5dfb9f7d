"""PyTorch reference for wearfm models (docs/model-format.md, format_version 1).

This file is the executable form of the spec: the C core is tested against
it, and training code is meant to reuse `tokenize` and `WearFM` so that a
trained checkpoint means exactly what the runtime computes.

Only torch + numpy + stdlib. Works in float32 or float64 (model.double());
the parity tests use float64 with the file's (possibly F16/BF16-rounded)
weights widened, so the reference error is negligible next to the C's f32.
"""
import copy
import json
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from safetensors_io import read_safetensors, write_safetensors
from tensor_table import PROFILE_TERMS, check_tensors, head_width  # noqa: F401

CONFIG_KEY = "wearfm.config"
KINDS = ("continuous", "count", "category")
MAX_LEVELS = 16
ANCHORS = ("linear", "cross_channel")
MAX_ROLLING = 7
# anchor_profile's PROFILE_TERMS (tensor_table): p, p * g, a * g * known (g = 1 - exp(-d/profile_tau))
# personal_lambda (src/model/personal.c): the simulated gaps of a history
# window, and how many history windows (nearest first) the fit takes by default
PERSONAL_GAPS = (10, 30, 60, 180)
PERSONAL_WINDOWS = 56


# --------------------------------------------------------------------------
# Config


def config_from_dict(d):
    """Validate a config dict (as stored in the file) and return a normalised
    deep copy: norm_eps filled in, decoder None when absent. Unknown keys are
    kept (they are free-form provenance)."""
    cfg = copy.deepcopy(d)

    def need(cond, msg):
        if not cond:
            raise ValueError(f"wearfm config: {msg}")

    need(cfg.get("format_version") in (1, 2), "format_version must be 1 or 2")
    v2 = cfg["format_version"] == 2
    need(cfg.get("architecture") == "lsm2_mae", "architecture must be 'lsm2_mae'")
    T, P = cfg.get("window_minutes"), cfg.get("patch_minutes")
    need(isinstance(T, int) and isinstance(P, int) and T > 0 and P > 0 and T % P == 0,
         "window_minutes must be a positive multiple of patch_minutes")
    cfg["norm_eps"] = float(cfg.get("norm_eps", 1e-6))
    need(cfg["norm_eps"] > 0, "norm_eps must be > 0")
    chans = cfg.get("channels")
    need(isinstance(chans, list) and len(chans) > 0, "channels must be a non-empty list")
    names = set()
    for ch in chans:
        need(isinstance(ch.get("name"), str) and ch["name"], "channel name missing")
        need(ch["name"] not in names, f"duplicate channel {ch['name']}")
        names.add(ch["name"])
        need(float(ch["std"]) > 0, f"{ch['name']}: std must be > 0")
        lo, hi = ch["clip"]
        need(float(lo) < float(hi), f"{ch['name']}: clip[0] < clip[1] required")
        kind = ch.setdefault("kind", "continuous")
        need(kind in KINDS, f"{ch['name']}: kind must be one of {KINDS}")
        need(v2 or kind == "continuous" and "range" not in ch and "levels" not in ch,
             f"{ch['name']}: kind, range and levels need format_version 2")
        if "range" in ch:
            need(kind != "category" and float(ch["range"][0]) < float(ch["range"][1]),
                 f"{ch['name']}: range [lo, hi] with lo < hi, not for a category")
        if kind == "category":
            lv = ch.get("levels")
            need(isinstance(lv, list) and 2 <= len(lv) <= MAX_LEVELS and all(a < b for a, b in zip(lv, lv[1:])),
                 f"{ch['name']}: a category needs 2..{MAX_LEVELS} increasing levels")
        else:
            need("levels" not in ch, f"{ch['name']}: levels are for categories only")
        if "residual" in ch:
            need(v2 and ch["residual"] in ("always", "others_missing") and kind != "category",
                 f"{ch['name']}: residual must be 'always' or 'others_missing' (format_version 2, not a category)")
    cfg["fill"] = cfg.get("fill", "direct")
    need(cfg["fill"] in ("direct", "anchored") and (v2 or cfg["fill"] == "direct"),
         "fill must be 'direct' or 'anchored' (anchored needs format_version 2)")
    cfg["anchor"] = cfg.get("anchor", "linear")
    need(cfg["anchor"] in ANCHORS and (cfg["anchor"] == "linear" or cfg["fill"] == "anchored"),
         f"anchor must be one of {ANCHORS} (cross_channel needs fill 'anchored')")
    if cfg["anchor"] == "cross_channel":
        r = cfg.get("anchor_rolling", [])
        need(isinstance(r, list) and len(r) <= MAX_ROLLING and all(isinstance(k, int) and 1 <= k <= T for k in r),
             f"anchor_rolling must be a list of at most {MAX_ROLLING} half-widths in 1..window_minutes")
    else:
        need("anchor_rolling" not in cfg, "anchor_rolling is for anchor 'cross_channel' only")
    if cfg["anchor"] != "cross_channel":
        need(not any(k in cfg for k in ("anchor_profile", "profile_smooth", "profile_tau")),
             "anchor_profile, profile_smooth and profile_tau are for anchor 'cross_channel' only")
    need(isinstance(cfg.get("anchor_profile", False), bool), "anchor_profile must be true or false")
    if cfg.get("anchor_profile"):
        need(isinstance(cfg.get("profile_smooth", 15), int) and 0 <= cfg.get("profile_smooth", 15) <= 720,
             "profile_smooth must be an integer in 0..720 (minutes)")
        tau = cfg.get("profile_tau", 60)
        need(isinstance(tau, (int, float)) and 0 < tau <= T, "profile_tau must be in (0, window_minutes] minutes")
    else:
        need("profile_smooth" not in cfg and "profile_tau" not in cfg,
             "profile_smooth and profile_tau need anchor_profile true")
    if "personal_lambda" in cfg or "personal_windows" in cfg:
        need(bool(cfg.get("anchor_profile")), "personal_lambda and personal_windows need anchor_profile true")
        lam = cfg.get("personal_lambda")
        need(lam is not None, "personal_windows needs personal_lambda")
        need(isinstance(lam, (int, float)) and not isinstance(lam, bool) and 0 < lam <= 1e12,
             "personal_lambda must be a number in (0, 1e12]")
        nw = cfg.get("personal_windows", PERSONAL_WINDOWS)
        need(isinstance(nw, int) and not isinstance(nw, bool) and 1 <= nw <= 366,
             "personal_windows must be an integer in 1..366")
    if "edge_tau" in cfg:
        need(cfg["fill"] == "anchored", "edge_tau needs fill 'anchored'")
        need(isinstance(cfg["edge_tau"], (int, float)) and 0 < cfg["edge_tau"] <= T,
             "edge_tau must be in (0, window_minutes] minutes")
    need(isinstance(cfg.get("absent_residual", True), bool), "absent_residual must be true or false")
    need(cfg.get("absent_residual", True) or "edge_tau" in cfg, "absent_residual false needs edge_tau")
    need("edge_tau" in cfg or all(ch.get("residual", "always") == "always" for ch in cfg["channels"]),
         "a channel's residual 'others_missing' needs edge_tau")
    cfg["inherited_mask"] = cfg.get("inherited_mask", True)
    need(isinstance(cfg["inherited_mask"], bool) and (v2 or cfg["inherited_mask"]),
         "inherited_mask must be true or false (false needs format_version 2)")
    for part in ("encoder", "decoder"):
        s = cfg.get(part)
        if s is None:
            need(part == "decoder", "encoder missing")
            cfg["decoder"] = None
            continue
        for k in ("dim", "layers", "heads", "mlp_dim"):
            need(isinstance(s.get(k), int) and s[k] >= (0 if k == "layers" else 1),
                 f"{part}.{k} must be a positive integer")
        need(s["dim"] % s["heads"] == 0, f"{part}.dim must be divisible by heads")
        need(s["dim"] % 4 == 0, f"{part}.dim must be divisible by 4")
    return cfg


def with_residual(cfg, names, mode):
    """cfg with the channels named in `names` given "residual": mode."""
    return dict(cfg, channels=[dict(ch, residual=mode) if ch["name"] in names else ch for ch in cfg["channels"]])


def config_to_json(cfg):
    """JSON string for __metadata__ (decoder key dropped for encoder-only)."""
    out = {k: v for k, v in cfg.items() if not (k == "decoder" and v is None)}
    if out["format_version"] == 1:  # the version 2 keys config_from_dict fills in are not allowed in version 1
        out = {k: v for k, v in out.items()
               if k not in ("fill", "inherited_mask", "anchor", "edge_tau", "absent_residual")}
        out["channels"] = [{k: v for k, v in ch.items() if k != "kind"} for ch in out["channels"]]
    return json.dumps(out)


def _channel_stats(cfg):
    """mean, std, clip_lo, clip_hi per channel, rounded to f32 like the C."""
    a = np.array([[c["mean"], c["std"], c["clip"][0], c["clip"][1]] for c in cfg["channels"]],
                 dtype=np.float32)
    return a[:, 0], a[:, 1], a[:, 2], a[:, 3]


# --------------------------------------------------------------------------
# Positions


def pos_1d_sincos(d, positions):
    """[len(positions), d]: [sin(pos*w_i), cos(pos*w_i)], w_i = 10000^(-i/(d/2)).
    Evaluated in float64, rounded to float32 (as in MAE)."""
    assert d % 2 == 0
    omega = np.arange(d // 2, dtype=np.float64) / (d / 2.0)
    omega = 1.0 / 10000.0 ** omega
    out = np.asarray(positions, dtype=np.float64).reshape(-1)[:, None] * omega[None, :]
    return np.concatenate([np.sin(out), np.cos(out)], axis=1).astype(np.float32)


def pos_2d_sincos(D, NP, C):
    """[C*NP, D] float32; row n = c*NP + p is [sincos1d(p; D/2), sincos1d(c; D/2)]."""
    assert D % 4 == 0
    n = np.arange(C * NP)
    return np.concatenate([pos_1d_sincos(D // 2, n % NP), pos_1d_sincos(D // 2, n // NP)], axis=1)


# --------------------------------------------------------------------------
# Tokenisation


def standardise(x, cfg):
    """[B, T, C] original units -> clipped z-values [B, C, T], NaN = missing."""
    if torch.isinf(x).any():
        raise ValueError("input contains +-Inf")
    B, T, C = x.shape
    assert T == cfg["window_minutes"] and C == len(cfg["channels"]), "x shape does not match config"
    mean, std, lo, hi = (torch.from_numpy(a).to(x.dtype).to(x.device) for a in _channel_stats(cfg))
    z = torch.maximum(torch.minimum((x - mean) / std, hi), lo)  # NaN propagates
    return z.permute(0, 2, 1)


def observed_neighbours(obs):
    """For obs [..., T] bool: (t, prev, nxt), the minute index, the last
    observed minute at or before t (-1 if none) and the first at or after t
    (T if none)."""
    T = obs.shape[-1]
    t = torch.arange(T, device=obs.device).expand_as(obs)
    prev = torch.where(obs, t, torch.full_like(t, -1)).cummax(-1).values
    nxt = torch.where(obs, t, torch.full_like(t, T)).flip(-1).cummin(-1).values.flip(-1)
    return t, prev, nxt


def edge_line(r, obs):
    """[..., T] the linear anchor of series r over the gaps of obs (bool,
    same shape): r itself at observed minutes, the straight line between
    r at the two edges of a gap, r at the one edge before the first / after
    the last observation, 0 where obs has none."""
    t, prev, nxt = observed_neighbours(obs)
    T = r.shape[-1]
    rp, rn = r.gather(-1, prev.clamp(min=0)), r.gather(-1, nxt.clamp(max=T - 1))
    hp, hn = prev >= 0, nxt < T
    frac = ((t - prev).to(torch.float32) / (nxt - prev).clamp(min=1).to(torch.float32)).to(r.dtype)
    return torch.where(hp & hn, rp + (rn - rp) * frac, torch.where(hp, rp, torch.where(hn, rn, torch.zeros_like(r))))


def anchor(z):
    """The anchor of every minute, [B, C, T] z-values from z [B, C, T] with NaN:
    the observed value where there is one; between two observations the
    straight line a + (b - a) * ((t - ta) / (tb - ta)) (float32 quotient, as in
    the C core); before the first / after the last observation that
    observation; 0 (the channel mean) for a channel with none in the window."""
    obs = ~torch.isnan(z)
    zf = torch.nan_to_num(z)
    return torch.where(obs, zf, edge_line(zf, obs))


def anchor_features(a, rolling):
    """[B, C, F, T] cross-channel features of linear anchors a [B, C, T]: the
    anchor itself, then for each half-width k its mean over the minutes
    [t-k, t+k] inside the window (float64 prefix sums, as in the C core)."""
    T = a.shape[-1]
    feats = [a]
    cs = torch.nn.functional.pad(a.to(torch.float64).cumsum(-1), (1, 0))
    t = torch.arange(T, device=a.device)
    for k in rolling:
        lo, hi = (t - k).clamp(min=0), (t + k).clamp(max=T - 1)
        m = (cs[..., hi + 1] - cs[..., lo]) / (hi - lo + 1).to(torch.float64)
        feats.append(m.to(a.dtype))
    return torch.stack(feats, 2)


def cross_terms(z, a, rolling):
    """[B, C*F, T] the terms the cross_channel anchor weighs: feature f of
    channel j (`anchor_features` of its linear anchor) at the minutes j is
    observed, and across j's own gaps the straight line between those values
    (`edge_line`): where a channel was not measured it predicts nothing new,
    so an all-channel gap gets the plain linear anchor."""
    B, C, T = a.shape
    feats = anchor_features(a, rolling)  # [B, C, F, T]
    obs = ~torch.isnan(z)
    return edge_line(feats, obs[:, :, None, :].expand_as(feats)).reshape(B, -1, T)


def gate_from_observed(obs, tau, absent=1.0):
    """[..., T] 1 - exp(-d / tau) (float32, as in the C core), d the minutes
    to the nearest True of obs [..., T]; `absent` where obs has none."""
    T = obs.shape[-1]
    t, prev, nxt = observed_neighbours(obs)
    inf = torch.full(obs.shape, math.inf)
    d = torch.minimum(torch.where(prev >= 0, (t - prev).to(torch.float32), inf),
                      torch.where(nxt < T, (nxt - t).to(torch.float32), inf))
    g = 1.0 - torch.exp(-d / float(np.float32(tau)))
    return torch.where(obs.any(-1, keepdim=True), g, torch.full_like(g, absent))


def profile_z(profile, cfg):
    """A profile [B, T, C] (original units, NaN unknown) as (clipped
    z-values [B, C, T], 0 where unknown, and where it is known, bool)."""
    z = standardise(profile, cfg)
    return torch.nan_to_num(z, nan=0.0), ~torch.isnan(z)


def profile_windows(x, start_minute=0, smooth=15):
    """The C core's wfm_profile_window (src/model/profile.c) for consecutive
    windows x [W, T, C] (original units, NaN missing) whose first minute is
    `start_minute` minutes after a midnight, with the table itself as the
    history: for each window, the time-of-day mean of every other minute of
    the table, summed by minute of day and smoothed circularly over +-smooth
    minutes; NaN where nothing was observed. [W, T, C] float64."""
    W, T, C = x.shape
    flat = x.reshape(-1, C).astype(np.float64)
    tod_sum, tod_count = _tod_sums(flat, start_minute)
    return np.stack([_profile_without(flat, start_minute, tod_sum, tod_count, (start_minute + w * T,),
                                      start_minute + w * T, T, smooth) for w in range(W)])


def _tod_sums(hist, hist_start):
    """(sums, counts) [1440, C] of the history hist [n, C] (hist[0] at minute
    hist_start) by minute of day."""
    tod = (hist_start + np.arange(len(hist))) % 1440
    obs = ~np.isnan(hist)
    s, n = np.zeros((1440, hist.shape[1])), np.zeros((1440, hist.shape[1]))
    np.add.at(s, tod, np.where(obs, hist, 0.0))
    np.add.at(n, tod, obs.astype(np.float64))
    return s, n


def circular_mean(sums, counts, half):
    """Sums / counts over [m - half, m + half] of the minute-of-day axis
    (-2), circularly; NaN where the count is 0 (counts are whole numbers).
    The smoothing of every time-of-day profile: the typical day and the
    evaluation's population profile."""
    s = sum(np.roll(sums, d, axis=-2) for d in range(-half, half + 1))
    n = sum(np.roll(counts, d, axis=-2) for d in range(-half, half + 1))
    return np.where(n > 0.5, s / np.maximum(n, 1), np.nan)


def profiles_leave_one_out(days, smooth=15):
    """[D, T, C] float64: for each of one person's days [D, 1440, C]
    (midnight to midnight, in any order, NaN missing) the time-of-day mean
    of their OTHER days (profile_windows: a day's minutes are its window).
    tools/evaluate.py's own time-of-day baseline is this."""
    return profile_windows(days, 0, smooth)


_MASK64 = (1 << 64) - 1


def splitmix64(x):
    """The C core's wfm_splitmix64 (src/model/personal.c) on a uint64."""
    x = (x + 0x9E3779B97F4A7C15) & _MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK64
    return x ^ (x >> 31)


def personal_gaps(window_start, c, T):
    """[T] bool: the simulated gaps of channel c in the history window that
    starts at epoch minute window_start: one gap of each PERSONAL_GAPS length
    (at most T), each starting at splitmix64(start * 64 + c * 8 + k) mod
    (T - L + 1)."""
    hide = np.zeros(T, dtype=bool)
    for k, L in enumerate(PERSONAL_GAPS):
        L = min(L, T)
        s = splitmix64((window_start * 64 + c * 8 + k) & _MASK64) % (T - L + 1)
        hide[s:s + L] = True
    return hide


PERSONAL_DESIGNS = ("gaps_others", "all_gaps", "sensor_others")


def personal_others_hidden(window_start, c, C, T, P):
    """[C, T] bool: the patches of the channels other than c that the fit
    hides: patch q of channel j when splitmix64(((start * 64 + c) * 64 + j)
    * 4096 + q) mod 10 < 3."""
    out = np.zeros((C, T), dtype=bool)
    for j in range(C):
        if j == c:
            continue
        for q in range(T // P):
            if splitmix64((((window_start * 64 + c) * 64 + j) * 4096 + q) & _MASK64) % 10 < 3:
                out[j, q * P:(q + 1) * P] = True
    return out


def personal_channels(cfg):
    """The channels personal_lambda refits: continuous and count ones."""
    return [c for c, ch in enumerate(cfg["channels"]) if ch.get("kind", "continuous") != "category"]


def _history_windows(n, hist_start, T):
    """Starts of the T-minute windows at multiples of T (epoch minutes) that
    hold any of the history's minutes [hist_start, hist_start + n)."""
    first = (hist_start // T) * T
    return list(range(first, hist_start + n, T))


def _windows_with_values(hist, hist_start, T):
    """_history_windows that hold an observed value."""
    return [h for h in _history_windows(len(hist), hist_start, T)
            if (~np.isnan(_window_of(hist, hist_start, h, T))).any()]


def _window_of(hist, hist_start, start, T):
    """[T, C] the history's minutes [start, start + T), NaN outside it."""
    C = hist.shape[1]
    out = np.full((T, C), np.nan, dtype=np.float64)
    lo, hi = max(start, hist_start), min(start + T, hist_start + len(hist))
    if lo < hi:
        out[lo - start:hi - start] = hist[lo - hist_start:hi - hist_start]
    return out


def _profile_without(hist, hist_start, tod_sum, tod_count, excluded, start, T, smooth):
    """[T, C] the profile of the window at `start` from the history without
    the minutes of the `excluded` (start) windows of T minutes (the C core's
    rule for a history window inside a personal fit: neither that window nor
    the target window predicts it)."""
    s, n = tod_sum.copy(), tod_count.copy()
    for e in excluded:
        w = _window_of(hist, hist_start, e, T)
        tod = (e + np.arange(T)) % 1440
        obs = ~np.isnan(w)
        np.subtract.at(s, tod, np.where(obs, w, 0.0))
        np.subtract.at(n, tod, obs.astype(np.float64))
    return circular_mean(s, n, smooth)[(start + np.arange(T)) % 1440]


def _personal_moments(xh, prof, h_start, cfg, channels):
    """{c: (A [K, K], b [K])}: the personal fit's normal equations from one
    history window xh [T, C] with its profile prof [T, C], for each
    PERSONAL_DESIGNS way of hiding channel c where it was observed: in its
    simulated gaps (personal_gaps) with the other channels losing the
    patches of personal_others_hidden; in the same gaps with every channel
    hidden there; for the whole window with the others losing those
    patches. The rows are the hidden observed minutes, the columns the terms
    of the anchor (the other channels' cross terms, the three profile terms,
    the bias), each less its edge line over c's remaining observations; the
    target is z_c less c's linear anchor."""
    T, C = xh.shape
    rolling, tau = cfg["anchor_rolling"], cfg.get("profile_tau", 60)
    F_ = 1 + len(rolling)
    z = standardise(torch.from_numpy(xh[None]), cfg)  # [1, C, T] float64
    pz, known = profile_z(torch.from_numpy(prof[None]), cfg)
    out = {}
    for c in channels:
        obs_c = ~torch.isnan(z[0, c])
        if not obs_c.any():
            continue
        cols = [j * F_ + f for j in range(C) if j != c for f in range(F_)]
        K = len(cols) + PROFILE_TERMS + 1
        A, b = np.zeros((K, K)), np.zeros(K)
        gaps = torch.from_numpy(personal_gaps(h_start, c, T))
        others = torch.from_numpy(personal_others_hidden(h_start, c, C, T, cfg["patch_minutes"]))
        for design in PERSONAL_DESIGNS:
            hide = obs_c if design.startswith("sensor") else gaps & obs_c
            if not hide.any():
                continue
            zin = z.clone()
            if design == "all_gaps":  # every channel hidden in the same gaps
                zin[0, :, gaps] = float("nan")
            if design.endswith("others"):
                zin[0][others] = float("nan")
            terms = cross_terms(zin, anchor(zin), rolling)[0]  # [C*F, T]
            obs2 = obs_c & ~hide
            a2 = anchor(torch.where(obs2, z[0, c], torch.full_like(z[0, c], float("nan")))[None, None])[0, 0]
            g = gate_from_observed(obs2[None], tau)[0].double()
            p_c = pz[0, c]
            feats = torch.cat([terms[cols], p_c[None], (p_c * g)[None], (a2 * g * known[0, c].double())[None],
                               torch.ones_like(p_c)[None]], 0)  # [K, T]
            X = (feats - edge_line(feats, obs2[None].expand_as(feats)))[:, hide].T.numpy()
            y = (z[0, c] - a2)[hide].numpy()
            A += X.T @ X
            b += X.T @ y
        out[c] = (A, b)
    return out


def personal_normal_equations(hist, hist_start, starts, cfg):
    """For each target window starting at epoch minute `starts[i]`: {c: (A,
    b)}, the normal equations of personal_lambda's fit from the person's
    history hist [n, C] (original units, NaN missing; hist[0] at epoch minute
    hist_start), as the C core's wfm_profile_anchor builds them: the history
    windows at multiples of T minutes that do not overlap the target, nearest
    first (ties: the earlier), at most personal_windows, each with the
    profile of the history without it and without the target window
    (_personal_moments)."""
    T, C = cfg["window_minutes"], len(cfg["channels"])
    n_max = cfg.get("personal_windows", PERSONAL_WINDOWS)
    smooth = cfg.get("profile_smooth", 15)
    hist = np.asarray(hist, dtype=np.float64)
    tod_sum, tod_count = _tod_sums(hist, hist_start)
    hstarts = _windows_with_values(hist, hist_start, T)
    channels = personal_channels(cfg)
    out = []
    for w in starts:
        use = sorted((h for h in hstarts if h + T <= w or h >= w + T), key=lambda h: (abs(h - w), h))[:n_max]
        acc = {}
        for h in use:
            prof = _profile_without(hist, hist_start, tod_sum, tod_count, (h, w), h, T, smooth)
            for c, (A, b) in _personal_moments(_window_of(hist, hist_start, h, T), prof, h, cfg, channels).items():
                acc[c] = (A, b) if c not in acc else (acc[c][0] + A, acc[c][1] + b)
        out.append(acc)
    return out


def personal_solve(equations, cfg, lam, weight, bias, profile_weight):
    """(weight [W, C, C*F], bias [W, C], profile_weight [W, C, 3]) float64
    tensors: for each window's equations (personal_normal_equations), channel
    c's row of the anchor becomes the solution of (A + lam I) theta = b + lam
    theta_model, theta = (its cross-term weights, its three profile weights,
    its bias): the model's weights shrunk toward what the person's own days
    say. A channel without equations keeps the model's row."""
    C = len(cfg["channels"])
    F_ = 1 + len(cfg["anchor_rolling"])
    W0, b0, p0 = (t.detach().double().numpy() if torch.is_tensor(t) else np.asarray(t, dtype=np.float64)
                  for t in (weight, bias, profile_weight))
    Ws, bs, ps = [], [], []
    for acc in equations:
        Wt, bt, pt = W0.copy(), b0.copy(), p0.copy()
        for c, (A, b) in acc.items():
            cols = [j * F_ + f for j in range(C) if j != c for f in range(F_)]
            theta0 = np.concatenate([W0[c, cols], p0[c], [b0[c]]])
            theta = np.linalg.solve(A + lam * np.eye(len(theta0)), b + lam * theta0)
            Wt[c, cols] = theta[:len(cols)]
            pt[c] = theta[len(cols):len(cols) + PROFILE_TERMS]
            bt[c] = theta[-1]
        Ws.append(Wt)
        bs.append(bt)
        ps.append(pt)
    return torch.from_numpy(np.stack(Ws)), torch.from_numpy(np.stack(bs)), torch.from_numpy(np.stack(ps))


def table_inputs(model, x, first_minute):
    """What `wearfm impute` / `embed` give the windows x [W, T, C] (consecutive,
    the first at epoch minute first_minute) without --history, the table
    itself being the history: (profile [W, T, C] float32 tensor, or None
    without anchor_profile; the personal anchor parameters as float32
    tensors, or None without personal_lambda)."""
    cfg = model.cfg
    profile = params = None
    if cfg.get("anchor_profile"):
        prof = profile_windows(x, first_minute % 1440, cfg.get("profile_smooth", 15))
        profile = torch.from_numpy(prof.astype(np.float32))
    if cfg.get("personal_lambda"):
        T = cfg["window_minutes"]
        W, b, pw = personal_params(x.reshape(-1, x.shape[-1]), first_minute,
                                   [first_minute + w * T for w in range(len(x))], cfg,
                                   model.anchor.weight, model.anchor.bias, model.anchor.profile_weight)
        params = (W.float(), b.float(), pw.float())  # the C core's float32 parameters
    return profile, params


def personal_params(hist, hist_start, starts, cfg, weight, bias, profile_weight):
    """personal_lambda (docs/model-format.md): the anchor parameters of the
    windows starting at epoch minutes `starts`, refitted on the person's
    history (personal_normal_equations, then personal_solve with the
    config's personal_lambda), as the C core's wfm_profile_anchor does."""
    eq = personal_normal_equations(hist, hist_start, starts, cfg)
    return personal_solve(eq, cfg, float(cfg["personal_lambda"]), weight, bias, profile_weight)


def cross_anchor(z, a, weight, bias, rolling, prof=None):
    """The cross_channel anchor [B, C, T] (docs/model-format.md): a learned
    linear prediction r_c(t) = bias_c + sum over the other channels j and
    features f of weight[c, j*F+f] * `cross_terms`(t), laid onto the linear
    anchor so that it meets the observations at a gap's edges:
    a + r - (the linear anchor of r over the same gap); with one edge,
    a + r - r(edge); a channel with no observation in the window takes r.
    Observed minutes keep their value; the result is clipped to the channel's
    z range by the caller (`tokens_v2`)."""
    terms = cross_terms(z, a, rolling)
    if weight.dim() == 3:  # per-window parameters [B, C, C*F], [B, C], [B, C, 3] (personal_lambda)
        r = torch.einsum("bck,bkt->bct", weight.to(a.dtype), terms) + bias.to(a.dtype)[:, :, None]
    else:
        r = torch.einsum("ck,bkt->bct", weight.to(a.dtype), terms) + bias.to(a.dtype)[None, :, None]
    obs = ~torch.isnan(z)
    if prof is not None:  # anchor_profile: (pz, known [B, C, T], profile_weight [C, 3] or [B, C, 3], profile_tau)
        pz, known, pw, tau = prof
        pw = pw.to(a.dtype)
        pw = pw if pw.dim() == 3 else pw[None]
        g = gate_from_observed(obs, tau).to(a.dtype)
        r = r + pw[:, :, 0:1] * pz + pw[:, :, 1:2] * (pz * g) + pw[:, :, 2:3] * (a * g * known.to(a.dtype))
    return torch.where(obs, a, a + r - edge_line(r, obs))


def tokens_v2(x, cfg, cross=None, profile=None):
    """format_version 2 tokenisation: (patches [B, N, P], visible [B, N],
    anchor tokens [B, N, P], observed [B, N, P] float 0/1). Missing minutes of
    a visible patch take the anchor. Without the inherited mask (naive
    ablation) every minute is "observed", every token visible, and the input
    is the anchor everywhere. cross = (weight, bias) for anchor
    'cross_channel' (the model's `anchor` tensors), with a third element, the
    profile_weight, for anchor_profile; profile [B, T, C] the person's
    typical day (original units, NaN unknown; None: none)."""
    B, T, C = x.shape
    P = cfg["patch_minutes"]
    z = standardise(x, cfg)
    a = anchor(z)
    if cfg.get("anchor", "linear") == "cross_channel":
        _, _, lo, hi = (torch.from_numpy(v).to(a.dtype) for v in _channel_stats(cfg))
        prof = None
        if cfg.get("anchor_profile"):
            pz, known = (profile_z(profile, cfg) if profile is not None
                         else (torch.zeros_like(a), torch.zeros(a.shape, dtype=torch.bool)))
            prof = (pz, known, cross[2], cfg.get("profile_tau", 60))
        a = cross_anchor(z, a, cross[0], cross[1], cfg["anchor_rolling"], prof)
        a = torch.maximum(torch.minimum(a, hi[None, :, None]), lo[None, :, None])
    a = a.reshape(B, C * (T // P), P)
    obs = ~torch.isnan(z).reshape(B, C * (T // P), P)
    if not cfg["inherited_mask"]:
        return a, torch.ones(a.shape[:2], dtype=torch.bool, device=x.device), a, torch.ones_like(a)
    return a, obs.any(-1), a, obs.to(a.dtype)


def tokenize(x, cfg):
    """x [B, T, C] float tensor, original units, NaN = missing.

    Returns (patches [B, N, P] in z-units, visible [B, N] bool) with token
    n = c*NP + p. Standardise, clip in z-units, fill the missing minutes of a
    visible patch with the mean of its observed z-values; fully-missing
    patches are zero and not visible. Vectorised (usable in training).
    """
    if torch.isinf(x).any():
        raise ValueError("input contains +-Inf")
    B, T, C = x.shape
    P = cfg["patch_minutes"]
    assert T == cfg["window_minutes"] and C == len(cfg["channels"]), "x shape does not match config"
    mean, std, lo, hi = (torch.from_numpy(a).to(x.dtype).to(x.device) for a in _channel_stats(cfg))
    z = (x - mean) / std
    z = torch.maximum(torch.minimum(z, hi), lo)  # NaN propagates (it is missing)
    z = z.permute(0, 2, 1).reshape(B, C * (T // P), P)  # channel-major tokens
    obs = ~torch.isnan(z)
    zf = torch.where(obs, z, torch.zeros_like(z))
    count = obs.sum(-1, keepdim=True)
    fill = zf.sum(-1, keepdim=True) / count.clamp(min=1)  # 0 for fully-missing patches
    patches = torch.where(obs, zf, fill)
    return patches, count.squeeze(-1) > 0


def untokenize(patches, cfg):
    """[B, N, P] token values -> [B, T, C] (inverse of the patch layout)."""
    B = patches.shape[0]
    T, C = cfg["window_minutes"], len(cfg["channels"])
    return patches.reshape(B, C, T).permute(0, 2, 1)


# --------------------------------------------------------------------------
# Model


class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x, key_mask=None):
        """key_mask: bool [B, N], True = may be attended."""
        B, N, D = x.shape
        H = self.heads
        hd = D // H
        # q, k, v in that order, heads contiguous within each.
        qkv = self.qkv(x).reshape(B, N, 3, H, hd).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        s = (q * (1.0 / math.sqrt(hd))) @ k.transpose(-2, -1)  # scale the smaller tensor
        if key_mask is not None:
            # A sample with no allowed key would give NaN rows; let it attend
            # everything instead (its outputs are discarded anyway).
            key_mask = key_mask | ~key_mask.any(-1, keepdim=True)
            s = s.masked_fill(~key_mask[:, None, None, :], float("-inf"))
        a = s.softmax(-1)
        return self.proj((a @ v).transpose(1, 2).reshape(B, N, D))


class Mlp(nn.Module):
    def __init__(self, dim, mlp_dim):
        super().__init__()
        self.fc1 = nn.Linear(dim, mlp_dim)
        self.fc2 = nn.Linear(mlp_dim, dim)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x)))  # exact (erf) GELU


class Block(nn.Module):
    """Pre-LN transformer block."""

    def __init__(self, dim, heads, mlp_dim, eps=1e-6):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=eps)
        self.attn = Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim, eps=eps)
        self.mlp = Mlp(dim, mlp_dim)
        self.drop = nn.Dropout(0.0)  # training only (train.py sets p); identity in eval, not in the format

    def forward(self, x, key_mask=None):
        x = x + self.drop(self.attn(self.norm1(x), key_mask))
        return x + self.drop(self.mlp(self.norm2(x)))


class Encoder(nn.Module):
    def __init__(self, s, eps):
        super().__init__()
        self.layers = nn.ModuleList([Block(s["dim"], s["heads"], s["mlp_dim"], eps)
                                     for _ in range(s["layers"])])
        self.norm = nn.LayerNorm(s["dim"], eps=eps)

    def forward(self, h, key_mask=None):
        for blk in self.layers:
            h = blk(h, key_mask)
        return self.norm(h)


class Decoder(nn.Module):
    def __init__(self, s, enc_dim, P, eps, K=1, anchored=False):
        super().__init__()
        self.embed = nn.Linear(enc_dim, s["dim"])
        self.mask_token = nn.Parameter(torch.zeros(s["dim"]))
        self.layers = nn.ModuleList([Block(s["dim"], s["heads"], s["mlp_dim"], eps)
                                     for _ in range(s["layers"])])
        self.norm = nn.LayerNorm(s["dim"], eps=eps)
        self.head = nn.Linear(s["dim"], P * K)
        # anchored fill: each token's anchor and observed flags enter the decoder
        self.anchor_embed = nn.Linear(2 * P, s["dim"]) if anchored else None


class CrossAnchor(nn.Module):
    """anchor 'cross_channel': weight [C, C*F] over the other channels'
    features (zero on a channel's own columns), bias [C]. Fitted by
    tools/train.py in closed form and kept fixed."""

    def __init__(self, C, F_, profile=False):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(C, C * F_))
        self.bias = nn.Parameter(torch.zeros(C))
        # anchor_profile: [C, 3] weights of the profile p, p * g and the own anchor a * g (where p is known)
        self.profile_weight = nn.Parameter(torch.zeros(C, PROFILE_TERMS)) if profile else None


class WearFM(nn.Module):
    """LSM-2-style masked autoencoder. state_dict() keys == safetensors names."""

    def __init__(self, cfg):
        super().__init__()
        cfg = config_from_dict(cfg)
        self.cfg = cfg
        T, P, C = cfg["window_minutes"], cfg["patch_minutes"], len(cfg["channels"])
        NP = T // P
        eps = cfg["norm_eps"]
        De = cfg["encoder"]["dim"]
        self.patch_embed = nn.Linear(P, De)
        self.encoder = Encoder(cfg["encoder"], eps)
        self.decoder = (Decoder(cfg["decoder"], De, P, eps, head_width(cfg), cfg["fill"] == "anchored")
                        if cfg["decoder"] else None)
        self.anchor = (CrossAnchor(C, 1 + len(cfg["anchor_rolling"]), bool(cfg.get("anchor_profile")))
                       if cfg["anchor"] == "cross_channel" else None)
        # Fixed positions: not parameters, not saved.
        self.register_buffer("enc_pos", torch.from_numpy(pos_2d_sincos(De, NP, C)), persistent=False)
        if self.decoder is not None:
            Dd = cfg["decoder"]["dim"]
            self.register_buffer("dec_pos", torch.from_numpy(pos_2d_sincos(Dd, NP, C)),
                                 persistent=False)
        mean, std, _, _ = _channel_stats(cfg)
        self.register_buffer("ch_mean", torch.from_numpy(mean), persistent=False)
        self.register_buffer("ch_std", torch.from_numpy(std), persistent=False)

    def tokens(self, x, profile=None, anchor_params=None):
        """tokens_v2 with this model's anchor tensors, or per-window ones
        (anchor_params: personal_params' (weight, bias, profile_weight))."""
        cross = ((self.anchor.weight, self.anchor.bias, self.anchor.profile_weight) if self.anchor is not None
                 else None)
        if anchor_params is not None:
            cross = tuple(t.to(x.dtype) for t in anchor_params)
        return tokens_v2(x, self.cfg, cross, profile)

    def encode(self, patches, visible, mode="compact"):
        """Encoder over visible tokens. Returns normed outputs [B, N, De] with
        zeros at non-visible tokens (NaN-free, so it is safe for autograd)."""
        B, N, _ = patches.shape
        h = self.patch_embed(patches) + self.enc_pos
        if mode == "attention":
            # All N tokens run; masked tokens are never keys.
            out = self.encoder(h, key_mask=visible)
        elif mode == "compact":
            # Gather each sample's visible tokens to the front (token order
            # kept), pad to the longest, and hide the padding as keys. Per
            # token LN/MLP plus key masking make this exactly compaction.
            counts = visible.sum(1)
            L = max(int(counts.max()), 1)
            order = torch.sort((~visible).to(torch.int8), dim=1, stable=True).indices[:, :L]
            keep = torch.arange(L, device=h.device)[None, :] < counts[:, None]
            idx = order[..., None].expand(-1, -1, h.shape[-1])
            hv = self.encoder(torch.gather(h, 1, idx), key_mask=keep)
            hv = hv * keep[..., None].to(hv.dtype)  # padding rows contribute nothing
            out = torch.zeros_like(h).scatter_add(1, idx, hv)
        else:
            raise ValueError(f"unknown mask mode {mode!r}")
        return out * visible[..., None].to(out.dtype)

    def decode(self, enc, visible, anchor_tok=None, observed=None):
        """Decoder over all N tokens -> head output [B, N, P*K] (K = 1: the
        z-values; anchored: added to the anchor by `fill_values`)."""
        dec = self.decoder
        d = dec.embed(enc)
        d = torch.where(visible[..., None], d, dec.mask_token.to(d.dtype).expand_as(d))
        if dec.anchor_embed is not None:
            d = d + dec.anchor_embed(torch.cat([anchor_tok, observed], -1))
        d = d + self.dec_pos
        for blk in dec.layers:
            d = blk(d)  # full attention, mask tokens included
        return dec.head(dec.norm(d))

    def forward(self, x, visible=None, mode="compact", profile=None, anchor_params=None):
        """x [B, T, C] original units, NaN = missing; profile [B, T, C] the
        person's typical day for a model with anchor_profile (None: none).

        visible: optional bool [B, N]; tokens to feed the encoder. It is
        intersected with the inherited mask (a token with no observed minute
        can never be visible), which is how training adds artificial masks.
        """
        v2 = self.cfg["format_version"] == 2
        if v2:
            patches, inherited, anchor_tok, observed = self.tokens(x, profile, anchor_params)
        else:
            (patches, inherited), anchor_tok, observed = tokenize(x, self.cfg), None, None
        vis = inherited if visible is None else (visible.to(torch.bool) & inherited)
        enc = self.encode(patches, vis, mode)
        counts = vis.sum(1, keepdim=True).to(enc.dtype)
        out = {
            "embedding": enc.sum(1) / counts,  # NaN when no visible token
            "token_embeddings": enc.masked_fill(~vis[..., None], float("nan")),
            "visible": vis,
            "patches": patches,
            "encoded": enc,
            "reconstruction": None,
            "imputed": None,
        }
        if self.decoder is not None:
            head = self.decode(enc, vis, anchor_tok, observed)
            out["pred"] = head
            if v2:
                recon, prob = fill_values(head, anchor_tok, self.cfg, edge_gate(x, self.cfg))
                out["fill_probability"] = torch.where(torch.isnan(x), prob, torch.full_like(prob, float("nan")))
            else:
                recon = untokenize(head, self.cfg) * self.ch_std + self.ch_mean  # no clipping
            out["reconstruction"] = recon
            out["imputed"] = torch.where(torch.isnan(x), recon, x)
        return out


def edge_gate(x, cfg):
    """"edge_tau": [B, N, P] tokens-layout 1 - exp(-d / edge_tau), d the
    minutes to the channel's nearest observed minute of x [B, T, C] (NaN =
    missing; 0 at an observation, so the gate is 0 there); for a channel
    with no observation 1, or 0 with "absent_residual": false; 0 where
    another continuous or count channel is observed for a channel with
    "residual": "others_missing". None without edge_tau."""
    if "edge_tau" not in cfg:
        return None
    B, T, C = x.shape
    absent = 1.0 if cfg.get("absent_residual", True) else 0.0
    obs = ~torch.isnan(x).permute(0, 2, 1)  # [B, C, T]
    g = gate_from_observed(obs, cfg["edge_tau"], absent)
    values = [c for c, ch in enumerate(cfg["channels"]) if ch["kind"] != "category"]
    for c, ch in enumerate(cfg["channels"]):  # "residual": "others_missing": 0 where another value channel is observed
        if ch.get("residual", "always") == "others_missing":
            others = [j for j in values if j != c]
            if others:
                g[:, c] = torch.where(obs[:, others].any(1), torch.zeros_like(g[:, c]), g[:, c])
    return g.to(x.dtype).reshape(B, C * (T // cfg["patch_minutes"]), cfg["patch_minutes"])


def channel_z(head, anchor_tok, cfg, gate=None):
    """format_version 2: the z-value of every minute of continuous and count
    channels [B, N, P] (anchor + head when anchored; the head times the
    `edge_gate` with edge_tau), and the category logits [B, N, P, K].
    Training scores these; `fill_values` turns them into units."""
    B, N, _ = head.shape
    P, K = cfg["patch_minutes"], head_width(cfg)
    h = head.reshape(B, N, P, K)
    zhat = h[..., 0]
    if gate is not None:
        zhat = zhat * gate
    if cfg["fill"] == "anchored":
        zhat = zhat + anchor_tok
    return zhat, h


def fill_values(head, anchor_tok, cfg, gate=None):
    """format_version 2 values in original units [B, T, C] and, for category
    channels, the probability of the chosen level (NaN elsewhere):
    continuous -> z*std + mean clipped to `range`; count -> also >= 0;
    category -> the most probable level (ties: the lower level)."""
    zhat, h = channel_z(head, anchor_tok, cfg, gate)
    B, N, P = zhat.shape
    C = len(cfg["channels"])
    NP = N // C
    vals, probs = [], []
    mean, std, _, _ = _channel_stats(cfg)
    for c, ch in enumerate(cfg["channels"]):
        rows = slice(c * NP, (c + 1) * NP)
        if ch["kind"] == "category":
            L = len(ch["levels"])
            p = torch.softmax(h[:, rows, :, :L], -1)
            pmax, idx = p.max(-1)
            lv = torch.tensor(ch["levels"], dtype=head.dtype)
            vals.append(lv[idx].reshape(B, -1))
            probs.append(pmax.reshape(B, -1))
        else:
            v = zhat[:, rows].reshape(B, -1) * float(std[c]) + float(mean[c])
            lo, hi = ch.get("range", (-math.inf, math.inf))
            if ch["kind"] == "count":
                lo = max(0.0, float(lo))
            if lo != -math.inf or hi != math.inf:  # a continuous channel may have no range
                v = v.clamp(min=float(np.float32(lo)) if lo != -math.inf else None,
                            max=float(np.float32(hi)) if hi != math.inf else None)
            vals.append(v)
            probs.append(torch.full_like(v, float("nan")))
    return torch.stack(vals, -1), torch.stack(probs, -1)


# --------------------------------------------------------------------------
# Init, save, load


def init_random(model, seed, ln_noise=0.02, bias_std=0.02, mask_std=0.02):
    """Deterministic random init (numpy RNG, independent of torch's).

    Linears (patch embed included): xavier-uniform as in MAE, which keeps the
    attention non-uniform and the reconstruction on a z ~ 1 scale. Biases and
    LayerNorm parameters get noise so tests exercise them (pass larger
    ln_noise/bias_std for parity tests)."""
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for name, p in sorted(model.named_parameters()):
            if name.endswith("mask_token"):
                v = rng.normal(0.0, mask_std, p.shape)
            elif ".norm" in name or name.startswith("norm"):
                base = 1.0 if name.endswith("weight") else 0.0
                v = base + rng.normal(0.0, ln_noise, p.shape)
            elif name.endswith("bias"):
                v = rng.normal(0.0, bias_std, p.shape)
            else:
                fan_out, fan_in = p.shape
                b = math.sqrt(6.0 / (fan_in + fan_out))
                v = rng.uniform(-b, b, p.shape)
            p.copy_(torch.from_numpy(v.astype(np.float32)))
        if model.anchor is not None:
            model.anchor.weight.mul_(own_channel_mask(model.cfg))
    return model


def own_channel_mask(cfg):
    """[C, C*F] 0 on each channel's own feature columns, 1 elsewhere: a
    channel's cross_channel anchor comes from the other channels only."""
    C, F_ = len(cfg["channels"]), 1 + len(cfg["anchor_rolling"])
    return 1.0 - torch.eye(C).repeat_interleave(F_, dim=1)


def save_model(path, model, cfg=None, dtype="F32", extra_metadata=None):
    cfg = config_from_dict(cfg if cfg is not None else model.cfg)
    meta = {CONFIG_KEY: config_to_json(cfg)}
    if extra_metadata:
        meta.update(extra_metadata)
    state = model.state_dict()
    check_tensors(cfg, {k: tuple(v.shape) for k, v in state.items()})  # what the C loader will accept
    write_safetensors(path, state, dtype=dtype, metadata=meta)


def load_model(path, dtype=torch.float32):
    """Load a wearfm safetensors file. F16/BF16 weights are widened exactly."""
    tensors, meta = read_safetensors(path)
    if CONFIG_KEY not in meta:
        raise ValueError(f"{path}: no {CONFIG_KEY} in __metadata__")
    cfg = config_from_dict(json.loads(meta[CONFIG_KEY]))
    model = WearFM(cfg)
    # strict: every tensor present with its shape, and no unknown tensors.
    model.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in tensors.items()}, strict=True)
    return model.to(dtype).eval()
