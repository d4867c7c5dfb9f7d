#!/usr/bin/env python3
"""The accelerometer models' tables (model cards, README) generated from
the evaluation's JSON (tools/accel_eval.py, committed as
models/wearfm-accel.eval.json), so that no number is copied by hand.

    python3 tools/accel_tables.py            # rewrite the blocks
    python3 tools/accel_tables.py --check    # exit 1 if a block is stale, or the JSON
                                             # is for other versions of the shipped files

Blocks are `<!-- eval:NAME:begin -->` ... `<!-- eval:NAME:end -->`, as in
tools/eval_tables.py (whose block code this reuses). Only the standard library.
"""
import argparse
import hashlib
import json
import os
import sys

from eval_tables import ROOT, sync_blocks
from eval_tables import table as table_lines

DEFAULT_JSON = "models/wearfm-accel.eval.json"
BLOCKS = {
    "models/wearfm-accel-wesad.md": ["accel_retrieval", "accel_pool_curve", "accel_hr", "accel_stress",
                                       "accel_activity", "accel_ablation", "accel_goals"],
    "models/wearfm-ppg-wesad.md": ["ppg_reference"],
    "README.md": ["accel_summary"],
    "models/probes/accel-hr.md": ["accel_hr_probe"],
    "models/probes/accel-activity.md": ["accel_activity_probe"],
}
# rows of the tables: (JSON key, label)
HR_ROWS = [
    ("student pooled", "**distilled student** (accelerometer; pooled embedding)"),
    ("student projection", "distilled student, projection into the teacher's space (the shipped embedding)"),
    ("student: wearfm hr", "distilled student through `wearfm hr` (the shipped embedding, a probe bound to it)"),
    ("ssl baseline", "accelerometer-only self-supervised (SimCLR), same budget"),
    ("supervised baseline", "supervised accelerometer -> HR encoder, embedding + probe"),
    ("supervised baseline (its own head)", "supervised accelerometer -> HR encoder, its own head"),
    ("window statistics", "hand-made accelerometer window statistics"),
    ("training mean", "the training people's mean heart rate"),
    ("teacher (PPG)", "reference: the PPG teacher (sees the pulse)"),
]
STRESS_ROWS = [
    ("student pooled", "**distilled student** (accelerometer alone)"),
    ("ssl baseline", "accelerometer-only self-supervised"),
    ("supervised baseline", "supervised accelerometer -> HR encoder"),
    ("window statistics", "hand-made accelerometer statistics"),
    ("teacher (PPG)", "PPG teacher"),
    ("EDA + temperature", "EDA and skin temperature means"),
    ("wrist: teacher + student + EDA + temperature", "**wrist: teacher + student + EDA + temperature**"),
    ("wrist: statistics + EDA + temperature", "wrist: accelerometer statistics + EDA + temperature"),
]
ACTIVITY_ROWS = [
    ("student pooled", "**distilled student** (pooled embedding)"),
    ("student projection", "distilled student, projection"),
    ("ssl baseline", "accelerometer-only self-supervised"),
    ("supervised baseline", "supervised accelerometer -> HR encoder"),
    ("window statistics", "hand-made accelerometer statistics"),
]
ABLATIONS = [("student", "all augmentations (rotation, scaling, noise, time warp, token dropout)"),
             ("student-norotate", "without random 3-D rotation"),
             ("student-noaug", "no augmentation")]


def table(header, rows):
    return "\n".join(table_lines(header, rows))


def f(v, d=1):
    return "—" if v is None else f"{v:.{d}f}"


def pct(v):
    return "—" if v is None else f"{100 * v:.1f}%"


def per_fold(vals, d):
    return " / ".join(f(v, d) for v in vals)


def scored_folds(r):
    k = r["folds"]
    return (f"Scored: fold{'s' if len(k) > 1 else ''} {', '.join(str(i) for i in k)} of 3 "
            f"({5 * len(k)} held-out subjects, `fold_subjects` in tools/accel_train.py), {r['windows']} windows in all.")


