"""Closed-form fit of the cross_channel anchor (docs/model-format.md).

The anchor of channel c in a gap is a + r - edge_line(r): the linear
interpolation a plus the part of a linear prediction r from the other
channels (wearfm_ref.cross_terms) that the gap's edges do not already
explain. That is linear in the
weights, so they are the ridge solution of

    z_c(t) - a_c(t)  ~  sum_k w_k * (f_k(t) - edge_line(f_k)(t))

over hidden observed minutes of simulated single-channel gaps (channel c
hidden while the others record, as in aim's channel gaps, the others
missing OTHERS_HIDDEN of their patches) in the training people's days: the anchor is fitted for exactly what it does at inference.
The bias, used only when channel c has no observation in the window, makes
r match the channel's mean level: b_c = mean(z_c - w . f) over observed
minutes. Categories keep the linear anchor (zero rows).

With anchor_profile (profiles given: each day's leave-one-out typical day of
its person), channel c's own profile p, p * g and its own linear anchor
a * g where p is known (g = 1 - exp(-d/profile_tau)) join the terms, and the fit also sees "sensor" days, channel c hidden for
the whole day while the others record; there the edge line is 0 and the
bias is a column of ones, so it is fitted with the rest (a gap's edge line
cancels it).
"""
import numpy as np
import torch

from wearfm_ref import anchor, cross_terms, edge_line, gate_from_observed, profile_z, standardise

GAP_MIN, GAP_MAX = 5, 240  # minutes, log-uniform, like aim's gaps
GAPS_PER_DAY = 4
# the other channels lose this share of their patches in the fit, so the
# weights also hold when the predictors have gaps of their own (a fit on
# complete predictors made random-80% fills worse than linear interpolation)
OTHERS_HIDDEN = 0.3


def _hide_gaps(obs_c, rng):
    """[B, T] bool: a few gaps of channel c per day where it was observed."""
    B, T = obs_c.shape
    hide = np.zeros((B, T), dtype=bool)
    for b in range(B):
        for _ in range(GAPS_PER_DAY):
            L = int(round(np.exp(rng.uniform(np.log(GAP_MIN), np.log(GAP_MAX)))))
            s = int(rng.integers(0, T - L + 1))
            hide[b, s:s + L] = True
    return hide & obs_c


def _targets(x, cfg):
    """(channel c, its cross-term columns, the days it was observed on) for
    every channel the anchor fits (not categories, not never observed)."""
    C, F_ = len(cfg["channels"]), 1 + len(cfg["anchor_rolling"])
    for c, ch in enumerate(cfg["channels"]):
        if ch["kind"] == "category":
            continue
        days = np.flatnonzero((~np.isnan(x[..., c])).any(1))
        if len(days):
            yield c, [j * F_ + f for j in range(C) if j != c for f in range(F_)], days


