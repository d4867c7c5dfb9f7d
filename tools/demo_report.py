"""Summarises a `wearfm impute` run for people: gap statistics per channel,
how much was filled, native-vs-WASI agreement, and an SVG picture of each
day (observed values, shaded gaps, the model's fills).

usage: python3 tools/demo_report.py IMPUTED_NATIVE.csv IMPUTED_WASI.csv OUT_DIR
Standard library only.
"""
import csv
import math
import os
import sys


def read(path):
    with open(path) as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    channels = [h for h in header[1:] if not h.endswith("_filled")]
    C = len(channels)
    times = [r[0] for r in body]
    values = [[float(v) for v in r[1:1 + C]] for r in body]
    filled = [[v == "1" for v in r[1 + C:1 + 2 * C]] for r in body]
    return channels, times, values, filled


def gap_lengths(mask):
    """Lengths of the runs of True in mask."""
    runs, n = [], 0
    for m in mask + [False]:
        if m:
            n += 1
        elif n:
            runs.append(n)
            n = 0
    return runs


def svg_day(path, channels, times, values, filled, day):
    idx = [i for i, t in enumerate(times) if t.startswith(day)]
    W, H, pad, row = 960, 110, 40, 120
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W + 2 * pad}" height="{row * len(channels) + 60}" '
           f'font-family="sans-serif" font-size="12">',
           f'<rect width="100%" height="100%" fill="white"/>',
           f'<text x="{pad}" y="20" font-size="15">{day}: observed (dark), gaps (grey band), model fill (orange)</text>']
    for c, name in enumerate(channels):
        top = 40 + c * row
        vals = [values[i][c] for i in idx]
        lo, hi = min(vals), max(vals)
        if hi - lo < 1e-9:
            hi = lo + 1
        x = lambda k: pad + W * k / max(len(idx) - 1, 1)
        y = lambda v: top + H - 10 - (H - 20) * (v - lo) / (hi - lo)
        out.append(f'<text x="{pad}" y="{top + 8}">{name} [{lo:.3g} .. {hi:.3g}]</text>')
        out.append(f'<rect x="{pad}" y="{top + 12}" width="{W}" height="{H - 12}" fill="none" stroke="#ccc"/>')
        for start, end in runs_of([filled[i][c] for i in idx]):
            out.append(f'<rect x="{x(start):.1f}" y="{top + 12}" width="{max(x(end) - x(start), 1):.1f}" '
                       f'height="{H - 12}" fill="#e6e6e6"/>')
        for is_fill, colour in ((False, "#1f3b73"), (True, "#f28e2b")):
            pts = []
            for k, i in enumerate(idx):
                if filled[i][c] == is_fill:
                    pts.append(f"{x(k):.1f},{y(values[i][c]):.1f}")
                elif pts:
                    out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1" points="{" ".join(pts)}"/>')
                    pts = []
            if pts:
                out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1" points="{" ".join(pts)}"/>')
    for h in range(0, 25, 3):
        out.append(f'<text x="{pad + W * h / 24 - 8:.0f}" y="{40 + row * len(channels) + 5}">{h:02d}h</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out))


def runs_of(mask):
    runs, start = [], None
    for k, m in enumerate(mask + [False]):
        if m and start is None:
            start = k
        elif not m and start is not None:
            runs.append((start, k))
            start = None
    return runs


def main():
    native, wasi, out_dir = sys.argv[1:4]
    channels, times, values, filled = read(native)
    _, times_w, values_w, _ = read(wasi)
    assert times == times_w, "native and WASI outputs cover different minutes"
    diff = max(abs(a - b) for r, s in zip(values, values_w) for a, b in zip(r, s))
    scale = max(abs(a) for r in values for a in r)
    n = len(times)
    days = sorted({t[:10] for t in times})
    print(f"{n} minutes over {len(days)} day(s): {', '.join(days)}")
    print(f"{'channel':<14}{'missing':>10}{'gaps':>7}{'<10 min':>9}{'10-59':>7}{'60-179':>8}{'>=180':>7}{'longest':>9}")
    total_filled = 0
    for c, name in enumerate(channels):
        mask = [f[c] for f in filled]
        runs = gap_lengths(mask)
        miss = sum(mask)
        total_filled += miss
        buckets = [sum(1 for r in runs if lo <= r < hi) for lo, hi in ((1, 10), (10, 60), (60, 180), (180, 10 ** 9))]
        print(f"{name:<14}{100 * miss / n:>9.1f}%{len(runs):>7}{buckets[0]:>9}{buckets[1]:>7}{buckets[2]:>8}"
              f"{buckets[3]:>7}{max(runs, default=0):>8}m")
    print(f"filled {total_filled} of {n * len(channels)} channel-minutes "
          f"({100 * total_filled / (n * len(channels)):.1f}%); every observed value was kept")
    print(f"native vs WASI: max |difference| {diff:.3g} (relative {diff / scale:.3g})")
    os.makedirs(out_dir, exist_ok=True)
    for day in days:
        p = os.path.join(out_dir, f"day-{day}.svg")
        svg_day(p, channels, times, values, filled, day)
        print(f"picture: {p}")
    return 0 if diff / scale < 1e-5 else 1


if __name__ == "__main__":
    sys.exit(main())