def render_retrieval(r):
    rows = []
    for key, label in ABLATIONS:
        ret = r["retrieval"].get(key)
        if ret and "100" in ret:
            rows.append([label, pct(ret["100"]["top1"]), f(ret["100"]["mean_rank"], 1), pct(0.01)])
    return "\n".join([scored_folds(r), "", table(["student", "top-1 in a pool of 100", "mean rank (1 = best)",
                                                  "chance top-1"], rows)])


def render_pool_curve(r):
    ret = r["retrieval"].get("student", {})
    sizes = sorted(ret, key=int)
    return table(["pool size"] + sizes, [["top-1"] + [pct(ret[s]["top1"]) for s in sizes],
                                         ["chance"] + [pct(1 / int(s)) for s in sizes]])


def render_hr(r):
    hr = r["heart_rate"]
    ssl = hr.get("ssl baseline", {}).get("mae")
    rows = []
    for key, label in HR_ROWS:
        if key in hr:
            v = hr[key]
            rel = "—" if ssl is None else f"{100 * (v['mae'] / ssl - 1):+.0f}%"
            rows.append([label, f(v["mae"], 2), per_fold(v["per_fold"], 2), rel])
    return table(["features -> ridge probe (held-out people)", "HR MAE, bpm", "per fold", "vs SSL baseline"], rows)


def render_stress(r):
    st, rel = r["stress"], r.get("stress_relative", {})
    rows = []
    for k, label in STRESS_ROWS:
        if k not in st:
            continue
        row = [label, f(st[k]["balanced_accuracy"], 3), per_fold(st[k]["per_fold"], 3)]
        if rel:
            row += [f(rel[k]["balanced_accuracy"], 3), per_fold(rel[k]["per_fold"], 3)] if k in rel else ["—", "—"]
        rows.append(row)
    head = ["features -> logistic probe", "balanced accuracy", "per fold"]
    if rel:
        head += ["person-relative (`--relative`)", "per fold"]
    return table(head, rows)


def render_activity(r):
    a = r["activity"]
    rows = [[label, f(a[k]["mean"]["accuracy"], 3), f(a[k]["mean"]["macro_f1"], 3)]
            for k, label in ACTIVITY_ROWS if k in a]
    return table(["features -> logistic probe", "accuracy", "macro-F1"], rows)


def render_ablation(r):
    ab = r.get("ablation") or {}
    if not ab:
        return "No ablation runs were scored (tools/accel_pipeline.sh trains them last)."
    act = r["activity"]
    rows = []
    for key, label in ABLATIONS:
        if key in ab:
            a = act.get(f"{key} pooled")
            rows.append([label, pct(ab[key]["top1"]), f(ab[key]["hr_mae"], 2), f(ab[key]["stress_balanced_accuracy"], 3),
                         f(a["mean"]["macro_f1"], 3) if a else "—"])
    folds = ", ".join(str(k) for k in next(iter(ab.values()))["folds"])
    return "\n".join([f"Fold(s) {folds} only (every variant trained there), so the first row can differ from the "
                      "tables above; HR and stress from the pooled embedding.", "",
                      table(["student augmentations", "top-1 (pool 100)", "HR MAE, bpm", "stress bal. acc.",
                             "WISDM macro-F1"], rows)])


def goals(r):
    ret = r["retrieval"].get("student", {}).get("100", {}).get("top1")
    hr = r["heart_rate"]
    s, b = hr.get("student pooled", {}).get("mae"), hr.get("ssl baseline", {}).get("mae")
    # stress: the wrist's every signal through the person-relative probe when scored, else the plain one
    stress = r.get("stress_relative") or r["stress"]
    st = stress.get("wrist: teacher + student + EDA + temperature", {}).get("balanced_accuracy")
    st_acc = stress.get("student pooled", {}).get("balanced_accuracy")
    how = ", person-relative" if r.get("stress_relative") else ""
    gain = None if s is None or b is None else 1 - s / b
    return [
        ("retrieval top-1 >= 90% in a pool of 100 held-out windows", pct(ret), ret is not None and ret >= 0.9),
        ("HR MAE >= 25% lower than the accelerometer-only SSL baseline",
         "—" if gain is None else f"{100 * gain:.0f}% lower ({f(s, 2)} vs {f(b, 2)} bpm)", gain is not None and gain >= 0.25),
        ("WESAD stress balanced accuracy >= 0.87 from wrist signals", f(st, 3) + how, st is not None and st >= 0.87),
        ("stress from the accelerometer alone (a number, no goal)", f(st_acc, 3) + how, None),
    ]


