#!/usr/bin/env python3
"""Cohort throughput of wearfm.cohort on Dask distributed: user-days per
second on 1 and 2 worker processes (one thread each), the scaling ratio,
the cost of a user-day in core-seconds, and what a 100,000-person x
365-day cohort needs in core-hours at that cost.

    build/pyvenv-package/bin/python bench/cohort_bench.py run [--repeat 4] [--trials 3] [--json bench/cohort.json]
    python3 bench/cohort_bench.py tables [--check]    # bench/README.md's cohort block from bench/cohort.json

The cohort is the real Fitabase one (../shared/data/fitabase), staged once
to per-person Parquet tables by the C importer, each person listed
`--repeat` times under new names for a longer measurement. The timed part
is the whole run: reading each person's table, the model, and writing the
Parquet outputs; worker start-up is not timed (the cluster starts first).

Besides the cluster runs, it times the core alone in this process on one
thread (CPU time, best of --trials): for each person, the history inputs
(typical day and refitted personal anchor, Model.history_inputs) and
Model.run, separately, so the table can say where a user-day goes.
"""
import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time

from readme_block import cpu_model, sync_block

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
RESULT = "bench/cohort.json"
README = "bench/README.md"
BEGIN, END = "<!-- cohort:begin -->", "<!-- cohort:end -->"
COHORT_DAYS = 100_000 * 365


def staged_cohort(fitabase, work, repeat):
    from wearfm.cohort.sources import classify, expand
    from wearfm.cohort.staging import stage_fitabase
    _, exports, _ = classify(expand(fitabase))
    people, errors = stage_fitabase(exports, os.path.join(work, "staging"))
    assert not errors, errors
    listed = os.path.join(work, "cohort")
    os.makedirs(listed, exist_ok=True)
    for p in people:
        for r in range(repeat):
            os.symlink(p.path, os.path.join(listed, f"{p.person}-r{r}.parquet"))
    return listed, len(people)


def _cpu_seconds():
    import psutil
    t = psutil.Process().cpu_times()
    return t.user + t.system


def timed_run(what, cohort_dir, model, out, workers):
    """Wall time of the run, and the CPU time the worker processes spent in it:
    on a shared machine the wall time includes waiting for a core, the CPU
    time does not."""
    import wearfm.cohort
    from distributed import Client, LocalCluster
    shutil.rmtree(out, ignore_errors=True)
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                      silence_logs=40) as cluster, Client(cluster) as client:
        client.wait_for_workers(workers)
        before = client.run(_cpu_seconds)
        res = wearfm.cohort.run(what, cohort_dir, model, out, client=client)
        after = client.run(_cpu_seconds)
    assert res.failed == 0, res.failures
    worker_cpu = sum(after[w] - before[w] for w in after)
    out_bytes = sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(out) for f in files)
    return {"output_bytes": out_bytes, "output_bytes_per_user_day": out_bytes / res.windows_run,
            "workers": workers, "people": res.done, "user_days": res.windows_run, "seconds": res.seconds,
            "user_days_per_s": res.windows_run / res.seconds, "task_seconds": res.task_seconds,
            "worker_cpu_seconds": worker_cpu, "worker_cpu_ms_per_user_day": 1e3 * worker_cpu / res.windows_run,
            # Worker slots running a task, and cores of CPU they got, on average over the run:
            # slots busy but cores short means waiting for a core, not for the scheduler.
            "slots_busy": res.task_seconds / res.seconds, "cores_used": worker_cpu / res.seconds}


def core_alone(cohort_dir, model_path, trials):
    """CPU seconds of the history inputs and of Model.run for every staged
    person once (one thread, this process), best of `trials`, and the days
    that ran (a day with any observed minute)."""
    import numpy as np
    import wearfm
    from wearfm.cohort.sources import PersonSource, read_person
    from wearfm.windows import cut_windows
    model = wearfm.Model.load(model_path)
    info = model.info
    people = []
    for name in sorted(os.listdir(cohort_dir)):
        if name.endswith("-r0.parquet"):
            table = read_person(PersonSource(person=name, path=os.path.join(cohort_dir, name), kind="parquet"))
            people.append((table, *cut_windows(table, info.channel_names, info.window_minutes)))
    best = None
    for _ in range(trials):
        hist = runs = 0.0
        days = 0
        for table, starts, x in people:
            has = ~np.isnan(x).all(axis=(1, 2))
            t0 = time.process_time()
            extra = model.history_inputs(table, starts)
            t1 = time.process_time()
            chunk = {k: None if v is None else np.ascontiguousarray(v[has]) for k, v in extra.items()}
            res = model.run(np.ascontiguousarray(x[has]), embedding=True, skip_empty=True, **chunk)
            runs += time.process_time() - t1
            hist += t1 - t0
            days += int((res.visible_tokens > 0).sum())
        if best is None or hist + runs < best["history_seconds"] + best["run_seconds"]:
            best = {"user_days": days, "history_seconds": hist, "run_seconds": runs,
                    "history_ms_per_user_day": 1e3 * hist / days, "embed_ms_per_user_day": 1e3 * runs / days}
    return best


