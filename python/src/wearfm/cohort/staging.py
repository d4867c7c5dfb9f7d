"""Fitabase exports -> one Parquet minute table per person, with the C
importer, once per set of exports (a rerun finds them done). An export the
importer refuses is recorded and left out; the others are imported."""
from __future__ import annotations

import json
import os
from typing import List, Tuple

import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import InputError
from ..io import fitabase_tables
from .sources import PersonSource
from .store import atomic_write_table


def _signature(files: List[str]) -> list:
    return [[f, os.path.getsize(f), int(os.path.getmtime(f))] for f in sorted(files)]


def stage_fitabase(files: List[str], staging_dir: str) -> Tuple[List[PersonSource], List[Tuple[str, str]]]:
    """(one source per person, [(export, error message)]). Runs anywhere (a worker, or here)."""
    os.makedirs(staging_dir, exist_ok=True)
    done = os.path.join(staging_dir, "_staged.json")
    sig = _signature(files)
    if os.path.exists(done):
        with open(done) as f:
            state = json.load(f)
        if state["files"] == sig:
            return [PersonSource(p, os.path.join(staging_dir, f"{p}.parquet"), "parquet") for p in state["persons"]], \
                [tuple(e) for e in state["errors"]]
    todo, errors = list(files), []
    while todo:
        try:
            tables, _ = fitabase_tables(todo)
            persons = []
            for user, df in tables:
                person = str(user)
                atomic_write_table(pa.Table.from_pandas(df, preserve_index=True),
                                   os.path.join(staging_dir, f"{person}.parquet"))
                persons.append(person)
            break
        except InputError as e:
            # The core names the export first: "<path>: line N: ...". Leave it out and import the rest.
            culprit = next((f for f in todo if str(e).startswith(f + ": ")), None)
            if culprit is None:
                raise
            errors.append((culprit, str(e)))
            todo.remove(culprit)
    else:
        persons = []
    with open(done + ".tmp", "w") as f:
        json.dump({"files": sig, "persons": persons, "errors": errors}, f)
    os.replace(done + ".tmp", done)
    return [PersonSource(p, os.path.join(staging_dir, f"{p}.parquet"), "parquet") for p in persons], errors


def read_staged(path: str):
    return pq.read_table(path).to_pandas()