def render_goals(r):
    mark = {True: "met", False: "**not met**", None: "—"}
    return table(["goal (issue 10)", "measured", ""], [[g, v, mark[ok]] for g, v, ok in goals(r)])


def render_ppg(r):
    hr, st = r["heart_rate"], r["stress"]
    rows = [["heart rate, ridge probe: MAE bpm", f(hr["teacher (PPG)"]["mae"], 2), f(hr["training mean"]["mae"], 2)],
            ["stress vs baseline: balanced accuracy", f(st["teacher (PPG)"]["balanced_accuracy"], 3), "0.500"]]
    return table(["task (held-out people, 3 folds)", "teacher embedding", "no-information baseline"], rows)


def render_summary(r):
    g = goals(r)
    return scored_folds(r) + "\n\n" + table(["accelerometer model (WESAD, held-out people)", "measured", "goal"],
                 [[g[0][0].split(" >=")[0], g[0][1], "90%"], ["HR MAE vs SSL baseline", g[1][1], "25% lower"],
                  ["stress, wrist signals", g[2][1], "0.87"], ["stress, accelerometer alone", g[3][1], "—"]])


def render_hr_probe(r):
    hr = r["heart_rate"]
    rows = [[label, f(hr[k]["mae"], 2)] for k, label in HR_ROWS
            if k in ("student: wearfm hr", "ssl baseline", "window statistics", "training mean") and k in hr]
    out = [table(["held-out people, 3 folds", "HR MAE, bpm"], rows), ""]
    b = r.get("hr_error_bands")
    if b:
        edges = [f"{e:.3f}" for e in b["edges"]]
        names = [f"< {edges[0]}"] + [f"{a}–{c}" for a, c in zip(edges, edges[1:])] + [f">= {edges[-1]}"]
        out += ["Expected error by motion (`expected_mae_bpm` of `wearfm hr`; stored in the probe):", "",
                table(["motion_g (std of the acceleration magnitude, g)", "held-out MAE, bpm"],
                      [[n, f(m, 2)] for n, m in zip(names, b["mae_bpm"])])]
    return "\n".join(out)


def render_activity_probe(r):
    a = r["activity"]
    k = "student projection"
    if k not in a:
        return "—"
    return table(["WISDM, leave one subject out (51 people)", "accuracy", "macro-F1"],
                 [["the shipped student's embedding", f(a[k]["mean"]["accuracy"], 3), f(a[k]["mean"]["macro_f1"], 3)],
                  ["hand-made accelerometer statistics", f(a["window statistics"]["mean"]["accuracy"], 3),
                   f(a["window statistics"]["mean"]["macro_f1"], 3)]])


RENDERERS = {"accel_hr_probe": render_hr_probe, "accel_activity_probe": render_activity_probe,"accel_retrieval": render_retrieval, "accel_pool_curve": render_pool_curve, "accel_hr": render_hr,
             "accel_stress": render_stress, "accel_activity": render_activity, "accel_ablation": render_ablation,
             "accel_goals": render_goals, "ppg_reference": render_ppg, "accel_summary": render_summary}


def sha256(path):
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", default=DEFAULT_JSON)
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    with open(os.path.join(ROOT, args.json)) as fh:
        results = json.load(fh)
    import eval_tables
    eval_tables.RENDERERS.update(RENDERERS)  # update_text renders through eval_tables.render
    stale = sync_blocks(BLOCKS, results, args.check, args.json)
    if stale is None:
        return 1
    if args.check:
        bad = [m["file"] for m in results.get("shipped", {}).values()
               if sha256(os.path.join(ROOT, m["file"])) != m["sha256"]]
        if bad:
            print(f"{args.json} was computed for other versions of {', '.join(bad)}: run make eval-accel",
                  file=sys.stderr)
            return 1
        if stale:
            print(f"tables differ from {args.json}: run python3 tools/accel_tables.py", file=sys.stderr)
            return 1
        print(f"accel tables match {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
