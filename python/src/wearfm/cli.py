"""`wearfm cohort embed|impute INPUT... --model M -o OUT`: a cohort on Dask
distributed, with a progress bar. Without --scheduler it starts a
LocalCluster of --workers processes (one thread each) and prints its
dashboard address. The single-person commands are the native CLI's
(build/native/wearfm)."""
from __future__ import annotations

import argparse
import sys
from typing import List, Optional


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="wearfm", description="wearfm Python tools (the native CLI runs single files)")
    sub = ap.add_subparsers(dest="command", required=True)
    c = sub.add_parser("cohort", help="embed or impute a whole cohort on Dask distributed",
                       description="Runs a cohort of per-person minute CSVs, Parquet minute tables and/or Fitabase "
                                   "exports through the model; writes Parquet datasets partitioned by person to OUT "
                                   "(embeddings or fills, missingness, errors). A rerun skips finished people.")
    c.add_argument("what", choices=["embed", "impute"])
    c.add_argument("inputs", nargs="+", help="files, globs or directories")
    c.add_argument("--model", required=True, help="the model file (safetensors)")
    c.add_argument("-o", "--output", required=True, help="the output directory")
    c.add_argument("--scheduler", help="address of a running Dask scheduler (tcp://host:8786)")
    c.add_argument("--workers", type=int, default=2, help="LocalCluster worker processes (default 2)")
    c.add_argument("--local", action="store_true", help="no Dask: run in this process")
    c.add_argument("--days-per-chunk", type=int, default=32, help="windows per written part (default 32)")
    c.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    sub.add_parser("version", help="the package's and the C core's versions")
    return ap


def _cohort(args) -> int:
    from . import cohort
    client = cluster = None
    if not args.local:
        from distributed import Client, LocalCluster
        if args.scheduler:
            client = Client(args.scheduler)
        else:
            cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True)
            client = Client(cluster)
        if not args.quiet:
            print(f"wearfm cohort: dashboard {client.dashboard_link}", file=sys.stderr)
    try:
        res = cohort.run(args.what, args.inputs, args.model, args.output, client=client,
                         days_per_chunk=args.days_per_chunk, progress=not args.quiet)
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
    rate = res.windows_run / res.seconds if res.seconds else 0.0
    print(f"wearfm cohort: {res.done} people done, {res.skipped} skipped (done before), {res.failed} failed; "
          f"{res.windows_run} windows run in {res.seconds:.1f} s ({rate:.1f}/s); output {res.out}", file=sys.stderr)
    for f in res.failures:
        print(f"wearfm cohort: {f['person']}: {f['source']}: {f['stage']}: {f['message']}", file=sys.stderr)
    return 1 if res.failed else 0


def main(argv: Optional[List[str]] = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "version":
        import wearfm
        print(f"wearfm {wearfm.__version__} (core {wearfm.core_version})")
        return 0
    return _cohort(args)


if __name__ == "__main__":
    sys.exit(main())