def cmd_run(args):
    import wearfm
    work = tempfile.mkdtemp(prefix="wearfm-cohort-bench-")
    try:
        cohort_dir, n_people = staged_cohort(args.fitabase, work, args.repeat)
        results = {"date": time.strftime("%Y-%m-%d"),
                   "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                               "processor": cpu_model(), "load_before": os.getloadavg()},
                   "model": os.path.basename(args.model),
                   "people": n_people, "repeat": args.repeat, "wearfm": wearfm.core_version, "runs": {}}
        for what in args.what.split(","):
            # 1 and 2 workers alternately, best of --trials: the machine may be shared, and
            # the best run is the one least slowed by other jobs.
            trials = {1: [], 2: []}
            for t in range(args.trials):
                for w in (1, 2):
                    run = timed_run(what, cohort_dir, args.model, os.path.join(work, f"out-{what}-{w}"), w)
                    run["load_1min"] = os.getloadavg()[0]
                    trials[w].append(run)
                    print(f"  {what} trial {t + 1}: {w} worker(s) {run['user_days_per_s']:.1f} user-days/s, "
                          f"worker CPU {run['worker_cpu_ms_per_user_day']:.2f} ms per user-day, "
                          f"{run['slots_busy']:.2f} slots busy, {run['cores_used']:.2f} cores used "
                          f"(load {run['load_1min']:.1f})", flush=True)
            one, two = (max(trials[w], key=lambda r: r["user_days_per_s"]) for w in (1, 2))
            scaling = two["user_days_per_s"] / one["user_days_per_s"]
            # A user-day's cost in core-seconds: the workers' CPU time per user-day (the lower of
            # the two best runs), which waiting for a shared core does not inflate.
            core_s_per_day = min(one["worker_cpu_ms_per_user_day"], two["worker_cpu_ms_per_user_day"]) / 1e3
            results["runs"][what] = {"trials": trials, "1 worker": one, "2 workers": two, "scaling": scaling,
                                     "core_seconds_per_user_day": core_s_per_day,
                                     "core_hours_100k_x_365": COHORT_DAYS * core_s_per_day / 3600}
            print(f"{what}: 1 worker {one['user_days_per_s']:.1f} user-days/s, 2 workers "
                  f"{two['user_days_per_s']:.1f} user-days/s (x{scaling:.2f}); worker CPU "
                  f"{one['worker_cpu_ms_per_user_day']:.2f} / {two['worker_cpu_ms_per_user_day']:.2f} ms per user-day; "
                  f"wall {one['seconds']:.1f} / {two['seconds']:.1f} s; 100,000 x 365 days: "
                  f"{COHORT_DAYS * core_s_per_day / 3600:.0f} core-hours", flush=True)
        results["core_alone"] = core_alone(cohort_dir, args.model, args.trials)
        c = results["core_alone"]
        print(f"core alone, one thread: history inputs {c['history_ms_per_user_day']:.2f} ms, "
              f"embed {c['embed_ms_per_user_day']:.2f} ms per user-day ({c['user_days']} user-days)", flush=True)
        results["machine"]["load_after"] = os.getloadavg()
        if args.json:
            with open(args.json, "w") as f:
                json.dump(results, f, indent=1)
                f.write("\n")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def paper_day(path=os.path.join(ROOT, "bench", "vs-ort.json")):
    """The paper-config day on wearfm native, one thread, 50% missing, from make bench-vs-ort's JSON."""
    if not os.path.exists(path):
        return None
    with open(path) as f:
        d = json.load(f)
    for c in d["cells"]:
        if c["engine"] == "wearfm native" and c["threads"] == 1 and c["missing_pct"] == 50:
            return dict(c, date=d["machine"]["date"])
    return None


