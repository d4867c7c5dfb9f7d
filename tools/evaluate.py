#!/usr/bin/env python3
"""Gap-filling evaluation on validation people, through the CLI (`make eval`).

    python3 tools/evaluate.py --data build/fitabase --wearfm build/native/wearfm \\
        --model models/wearfm-minute-fitabase.safetensors \\
        --naive models/wearfm-minute-fitabase-naive.safetensors \\
        --json build/eval/results.json [--smoke]

`tools/eval_tables.py` renders the tables of the model card and README from
the JSON. Why the evaluation is built the way it is (issue 8):

* Every method gets the same raw input. Each scenario is written once as a
  minute CSV with empty (NaN) gaps; the models fill it through
  `wearfm impute MODEL in.csv --history person.csv -o out.csv` (the entry
  point a user calls; no model runs in Python here) and the baselines read
  the very same files. One input file per person (and per copy of a day):
  day i of a person lies on 2001-01-01 + i days, and the person's recorded
  days, on the same dates, are the history file: the person's other days,
  from which a model with anchor_profile takes their typical day and the
  own time-of-day baseline its mean (the CLI leaves out the window's own
  date, the baseline the same day). The robustness test gives the models
  no history (--no-history): it is about the window's own inputs.
* Validation people only (tools/userdays.py: split_users). Everything
  learned -- the ridge regression, the blend weights, the population
  profile, the fallback mean and the z-unit scale -- comes from training
  people.
* Gaps start at seeded random minutes that are never a multiple of 10, so
  every gap edge falls inside a 10-min patch (the case where a patch model
  must fill part of a visible patch); they stay >= 30 min from the day's
  ends (interpolation and the model both see context on both sides) and are
  placed only where the scored channel was mostly (>= 80%) observed, so
  there is something to score.

Scenarios (hidden minutes are scored where they were observed):
  gap10..gap180   all channels hidden in non-overlapping gaps of L minutes,
                  8 / 6 / 4 / 2 gaps per day, >= 60 min apart; placed where
                  heart rate is mostly observed, or, on a day where that is
                  impossible, where steps are (such days score the other
                  channels only)
  hrgap10..180    the same gaps, heart rate only: steps, intensity and sleep
                  keep their observed values (days with heart rate only)
  random80        80% of the observed 10-min patches, of every channel,
                  hidden at random
  forecast60      everything from a random t >= 02:00 on is hidden; scored
                  on [t, t+60); 3 copies of each day with different t
  hr_sensor       heart rate hidden for the whole day (days with >= 60
                  observed heart-rate minutes)
`--smoke` keeps 2 days per person, 2 / 1 / 1 / 1 gaps, 1 forecast copy and
100 bootstrap resamples: it checks the pipeline end to end, not the numbers.

Heart-rate baselines:
  linear          linear interpolation; the nearest value beyond the ends
  locf            last observation carried forward (the next one before the
                  first)
  own_tod         the person's own time-of-day mean over their other days
  population_tod  the time-of-day mean of the training people (both +-15 min
                  circular smoothing)
  ridge           ridge regression of heart rate on steps, intensity, their
                  +-10 min rolling means and 4 time-of-day harmonics, fitted
                  on training people's observed minutes. Where steps and
                  intensity are hidden it uses what is observed: a ridge on
                  the rolling means and harmonics if the +-10 min window has
                  an observed minute, else on the harmonics alone.
  ridge_anchored  the ridge plus the linear interpolation of its residuals at
                  the observed heart rate, so it meets the gap edges (the
                  plain ridge where the day has no heart rate left)
  ridge_blend     w * ridge + (1 - w) * linear, w per scenario fitted on
                  training people (least squares, clipped to [0, 1])
  own_ridge       the same ridge fitted on the person's own other days (the
                  history file without the day being filled), so it knows
                  how this person's heart rate answers their steps: the
                  classical counterpart of the personal anchor
                  (personal_lambda); the training mean where the person has
                  no other day with heart rate
  own_ridge_anchored  own_ridge plus the linear interpolation of its
                  residuals at the observed heart rate
A method with nothing to work from (e.g. no heart rate left in the day, or
a window the CLI skips) falls back to the training mean, so every method is
scored on the same minutes. For steps, intensity and sleep the first four
baselines are reported, as MSE in z-units (divided by the training std).
A category channel (intensity, sleep; the levels of the model's config) is
also scored as the share of hidden minutes given the wrong level, every
method's fill read as its nearest level: the models fill with levels, and
a fractional interpolation between two levels, which z-MSE rewards, is not
a category a user could record.

Metrics: heart-rate MSE (bpm^2) and MAE (bpm) per scenario, method and
person; each model's MSE over the best baseline's (the lowest MSE on these
validation days, a choice that favours the baselines) with a 95% bootstrap
interval: days resampled with replacement, ratio of summed squared errors.
All copies and gaps of one day form one resampling unit.

Robustness (the LSM-2 claim that AIM degrades less when inputs go away):
80% of the observed steps and intensity patches hidden (heart rate and sleep
kept), MSE of steps + intensity in z-units, then
  heart_rate_removed  heart rate removed from the input (days with >= 60
                      observed heart-rate minutes), scored on the same minutes;
  night_removed       every channel removed 00:00-06:00, scored on the hidden
                      minutes 06:00-24:00 in both runs.
The relative change per model and AIM's change minus naive's, with
bootstrap intervals over days.
"""
import argparse
import datetime
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import zlib

import numpy as np

import userdays
from wearfm_ref import circular_mean, profiles_leave_one_out

