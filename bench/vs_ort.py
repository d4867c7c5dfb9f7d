#!/usr/bin/env python3
"""`make bench-vs-ort`: wearfm against onnxruntime on the same day, in one run
(issue 13).

    /usr/bin/python3 bench/vs_ort.py run [--reps R] [--model M] [--only GROUP]
    /usr/bin/python3 bench/vs_ort.py tables [--check]

`run` embeds one paper-config day (26 channels x 1440 min, 3,744 tokens,
encoder 12 x 384, random weights: bench_model --write) at 0%, 50% and 80%
missing patches, on 1 and 2 threads, with every engine of a group started
fresh for each (threads, missingness) cell: each loads, embeds once to warm
up, then the engines take turns (A B C A B C ...) for R timed runs; the
median is reported. Groups:
  native  wearfm native (bench_engine) | onnxruntime-node, the fixed graph
          with the attention mask | onnxruntime-node fed only the visible
          tokens (dynamic length)
  wasm    wearfm WASI under Node (the fixed-memory build Node needs) and
          under wasmtime | onnxruntime-web (wasm SIMD) under Node, both
          forms. wearfm's WASI build has no threads, so in the 2-thread cell
          it runs on one.
  chromium  pages in headless Chromium (bench/engine_chromium.mjs), cross-
          origin isolated: wearfm's web build through the demo's Worker (its
          pthreads build) | onnxruntime-web, both forms.
The ONNX graphs and the day's token files come from tools/onnx_export.py.
After the timed runs each engine's embedding is compared with wearfm
native's (must agree within 1e-4), and each process's peak RSS is read from
/proc before it quits. The result goes to bench/vs-ort.json.

`tables` writes the markdown block of bench/README.md from bench/vs-ort.json
(`--check`: exit 1 if the README's block differs; `make test` runs it).
"""
import argparse
import datetime as dt
import json
import os
import platform
import re
import shlex
import statistics
import subprocess
import sys

from readme_block import cpu_model, sync_block

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
B = "build"
WORK = os.path.join(B, "vs-ort")             # relative: WASI preopens only "."
RESULT = os.path.join("bench", "vs-ort.json")
README = os.path.join("bench", "README.md")
BEGIN, END = "<!-- vs-ort:begin -->", "<!-- vs-ort:end -->"
PCTS = (0, 50, 80)
THREADS = (1, 2)
GROUPS = ("native", "wasm", "chromium")
AGREE = 1e-4


class Engine:
    """A process speaking bench_engine.c's line protocol."""

    def __init__(self, name, cmd):
        self.name, self.cmd = name, cmd
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True, cwd=ROOT)
        ready = self._expect("ready")
        self.load_s, self.variant = float(ready["load_s"]), ready.get("variant")

    def _expect(self, tag):
        line = self.p.stdout.readline()
        while line and not line.startswith(tag):  # e.g. Node's warnings on stdout
            line = self.p.stdout.readline()
        if not line:
            err = self.p.stderr.read()
            raise SystemExit(f"{self.name} ({shlex.join(self.cmd)}) ended: {err[-1500:]}")
        if tag == "emb":
            return [float(v) for v in line.split()[1:]]
        return dict(kv.split("=", 1) for kv in line.split()[1 if tag == "ready" else 0:])

    def send(self, cmd, tag):
        self.p.stdin.write(cmd + "\n")
        self.p.stdin.flush()
        return self._expect(tag)

    def run(self):
        r = self.send("run", "time_s")
        return float(r["time_s"]), int(r["visible"])

    def peak_rss_mb(self):
        with open(f"/proc/{self.p.pid}/status") as f:
            m = re.search(r"VmHWM:\s+(\d+) kB", f.read())
        return int(m.group(1)) / 1024.0

    def quit(self):
        rss = self.peak_rss_mb()
        own = float(self.send("quit", "peak_mb")["peak_mb"])
        self.p.wait(timeout=60)
        return rss, own


def sh(cmd):
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if r.returncode:
        raise SystemExit(f"{shlex.join(cmd)} failed: {r.stderr[-1500:]}")
    return r.stdout


def workdir(model):
    return os.path.join(WORK, os.path.splitext(os.path.basename(model))[0])


def prepare(model):
    onnx = os.path.join(workdir(model), "onnx")
    if not os.path.exists(os.path.join(onnx, "encoder-compact.onnx")):
        sh([sys.executable, "tools/onnx_export.py", "export", model, "--out", onnx])
    for pct in PCTS:
        sh([sys.executable, "tools/onnx_export.py", "day", model, "--missing", str(pct), "--seed", str(1000 + pct),
            "--out", os.path.join(workdir(model), f"day{pct}")])
    return onnx


