"""The demo's data work, for people (`make demo`, scripts/demo.sh).

  demo_report.py mask SAMPLE.csv OUT_DIR
      Picks stretches of *recorded* data to hide from the model, one
      heart-rate-only gap (steps and intensity keep recording) and one
      all-channel gap per day, and writes OUT_DIR/masked.csv (the sample with
      those cells emptied) and OUT_DIR/hidden.json (where they are).

  demo_report.py report SAMPLE.csv OUT_DIR [--person ID] [--bands FILL_BANDS.json]
      Reads OUT_DIR/{hidden.json, model.json, imputed.native.csv,
      imputed.wasi.csv}; checks that native and WASI gave the same fills;
      prints, for the hidden minutes, the model's heart-rate MSE/MAE next to
      linear interpolation's; writes one picture per day, OUT_DIR/day-*.svg,
      with what make fill-bands measured about the fills' errors (--bands).

Where the gaps go: for each day, a seeded random choice (seed: the date)
among the starts that are not on a 10-min patch boundary (nor are the ends),
whose minutes were all recorded, with recorded heart rate for 3 minutes on
both sides so that interpolation has anchors. Heart-rate-only gap: 75 min
starting between 09:00 and 19:00; all-channel gap: 60 min between 07:00 and
22:00, at least 30 min away from the other. The choice never looks at the
model, so the numbers are what they are.

The pictures are SVG written by hand with the standard library, on purpose:
no plotting library is installed for /usr/bin/python3 (matplotlib is not),
and the demo must run on a fresh Debian machine with only the packages of
`scripts/setup.sh base`. If rsvg-convert is there, demo.sh also makes PNGs.
"""
import argparse
import csv
import datetime
import html
import json
import math
import os
import random
import sys

HR_GAP, ALL_GAP, MARGIN = 75, 60, 3
DAY = 1440

# Categorical channels: (value, label, colour). Fills are shown at the
# nearest level (rounded and clipped), the way a category is read.
LEVELS = {
    "intensity": [(0, "sedentary", "#c6dbef"), (1, "light", "#74c476"),
                  (2, "moderate", "#fd8d3c"), (3, "very active", "#cb181d")],
    "sleep_state": [(0, "awake", "#f4a582"), (1, "restless", "#92c5de"), (2, "asleep", "#2166ac")],
}
TITLES = {"heart_rate": "Heart rate", "steps": "Steps", "intensity": "Activity intensity",
          "sleep_state": "Sleep (from the Fitbit)"}
UNITS = {"heart_rate": "bpm", "steps": "steps/min"}

C_MEASURED, C_TRUTH, C_MODEL, C_LINEAR = "#2f6db5", "#111111", "#e8710a", "#1a9850"
C_HIDDEN, C_NODATA = "#fff1b8", "#e9e9e9"


# ---- data ------------------------------------------------------------------

def read_minutes(path):
    """-> (channels, times, values [[float|None]], filled [[bool]] or None)."""
    with open(path) as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    # impute also writes <channel>_filled flags and, for categories, <channel>_probability
    channels = [h for h in header[1:] if not h.endswith(("_filled", "_probability"))]
    C = len(channels)
    times = [r[0] for r in body]

    def num(v):
        if v == "" or v.lower() == "nan":
            return None
        return float(v)
    values = [[num(v) for v in r[1:1 + C]] for r in body]
    filled = [[v == "1" for v in r[1 + C:1 + 2 * C]] for r in body] if len(header) > 1 + C else None
    return channels, times, values, filled


def day_starts(times):
    starts = [i for i, t in enumerate(times) if t.endswith("T00:00")]
    if not starts or any(times[i][:10] != times[i + DAY - 1][:10] for i in starts if i + DAY <= len(times)) \
            or len(times) != DAY * len(starts):
        raise SystemExit("demo_report: the sample must be whole days starting at midnight")
    return starts


def hhmm(minute):
    return f"{minute // 60 % 24:02d}:{minute % 60:02d}"


def all_recorded(values, chans, a, b):
    return all(values[i][c] is not None for i in range(a, b) for c in chans)


