"""Minute tables from files, through the C importers (the same code as the
CLI, WASI and the browser): generic minute CSVs and Fitabase exports."""
from __future__ import annotations

import glob
import os
from typing import Iterable, Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np
import pandas as pd

from . import _native
from .errors import InputError
from .windows import timestamps

PathLike = Union[str, "os.PathLike[str]"]
_NONWEAR = {"auto": 1, "off": 0, "movement_only": 2}


def _frame(start: int, names: List[str], values: bytearray) -> pd.DataFrame:
    arr = np.frombuffer(values, dtype=np.float32).reshape(-1, len(names))  # a view of the core's output
    return pd.DataFrame(arr, index=timestamps(start + np.arange(arr.shape[0])), columns=names, copy=False)


def _read_bytes(source) -> bytes:
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source)
    if hasattr(source, "read"):
        data = source.read()
        return data.encode() if isinstance(data, str) else data
    with open(source, "rb") as f:
        return f.read()


def read_minutes(source: Union[PathLike, bytes]) -> pd.DataFrame:
    """Reads a minute CSV (`timestamp,<channel>,...`, local time, empty/NaN/NA =
    missing) with the C reader: a float32 DataFrame indexed by local timestamp,
    one row per minute from the first to the last, NaN = missing.
    `df.attrs["duplicates"]` counts repeated minute rows (the last value kept).
    Raises InputError naming the line."""
    (start, names, values), duplicates = _native.minutes_parse(_read_bytes(source))
    df = _frame(start, names, values)
    df.attrs["duplicates"] = duplicates
    return df


def _expand(paths: Union[PathLike, Iterable[PathLike]]) -> List[str]:
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    out: List[str] = []
    for p in map(os.fspath, paths):
        if os.path.isdir(p):
            out.extend(sorted(glob.glob(os.path.join(p, "*.csv"))))
        elif any(ch in p for ch in "*?["):
            out.extend(sorted(glob.glob(p)))
        else:
            out.append(p)
    return out


def fitabase_tables(paths, *, users: Optional[Sequence[int]] = None, nonwear: str = "auto",
                    nonwear_min_minutes: int = 60, nonwear_min_minutes_no_hr: int = 180,
                    sleep_logs_only: bool = False) -> Tuple[Iterator[Tuple[int, pd.DataFrame]], dict]:
    """(iterator of (user id, minute table), counts): `read_fitabase` per user."""
    if nonwear not in _NONWEAR:
        raise ValueError(f"nonwear must be one of {sorted(_NONWEAR)}")
    files = [(p, _read_bytes(p)) for p in _expand(paths)]
    tables, counts, kinds = _native.fitabase_import(
        files, _NONWEAR[nonwear], nonwear_min_minutes, nonwear_min_minutes_no_hr, 1 if sleep_logs_only else 0,
        None if users is None else [int(u) for u in users])
    counts["kinds"] = dict(kinds)

    def frames():
        for user, (start, names, values), nonwear_minutes in tables:
            df = _frame(start, names, values)
            df.attrs["nonwear_minutes"] = nonwear_minutes
            yield user, df
    return frames(), counts


def read_fitabase(paths: Union[PathLike, Iterable[PathLike]], *, users: Optional[Sequence[int]] = None,
                  nonwear: str = "auto", sleep_logs_only: bool = False) -> pd.DataFrame:
    """Reads Fitabase (Fitbit) exports (files, globs or a directory of CSVs;
    each kind detected from its header) with the C importer, as `wearfm import
    fitabase`: heart_rate, steps, intensity, sleep_state per minute, whole
    days, the non-wear rule applied (docs/data.md). Returns a float32
    DataFrame indexed by (id, timestamp), local time; `df.loc[user]` is one
    person's table. `df.attrs["counts"]` holds the importer's counts.
    Raises InputError naming the file and line."""
    tables, counts = fitabase_tables(paths, users=users, nonwear=nonwear, sleep_logs_only=sleep_logs_only)
    parts, ids = [], []
    for user, df in tables:
        parts.append(df)
        ids.append(user)
    if not parts:
        raise InputError("no user in the input" + (" matches `users`" if users is not None else ""), 6)
    out = pd.concat(parts, keys=ids, names=["id", "timestamp"])
    out.attrs["counts"] = counts
    return out
