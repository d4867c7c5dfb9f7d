#!/usr/bin/env python3
"""Cohort throughput of wearfm.cohort on Dask distributed: user-days per
second on 1 and 2 worker processes (one thread each), the scaling ratio,
the cost of a user-day in core-seconds, and what a 100,000-person x
365-day cohort needs in core-hours at that cost.

    build/pyvenv-package/bin/python bench/cohort_bench.py [--repeat 3] [--json out.json]

The cohort is the real Fitabase one (../shared/data/fitabase), staged once
to per-person Parquet tables by the C importer, each person listed
`--repeat` times under new names for a longer measurement. The timed part
is the whole run: reading each person's table, the model, and writing the
Parquet outputs; worker start-up is not timed (the cluster starts first).
"""
import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


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


def timed_run(what, cohort_dir, model, out, workers):
    import wearfm.cohort
    shutil.rmtree(out, ignore_errors=True)
    if workers == 0:
        res = wearfm.cohort.run(what, cohort_dir, model, out)
    else:
        from distributed import Client, LocalCluster
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                          silence_logs=40) as cluster, Client(cluster) as client:
            client.wait_for_workers(workers)
            res = wearfm.cohort.run(what, cohort_dir, model, out, client=client)
    assert res.failed == 0, res.failures
    return {"workers": workers, "people": res.done, "user_days": res.windows_run, "seconds": res.seconds,
            "user_days_per_s": res.windows_run / res.seconds, "task_seconds": res.task_seconds}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--fitabase", default=os.path.join(ROOT, "..", "shared", "data", "fitabase"))
    ap.add_argument("--model", default=os.path.join(ROOT, "models", "wearfm-minute-fitabase.safetensors"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--what", default="embed,impute")
    ap.add_argument("--json")
    args = ap.parse_args()
    import wearfm
    work = tempfile.mkdtemp(prefix="wearfm-cohort-bench-")
    try:
        cohort_dir, n_people = staged_cohort(args.fitabase, work, args.repeat)
        results = {"machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                               "load_before": os.getloadavg()},
                   "people": n_people, "repeat": args.repeat, "wearfm": wearfm.core_version, "runs": {}}
        for what in args.what.split(","):
            runs = [timed_run(what, cohort_dir, args.model, os.path.join(work, f"out-{what}-{w}"), w)
                    for w in (1, 2)]
            one, two = runs
            scaling = two["user_days_per_s"] / one["user_days_per_s"]
            core_s_per_day = 1 / one["user_days_per_s"]  # one worker process = one core
            days = 100_000 * 365
            results["runs"][what] = {"1 worker": one, "2 workers": two, "scaling": scaling,
                                     "core_seconds_per_user_day": core_s_per_day,
                                     "core_hours_100k_x_365": days * core_s_per_day / 3600}
            print(f"{what}: 1 worker {one['user_days_per_s']:.1f} user-days/s, 2 workers "
                  f"{two['user_days_per_s']:.1f} user-days/s (x{scaling:.2f}); {core_s_per_day * 1e3:.2f} "
                  f"core-ms per user-day; 100,000 x 365 days: {days * core_s_per_day / 3600:.0f} core-hours",
                  flush=True)
        results["machine"]["load_after"] = os.getloadavg()
        if args.json:
            with open(args.json, "w") as f:
                json.dump(results, f, indent=1)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
