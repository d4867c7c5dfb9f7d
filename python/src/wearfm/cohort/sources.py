"""A cohort's inputs: per-person files, found from paths, globs and
directories. A minute CSV or a Parquet minute table is one person (named by
the file's stem); Fitabase exports (detected from their header) hold many
people each and are imported together once (staging.py)."""
from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from typing import Iterable, List, Tuple, Union

import numpy as np
import pandas as pd

from .. import _native
from ..io import read_minutes


@dataclass(frozen=True)
class PersonSource:
    person: str
    path: str
    kind: str  # "csv" (minute CSV) or "parquet" (minute table)


def expand(inputs: Union[str, os.PathLike, Iterable]) -> List[str]:
    if isinstance(inputs, (str, os.PathLike)):
        inputs = [inputs]
    out: List[str] = []
    for p in map(os.fspath, inputs):
        if os.path.isdir(p):
            out.extend(sorted(f for f in glob.glob(os.path.join(p, "*")) if f.endswith((".csv", ".parquet"))))
        elif any(ch in p for ch in "*?["):
            out.extend(sorted(glob.glob(p)))
        else:
            out.append(p)
    return out


def _is_fitabase(path: str) -> bool:
    with open(path, "rb") as f:
        return _native.fitabase_detect(f.readline()) is not None


def classify(paths: List[str]) -> Tuple[List[PersonSource], List[str], List[Tuple[str, str]]]:
    """(per-person sources, Fitabase exports, [(path, why unreadable)])."""
    persons, fitabase, bad = [], [], []
    for p in paths:
        stem = os.path.splitext(os.path.basename(p))[0]
        try:
            if p.endswith(".parquet"):
                persons.append(PersonSource(stem, os.path.abspath(p), "parquet"))
            elif _is_fitabase(p):
                fitabase.append(os.path.abspath(p))
            else:
                persons.append(PersonSource(stem, os.path.abspath(p), "csv"))
        except OSError as e:
            bad.append((p, f"{type(e).__name__}: {e}"))
    return persons, fitabase, bad


def read_person(src: PersonSource) -> pd.DataFrame:
    """The person's minute table, indexed by local timestamp."""
    if src.kind == "csv":
        return read_minutes(src.path)
    df = pd.read_parquet(src.path)
    if "timestamp" in df.columns:
        df = df.set_index("timestamp")
    df.index = pd.DatetimeIndex(df.index, name="timestamp")
    return df.astype(np.float32)
