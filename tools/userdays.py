"""User-days for training and evaluation.

Reads the per-user minute CSVs written by the C importer
(`wearfm import fitabase ... -o DIR`, header
`timestamp,heart_rate,steps,intensity,sleep_state`, whole days) and returns
float32 arrays [days, 1440, C] with NaN for missing. The C importer is the
single place where raw exports are interpreted (HR averaging, impossible
values, sleep encoding, the non-wear rule: docs/data.md), so training,
evaluation, the CLI and the browser all see the same data.

The split is by user: no user's days are on both sides.
"""
import datetime
import glob
import os

import numpy as np

CHANNELS = ["heart_rate", "steps", "intensity", "sleep_state"]
DAY = 1440


def read_user_csv(path):
    """-> (days [D, 1440, C] float32 with NaN, first-day ISO dates list)."""
    with open(path) as f:
        header = f.readline().strip().split(",")
        if header[0] != "timestamp" or header[1:] != CHANNELS:
            raise ValueError(f"{path}: unexpected header {header}")
        rows = f.read().split("\n")
    rows = [r for r in rows if r]
    if len(rows) % DAY:
        raise ValueError(f"{path}: {len(rows)} rows is not a whole number of days")
    ts = [r[:16] for r in rows[::DAY]]
    if any(not r.startswith(t[:10]) for t, r in zip(ts, rows[::DAY])) or any(t[11:] != "00:00" for t in ts):
        raise ValueError(f"{path}: days do not start at midnight")
    vals = np.array([[float(v) if v else np.nan for v in r.split(",")[1:]] for r in rows], dtype=np.float32)
    return vals.reshape(-1, DAY, len(CHANNELS)), [t[:10] for t in ts]


def load_dir(directory, min_observed_fraction=0.05):
    """{user_id: (days, dates)} keeping days with at least a little data."""
    users = {}
    for path in sorted(glob.glob(os.path.join(directory, "*.csv"))):
        uid = os.path.splitext(os.path.basename(path))[0]
        days, dates = read_user_csv(path)
        keep = (~np.isnan(days)).mean(axis=(1, 2)) >= min_observed_fraction
        if keep.any():
            users[uid] = (days[keep], [d for d, k in zip(dates, keep) if k])
    if not users:
        raise ValueError(f"no user CSVs with data in {directory}")
    return users


def has_hr(days):
    return bool((~np.isnan(days[..., 0])).any())


def split_users(users, every_hr=3, every_other=5):
    """Deterministic validation users: every 3rd user with heart rate and
    every 5th without, in id order, so both kinds are evaluated."""
    hr = sorted(u for u in users if has_hr(users[u][0]))
    other = sorted(u for u in users if not has_hr(users[u][0]))
    val = set(hr[1::every_hr]) | set(other[2::every_other])
    train = sorted(u for u in users if u not in val)
    return train, sorted(val)


def stack(users, ids):
    """Concatenate the days of `ids` -> (x [D, 1440, C], owner [D] index into ids)."""
    xs = [users[u][0] for u in ids]
    owner = np.concatenate([np.full(len(x), i) for i, x in enumerate(xs)])
    return np.concatenate(xs), owner


def channel_stats(x):
    """Per-channel mean/std over observed minutes (training data only)."""
    observed = (~np.isnan(x)).sum(axis=(0, 1))
    if (observed < 2).any():
        missing = [c for c, n in zip(CHANNELS, observed) if n < 2]
        raise ValueError(f"no training data for channel(s) {missing}: cannot standardise them")
    mean = np.nanmean(x, axis=(0, 1))
    std = np.nanstd(x, axis=(0, 1))
    return mean.astype(np.float64), np.maximum(std, 1e-3).astype(np.float64)


def person_history(users, uid):
    """(history [n, C] on the person's dates, its first epoch minute, each
    kept day's epoch minute): the days the CLI's --history file holds."""
    days, dates = users[uid]
    starts = [(datetime.date.fromisoformat(d) - datetime.date(1970, 1, 1)).days * DAY for d in dates]
    first = min(starts)
    hist = np.full((max(starts) - first + DAY, days.shape[2]), np.nan)
    for s0, d in zip(starts, days):
        hist[s0 - first:s0 - first + DAY] = d
    return hist, first, starts