def choose_gaps(channels, times, values):
    hr = channels.index("heart_rate")
    motion = [channels.index(n) for n in ("steps", "intensity") if n in channels]
    gaps = []
    for d0 in day_starts(times):
        day = times[d0][:10]
        rng = random.Random("wearfm demo " + day)

        def ok(s, n, chans):
            return (s % 10 and (s + n) % 10 and all_recorded(values, chans, d0 + s, d0 + s + n)
                    and all_recorded(values, [hr], d0 + s - MARGIN, d0 + s + n + MARGIN))
        hr_starts = [s for s in range(9 * 60, 19 * 60 - HR_GAP + 1) if ok(s, HR_GAP, [hr] + motion)]
        if hr_starts:
            s = rng.choice(hr_starts)
            gaps.append({"day": day, "start": d0 + s, "minutes": HR_GAP, "channels": ["heart_rate"],
                         "kind": "heart rate only"})
        taken = [(g["start"] - d0 - 30, g["start"] - d0 + g["minutes"] + 30) for g in gaps if g["day"] == day]
        all_starts = [s for s in range(7 * 60, 22 * 60 - ALL_GAP + 1)
                      if ok(s, ALL_GAP, [hr] + motion) and all(s + ALL_GAP <= a or s >= b for a, b in taken)]
        if all_starts:
            s = rng.choice(all_starts)
            gaps.append({"day": day, "start": d0 + s, "minutes": ALL_GAP, "channels": list(channels),
                         "kind": "all channels"})
    gaps.sort(key=lambda g: g["start"])
    for k, g in enumerate(gaps):
        g["label"] = chr(ord("A") + k)
        g["from"] = times[g["start"]]
    return gaps


def hidden_mask(gaps, channels, n):
    mask = [[False] * len(channels) for _ in range(n)]
    for g in gaps:
        for c in (channels.index(name) for name in g["channels"]):
            for i in range(g["start"], g["start"] + g["minutes"]):
                mask[i][c] = True
    return mask


def linear_fill(values, mask, c, a, b):
    """Linear interpolation of channel c over [a, b) from the nearest minutes
    the model was shown (recorded and not hidden) on either side."""
    shown = lambda i: values[i][c] is not None and not mask[i][c]
    lo, hi = a - 1, b
    while lo >= 0 and not shown(lo):
        lo -= 1
    while hi < len(values) and not shown(hi):
        hi += 1
    if lo < 0 and hi >= len(values):
        return [None] * (b - a)
    if lo < 0:
        return [values[hi][c]] * (b - a)
    if hi >= len(values):
        return [values[lo][c]] * (b - a)
    v0, v1 = values[lo][c], values[hi][c]
    return [v0 + (v1 - v0) * (i - lo) / (hi - lo) for i in range(a, b)]


def nearest_level(name, v):
    levels = [lv for lv, _, _ in LEVELS[name]]
    return min(levels, key=lambda lv: abs(lv - v))


# ---- mask ------------------------------------------------------------------

