"""The output dataset: Parquet files partitioned by person (hive style,
`<table>/person=<id>/days-<first day>.parquet`), each written to a temporary
name and renamed, and a marker per finished task, so a rerun skips what is
done and an interrupted write never looks finished."""
from __future__ import annotations

import json
import os
import re
from typing import Optional

import pyarrow as pa
import pyarrow.parquet as pq

TABLES = ("embeddings", "fills", "missingness", "errors")


def atomic_write_table(table: pa.Table, path: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.tmp-{os.getpid()}"
    pq.write_table(table, tmp)
    os.replace(tmp, path)


def safe(name: str) -> str:
    """A person id or source name as a path component."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", name) or "_"


def part_path(out: str, table: str, person: str, first_day: str) -> str:
    return os.path.join(out, table, f"person={safe(person)}", f"days-{first_day}.parquet")


def marker_path(out: str, task_key: str) -> str:
    return os.path.join(out, "_done", safe(task_key))


def is_done(out: str, task_key: str) -> bool:
    return os.path.exists(marker_path(out, task_key))


def mark_done(out: str, task_key: str, summary: dict) -> None:
    path = marker_path(out, task_key)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", "w") as f:
        json.dump(summary, f)
    os.replace(path + ".tmp", path)


def error_path(out: str, key: str) -> str:
    return os.path.join(out, "errors", f"{safe(key)}.parquet")


def write_error(out: str, key: str, person: Optional[str], source: str, stage: str, error: str, message: str):
    table = pa.table({"person": [person], "source": [source], "stage": [stage], "error": [error],
                      "message": [message]})
    atomic_write_table(table, error_path(out, key))


def clear_error(out: str, key: str) -> None:
    try:
        os.remove(error_path(out, key))
    except FileNotFoundError:
        pass


def check_run(out: str, run: dict) -> None:
    """The output directory belongs to one model and one kind of run: a
    rerun with another model would mix two models' outputs, so it is refused."""
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, "_run.json")
    if os.path.exists(path):
        with open(path) as f:
            old = json.load(f)
        for k in ("weights_hash", "what", "days_per_chunk"):
            if old.get(k) != run.get(k):
                raise ValueError(f"{out} holds a run with {k} = {old.get(k)!r}, not {run.get(k)!r}: "
                                 "use another output directory")
        return
    with open(path + ".tmp", "w") as f:
        json.dump(run, f, indent=1)
    os.replace(path + ".tmp", path)
