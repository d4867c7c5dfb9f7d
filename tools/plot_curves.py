#!/usr/bin/env python3
"""Training curves as an SVG picture for the model card.

    /usr/bin/python3 tools/plot_curves.py LOG.jsonl[:LABEL] ... --out curves.svg [--title T]

Each LOG is the JSON-lines log of tools/train.py: the training loss of
every step (smoothed over 50 steps) and the validation losses (the mean
over masking strategies, and the heart-rate loss of the channel-gap
strategy, on the validation people) against the step. Standard library
only: the picture is a few polylines, and a plotting library would be a
large dependency for the card's one figure.
"""
import argparse
import json
import math

W, H = 1000, 400
LEFT, RIGHT, TOP, BOTTOM = 64, 330, 36, 48
COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]


def read_log(path):
    steps, loss, val = [], [], []
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            if "loss" in r:  # step 0 has only the validation of the untrained model (its anchor)
                steps.append(r["step"])
                loss.append(r["loss"])
            if "val" in r:
                val.append((r["step"], r["val"]["mean"], r["val"].get("channel_gaps_hr")))
    return steps, loss, val


def smooth(v, k=50):
    out, acc = [], 0.0
    for i, x in enumerate(v):
        acc += x
        if i >= k:
            acc -= v[i - k]
        out.append(acc / min(i + 1, k))
    return out


def nice_ticks(lo, hi, n=5):
    span = hi - lo
    step = 10 ** math.floor(math.log10(span / n))
    for m in (1, 2, 2.5, 5, 10):
        if span / (step * m) <= n:
            step *= m
            break
    t = math.ceil(lo / step) * step
    out = []
    while t <= hi + 1e-12:
        out.append(round(t, 10))
        t += step
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("logs", nargs="+")
    ap.add_argument("--out", required=True)
    ap.add_argument("--title", default="Training curves")
    args = ap.parse_args()
    series = []  # (label, colour, dash, [(step, value)])
    for i, spec in enumerate(args.logs):
        path, _, label = spec.partition(":")
        label = label or path
        steps, loss, val = read_log(path)
        c = COLOURS[i % len(COLOURS)]
        series.append((f"{label}: train (smoothed)", c, "", list(zip(steps, smooth(loss)))))
        series.append((f"{label}: validation, mean", c, "6,3", [(s, m) for s, m, _ in val]))
        hr = [(s, h) for s, _, h in val if h is not None]
        if hr:
            series.append((f"{label}: validation, HR gaps", c, "2,3", hr))
    xs = [x for *_, pts in series for x, _ in pts]
    ys = [y for *_, pts in series for _, y in pts]
    x0, x1 = 0, max(xs)
    y0, y1 = 0.0, min(max(ys), 2.0)
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM

    def px(x):
        return LEFT + (x - x0) / (x1 - x0) * pw

    def py(y):
        return TOP + (1 - (min(y, y1) - y0) / (y1 - y0)) * ph

    o = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
         f'<rect width="{W}" height="{H}" fill="white"/>',
         f'<text x="{LEFT}" y="22" font-size="14" font-weight="bold">{args.title}</text>']
    for t in nice_ticks(y0, y1):
        o.append(f'<line x1="{LEFT}" x2="{LEFT + pw}" y1="{py(t):.1f}" y2="{py(t):.1f}" stroke="#ddd"/>')
        o.append(f'<text x="{LEFT - 6}" y="{py(t) + 4:.1f}" text-anchor="end">{t:g}</text>')
    for t in nice_ticks(x0, x1):
        o.append(f'<line x1="{px(t):.1f}" x2="{px(t):.1f}" y1="{TOP + ph}" y2="{TOP + ph + 4}" stroke="#333"/>')
        o.append(f'<text x="{px(t):.1f}" y="{TOP + ph + 18}" text-anchor="middle">{t:g}</text>')
    o.append(f'<rect x="{LEFT}" y="{TOP}" width="{pw}" height="{ph}" fill="none" stroke="#333"/>')
    o.append(f'<text x="{LEFT + pw / 2}" y="{H - 10}" text-anchor="middle">optimizer step</text>')
    o.append(f'<text transform="translate(16,{TOP + ph / 2}) rotate(-90)" text-anchor="middle">'
             'loss (z² for values, cross-entropy for levels)</text>')
    for k, (label, c, dash, pts) in enumerate([s for s in series if s[3]]):
        d = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in pts)
        o.append(f'<polyline points="{d}" fill="none" stroke="{c}" stroke-width="1.6"'
                 + (f' stroke-dasharray="{dash}"' if dash else "") + "/>")
        if dash:  # validation points: few, so mark each one
            o.extend(f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3" fill="{c}"/>' for x, y in pts)
        ly = TOP + 10 + 18 * k
        o.append(f'<line x1="{LEFT + pw + 10}" x2="{LEFT + pw + 34}" y1="{ly}" y2="{ly}" stroke="{c}" stroke-width="2"'
                 + (f' stroke-dasharray="{dash}"' if dash else "") + "/>")
        o.append(f'<text x="{LEFT + pw + 38}" y="{ly + 4}" font-size="10">{label}</text>')
    o.append("</svg>")
    with open(args.out, "w") as f:
        f.write("\n".join(o) + "\n")


if __name__ == "__main__":
    main()