def fit_cross_anchor(x, cfg, seed=0, lam=1.0, repeats=2, batch=64, profiles=None):
    """x [D, T, C] training days (original units, NaN missing) -> (weight
    [C, C*F], bias [C]) float32 numpy for cfg's channels and anchor_rolling;
    with profiles [D, T, C] (anchor_profile) -> (weight, bias, profile_weight
    [C, 3])."""
    if profiles is not None:
        return _fit_with_profile(x, profiles, cfg, seed, lam, repeats, batch)
    rolling = cfg["anchor_rolling"]
    C, F_ = len(cfg["channels"]), 1 + len(rolling)
    W = np.zeros((C, C * F_), dtype=np.float64)
    bias = np.zeros(C, dtype=np.float64)
    rng = np.random.default_rng(seed)
    for c, cols, days in _targets(x, cfg):
        XtX = np.zeros((len(cols), len(cols)))
        Xty = np.zeros(len(cols))
        level_sum, level_feat, level_n = 0.0, np.zeros(len(cols)), 0
        for _ in range(repeats):
            for i in range(0, len(days), batch):
                xb = torch.from_numpy(x[days[i:i + batch]]).double()
                z = standardise(xb, cfg)  # [B, C, T]
                hide = torch.from_numpy(_hide_gaps((~torch.isnan(z[:, c])).numpy(), rng))
                z_in = z.clone()
                z_in[:, c][hide] = float("nan")
                _others_hidden(z_in, c, rng, cfg["patch_minutes"])
                a = anchor(z_in)
                feats = cross_terms(z_in, a, rolling)[:, cols]  # [B, K, T]
                obs_c = ~torch.isnan(z_in[:, c])
                lines = edge_line(feats, obs_c[:, None, :].expand_as(feats))
                X = (feats - lines).permute(0, 2, 1)[hide].numpy()  # [rows, K]
                y = (z[:, c] - a[:, c])[hide].numpy()
                XtX += X.T @ X
                Xty += X.T @ y
                # the level for a window without channel c (full, unhidden data)
                full = cross_terms(z, anchor(z), rolling)[:, cols]
                seen = ~torch.isnan(z[:, c])
                level_sum += float(z[:, c][seen].sum())
                level_feat += full.permute(0, 2, 1)[seen].sum(0).numpy()
                level_n += int(seen.sum())
        w = np.linalg.solve(XtX + lam * np.eye(len(cols)), Xty)
        W[c, cols] = w
        bias[c] = (level_sum - level_feat @ w) / max(level_n, 1)
    return W.astype(np.float32), bias.astype(np.float32)


def _others_hidden(z_in, c, rng, P):
    """The other channels lose OTHERS_HIDDEN of their patches (in place)."""
    B, C, T = z_in.shape
    tok = torch.from_numpy(rng.random((B, C, T // P)) < OTHERS_HIDDEN).repeat_interleave(P, -1)
    tok[:, c] = False
    z_in[tok] = float("nan")


def _fit_with_profile(x, profiles, cfg, seed, lam, repeats, batch):
    rolling, P = cfg["anchor_rolling"], cfg["patch_minutes"]
    C, F_ = len(cfg["channels"]), 1 + len(rolling)
    tau = cfg.get("profile_tau", 60)
    W = np.zeros((C, C * F_), dtype=np.float64)
    bias = np.zeros(C, dtype=np.float64)
    PW = np.zeros((C, 3), dtype=np.float64)
    rng = np.random.default_rng(seed)
    for c, cols, days in _targets(x, cfg):
        K = len(cols) + 4  # cross terms, the three profile terms, the bias column
        XtX, Xty = np.zeros((K, K)), np.zeros(K)
        for _ in range(repeats):
            for i in range(0, len(days), batch):
                sel = days[i:i + batch]
                z = standardise(torch.from_numpy(x[sel]).double(), cfg)  # [B, C, T]
                pz, known = profile_z(torch.from_numpy(profiles[sel]).double(), cfg)
                pz, known = pz[:, c], known[:, c].double()  # [B, T]
                seen = ~torch.isnan(z[:, c])
                for sensor in (False, True):
                    hide = seen.clone() if sensor else torch.from_numpy(_hide_gaps(seen.numpy(), rng))
                    z_in = z.clone()
                    z_in[:, c][hide] = float("nan")
                    _others_hidden(z_in, c, rng, P)
                    a = anchor(z_in)
                    obs_c = ~torch.isnan(z_in[:, c])
                    g = gate_from_observed(obs_c, tau).double()
                    feats = torch.cat([cross_terms(z_in, a, rolling)[:, cols], pz[:, None], (pz * g)[:, None],
                                       (a[:, c] * g * known)[:, None], torch.ones_like(pz)[:, None]], 1)  # [B, K, T]
                    lines = edge_line(feats, obs_c[:, None, :].expand_as(feats))
                    X = (feats - lines).permute(0, 2, 1)[hide].numpy()
                    y = (z[:, c] - a[:, c])[hide].numpy()
                    XtX += X.T @ X
                    Xty += X.T @ y
        w = np.linalg.solve(XtX + lam * np.eye(K), Xty)
        W[c, cols] = w[:len(cols)]
        PW[c] = w[len(cols):len(cols) + 3]
        bias[c] = w[-1]
    return W.astype(np.float32), bias.astype(np.float32), PW.astype(np.float32)