def tables(res, paper=None):
    """The cohort block of bench/README.md, from the run's JSON (and the paper-config day's time)."""
    m = res["machine"]
    load = lambda runs: f"{min(r['load_1min'] for r in runs):.1f}–{max(r['load_1min'] for r in runs):.1f}"  # noqa: E731
    out = [f"{res['date']}, {m['cpus']} cores ({m['processor']}), `{res['model']}`, {res['people']} people "
           f"listed {res['repeat']} times; load average before the run {m['load_before'][0]:.2f} "
           f"(2 = a full machine). Best of {len(res['runs'][next(iter(res['runs']))]['trials']['1'])} trials:", "",
           "| run | load during the runs | 1 worker | 2 workers | scaling (wall) | worker CPU per user-day, "
           "1 / 2 workers | 2 workers: slots busy / cores used |",
           "|---|---|---|---|---|---|---|"]
    for what, r in res["runs"].items():
        one, two = r["1 worker"], r["2 workers"]
        out.append(f"| {what} | {load(r['trials']['1'] + r['trials']['2'])} | {one['user_days_per_s']:.1f} user-days/s "
                   f"| {two['user_days_per_s']:.1f} user-days/s | **{r['scaling']:.2f}×** "
                   f"| {one['worker_cpu_ms_per_user_day']:.2f} / {two['worker_cpu_ms_per_user_day']:.2f} ms "
                   f"| {two['slots_busy']:.2f} / {two['cores_used']:.2f} |")
    c = res.get("core_alone")
    if c:
        out += ["", f"The core alone, in one process on one thread (CPU time, {c['user_days']} user-days, best of the "
                f"same trials): the history inputs (the person's typical day and refitted personal anchor, "
                f"`Model.history_inputs`) take **{c['history_ms_per_user_day']:.2f} ms** per user-day and the "
                f"embedding (`Model.run`) **{c['embed_ms_per_user_day']:.2f} ms**."]
    out += ["", "A 100,000-person × 365-day cohort (36.5 million user-days) at the measured worker CPU per user-day:",
            "", "| run | per user-day (worker CPU) | core-hours | output |", "|---|---|---|---|"]
    for what, r in res["runs"].items():
        per_day = r["1 worker"]["output_bytes_per_user_day"]
        out.append(f"| {what} | {1e3 * r['core_seconds_per_user_day']:.2f} core-ms "
                   f"| **{r['core_hours_100k_x_365']:,.0f} core-hours** "
                   f"| {per_day / 1e3:.1f} KB per user-day of Parquet: {COHORT_DAYS * per_day / 1e9:,.0f} GB |")
    out += ["", "On the 128 one-thread workers of the dask-jobqueue example below: " + ", ".join(
        f"{what} {60 * r['core_hours_100k_x_365'] / 128:.0f} minutes" for what, r in res["runs"].items()) +
        " of compute for the whole cohort."]
    if paper:
        out += ["", f"The paper-config encoder (`bench/vs-ort.json`, {paper['date']}: wearfm native, one thread, "
                f"a day at {paper['missing_pct']}% missing, {paper['visible_tokens']:,} visible tokens) takes "
                f"{paper['median_s']:.2f} s a day, **{COHORT_DAYS * paper['median_s'] / 3600:,.0f} core-hours** for "
                f"the same cohort: there the model, not the personal fit or the Dask plumbing, is the cost."]
    return "\n".join(out) + "\n"


def cmd_tables(args):
    with open(os.path.join(ROOT, RESULT)) as f:
        block = tables(json.load(f), paper_day())
    sync_block(os.path.join(ROOT, README), BEGIN, END, block, args.check, "cohort", "python3 bench/cohort_bench.py tables")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--fitabase", default=os.path.join(ROOT, "..", "shared", "data", "fitabase"))
    r.add_argument("--model", default=os.path.join(ROOT, "models", "wearfm-minute-fitabase.safetensors"))
    r.add_argument("--repeat", type=int, default=4)
    r.add_argument("--what", default="embed,impute")
    r.add_argument("--trials", type=int, default=3, help="runs of each configuration; the best is reported")
    r.add_argument("--json", default=os.path.join(ROOT, RESULT))
    t = sub.add_parser("tables")
    t.add_argument("--check", action="store_true")
    args = ap.parse_args()
    return (cmd_run if args.cmd == "run" else cmd_tables)(args)


if __name__ == "__main__":
    sys.exit(main())
