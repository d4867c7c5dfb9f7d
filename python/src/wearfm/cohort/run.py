"""The cohort driver: find the people, stage Fitabase exports, skip what a
previous run finished, and run one task per person on a Dask
`distributed.Client` (or in this process without one), with a bounded
number of tasks in flight, so neither the scheduler nor this process ever
holds the whole cohort."""
from __future__ import annotations

import os
import sys
import time
import uuid
from dataclasses import dataclass, field
from typing import Iterable, List, Optional, Union

import pandas as pd

from ..model import Model
from . import store
from .person_task import run_person
from .plugin import ModelPlugin
from .sources import PersonSource, classify, expand
from .staging import stage_fitabase


@dataclass
class CohortResult:
    """What a run did: people done now, skipped (done before), failed; windows run; seconds."""

    out: str
    done: int = 0
    skipped: int = 0
    failed: int = 0
    windows: int = 0
    windows_run: int = 0
    seconds: float = 0.0
    task_seconds: float = 0.0  # summed over tasks: the compute the workers spent
    failures: List[dict] = field(default_factory=list)

    @property
    def errors(self) -> pd.DataFrame:
        return read_errors(self.out)


def _register(client, model_path):
    plugin = ModelPlugin(model_path)
    if hasattr(client, "register_plugin"):
        client.register_plugin(plugin)
    else:  # distributed < 2023.9
        client.register_worker_plugin(plugin, name=plugin.name)


def _people(inputs, out, client) -> List[PersonSource]:
    persons, fitabase, bad = classify(expand(inputs))
    for path, message in bad:
        store.write_error(out, "source-" + path, None, path, "read", "OSError", message)
    if fitabase:
        staging = os.path.join(out, "_staging", "fitabase")
        if client is None:
            staged, errors = stage_fitabase(fitabase, staging)
        else:  # on a worker: the exports' memory is the worker's
            staged, errors = client.submit(stage_fitabase, fitabase, staging, pure=False).result()
        for path, message in errors:
            store.write_error(out, "source-" + path, None, path, "import", "InputError", message)
        persons += staged
    seen, unique = {}, []
    for p in persons:
        if p.person in seen:
            store.write_error(out, "duplicate-" + p.path, p.person, p.path, "read", "ValueError",
                              f"person {p.person} is also in {seen[p.person]}; this file was left out")
            continue
        seen[p.person] = p.path
        unique.append(p)
    return unique


def _progress(total, enabled):
    if not enabled:
        return None
    from tqdm import tqdm
    return tqdm(total=total, unit="person", file=sys.stderr, dynamic_ncols=True)


def run(what: str, inputs: Union[str, Iterable[str]], model: Union[str, Model], out: str, *, client=None,
        days_per_chunk: int = 32, max_in_flight: Optional[int] = None, progress: bool = False) -> CohortResult:
    """Runs `what` ("embed" or "impute") over a cohort; see `embed`."""
    if what not in ("embed", "impute"):
        raise ValueError("what must be 'embed' or 'impute'")
    model_path = os.path.abspath(model.path if isinstance(model, Model) else os.fspath(model))
    loaded = model if isinstance(model, Model) else Model.load(model_path, threads=1)
    if what == "impute" and not loaded.info.has_decoder:
        raise ValueError("this model has no decoder: it cannot impute")
    out = os.path.abspath(out)
    store.check_run(out, {"what": what, "model": model_path, "weights_hash": loaded.info.weights_hash,
                          "days_per_chunk": days_per_chunk})
    t0 = time.perf_counter()
    people = _people(inputs, out, client)
    result = CohortResult(out=out)
    todo = []
    for p in people:
        if store.is_done(out, p.person):
            result.skipped += 1
        else:
            todo.append(p)
    bar = _progress(len(todo), progress)

    def account(summary):
        status = summary["status"]
        if status == "done":
            result.done += 1
            result.windows += summary["windows"]
            result.windows_run += summary["windows_run"]
            result.task_seconds += summary["seconds"]
        elif status == "skipped":
            result.skipped += 1
        else:
            result.failed += 1
            result.failures.append(summary)
        if bar is not None:
            bar.update(1)
            bar.set_postfix(failed=result.failed, refresh=False)

    if client is None:
        for p in todo:
            account(run_person(p, what, out, model_path, days_per_chunk))
    else:
        _run_distributed(client, todo, what, out, model_path, days_per_chunk, max_in_flight, account)
    if bar is not None:
        bar.close()
    result.seconds = time.perf_counter() - t0
    return result