CHANNELS = userdays.CHANNELS
HR, STEPS, INTENSITY, SLEEP = range(4)
N_CH = len(CHANNELS)
DAY = userdays.DAY
PATCH = 10
MOSTLY = 0.8          # fraction of the scored channel observed inside a gap
EDGE = 30             # minutes a gap keeps from the day's ends
SPACING = 60          # minutes between two gaps of one day
FORECAST_FROM = 120   # a forecast starts at 02:00 or later
MIN_HR_MINUTES = 60   # a "day with heart rate" for hr_sensor and robustness
NIGHT = 360           # 00:00-06:00
PROFILE_HALF = 15     # +-15 min smoothing of the time-of-day means
ROLL_HALF = 10        # +-10 min rolling means for the ridge
HARMONICS = 4
RIDGE_LAMBDA = 1.0
START_DATE = datetime.date(2001, 1, 1)
MAX_WINDOWS_PER_CALL = 900   # the CLI takes at most 1000 days per call

FULL = {"gaps": {10: 8, 30: 6, 60: 4, 180: 2}, "forecast_copies": 3, "resamples": 2000, "max_days": 0}
SMOKE = {"gaps": {10: 2, 30: 1, 60: 1, 180: 1}, "forecast_copies": 1, "resamples": 100, "max_days": 2}

MODELS = {"aim": "AIM", "naive": "naive"}
HR_BASELINES = {"linear": "linear interp.", "locf": "LOCF", "own_tod": "own ToD mean",
                "population_tod": "population ToD mean", "ridge": "ridge", "ridge_anchored": "ridge, edge-anchored",
                "ridge_blend": "ridge + linear blend", "own_ridge": "own ridge",
                "own_ridge_anchored": "own ridge, edge-anchored"}
SIMPLE_BASELINES = {k: HR_BASELINES[k] for k in ("linear", "locf", "own_tod", "population_tod")}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ------------------------------------------------------------------ scenarios
# A generator takes one observed day [DAY, C] and an RNG and returns a list of
# copies (hidden, score): hidden minutes become NaN in the input, score marks
# the hidden observed minutes that are scored.

def candidate_starts(observed, length, lo, hi):
    """Starts s in [lo, hi], not a multiple of 10, with >= MOSTLY of [s, s+length) observed."""
    if hi < lo:
        return np.zeros(0, dtype=int)
    csum = np.concatenate([[0], np.cumsum(observed)])
    s = np.arange(lo, hi + 1)
    frac = (csum[s + length] - csum[s]) / length
    return s[(frac >= MOSTLY) & (s % PATCH != 0)]


def place_gaps(observed, length, count, rng):
    """Up to `count` random non-overlapping gap starts, SPACING apart."""
    starts = candidate_starts(observed, length, EDGE, DAY - EDGE - length)
    chosen = []
    for s in rng.permutation(starts):
        if all(s + length + SPACING <= t or t + length + SPACING <= s for t in chosen):
            chosen.append(int(s))
            if len(chosen) == count:
                break
    return sorted(chosen)


def gap_masks(day, rng, length, count, hr_only):
    """Gaps where heart rate is mostly observed; for all-channel gaps on a day
    without such stretches, where steps are (heart rate is then not scored)."""
    obs = ~np.isnan(day)
    starts, score_hr = place_gaps(obs[:, HR], length, count, rng), True
    if not starts and not hr_only:
        starts, score_hr = place_gaps(obs[:, STEPS], length, count, rng), False
    if not starts:
        return []
    hidden = np.zeros((DAY, N_CH), dtype=bool)
    for s in starts:
        if hr_only:
            hidden[s:s + length, HR] = True
        else:
            hidden[s:s + length, :] = True
    score = hidden & obs
    if not score_hr:
        score[:, HR] = False
    return [(hidden, score)]