def group_engines(group, model, onnx, day, threads):
    """[(name, command)] of a group's engines for one cell."""
    f32 = os.path.join(day, "day.f32")
    wt = [os.path.join(B, "pyvenv", "bin", "python"), "wasi/run_wasmtime.py"]
    ort = lambda backend, form: ["node", "bench/engine_ort.mjs", backend, os.path.join(onnx, f"encoder-{form}.onnx"),
                                 form, day, str(threads)]
    if group == "native":
        return [("wearfm native", [os.path.join(B, "native", "bench_engine"), model, f32, str(threads)]),
                ("onnxruntime-node, masked", ort("node", "masked")),
                ("onnxruntime-node, compact", ort("node", "compact"))]
    if group == "chromium":
        page = lambda eng, path: ["node", "bench/engine_chromium.mjs", eng, path, day, str(threads)]
        return [("wearfm web, Chromium", page("wearfm", model)),
                ("onnxruntime-web, masked", page("ort-masked", os.path.join(onnx, "encoder-masked.onnx"))),
                ("onnxruntime-web, compact", page("ort-compact", os.path.join(onnx, "encoder-compact.onnx")))]
    return [("wearfm WASI, Node", ["node", "--no-warnings", "wasi/run.mjs",
                                   os.path.join(B, "wasi", "bench_engine_fixedmem.wasm"), model, f32, "1"]),
            ("wearfm WASI, wasmtime", wt + [os.path.join(B, "wasi", "bench_engine.wasm"), model, f32, "1"]),
            ("onnxruntime-web, masked", ort("web", "masked")),
            ("onnxruntime-web, compact", ort("web", "compact"))]


def rel_err(a, b):
    return max(abs(x - y) for x, y in zip(a, b)) / max(max(abs(y) for y in b), 1e-30)


def run_cell(group, model, onnx, pct, threads, reps, ref_emb):
    day = os.path.join(workdir(model), f"day{pct}")
    engines = [Engine(n, c) for n, c in group_engines(group, model, onnx, day, threads)]
    times = {e.name: [] for e in engines}
    visible = {}
    for e in engines:
        visible[e.name] = e.run()[1]          # warm-up, not timed
    for _ in range(reps):
        for e in engines:
            times[e.name].append(e.run()[0])
    out = []
    for e in engines:
        emb = e.send("emb", "emb")
        if ref_emb is None:
            ref_emb = emb                      # the first engine of the native group: wearfm native
        rss, own = e.quit()
        if group == "chromium":
            rss = float("nan")  # the node driver's, not the page's: the page reports its own (own)
        out.append({"engine": e.name, "threads": threads, "missing_pct": pct, "visible_tokens": visible[e.name],
                    "median_s": statistics.median(times[e.name]), "runs_s": times[e.name], "load_s": e.load_s,
                    "peak_rss_mb": None if rss != rss else round(rss, 1),
                    "engine_peak_mb": None if own != own else own, "variant": e.variant, "rel_err_vs_native": rel_err(emb, ref_emb)})
        print(f"  {e.name:<28} {threads} thr {pct:2d}%: median {out[-1]['median_s']:.3f} s "
              f"(runs {', '.join(f'{t:.3f}' for t in times[e.name])}), load {e.load_s:.2f} s, "
              f"peak RSS {rss:.0f} MB, own {own} MB, err {out[-1]['rel_err_vs_native']:.1e}", flush=True)
    return out, ref_emb


def versions():
    def ver(pkg):
        try:
            with open(os.path.join(ROOT, "bench", "node_modules", pkg, "package.json")) as f:
                return json.load(f)["version"]
        except OSError:
            return None
    cpu = cpu_model()
    wt = sh([os.path.join(B, "pyvenv", "bin", "python"), "-c",
             "import importlib.metadata as m; print(m.version('wasmtime'))"]).strip()
    return {"date": dt.date.today().isoformat(), "cpu": cpu, "cores": os.cpu_count(),
            "node": sh(["node", "--version"]).strip(), "wasmtime": wt, "kernel": platform.release(),
            "onnxruntime-node": ver("onnxruntime-node"), "onnxruntime-web": ver("onnxruntime-web")}


