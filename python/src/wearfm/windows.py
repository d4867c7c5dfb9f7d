"""Minute tables (DataFrames indexed by local timestamp) cut into model
windows, aligned as the CLI aligns them: to multiples of the window length
since 1970-01-01T00:00 (midnight for a day model); channels matched by name,
a channel the table lacks entirely missing (wfm_minutes_window)."""
from __future__ import annotations

from typing import Sequence, Tuple

import numpy as np
import pandas as pd

from .errors import InputError


def minutes_of(index: pd.Index) -> np.ndarray:
    """Minutes since 1970-01-01T00:00 of a DatetimeIndex (seconds dropped, as the C reader does)."""
    if not isinstance(index, pd.DatetimeIndex):
        raise InputError("a minute table needs a DatetimeIndex of local timestamps (see wearfm.read_minutes)")
    if index.tz is not None:
        raise InputError("timestamps must be local time without a time zone (tz_localize(None) first)")
    return index.values.astype("datetime64[m]").astype(np.int64)


def timestamps(minutes: np.ndarray) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(np.asarray(minutes, dtype=np.int64).astype("datetime64[m]").astype("datetime64[ns]"),
                            name="timestamp")


def cut_windows(frame: pd.DataFrame, channels: Sequence[str], T: int) -> Tuple[np.ndarray, np.ndarray]:
    """(window starts in minutes [B], x [B, T, C] float32 with NaN = missing)."""
    minutes = minutes_of(frame.index)
    if not len(minutes):
        return np.zeros(0, np.int64), np.zeros((0, T, len(channels)), np.float32)
    w0 = (minutes.min() // T) * T
    n_windows = int((minutes.max() + 1 - w0 + T - 1) // T)
    x = dense_minutes(frame, channels, w0, n_windows * T, minutes)
    return w0 + T * np.arange(n_windows, dtype=np.int64), x.reshape(n_windows, T, len(channels))


def dense_minutes(frame: pd.DataFrame, channels: Sequence[str], start: int, n: int, minutes=None) -> np.ndarray:
    """[n, C] float32 rows for the minutes start..start+n-1 (NaN where the
    frame has no row or no such column). `minutes`: minutes_of(frame.index)."""
    minutes = minutes_of(frame.index) if minutes is None else minutes
    x = np.full((n, len(channels)), np.nan, np.float32)
    rows = minutes - start
    for c, name in enumerate(channels):
        if name in frame.columns:
            x[rows, c] = frame[name].to_numpy(dtype=np.float32, na_value=np.nan)
    return x