def cmd_mask(sample, out_dir):
    channels, times, values, _ = read_minutes(sample)
    if "heart_rate" not in channels:
        raise SystemExit("demo_report: the sample has no heart_rate column")
    gaps = choose_gaps(channels, times, values)
    if not gaps:
        raise SystemExit("demo_report: no stretch of recorded heart rate long enough to hide")
    mask = hidden_mask(gaps, channels, len(times))
    os.makedirs(out_dir, exist_ok=True)
    with open(sample) as f:
        rows = list(csv.reader(f))
    for i, r in enumerate(rows[1:]):
        for c in range(len(channels)):
            if mask[i][c]:
                r[1 + c] = ""
    with open(os.path.join(out_dir, "masked.csv"), "w", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    with open(os.path.join(out_dir, "hidden.json"), "w") as f:
        json.dump(gaps, f, indent=1)
    for g in gaps:
        s = g["start"] % DAY
        print(f"  {g['label']}  {g['day']} {hhmm(s)}-{hhmm(s + g['minutes'])}  {g['minutes']} min, "
              f"hidden: {'heart rate (steps and intensity still recorded)' if g['kind'] == 'heart rate only' else 'every channel'}")
    return 0


# ---- report ----------------------------------------------------------------

def mse_mae(pairs):
    if not pairs:
        return float("nan"), float("nan")
    return (sum((a - b) ** 2 for a, b in pairs) / len(pairs), sum(abs(a - b) for a, b in pairs) / len(pairs))


def training_people(model):
    prov = model.get("config", {}).get("provenance", "")
    if "train users" not in prov:
        return None
    ids = prov.split("train users", 1)[1].split(";", 1)[0]
    return {t.strip() for t in ids.replace(",", " ").split() if t.strip().isdigit()}


def band_notes(bands, units):
    """What make fill-bands measured about the fills, as lines under a day's
    title: for each channel, where 8 in 10 true values fell around the
    model's estimate nearest to a recording and farthest from it. The
    numbers are the file's rows as they are (models/*.fill-bands.json)."""
    if not bands:
        return []
    lines = [f"How far off an estimate can be: {round(bands['coverage'] * 10)} in 10 true values fell in these ranges "
             f"around it when recorded stretches of {bands['validation_people']} people the model never saw were "
             "hidden (make fill-bands):"]
    for name, b in bands["channels"].items():
        rows = b["bands"]
        unit = units.get(name) or UNITS.get(name, "")
        at = lambda r: f"{r['low']:+g} to {r['high']:+g} {unit} {r['from']}–{r['to']} min from a recording"
        lines.append(f"{TITLES.get(name, name)}: {at(rows[0])}, {at(rows[-1])} (measured on {b['people']} "
                     f"{'person' if b['people'] == 1 else 'people'}).")
    return lines


def cmd_report(sample, out_dir, person, bands_path=None):
    channels, times, truth, _ = read_minutes(sample)
    ch_n, times_n, fill_n, filled_n = read_minutes(os.path.join(out_dir, "imputed.native.csv"))
    ch_w, times_w, fill_w, filled_w = read_minutes(os.path.join(out_dir, "imputed.wasi.csv"))
    with open(os.path.join(out_dir, "hidden.json")) as f:
        gaps = json.load(f)
    with open(os.path.join(out_dir, "model.json")) as f:
        model = json.load(f)
    if ch_n != channels or ch_w != channels or times_n != times or times_w != times:
        raise SystemExit("demo_report: the imputed files do not match the sample's minutes and channels")
    units = {ch["name"]: ch.get("unit", "") for ch in model.get("config", {}).get("channels", [])}
    bands = None
    if bands_path:
        with open(bands_path) as f:
            bands = json.load(f)
        if bands["model"]["weights_hash"] != model.get("weights_hash"):
            raise SystemExit(f"demo_report: {bands_path} was measured on another model "
                             f"({bands['model']['weights_hash']}, not {model.get('weights_hash')}): run make fill-bands")
    notes = band_notes(bands, units)
    mask = hidden_mask(gaps, channels, len(times))
    n, C = len(times), len(channels)
    hr = channels.index("heart_rate")

    train = training_people(model)
    if person and train is not None:
        if person in train:
            print(f"WARNING: participant {person} is one of this model's {len(train)} TRAINING people: "
                  "the fills below are not a test on unseen data")
        else:
            print(f"participant {person} is not among this model's {len(train)} training people "
                  "(validation split, tools/userdays.py)")

    # native vs WASI
    diff = max(abs(a - b) for r, s in zip(fill_n, fill_w) for a, b in zip(r, s))
    scale = max(abs(a) for r in fill_n for a in r) or 1.0
    same = diff / scale < 1e-5 and filled_n == filled_w
    print(f"native vs WASI: {'the same fills' if same else 'DIFFERENT FILLS'} (same filled minutes: "
          f"{'yes' if filled_n == filled_w else 'NO'}; max |difference| {diff:.2g} over {n * C} values, "
          f"relative {diff / scale:.1g}, limit 1e-5)")

    # what the model filled: the hidden minutes and the band's own gaps
    real_missing = sum(1 for i in range(n) for c in range(C) if truth[i][c] is None)
    hidden_cells = sum(1 for i in range(n) for c in range(C) if mask[i][c])
    print(f"filled {sum(map(sum, filled_n))} channel-minutes: {hidden_cells} hidden for this demo "
          f"(the truth is known) and {real_missing} the band did not record (no truth)")

    # the hidden stretches: model vs linear interpolation
    lin = {}
    for g in gaps:
        for c in (channels.index(x) for x in g["channels"]):
            lin[(g["label"], c)] = linear_fill(truth, mask, c, g["start"], g["start"] + g["minutes"])
    print()
    print("heart rate on the hidden minutes (recorded by the band, hidden from the model):")
    print(f"  {'':<36}{'':>5}  {'MSE (bpm²)':>16}  {'MAE (bpm)':>14}")
    print(f"  {'':<3}{'stretch':<33}{'min':>5}  {'model':>8}{'linear':>8}  {'model':>7}{'linear':>7}")
    row = lambda lab, what, pm, pl: print(
        f"  {lab:<3}{what:<33}{len(pm):>5}  {mse_mae(pm)[0]:>8.1f}{mse_mae(pl)[0]:>8.1f}"
        f"  {mse_mae(pm)[1]:>7.1f}{mse_mae(pl)[1]:>7.1f}")
    per = {}
    for g in gaps:
        a = g["start"]
        pm = [(fill_n[a + k][hr], truth[a + k][hr]) for k in range(g["minutes"])]
        pl = [(lin[(g["label"], hr)][k], truth[a + k][hr]) for k in range(g["minutes"])]
        per.setdefault(g["kind"], ([], [], []))
        per[g["kind"]][0].extend(pm)
        per[g["kind"]][1].extend(pl)
        per[g["kind"]][2].append(g["label"])
        (m2, m1), (l2, l1) = mse_mae(pm), mse_mae(pl)
        g["scores"] = {"model_mae": m1, "linear_mae": l1, "model_mse": m2, "linear_mse": l2}
        s = a % DAY
        row(g["label"], f"{g['day'][5:]} {hhmm(s)}-{hhmm(s + g['minutes'])} "
            f"{'heart rate only' if g['kind'] == 'heart rate only' else 'all channels'}", pm, pl)
    all_m, all_l = [], []
    for kind, (pm, pl, labels) in per.items():
        row("", f"{kind} ({', '.join(labels)})", pm, pl)
        all_m += pm
        all_l += pl
    row("", "all hidden heart rate", all_m, all_l)
    m2, l2 = mse_mae(all_m)[0], mse_mae(all_l)[0]
    better = "the model" if m2 < l2 else "linear interpolation"
    print(f"  lower heart-rate MSE over all hidden minutes: {better} ({min(m2, l2):.1f} vs {max(m2, l2):.1f} bpm²)")

    others = [c for c in range(C) if c != hr]
    ag = [g for g in gaps if g["kind"] == "all channels"]
    if ag and others:
        print()
        print("other channels on the all-channel gaps (" + ", ".join(g["label"] for g in ag) + "):")
        for c in others:
            name = channels[c]
            pm, pl = [], []
            for g in ag:
                for k in range(g["minutes"]):
                    t = truth[g["start"] + k][c]
                    if t is not None:
                        pm.append((fill_n[g["start"] + k][c], t))
                        pl.append((lin[(g["label"], c)][k], t))
            if not pm:
                continue
            if name in LEVELS:
                right = lambda ps: 100 * sum(nearest_level(name, a) == b for a, b in ps) / len(ps)
                print(f"  {name:<12} right level (nearest): model {right(pm):5.1f}%, linear {right(pl):5.1f}% "
                      f"of {len(pm)} min")
            else:
                print(f"  {name:<12} MAE: model {mse_mae(pm)[1]:.2f}, linear {mse_mae(pl)[1]:.2f} "
                      f"{units.get(name) or UNITS.get(name, '')} over {len(pm)} min")
    bad = []
    for c, name in enumerate(channels):
        vals = [fill_n[i][c] for i in range(n) if filled_n[i][c]]
        if name in LEVELS:
            top = LEVELS[name][-1][0]
            k = sum(1 for v in vals if v < 0 or v > top or abs(v - round(v)) > 1e-6)
            if k:
                bad.append(f"{name:<12} {k} of {len(vals)} fills are not one of its levels (drawn at the nearest)")
        elif name == "steps":
            k = sum(1 for v in vals if v < 0)
            if k:
                bad.append(f"{name:<12} {k} of {len(vals)} fills are negative (down to {min(vals):.1f})")
    if bad:
        print("model fills outside the valid values (all filled minutes):")
        for b in bad:
            print("  " + b)
    print("3 days of one person make a picture to judge, not an evaluation: the model card has that.")

    print()
    for d0 in day_starts(times):
        day = times[d0][:10]
        p = os.path.join(out_dir, f"day-{day}.svg")
        day_gaps = [g for g in gaps if g["day"] == day]
        with open(p, "w") as f:
            f.write(svg_day(channels, units, truth, fill_n, filled_n, mask, lin, day_gaps, d0, day, person, notes))
        print(f"picture: {p}")
    return 0 if same else 1


# ---- pictures --------------------------------------------------------------

def nice_ticks(lo, hi, n=5):
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    t, out = math.ceil(lo / step) * step, []
    while t <= hi + 1e-9:
        out.append(round(t, 6))
        t += step
    return out


def fmt_num(v):
    return f"{v:.0f}" if abs(v - round(v)) < 1e-6 else f"{v:g}"


class Svg:
    def __init__(self):
        self.el = []

    def add(self, s):
        self.el.append(s)

    def text(self, x, y, s, size=12, anchor="start", weight="normal", fill="#222", extra=""):
        self.add(f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
                 f'font-weight="{weight}" fill="{fill}" {extra}>{html.escape(s)}</text>')

    def rect(self, x, y, w, h, fill, extra=""):
        self.add(f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0.5):.1f}" height="{h:.1f}" fill="{fill}" {extra}/>')

    def line(self, x1, y1, x2, y2, stroke, width=1, extra=""):
        self.add(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{stroke}" '
                 f'stroke-width="{width}" {extra}/>')

    def polyline(self, pts, stroke, width=1.2, extra=""):
        if len(pts) == 1:
            x, y = pts[0]
            pts = [(x - 0.4, y), (x + 0.4, y)]
        if pts:
            p = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
            self.add(f'<polyline fill="none" stroke="{stroke}" stroke-width="{width}" '
                     f'stroke-linejoin="round" stroke-linecap="round" points="{p}" {extra}/>')