def _run_distributed(client, todo, what, out, model_path, days_per_chunk, max_in_flight, account):
    from distributed import as_completed
    _register(client, model_path)
    if max_in_flight is None:  # enough to keep every worker thread busy, few enough to stream
        max_in_flight = 4 * max(1, sum(client.nthreads().values()))
    token = uuid.uuid4().hex[:8]
    pending = iter(todo)
    running = as_completed()
    by_future = {}

    def submit_next():
        p = next(pending, None)
        if p is None:
            return
        f = client.submit(run_person, p, what, out, model_path, days_per_chunk, pure=False,
                          key=f"wearfm-{what}-{store.safe(p.person)}-{token}")
        by_future[f.key] = p
        running.add(f)

    for _ in range(max_in_flight):
        submit_next()
    for f in running:
        p = by_future.pop(f.key)
        try:
            summary = f.result()
        except Exception as e:  # the task itself died (e.g. a worker killed too often)
            store.write_error(out, p.person, p.person, p.path, "worker", type(e).__name__, str(e))
            summary = {"person": p.person, "source": p.path, "status": "failed", "stage": "worker",
                       "error": type(e).__name__, "message": str(e)}
        f.release()
        account(summary)
        submit_next()


def embed(inputs, model, out, *, client=None, days_per_chunk: int = 32, max_in_flight: Optional[int] = None,
          progress: bool = False) -> CohortResult:
    """Embeds every window (day) of every person of a cohort into `out`.

    inputs: paths, globs or directories of per-person minute CSVs or Parquet
    minute tables (a person per file, named by its stem) and/or Fitabase
    exports (imported once with the C importer). client: a
    `distributed.Client` (each worker loads the model once; each task thread
    runs its own state), or None to run here. Writes Parquet datasets
    partitioned by person: `out/embeddings` (one row per window with data)
    and `out/missingness` (every window), and `out/errors` (one row per
    failed file: person, source, stage, error, message). A rerun skips the
    people a previous run finished, and retries the failed ones."""
    return run("embed", inputs, model, out, client=client, days_per_chunk=days_per_chunk,
               max_in_flight=max_in_flight, progress=progress)


def impute(inputs, model, out, *, client=None, days_per_chunk: int = 32, max_in_flight: Optional[int] = None,
           progress: bool = False) -> CohortResult:
    """As `embed`, writing `out/fills`: every minute of the windows with data,
    observed values kept and gaps filled, `<ch>_filled` flags and the
    probabilities of filled category minutes (the columns of `wearfm impute`)."""
    return run("impute", inputs, model, out, client=client, days_per_chunk=days_per_chunk,
               max_in_flight=max_in_flight, progress=progress)


def read(out: str, table: str) -> pd.DataFrame:
    """A table of a cohort run ("embeddings", "fills", "missingness"), with
    its `person` column, sorted by person and time."""
    import pyarrow as pa
    import pyarrow.dataset as ds
    path = os.path.join(out, table)
    if not os.path.isdir(path):
        return pd.DataFrame()
    part = ds.partitioning(pa.schema([("person", pa.string())]), flavor="hive")
    df = ds.dataset(path, format="parquet", partitioning=part).to_table().to_pandas()
    if df.index.name is not None:  # the parts' pandas index (window_start or timestamp)
        df = df.reset_index()
    index = "window_start" if "window_start" in df.columns else "timestamp"
    return df.sort_values(["person", index]).set_index(["person", index])


def read_errors(out: str) -> pd.DataFrame:
    import pyarrow.parquet as pq
    path = os.path.join(out, "errors")
    files = sorted(os.path.join(path, f) for f in os.listdir(path)) if os.path.isdir(path) else []
    files = [f for f in files if f.endswith(".parquet")]
    if not files:
        return pd.DataFrame(columns=["person", "source", "stage", "error", "message"])
    return pd.concat([pq.read_table(f).to_pandas() for f in files], ignore_index=True)
