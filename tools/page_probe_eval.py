"""What tools/page_probes.py measures on the validation people besides the
probe metrics of `wearfm probe predict`: how often estimates of a given
confidence were right, day totals of a class against the band's record,
and predicted sleep periods against the band's sleep logs. numpy only."""
import datetime

import numpy as np

DAY = 1440
INTENSITY, SLEEP = 2, 3
EPOCH = datetime.date(1970, 1, 1)
# Confidence (the probability of the class chosen) -> words, the page's too.
CONFIDENCE = [(0.9, "very likely"), (0.75, "likely"), (0.6, "probably"), (0.5, "uncertain")]


def minute_of(ts):
    """'YYYY-MM-DDTHH:MM' -> minutes since 1970-01-01T00:00."""
    d = datetime.date.fromisoformat(ts[:10])
    return (d - EPOCH).days * DAY + int(ts[11:13]) * 60 + int(ts[14:16])


def calibration(out, labels, positive):
    """Per confidence band of CONFIDENCE: rows, and the share whose chosen class was right."""
    k = out["classes"].index(positive)
    p = np.array([r["probabilities"][k] for r in out["rows"]])
    truth = np.array([y == positive for y in labels])
    conf = np.maximum(p, 1 - p)
    right = (p >= 0.5) == truth
    bands, hi = [], 1.0 + 1e-9
    for lo, words in CONFIDENCE:
        sel = (conf >= lo) & (conf < hi)
        bands.append({"from": lo, "to": min(hi, 1.0), "words": words, "rows": int(sel.sum()),
                      "right": None if not sel.any() else round(float(right[sel].mean()), 4)})
        hi = lo
    return bands


def day_totals(out, rows, users, P, positive):
    """Per validation person-day: P x the sum of P(positive) over its labelled
    slots (what the page reports), against the minutes of moderate or
    vigorous activity the band recorded in the same slots."""
    k = out["classes"].index(positive)
    pred, true = {}, {}
    for r, (uid, _, start, _, _) in zip(out["rows"], rows):
        days, dates = users[uid]
        d, t = dates.index(start[:10]), int(start[11:13]) * 60 + int(start[14:16])
        key = (uid, start[:10])
        pred[key] = pred.get(key, 0.0) + P * r["probabilities"][k]
        v = days[d, t:t + P, INTENSITY]
        true[key] = true.get(key, 0) + int((v >= 2).sum())
    keys = sorted(pred)
    e = np.array([pred[q] - true[q] for q in keys])
    t = np.array([true[q] for q in keys])
    return {"days": len(keys), "people": len({q[0] for q in keys}),
            "mean_recorded_minutes": round(float(t.mean()), 1),
            "mean_estimated_minutes": round(float(np.mean([pred[q] for q in keys])), 1),
            "median_abs_error_minutes": round(float(np.median(np.abs(e))), 1),
            "p80_abs_error_minutes": round(float(np.percentile(np.abs(e), 80)), 1),
            "mean_error_minutes": round(float(e.mean()), 1)}


def runs(flags):
    """[(start, end)] of the True runs of a boolean array."""
    f = np.concatenate([[False], flags, [False]]).astype(np.int8)
    d = np.diff(f)
    return list(zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1)))


def sleep_periods_truth(days, dates, max_gap, min_minutes):
    """The band's sleep periods: minutes asleep or restless, joined across at
    most max_gap minutes of anything else, at least min_minutes long, as
    absolute minutes [from, to); with the awake minutes (sleep_state 0)."""
    s = days[:, :, SLEEP].reshape(-1)
    t0 = minute_of(dates[0] + "T00:00")
    periods = []
    for a, b in runs(s >= 1):
        if periods and a - periods[-1][1] <= max_gap:
            periods[-1][1] = b
        else:
            periods.append([a, b])
    return {"periods": [(t0 + a, t0 + b) for a, b in periods if b - a >= min_minutes],
            "awake": s == 0, "t0": t0}


def match_periods(truth, predicted):
    """Each true period against the predicted one overlapping it most: the
    errors of its start and end in minutes (None when none overlaps); and
    the predicted periods that overlap no true one where the band said the
    person was awake for most of the time."""
    pred = [(minute_of(p["from"]), minute_of(p["to"])) for p in predicted]
    found = []
    for a, b in truth["periods"]:
        best, overlap = None, 0
        for c, d in pred:
            o = min(b, d) - max(a, c)
            if o > overlap:
                best, overlap = (c, d), o
        found.append(None if best is None else (best[0] - a, best[1] - b))
    awake, t0, false = truth["awake"], truth["t0"], 0
    for c, d in pred:
        if any(min(b, d) > max(a, c) for a, b in truth["periods"]):
            continue
        lo, hi = max(0, c - t0), min(len(awake), d - t0)
        if hi > lo and 2 * awake[lo:hi].sum() > hi - lo:
            false += 1
    return {"found": found, "false": false, "predicted": len(pred)}