def runs(flags):
    """[(start, end)] of the runs of True in flags."""
    out, start = [], None
    for k, f in enumerate(list(flags) + [False]):
        if f and start is None:
            start = k
        elif not f and start is not None:
            out.append((start, k))
            start = None
    return out


def series(svg, xs, ys, keep, stroke, width=1.3, extra=""):
    """Polylines through the points k with keep[k] (breaks where it is False)."""
    pts = []
    for k in range(len(xs)):
        if keep[k] and ys[k] is not None:
            pts.append((xs[k], ys[k]))
        elif pts:
            svg.polyline(pts, stroke, width, extra)
            pts = []
    svg.polyline(pts, stroke, width, extra)


def continuous_panel(svg, x0, y0, w, h, m0, m1, c, name, unit, truth, fill, filled, mask, lin, gaps,
                     tick_minutes, gap_labels=True, title=True):
    """One continuous channel over the minutes [m0, m1) (absolute indices)."""
    idx = list(range(m0, m1))
    xs = [x0 + w * (k + 0.5) / len(idx) for k in range(len(idx))]
    xm = lambda i: x0 + w * (i - m0) / len(idx)
    shown = [truth[i][c] is not None and not mask[i][c] for i in idx]
    hidden = [mask[i][c] for i in idx]
    lin_v = {}
    for g in gaps:
        key = (g["label"], c)
        if key in lin:
            for k, v in enumerate(lin[key]):
                lin_v[g["start"] + k] = v
    vals = [v for i in idx for v in (truth[i][c], fill[i][c] if filled[i][c] else None, lin_v.get(i)) if v is not None]
    lo, hi = (min(vals), max(vals)) if vals else (0, 1)
    if name == "steps":
        lo = min(lo, 0)
    pad = 0.06 * (hi - lo or 1)
    lo, hi = lo - pad, hi + pad
    if name == "steps" and lo > -pad * 1.5:
        lo = 0 - pad * 0.3
    yv = lambda v: y0 + h - h * (v - lo) / (hi - lo)

    svg.rect(x0, y0, w, h, "white", 'stroke="#bbb"')
    for s, e in runs([truth[i][c] is None for i in idx]):
        svg.rect(xm(m0 + s), y0, xm(m0 + e) - xm(m0 + s), h, C_NODATA)
    for s, e in runs(hidden):
        svg.rect(xm(m0 + s), y0, xm(m0 + e) - xm(m0 + s), h, C_HIDDEN)
    for t in nice_ticks(lo, hi, 4 if h < 120 else 5):
        svg.line(x0, yv(t), x0 + w, yv(t), "#e4e4e4")
        svg.line(x0 - 4, yv(t), x0, yv(t), "#888")
        svg.text(x0 - 7, yv(t) + 4, fmt_num(t), 11, "end", fill="#444")
    for i in range(m0, m1 + 1):
        if i % tick_minutes == 0:
            svg.line(xm(i), y0, xm(i), y0 + h, "#e4e4e4")
    if title:
        svg.text(x0 - 62, y0 + h / 2, f"{TITLES.get(name, name)} ({unit})", 12, "middle", "bold",
                 extra=f'transform="rotate(-90 {x0 - 62:.1f} {y0 + h / 2:.1f})"')
    ys = [yv(truth[i][c]) if truth[i][c] is not None else None for i in idx]
    series(svg, xs, ys, shown, C_MEASURED, 1.2)
    series(svg, xs, ys, hidden, C_TRUTH, 1.6)
    yf = [yv(fill[i][c]) for i in idx]
    series(svg, xs, yf, [filled[i][c] for i in idx], C_MODEL, 2.0)
    yl = [yv(lin_v[i]) if i in lin_v else None for i in idx]
    series(svg, xs, yl, [i in lin_v for i in idx], C_LINEAR, 2.0, 'stroke-dasharray="6 3"')
    if gap_labels:
        for g in gaps:
            if name in g["channels"] and m0 <= g["start"] < m1:
                svg.text(xm(g["start"] + g["minutes"] / 2), y0 + 13, g["label"], 12, "middle", "bold", "#8a6d00")
    svg.line(x0, y0 + h, x0 + w, y0 + h, "#888")
    for i in range(m0, m1 + 1):
        if i % tick_minutes == 0:
            svg.line(xm(i), y0 + h, xm(i), y0 + h + 4, "#888")
            svg.text(xm(i), y0 + h + 16, hhmm(i % DAY) if i % DAY or i == m0 else "24:00", 11, "middle", fill="#444")