def cmd_run(a):
    os.chdir(ROOT)
    model = a.model
    if not os.path.exists(model):
        sh([os.path.join(B, "native", "bench_model"), "--write", model])
    onnx = prepare(model)
    res = {"machine": versions(), "model": model, "reps": a.reps, "cells": []}
    refs = {}  # missing % -> the embedding every engine is checked against (the first engine's)
    for group in GROUPS:
        if a.only and group != a.only:
            continue
        for threads in THREADS:
            for pct in PCTS:
                print(f"{group}, {threads} thread(s), {pct}% missing", flush=True)
                cells, ref = run_cell(group, model, onnx, pct, threads, a.reps, refs.get(pct))
                refs.setdefault(pct, ref)
                for c in cells:
                    c["group"] = group
                res["cells"] += cells
    if a.only and os.path.exists(a.out):
        # one group re-run: keep the other groups' cells of the earlier run
        with open(a.out) as f:
            old = json.load(f)
        res["cells"] = [c for c in old["cells"] if c["group"] != a.only] + res["cells"]
    bad = [c for c in res["cells"] if c["rel_err_vs_native"] > AGREE]
    with open(a.out, "w") as f:
        json.dump(res, f, indent=1)
    print(f"wrote {a.out}")
    if bad:
        raise SystemExit(f"embeddings disagree beyond {AGREE:g}: " +
                         ", ".join(f"{c['engine']} {c['threads']} thr {c['missing_pct']}%" for c in bad))


# ---------------------------------------------------------------- tables

def fmt_s(v):
    return f"{v:.2f}" if v >= 1 else f"{v:.3f}"


def tables(res):
    m = res["machine"]
    cells = res["cells"]
    get = lambda g, e, t, p: next((c for c in cells if c["group"] == g and c["engine"] == e and c["threads"] == t
                                   and c["missing_pct"] == p), None)
    lines = [f"{m['date']}, {m['cpu']}, {m['cores']} cores, {m['kernel']}; Node {m['node']}, wasmtime {m['wasmtime']} "
             f"(PyPI); onnxruntime-node {m['onnxruntime-node']}, onnxruntime-web {m['onnxruntime-web']} (npm). "
             f"Paper-config day (`{res['model']}`), median of {res['reps']} interleaved runs after one warm-up "
             f"run per engine; every engine started fresh for each cell. Ratio = onnxruntime's time / wearfm's "
             f"(above 1: wearfm faster), against each form and the better of the two.", ""]
    pairs = [("native", "wearfm native", "onnxruntime-node", ["wearfm native"]),
             ("wasm", "wearfm WASI", "onnxruntime-web (Node)", ["wearfm WASI, Node", "wearfm WASI, wasmtime"]),
             ("chromium", "wearfm web", "onnxruntime-web (Chromium)", ["wearfm web, Chromium"])]
    lines += ["| wearfm | against | threads | missing | visible tokens | wearfm (s) | onnxruntime masked (s) | "
              "onnxruntime compact (s) | ratio masked | ratio compact | **ratio vs better** |",
              "|---|---|---|---|---|---|---|---|---|---|---|"]
    for g, _, against, wnames in pairs:
        om, oc = f"{against.split(' ')[0]}, masked", f"{against.split(' ')[0]}, compact"
        for wname in wnames:
            for t in THREADS:
                for p in PCTS:
                    w, a, b = get(g, wname, t, p), get(g, om, t, p), get(g, oc, t, p)
                    if not (w and a and b):
                        continue
                    wt = wname + (" (1 thread: no threads in WASI)" if g == "wasm" and t > 1 else "")
                    if g == "chromium" and w.get("variant") != "pthreads":
                        wt += f" ({w.get('variant')} build)"
                    best = min(a["median_s"], b["median_s"])
                    lines.append(f"| {wt} | {against} | {t} | {p}% | {w['visible_tokens']} | {fmt_s(w['median_s'])} | "
                                 f"{fmt_s(a['median_s'])} | {fmt_s(b['median_s'])} | {a['median_s'] / w['median_s']:.2f}× | "
                                 f"{b['median_s'] / w['median_s']:.2f}× | **{best / w['median_s']:.2f}×** |")
    lines += ["", "Memory and load time of each engine: the process's peak RSS (VmHWM in /proc; wearfm under "
              "Node runs the fixed 240 MiB build), the wasm linear memory wearfm's WASI builds report, and for "
              "the Chromium pages the page's memory after the runs (performance.measureUserAgentSpecificMemory, "
              "wasm memory included; it only grows, so it is the peak of the wasm heap):", "",
              "| group | engine | threads | missing | peak RSS (MB) | wasm linear / page memory (MB) | load (s) |",
              "|---|---|---|---|---|---|---|"]
    na = lambda v, f: "—" if v is None else f.format(v)
    for c in cells:
        own = c["engine_peak_mb"] if ("WASI" in c["engine"] or c["group"] == "chromium") else None
        lines.append(f"| {c['group']} | {c['engine']} | {c['threads']} | {c['missing_pct']}% | "
                     f"{na(c['peak_rss_mb'], '{:.0f}')} | {na(own, '{:.1f}')} | {c['load_s']:.2f} |")
    lines += ["", "Goals of issue 13, read off this run:", ""] + [f"- {g}" for g in goals(get)]
    worst = max(c["rel_err_vs_native"] for c in cells)
    lines += ["", f"Every engine's embedding agrees with wearfm's within {worst:.1e} (relative to the largest "
              f"entry; bound {AGREE:g}; against wearfm native, or the group's wearfm engine where a group was "
              f"re-run alone with --only)."]
    return "\n".join(lines) + "\n"