def random_patch_masks(day, rng, frac=0.8, channels=tuple(range(N_CH))):
    """`frac` of the observed 10-min x 1-channel patches of `channels` hidden."""
    obs = ~np.isnan(day)
    tokens = obs.reshape(DAY // PATCH, PATCH, N_CH).any(1)
    tokens[:, [c for c in range(N_CH) if c not in channels]] = False
    cand = np.argwhere(tokens)
    k = int(round(frac * len(cand)))
    if k == 0:
        return []
    pick = cand[rng.choice(len(cand), k, replace=False)]
    hidden_tok = np.zeros_like(tokens)
    hidden_tok[pick[:, 0], pick[:, 1]] = True
    hidden = np.repeat(hidden_tok, PATCH, axis=0)
    return [(hidden, hidden & obs)]


def forecast_masks(day, rng, horizon, copies):
    """Everything from t on hidden, scored on [t, t + horizon); t where heart
    rate (else steps) is mostly observed in the scored hour."""
    obs = ~np.isnan(day)
    starts, score_hr = candidate_starts(obs[:, HR], horizon, FORECAST_FROM, DAY - horizon), True
    if not len(starts):
        starts, score_hr = candidate_starts(obs[:, STEPS], horizon, FORECAST_FROM, DAY - horizon), False
    out = []
    if not len(starts):
        return out
    for t in sorted(rng.choice(starts, min(copies, len(starts)), replace=False)):
        hidden = np.zeros((DAY, N_CH), dtype=bool)
        hidden[t:, :] = True
        score = np.zeros_like(hidden)
        score[t:t + horizon, :] = True
        score &= obs
        if not score_hr:
            score[:, HR] = False
        out.append((hidden, score))
    return out


def hr_sensor_masks(day, rng):
    """Heart rate hidden for the whole day; the other channels kept."""
    obs = ~np.isnan(day)
    if obs[:, HR].sum() < MIN_HR_MINUTES:
        return []
    hidden = np.zeros((DAY, N_CH), dtype=bool)
    hidden[:, HR] = True
    return [(hidden, hidden & obs)]


def scenario_specs(cfg):
    """[(name, description, generator, all_channels_hidden)] in table order."""
    specs = []
    for length, count in cfg["gaps"].items():
        specs.append((f"gap{length}", f"all channels hidden, {count} gap(s) of {length} min per day",
                      lambda d, r, L=length, k=count: gap_masks(d, r, L, k, hr_only=False), True))
    for length, count in cfg["gaps"].items():
        specs.append((f"hrgap{length}", f"heart rate hidden, {count} gap(s) of {length} min per day; "
                      "steps, intensity, sleep recorded",
                      lambda d, r, L=length, k=count: gap_masks(d, r, L, k, hr_only=True), False))
    specs.append(("random80", "80% of the observed 10-min patches hidden (all channels)", random_patch_masks, True))
    specs.append(("forecast60", f"everything hidden from a random t on, scored on [t, t+60); "
                  f"{cfg['forecast_copies']} t per day",
                  lambda d, r: forecast_masks(d, r, 60, cfg["forecast_copies"]), True))
    specs.append(("hr_sensor", "heart rate hidden for the whole day", hr_sensor_masks, False))
    return specs


def scenario_rng(seed, *names):
    """An RNG per scenario and purpose, so adding a scenario changes no other."""
    return np.random.default_rng([seed] + [zlib.crc32(n.encode()) for n in names])


def build_scenario(generator, users, ids, rng, max_days):
    """-> refs [(person, day index)], truth, hidden, score: [W, DAY, C] per copy."""
    refs, xs, hs, ss = [], [], [], []
    for uid in ids:
        days = users[uid][0][:max_days] if max_days else users[uid][0]
        for i, day in enumerate(days):
            for hidden, score in generator(day, rng):
                refs.append((uid, i))
                xs.append(day)
                hs.append(hidden)
                ss.append(score)
    if not refs:
        empty = np.zeros((0, DAY, N_CH))
        return refs, empty.astype(np.float32), empty.astype(bool), empty.astype(bool)
    return refs, np.stack(xs), np.stack(hs), np.stack(ss)


# ------------------------------------------------------------------ CSV + CLI

TIMES = [f"T{m // 60:02d}:{m % 60:02d}" for m in range(DAY)]


def write_minutes_csv(path, x, days=None):
    """Windows x [W, DAY, C] as a minute CSV, window w on START_DATE +
    days[w] days (default: w)."""
    with open(path, "w") as f:
        f.write("timestamp," + ",".join(CHANNELS) + "\n")
        for w in range(len(x)):
            date = (START_DATE + datetime.timedelta(days=int(days[w]) if days is not None else w)).isoformat()
            f.write("".join(date + t + "," + ",".join("" if v != v else f"{v:.9g}" for v in row) + "\n"
                            for t, row in zip(TIMES, x[w].tolist())))


def read_filled_csv(path, days):
    """`wearfm impute` output of the windows on START_DATE + days[w] ->
    [W, DAY, C]; NaN for windows the CLI skipped (no observed value) and for
    channels the model lacks."""
    row_of = {int(d): w for w, d in enumerate(days)}
    out = np.full((len(days), DAY, N_CH), np.nan, dtype=np.float32)
    with open(path) as f:
        header = f.readline().rstrip("\n").split(",")
        cols = [(c, header.index(ch)) for c, ch in enumerate(CHANNELS) if ch in header]
        row = {}
        for line in f:
            p = line.rstrip("\n").split(",")
            date = p[0][:10]
            w = row.get(date)
            if w is None:
                w = row[date] = row_of[(datetime.date.fromisoformat(date) - START_DATE).days]
            t = int(p[0][11:13]) * 60 + int(p[0][14:16])
            for c, j in cols:
                out[w, t, c] = float(p[j]) if p[j] else np.nan
    return out


class Cli:
    """Writes scenario inputs and runs `wearfm impute` on them.

    With refs, a scenario is one CSV per person (and per copy of a day): day
    i of a person lies on START_DATE + i, and the person's recorded days, on
    the same dates, are the file given as `--history` (the person's other
    days, from which a model with anchor_profile takes their typical day;
    the CLI leaves out the window's own date). The own time-of-day baseline
    reads the same history file. Without refs (robustness), windows lie on
    consecutive dates and the models get `--no-history`."""

    def __init__(self, wearfm, workdir, threads, users, model=None):
        self.wearfm, self.workdir, self.threads, self.users = wearfm, workdir, threads, users
        os.makedirs(workdir, exist_ok=True)
        self.seconds = 0.0
        self.histories = {}
        self.levels = self.category_levels(model) if model else {}

    def category_levels(self, model):
        """{channel: levels} of the model's category channels, from its own
        config (`wearfm info --format json`): the levels the core fills with."""
        r = subprocess.run([self.wearfm, "info", model, "--format", "json"], capture_output=True, text=True)
        if r.returncode:
            raise RuntimeError(f"wearfm info {model} failed ({r.returncode}): {r.stderr.strip()}")
        channels = json.loads(r.stdout)["config"]["channels"]
        return {ch["name"]: ch["levels"] for ch in channels if ch.get("kind") == "category"}

    def history(self, uid):
        """The person's recorded days as a minute CSV, written once."""
        if uid not in self.histories:
            path = os.path.join(self.workdir, f"history.{uid}.csv")
            write_minutes_csv(path, self.users[uid][0])
            self.histories[uid] = path
        return self.histories[uid]

    def write(self, name, x_in, refs=None):
        """Input CSV(s) of one scenario -> its plan: [(path, rows of x_in,
        their day offsets, history path or None)]."""
        plan = []
        if refs is None:
            for k, i in enumerate(range(0, len(x_in), MAX_WINDOWS_PER_CALL)):
                rows = np.arange(i, min(i + MAX_WINDOWS_PER_CALL, len(x_in)))
                plan.append((os.path.join(self.workdir, f"{name}.{k}.csv"), rows, rows - i, None))
        else:
            groups, seen = {}, {}
            for w, (uid, i) in enumerate(refs):
                copy = seen[(uid, i)] = seen.get((uid, i), -1) + 1
                groups.setdefault((uid, copy), []).append(w)
            for (uid, copy), rows in groups.items():
                rows = np.array(rows)
                plan.append((os.path.join(self.workdir, f"{name}.{uid}.{copy}.csv"), rows,
                             np.array([refs[w][1] for w in rows]), self.history(uid)))
        for path, rows, days, _ in plan:
            write_minutes_csv(path, x_in[rows], days)
        return plan

    @staticmethod
    def read_inputs(plan, n):
        """What the baselines see: the CSV files the models get."""
        out = np.zeros((n, DAY, N_CH), np.float32)
        for path, rows, days, _ in plan:
            x, dates = userdays.read_user_csv(path)
            at = {(datetime.date.fromisoformat(d) - START_DATE).days: j for j, d in enumerate(dates)}
            out[rows] = x[[at[int(d)] for d in days]]
        return out

    def read_history(self, uid):
        """The history file, read back: [D, DAY, C] (day i on START_DATE + i)."""
        x, dates = userdays.read_user_csv(self.history(uid))
        full = np.full((len(self.users[uid][0]), DAY, N_CH), np.nan, np.float32)
        for j, d in enumerate(dates):
            full[(datetime.date.fromisoformat(d) - START_DATE).days] = x[j]
        return full

    def impute(self, model, plan, n):
        """The model's fills for the scenario, through the CLI."""
        out = np.full((n, DAY, N_CH), np.nan, np.float32)
        for path, rows, days, history in plan:
            dst = path[:-4] + "." + os.path.basename(model).split(".")[0] + ".out.csv"
            argv = [self.wearfm, "impute", model, path, "-o", dst, "--threads", str(self.threads), "-q"]
            argv += ["--history", history] if history else ["--no-history"]
            t0 = time.time()
            r = subprocess.run(argv, capture_output=True, text=True)
            self.seconds += time.time() - t0
            if r.returncode == 5:   # no window with observed data
                continue
            if r.returncode:
                raise RuntimeError(f"{' '.join(argv)} failed ({r.returncode}): {r.stderr.strip()}")
            out[rows] = read_filled_csv(dst, days)
            os.remove(dst)
        return out


# ------------------------------------------------------------------ baselines

def linear_fill(x):
    """Linear interpolation per window and channel; the nearest observed value
    beyond the ends (no extrapolated trend)."""
    out = x.copy()
    t = np.arange(DAY)
    for w in range(len(x)):
        for c in range(N_CH):
            ok = ~np.isnan(x[w, :, c])
            if ok.any():
                out[w, :, c] = np.interp(t, t[ok], x[w, ok, c])
    return out


def locf_fill(x):
    """Last observation carried forward; the first observation before it."""
    obs = ~np.isnan(x)
    idx = np.where(obs, np.arange(DAY)[None, :, None], 0)
    np.maximum.accumulate(idx, axis=1, out=idx)
    out = np.take_along_axis(x, idx, axis=1)
    first = np.take_along_axis(x, obs.argmax(1)[:, None, :], axis=1)
    return np.where(np.isnan(out), first, out)


def population_profile(days):
    """Time-of-day mean [DAY, C] over the given (training) days."""
    obs = ~np.isnan(days)
    return circular_mean(np.where(obs, days, 0).sum(0, dtype=np.float64), obs.sum(0).astype(np.float64), PROFILE_HALF)


def own_profiles(days):
    """[D, DAY, C]: for each of a person's days, the time-of-day mean of their
    OTHER days (leave one day out, so a day never predicts itself): the
    profile the C core gives a model with anchor_profile
    (wearfm_ref.profiles_leave_one_out)."""
    return profiles_leave_one_out(days, PROFILE_HALF)


def rolling_mean(v, half=ROLL_HALF):
    """NaN-aware mean of v [W, DAY] over [t-half, t+half] within the day."""
    ok = ~np.isnan(v)
    zero = np.zeros((len(v), 1))
    cs = np.concatenate([zero, np.cumsum(np.where(ok, v, 0), 1)], 1)
    cn = np.concatenate([zero, np.cumsum(ok, 1)], 1)
    t = np.arange(DAY)
    lo, hi = np.clip(t - half, 0, DAY), np.clip(t + half + 1, 0, DAY)
    n = cn[:, hi] - cn[:, lo]
    return np.where(n > 0, (cs[:, hi] - cs[:, lo]) / np.maximum(n, 1), np.nan)


def ridge_features(x):
    """Per-minute features of x [W, DAY, C] for the three ridge variants, and
    where each can be used: 'full' needs steps and intensity at the minute,
    'roll' an observed minute in the +-10 min window, 'harm' nothing."""
    t = 2 * np.pi * np.arange(DAY) / DAY
    harm = np.stack([f(k * t) for k in range(1, HARMONICS + 1) for f in (np.sin, np.cos)], -1)
    harm = np.broadcast_to(harm, (len(x), DAY, 2 * HARMONICS))
    s, i = x[..., STEPS].astype(np.float64), x[..., INTENSITY].astype(np.float64)
    rs, ri = rolling_mean(s), rolling_mean(i)
    feats = {"full": np.concatenate([np.stack([s, i, rs, ri], -1), harm], -1),
             "roll": np.concatenate([np.stack([rs, ri], -1), harm], -1),
             "harm": harm}
    usable = {"full": ~np.isnan(s) & ~np.isnan(i), "roll": ~np.isnan(rs) & ~np.isnan(ri),
              "harm": np.ones(s.shape, dtype=bool)}
    return feats, usable


def fit_ridge(X, y, lam=RIDGE_LAMBDA):
    """Ridge on standardised features with an unpenalised intercept."""
    mu, sd = X.mean(0), X.std(0) + 1e-9
    Z = (X - mu) / sd
    w = np.linalg.solve(Z.T @ Z + lam * np.eye(Z.shape[1]), Z.T @ (y - y.mean()))
    return {"mu": mu, "sd": sd, "w": w, "b": float(y.mean())}


def fit_hr_ridge(train_days, keep=None):
    """The three ridge variants, on the days' observed heart rate (where
    `keep` [D, DAY] is True, if given), and their fit: (models, info), or
    (None, None) when a variant has no row."""
    feats, usable = ridge_features(train_days)
    y = train_days[..., HR].astype(np.float64)
    models, info = {}, {}
    for k in ("full", "roll", "harm"):
        rows = usable[k] & ~np.isnan(y) & (True if keep is None else keep)
        if not rows.any():
            return None, None
        models[k] = fit_ridge(feats[k][rows], y[rows])
        pred = predict_ridge(models[k], feats[k][rows])
        info[k] = {"minutes": int(rows.sum()), "r2": float(1 - np.mean((pred - y[rows]) ** 2) / np.var(y[rows]))}
    return models, info


def predict_ridge(m, X):
    return ((X - m["mu"]) / m["sd"]) @ m["w"] + m["b"]


def ridge_hr(x, models):
    """Heart rate [W, DAY] from what is observed of steps and intensity."""
    feats, usable = ridge_features(x)
    pred = predict_ridge(models["harm"], feats["harm"])
    for k in ("roll", "full"):
        u = usable[k]
        pred[u] = predict_ridge(models[k], feats[k][u])
    return pred


def anchor_to_edges(pred, hr_in):
    """pred + the linear interpolation of its residuals at the observed heart
    rate: meets the observed values at every gap edge."""
    out = pred.copy()
    t = np.arange(DAY)
    for w in range(len(pred)):
        ok = ~np.isnan(hr_in[w])
        if ok.any():
            out[w] += np.interp(t, t[ok], hr_in[w, ok] - pred[w, ok])
    return out


def blend_weight(y, a, b):
    """w in [0, 1] minimising sum (w a + (1 - w) b - y)^2."""
    d = a - b
    den = float(np.sum(d * d))
    return float(np.clip(np.sum((y - b) * d) / den, 0, 1)) if den > 0 else 0.5


class Learned:
    """Everything fitted on training people."""

    def __init__(self, users, train_ids, max_days):
        days = np.concatenate([users[u][0][:max_days] if max_days else users[u][0] for u in train_ids])
        self.mean = np.nanmean(days, axis=(0, 1))
        self.std = np.maximum(np.nanstd(days, axis=(0, 1)), 1e-3)
        self.population = population_profile(days)
        hr_days = days[(~np.isnan(days[..., HR])).any(1)]
        self.ridge, self.ridge_info = fit_hr_ridge(hr_days)
        self.blend = {}

    def complete(self, fill):
        """The training mean wherever a method has nothing to say."""
        return np.where(np.isnan(fill), self.mean.astype(np.float32), fill)

    def fit_blend_weights(self, specs, users, train_ids, seed, max_days):
        """w of ridge_blend per scenario, from the same scenario on training
        people (the weight depends strongly on gap length)."""
        hr_ids = [u for u in train_ids if userdays.has_hr(users[u][0])]
        for name, _, gen, _ in specs:
            refs, x, hidden, score = build_scenario(gen, users, hr_ids, scenario_rng(seed, name, "train"), max_days)
            m = score[..., HR]
            if not m.any():
                self.blend[name] = 0.5
                continue
            x_in = np.where(hidden, np.nan, x)
            lin = self.complete(linear_fill(x_in))[..., HR]
            self.blend[name] = blend_weight(x[..., HR][m], ridge_hr(x_in, self.ridge)[m], lin[m])


def own_hr_ridges(days):
    """[D] for each of a person's days [D, DAY, C]: the three ridge variants
    fitted on their OTHER days' observed heart rate (fit_hr_ridge), or None
    where no other day has heart rate."""
    day = np.broadcast_to(np.arange(len(days))[:, None], days.shape[:2])
    return [fit_hr_ridge(days, day != i)[0] for i in range(len(days))]


def own_ridge_hr(x_in, refs, own_ridge):
    """Heart rate [W, DAY] from each window's own-days ridge (NaN without one)."""
    out = np.full(x_in.shape[:2], np.nan)
    for w, (u, i) in enumerate(refs):
        models = own_ridge[u][i]
        if models is not None:
            out[w] = ridge_hr(x_in[w:w + 1], models)[0]
    return out


def baseline_fills(x_in, refs, own, learned, weight, own_ridge):
    """Every baseline's fill [W, DAY, C] of the same input (NaN = nothing to say)."""
    fills = {"linear": linear_fill(x_in), "locf": locf_fill(x_in)}
    prof = np.stack([own[u][i] for u, i in refs]) if refs else np.zeros_like(x_in)
    fills["own_tod"] = np.where(np.isnan(x_in), prof, x_in)
    fills["population_tod"] = np.where(np.isnan(x_in), learned.population, x_in)
    hr_in = x_in[..., HR].astype(np.float64)
    ridge = ridge_hr(x_in, learned.ridge)
    lin_hr = learned.complete(fills["linear"])[..., HR]
    mine = own_ridge_hr(x_in, refs, own_ridge)
    for key, hr in (("ridge", ridge), ("ridge_anchored", anchor_to_edges(ridge, hr_in)),
                    ("ridge_blend", weight * ridge + (1 - weight) * lin_hr), ("own_ridge", mine),
                    ("own_ridge_anchored", anchor_to_edges(mine, hr_in))):
        f = np.full_like(x_in, np.nan)
        f[..., HR] = np.where(np.isnan(hr_in), hr, hr_in)
        fills[key] = f
    return fills


# ------------------------------------------------------------------ scoring

def day_errors(fill, truth, score, c, day_id, n_days, scale):
    """(summed squared error, summed absolute error, minutes) per day."""
    m = score[..., c]
    e = np.where(m, (fill[..., c].astype(np.float64) - truth[..., c]) / scale, 0.0)
    return (np.bincount(day_id, (e * e).sum(1), n_days), np.bincount(day_id, np.abs(e).sum(1), n_days),
            np.bincount(day_id, m.sum(1), n_days))


def bootstrap_ratio(num, den, idx):
    """95% interval of sum(num) / sum(den) over resampled days idx [B, D]."""
    d = den[idx].sum(1)
    r = np.where(d > 0, num[idx].sum(1) / np.where(d > 0, d, 1), np.nan)
    return [float(v) for v in np.nanpercentile(r, [2.5, 97.5])]


def summarize_channel(errs, truth_var, day_person, model_keys, baseline_keys, rng, resamples):
    """MSE/MAE per method, ratio to the best baseline with CI, per person."""
    n = next(iter(errs.values()))[2]
    keep = n > 0
    if not keep.any():
        return None
    errs = {k: tuple(a[keep] for a in v) for k, v in errs.items()}
    n, people = n[keep], day_person[keep]
    total = n.sum()
    out = {"days": int(keep.sum()), "people": len(set(people)), "minutes": int(total),
           "scored_variance": float(truth_var[keep].sum() / total),
           "mse": {k: float(v[0].sum() / total) for k, v in errs.items()},
           "mae": {k: float(v[1].sum() / total) for k, v in errs.items()}}
    best = min(baseline_keys, key=lambda k: out["mse"][k])
    out["best_baseline"] = best
    idx = rng.integers(0, len(n), (resamples, len(n)))
    if out["mse"][best] > 0:
        out["ratio"] = {k: {"ratio": out["mse"][k] / out["mse"][best],
                            "ci": bootstrap_ratio(errs[k][0], errs[best][0], idx)} for k in model_keys}
    else:  # a baseline is exact (e.g. LOCF through a constant sleep state)
        out["ratio"] = {k: {"ratio": None, "ci": [None, None]} for k in model_keys}
    out["per_person"] = {}
    for uid in sorted(set(people)):
        p = people == uid
        np_ = n[p].sum()
        out["per_person"][uid] = {"days": int(p.sum()), "minutes": int(np_),
                                  "mse": {k: float(v[0][p].sum() / np_) for k, v in errs.items()},
                                  "mae": {k: float(v[1][p].sum() / np_) for k, v in errs.items()}}
    return out


def day_ids(refs):
    """Index of the original day of every window, and the person of each day."""
    keys = sorted(set(refs))
    pos = {k: i for i, k in enumerate(keys)}
    return np.array([pos[r] for r in refs], dtype=int), np.array([k[0] for k in keys]), len(keys)


def scored_variance(truth, score, c, day_id, n_days, scale):
    """Per day: squared deviation of the scored truth from its own mean (the
    error of knowing each day's mean of the hidden minutes), for scale."""
    out = np.zeros(n_days)
    for d in range(n_days):
        m = score[day_id == d][..., c]
        y = truth[day_id == d][..., c][m] / scale
        if len(y):
            out[d] = np.sum((y - y.mean()) ** 2)
    return out


def nearest_level(v, levels):
    """Each value as the nearest of the category's levels (the lower on a tie)."""
    lv = np.asarray(levels, np.float64)
    return lv[np.abs(v.astype(np.float64)[..., None] - lv).argmin(-1)]


def day_level_errors(fill, truth, score, c, day_id, n_days, levels):
    """(wrong minutes, wrong minutes, minutes) per day, with the fill read as
    its nearest level: the share of hidden minutes given the wrong category."""
    m = score[..., c]
    wrong = np.where(m, nearest_level(fill[..., c], levels) != truth[..., c], False).astype(np.float64)
    return (np.bincount(day_id, wrong.sum(1), n_days), np.bincount(day_id, wrong.sum(1), n_days),
            np.bincount(day_id, m.sum(1), n_days))


def score_scenario(name, all_channels, refs, truth, score, fills, learned, seed, resamples, levels):
    """Per scored channel: the summaries of summarize_channel; a category
    channel also gets "levels", the same summary of its level error rate."""
    day_id, day_person, n_days = day_ids(refs)
    out = {}
    for c in [HR] + ([STEPS, INTENSITY, SLEEP] if all_channels else []):
        baselines = HR_BASELINES if c == HR else SIMPLE_BASELINES
        scale = 1.0 if c == HR else float(learned.std[c])
        keys = list(MODELS) + list(baselines)
        errs = {k: day_errors(fills[k], truth, score, c, day_id, n_days, scale) for k in keys}
        s = summarize_channel(errs, scored_variance(truth, score, c, day_id, n_days, scale), day_person,
                              list(MODELS), list(baselines), scenario_rng(seed, name, CHANNELS[c], "bootstrap"),
                              resamples)
        if s is None:
            continue
        s["units"] = "bpm" if c == HR else "z"
        if CHANNELS[c] in levels:
            lv = levels[CHANNELS[c]]
            errs = {k: day_level_errors(fills[k], truth, score, c, day_id, n_days, lv) for k in keys}
            e = summarize_channel(errs, np.zeros(n_days), day_person, list(MODELS), list(baselines),
                                  scenario_rng(seed, name, CHANNELS[c], "levels"), resamples)
            s["levels"] = {"levels": lv, "error_rate": e["mse"], "best_baseline": e["best_baseline"],
                           "ratio": e["ratio"],
                           "per_person": {u: v["mse"] for u, v in e["per_person"].items()}}
        out[CHANNELS[c]] = s
    return out


# ------------------------------------------------------------------ robustness

def steps_intensity_sse(pred, truth, score, day_id, n_days, std):
    """Per day: summed squared z-error of steps + intensity, and minutes."""
    e = [day_errors(pred, truth, score, c, day_id, n_days, float(std[c])) for c in (STEPS, INTENSITY)]
    return e[0][0] + e[1][0], e[0][2] + e[1][2]


def compare_removal(refs, truth, score, full_fills, removed_fills, learned, rng, resamples):
    """Relative change of each model's steps + intensity error when an input
    is removed (same minutes scored), and AIM's change minus naive's, with
    bootstrap intervals over days (the same resampled days for both)."""
    day_id, day_person, n_days = day_ids(refs)
    sse = {}
    for m in full_fills:
        sse[m, "full"], n = steps_intensity_sse(full_fills[m], truth, score, day_id, n_days, learned.std)
        sse[m, "removed"], _ = steps_intensity_sse(removed_fills[m], truth, score, day_id, n_days, learned.std)
    keep = n > 0
    if not keep.any():
        return None
    n = n[keep]
    idx = rng.integers(0, len(n), (resamples, len(n)))
    res = {"days": int(keep.sum()), "people": len(set(day_person[keep])), "minutes": int(n.sum())}
    changes = {}
    for m in full_fills:
        full, removed = sse[m, "full"][keep], sse[m, "removed"][keep]
        changes[m] = removed[idx].sum(1) / full[idx].sum(1) - 1
        res[m] = {"mse_full": float(full.sum() / n.sum()), "mse_removed": float(removed.sum() / n.sum()),
                  "change": float(removed.sum() / full.sum() - 1),
                  "ci": [float(v) for v in np.percentile(changes[m], [2.5, 97.5])]}
    res["aim_minus_naive"] = {"difference": res["aim"]["change"] - res["naive"]["change"],
                              "ci": [float(v) for v in np.percentile(changes["aim"] - changes["naive"], [2.5, 97.5])]}
    return res


def robustness(users, val_ids, learned, cli, models, seed, cfg):
    """Steps + intensity reconstruction with and without heart rate / the night."""
    gen = lambda d, r: random_patch_masks(d, r, channels=(STEPS, INTENSITY))  # noqa: E731
    refs, x, hidden, score = build_scenario(gen, users, val_ids, scenario_rng(seed, "robustness"), cfg["max_days"])
    base = np.where(hidden, np.nan, x).astype(np.float32)
    has_hr = (~np.isnan(x[..., HR])).sum(1) >= MIN_HR_MINUTES
    night = np.arange(DAY) < NIGHT
    no_hr = base[has_hr].copy()
    no_hr[..., HR] = np.nan
    no_night = base.copy()
    no_night[:, night, :] = np.nan

    def fills(key, inp):
        plan = cli.write(f"robustness_{key}", inp)
        return {m: learned.complete(cli.impute(path, plan, len(inp))) for m, path in models.items()}

    full, removed_hr, removed_night = fills("full", base), fills("no_hr", no_hr), fills("no_night", no_night)
    out = {"task": "80% of the observed steps and intensity patches hidden; MSE of steps + intensity, z-units",
           "windows": len(refs)}
    sub_refs = [r for r, h in zip(refs, has_hr) if h]
    res = compare_removal(sub_refs, x[has_hr], score[has_hr], {m: f[has_hr] for m, f in full.items()}, removed_hr,
                          learned, scenario_rng(seed, "robustness", "heart_rate_removed", "bootstrap"),
                          cfg["resamples"])
    if res:
        out["heart_rate_removed"] = res
    res = compare_removal(refs, x, score & ~night[None, :, None], full, removed_night, learned,
                          scenario_rng(seed, "robustness", "night_removed", "bootstrap"), cfg["resamples"])
    if res:
        out["night_removed"] = res
    return out


# ------------------------------------------------------------------ main

def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def rounded(obj, digits=6):
    """JSON-friendly copy: floats to `digits` significant digits, NaN -> None."""
    if isinstance(obj, float):
        return None if obj != obj else float(f"{obj:.{digits}g}")
    if isinstance(obj, dict):
        return {k: rounded(v, digits) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [rounded(v, digits) for v in obj]
    return obj


def run_scenario(spec, users, val_ids, own, learned, cli, models, seed, cfg, own_ridge):
    """Build one scenario, fill it with every method from the same CSV, score it."""
    name, description, gen, all_channels = spec
    refs, truth, hidden, score = build_scenario(gen, users, val_ids, scenario_rng(seed, name, "validation"),
                                                cfg["max_days"])
    x_in = np.where(hidden, np.nan, truth).astype(np.float32)
    plan = cli.write(name, x_in, refs)
    x_read = cli.read_inputs(plan, len(x_in))
    assert np.array_equal(np.isnan(x_read), np.isnan(x_in)), "CSV round trip changed the gaps"
    fills = {m: cli.impute(path, plan, len(x_in)) for m, path in models.items()}
    fills.update(baseline_fills(x_read, refs, own, learned, learned.blend[name], own_ridge))
    # How many scored heart-rate minutes each method left to the training mean.
    fallback = {k: int((np.isnan(v[..., HR]) & score[..., HR]).sum()) for k, v in fills.items()}
    fills = {k: learned.complete(v) for k, v in fills.items()}
    res = {"description": description, "hidden": "all channels" if all_channels else "heart rate",
           "windows": len(refs), "blend_weight": learned.blend[name], "hr_fallback_minutes": fallback}
    res.update(score_scenario(name, all_channels, refs, truth, score, fills, learned, seed, cfg["resamples"],
                              cli.levels))
    for p, *_ in plan:
        os.remove(p)
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, help="directory of per-person minute CSVs (wearfm import fitabase -o)")
    ap.add_argument("--model", required=True, help="the AIM model (safetensors)")
    ap.add_argument("--naive", required=True, help="the naive ablation (safetensors)")
    ap.add_argument("--wearfm", default="build/native/wearfm", help="the native CLI")
    ap.add_argument("--json", default=None, help="write the results here")
    ap.add_argument("--workdir", default=None, help="scenario CSVs (default: next to --json, or build/eval/work)")
    ap.add_argument("--seed", type=int, default=8)
    ap.add_argument("--threads", type=int, default=1, help="CLI threads (the machine is shared)")
    ap.add_argument("--smoke", action="store_true", help="a few days, few gaps, 100 resamples (CI)")
    ap.add_argument("--resamples", type=int, default=0, help="override the bootstrap resamples")
    ap.add_argument("--max-days", type=int, default=-1, help="override the days per person (0 = all)")
    args = ap.parse_args()
    t_start = time.time()
    cfg = dict(SMOKE if args.smoke else FULL)
    if args.resamples:
        cfg["resamples"] = args.resamples
    if args.max_days >= 0:
        cfg["max_days"] = args.max_days
    for path in (args.wearfm, args.model, args.naive):
        if not os.path.exists(path):
            sys.exit(f"evaluate.py: {path} not found" + (" (make native)" if path == args.wearfm else ""))
    workdir = args.workdir or os.path.join(os.path.dirname(os.path.abspath(args.json)) if args.json else "build/eval",
                                           "work")
    users = userdays.load_dir(args.data)
    train_ids, val_ids = userdays.split_users(users)
    specs = scenario_specs(cfg)
    learned = Learned(users, train_ids, cfg["max_days"])
    learned.fit_blend_weights(specs, users, train_ids, args.seed, cfg["max_days"])
    log(f"trained baselines on {len(train_ids)} people; ridge {learned.ridge_info}; blend weights {learned.blend}")
    models = {"aim": args.model, "naive": args.naive}
    cli = Cli(args.wearfm, workdir, args.threads, users, args.model)
    own = {u: own_profiles(cli.read_history(u)) for u in val_ids}  # from the file the models get
    own_ridge = {u: own_hr_ridges(cli.read_history(u)) for u in val_ids}

    results = {
        "meta": {
            "models": {k: {"file": os.path.relpath(p), "sha256": sha256(p)} for k, p in models.items()},
            "seed": args.seed, "smoke": args.smoke, "resamples": cfg["resamples"], "max_days": cfg["max_days"],
            "gaps_per_day": {str(k): v for k, v in cfg["gaps"].items()}, "forecast_copies": cfg["forecast_copies"],
            "train_people": len(train_ids), "validation_people": val_ids,
            "validation_days": int(sum(len(users[u][0][:cfg["max_days"]] if cfg["max_days"] else users[u][0])
                                       for u in val_ids)),
            "ridge": learned.ridge_info,
        },
        "methods": {"models": MODELS, "hr_baselines": HR_BASELINES, "simple_baselines": SIMPLE_BASELINES},
        "scenario_order": [s[0] for s in specs],
        "scenarios": {},
    }
    for spec in specs:
        t0 = time.time()
        res = run_scenario(spec, users, val_ids, own, learned, cli, models, args.seed, cfg, own_ridge)
        results["scenarios"][spec[0]] = res
        hr = res.get("heart_rate")
        summary = ", ".join(f"{k} {v:.1f}" for k, v in hr["mse"].items()) if hr else "no heart rate scored"
        log(f"{spec[0]}: {res['windows']} windows, {time.time() - t0:.1f} s; HR MSE bpm^2 "
            f"(var {hr['scored_variance']:.1f}): {summary}" if hr else f"{spec[0]}: {summary}")
    results["robustness"] = robustness(users, val_ids, learned, cli, models, args.seed, cfg)
    log("robustness: " + json.dumps(rounded(results["robustness"], 3)))
    shutil.rmtree(workdir, ignore_errors=True)
    log(f"done in {time.time() - t_start:.0f} s ({cli.seconds:.0f} s in wearfm impute)")

    results = rounded(results)
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1, sort_keys=False)
            f.write("\n")
    import eval_tables
    print(eval_tables.render("hr_mse", results))


if __name__ == "__main__":
    main()