def category_panel(svg, x0, y0, w, m0, m1, c, name, truth, fill, filled, mask, lin, gaps, tick_minutes):
    """A categorical channel as coloured bands, one track per source."""
    idx = list(range(m0, m1))
    xm = lambda i: x0 + w * (i - m0) / len(idx)
    levels = LEVELS[name]
    colour = {lv: col for lv, _, col in levels}
    lin_v = {}
    for g in gaps:
        key = (g["label"], c)
        if key in lin:
            for k, v in enumerate(lin[key]):
                lin_v[g["start"] + k] = nearest_level(name, v)
    tracks = [("recorded", lambda i: None if truth[i][c] is None else nearest_level(name, truth[i][c])),
              ("model estimate", lambda i: nearest_level(name, fill[i][c]) if filled[i][c] else None)]
    if lin_v:
        tracks.append(("linear interp.", lambda i: lin_v.get(i)))
    th, tg = 15, 4
    h = len(tracks) * (th + tg) - tg
    svg.text(x0, y0 - 6, f"{TITLES.get(name, name)}", 12, weight="bold")
    lx = x0 + 7.5 * len(TITLES.get(name, name)) + 24
    for lv, label, col in levels:
        svg.rect(lx, y0 - 16, 12, 12, col, 'stroke="#777" stroke-width="0.5"')
        svg.text(lx + 16, y0 - 6, label, 11)
        lx += 26 + 6.5 * len(label)
    svg.text(lx + 8, y0 - 6, "(grey: not recorded; estimates drawn at the nearest level)", 11, fill="#666")
    for s, e in runs([mask[i][c] for i in idx]):
        svg.rect(xm(m0 + s) - 2, y0 - 2, xm(m0 + e) - xm(m0 + s) + 4, h + 4, C_HIDDEN,
                 'stroke="#c9a400" stroke-width="1" stroke-dasharray="3 2"')
    for t, (label, get) in enumerate(tracks):
        ty = y0 + t * (th + tg)
        svg.rect(x0, ty, w, th, "white", 'stroke="#ccc" stroke-width="0.6"')
        svg.text(x0 - 6, ty + th - 3, label, 11, "end", fill="#444")
        vals = [get(i) for i in idx]
        if t == 0:
            for a, b in runs([v is None for v in vals]):
                svg.rect(xm(m0 + a), ty, xm(m0 + b) - xm(m0 + a), th, C_NODATA)
        k = 0
        while k < len(vals):
            j = k
            while j < len(vals) and vals[j] == vals[k]:
                j += 1
            if vals[k] is not None:
                svg.rect(xm(m0 + k), ty, xm(m0 + j) - xm(m0 + k), th, colour[vals[k]])
            k = j
    for i in range(m0, m1 + 1):
        if i % tick_minutes == 0:
            svg.line(xm(i), y0 + h, xm(i), y0 + h + 4, "#888")
    return h