def goals(get):
    """One line per goal of issue 13, from the cells (None where a cell is missing)."""
    def ratio(g, w, ort, t, p):
        a, b, c = get(g, w, t, p), get(g, f"{ort}, masked", t, p), get(g, f"{ort}, compact", t, p)
        return None if not (a and b and c) else min(b["median_s"], c["median_s"]) / a["median_s"]

    def worst(vals):
        vals = [v for v in vals if v is not None]
        return (min(vals), len(vals)) if vals else (None, 0)

    def line(what, vals, goal, fmt="{:.2f}×"):
        v, n = worst(vals)
        if v is None:
            return f"{what}: not measured"
        return f"{what}: the lowest of {n} cells is {fmt.format(v)} (goal ≥ {fmt.format(goal)}): {'met' if v >= goal else 'not met'}"

    out = [line("wearfm wasm vs onnxruntime-web, every missingness (WASI under Node and the web build in Chromium, "
                "1 and 2 threads; the WASI build runs on 1)",
                [ratio("wasm", "wearfm WASI, Node", "onnxruntime-web", t, p) for t in THREADS for p in PCTS] +
                [ratio("chromium", "wearfm web, Chromium", "onnxruntime-web", t, p) for t in THREADS for p in PCTS], 2.0),
           line("wearfm native vs onnxruntime-node, every missingness, 1 and 2 threads",
                [ratio("native", "wearfm native", "onnxruntime-node", t, p) for t in THREADS for p in PCTS], 1.5)]
    for g, w in (("native", "wearfm native"), ("chromium", "wearfm web, Chromium")):
        sc = [(get(g, w, 1, p), get(g, w, 2, p)) for p in PCTS]
        out.append(line(f"{w}, 2 threads vs 1", [a["median_s"] / b["median_s"] if a and b else None for a, b in sc], 1.8))
    mem = []
    for p in PCTS:
        w = get("native", "wearfm native", 1, p)
        o = [get("native", f"onnxruntime-node, {f}", 1, p) for f in ("masked", "compact")]
        if w and all(o):
            mem.append((p, w["peak_rss_mb"] / min(x["peak_rss_mb"] for x in o)))
    if mem:
        at0 = dict(mem).get(0)
        out.append(f"peak RSS, wearfm native / the leaner onnxruntime-node form, 1 thread: "
                   + ", ".join(f"{r:.2f} at {p}%" for p, r in mem)
                   + f" (goal ≤ 0.33 at 0% and ≤ 1 everywhere): "
                   + ("met" if at0 is not None and at0 <= 1 / 3 and all(r <= 1 for _, r in mem) else "not met"))
    wt = [(get("wasm", "wearfm WASI, wasmtime", 1, p), get("native", "wearfm native", 1, p)) for p in PCTS]
    wt = [a["median_s"] / b["median_s"] for a, b in wt if a and b]
    if wt:
        out.append(f"WASI under wasmtime vs native, 1 thread: {max(wt):.2f}× slower at worst (goal ≤ 1.5×): "
                   + ("met" if max(wt) <= 1.5 else "not met"))
    return out


def cmd_tables(a):
    with open(os.path.join(ROOT, RESULT)) as f:
        block = tables(json.load(f))
    sync_block(os.path.join(ROOT, README), BEGIN, END, block, a.check, "onnxruntime", "python3 bench/vs_ort.py tables")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--reps", type=int, default=5)
    r.add_argument("--model", default=os.path.join(B, "bench-paper.safetensors"))
    r.add_argument("--only", choices=GROUPS)
    r.add_argument("--out", default=RESULT)
    t = sub.add_parser("tables")
    t.add_argument("--check", action="store_true")
    a = ap.parse_args()
    (cmd_run if a.cmd == "run" else cmd_tables)(a)


if __name__ == "__main__":
    main()