def legend(svg, x, y):
    items = [("line", C_MEASURED, "", "measured (shown to the model)"),
             ("line", C_TRUTH, "", "measured but hidden from the model (the truth)"),
             ("line", C_MODEL, "", "model's estimate"),
             ("line", C_LINEAR, 'stroke-dasharray="6 3"', "linear interpolation (a straight line across the gap)"),
             ("box", C_HIDDEN, "", "hidden for this demo"),
             ("box", C_NODATA, "", "not recorded by the band (estimate only, no truth)")]
    cx, cy = x, y
    for kind, col, extra, label in items:
        width = 36 + 6.4 * len(label)
        if cx + width > x + 1200:
            cx, cy = x, cy + 20
        if kind == "line":
            svg.line(cx, cy - 4, cx + 26, cy - 4, col, 2.4 if col != C_MEASURED else 1.6, extra)
        else:
            svg.rect(cx, cy - 11, 26, 13, col, 'stroke="#aaa" stroke-width="0.6"')
        svg.text(cx + 32, cy, label, 12)
        cx += width + 14
    return cy


def svg_day(channels, units, truth, fill, filled, mask, lin, gaps, d0, day, person, notes=()):
    LEFT, W, RIGHT = 150, 1200, 30
    svg = Svg()
    date = datetime.date.fromisoformat(day)
    y = 30
    who = f"Fitbit participant {person}, " if person else ""
    svg.text(LEFT, y, f"{who}{date.strftime('%A')} {date.day} {date.strftime('%B %Y')}", 20, weight="bold")
    y += 22
    svg.text(LEFT, y, "Someone the model never saw in training. Yellow stretches were recorded by the band but hidden "
             "from the model, so its estimate", 13, fill="#333")
    y += 17
    svg.text(LEFT, y, "(orange) can be checked against what was really measured (black) and against a straight line "
             "across the gap (green). Grey: the band recorded nothing.", 13, fill="#333")
    for line in notes:
        y += 17
        svg.text(LEFT, y, line, 13, fill="#333")
    y = legend(svg, LEFT, y + 24) + 22
    m0, m1 = d0, d0 + DAY
    for c, name in enumerate(channels):
        if name in LEVELS:
            y += 18
            h = category_panel(svg, LEFT, y, W, m0, m1, c, name, truth, fill, filled, mask, lin, gaps, 180)
            for i in range(m0, m1 + 1, 180):
                svg.text(LEFT + W * (i - m0) / DAY, y + h + 16, hhmm(i % DAY) if i < m1 else "24:00", 11,
                         "middle", fill="#444")
            y += h + 34
        else:
            h = 170 if name == "heart_rate" else 110
            continuous_panel(svg, LEFT, y, W, h, m0, m1, c, name, units.get(name) or UNITS.get(name, ""),
                             truth, fill, filled, mask, lin, gaps, 180)
            y += h + 34
    svg.text(LEFT + W / 2, y - 8, "time of day (local time of the device)", 12, "middle", fill="#444")

    # close-ups of the hidden stretches
    if gaps:
        y += 24
        svg.text(LEFT, y, "Close-up of the hidden stretches", 15, weight="bold")
        y += 14
        cols = len(gaps)
        gapw = 60
        zw = (W - gapw * (cols - 1)) / cols
        hr = channels.index("heart_rate")
        steps = channels.index("steps") if "steps" in channels else None
        for k, g in enumerate(gaps):
            zx = LEFT + k * (zw + gapw)
            a, b = g["start"] - 30, g["start"] + g["minutes"] + 30
            a, b = max(a, d0), min(b, d0 + DAY)
            s = g["start"] % DAY
            sc = g.get("scores", {})
            head = (f"{g['label']}: heart rate hidden {hhmm(s)}-{hhmm(s + g['minutes'])}, steps still recorded"
                    if g["kind"] == "heart rate only" else
                    f"{g['label']}: every channel hidden {hhmm(s)}-{hhmm(s + g['minutes'])}")
            svg.text(zx, y + 16, head, 13, weight="bold")
            if sc:
                svg.text(zx, y + 33, f"mean absolute error on the hidden heart rate: model {sc['model_mae']:.1f} bpm, "
                         f"linear interpolation {sc['linear_mae']:.1f} bpm", 12, fill="#333")
            zy = y + 44
            continuous_panel(svg, zx, zy, zw, 150, a, b, hr, "heart_rate", units.get("heart_rate") or "bpm",
                             truth, fill, filled, mask, lin, gaps, 15, gap_labels=False, title=False)
            svg.text(zx - 40, zy + 75, "bpm", 11, "middle", fill="#444",
                     extra=f'transform="rotate(-90 {zx - 40:.1f} {zy + 75:.1f})"')
            if steps is not None:
                sy = zy + 150 + 34
                continuous_panel(svg, zx, sy, zw, 70, a, b, steps, "steps", units.get("steps") or "steps/min",
                                 truth, fill, filled, mask, lin, gaps, 15, gap_labels=False, title=False)
                svg.text(zx - 40, sy + 35, "steps/min", 11, "middle", fill="#444",
                         extra=f'transform="rotate(-90 {zx - 40:.1f} {sy + 35:.1f})"')
        y += 44 + 150 + 34 + (70 + 34 if steps is not None else 0)
    y += 10
    svg.text(LEFT, y, "Data: Furberg et al. 2016, Fitabase crowd-sourced Fitbit data, Zenodo 53894, CC BY 4.0. "
             "Model: models/wearfm-minute-fitabase.safetensors (see its card). Estimates are not measurements.",
             11, fill="#666")
    y += 16
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{LEFT + W + RIGHT}" height="{y:.0f}" '
            f'viewBox="0 0 {LEFT + W + RIGHT} {y:.0f}" font-family="DejaVu Sans, Verdana, sans-serif">'
            f'<rect width="100%" height="100%" fill="white"/>')
    return head + "\n" + "\n".join(svg.el) + "\n</svg>\n"


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog=__doc__.split("\n\n", 1)[1], formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("mask", help="hide stretches of recorded data: OUT_DIR/masked.csv, hidden.json")
    m.add_argument("sample")
    m.add_argument("out_dir")
    r = sub.add_parser("report", help="scores and pictures from OUT_DIR's fills")
    r.add_argument("sample")
    r.add_argument("out_dir")
    r.add_argument("--person", help="the person the sample is (for the pictures' titles)")
    r.add_argument("--bands", help="FILL_BANDS.json of make fill-bands")
    a = ap.parse_args(argv)
    if a.cmd == "mask":
        return cmd_mask(a.sample, a.out_dir)
    return cmd_report(a.sample, a.out_dir, a.person, a.bands)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
