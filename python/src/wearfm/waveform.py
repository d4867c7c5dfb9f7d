"""Raw waveforms (accelerometer, PPG) for waveform models, through the C
core: its readers (Empatica E4 CSVs, `timestamp,<axis>,...` CSVs) and its
one window rule (resample to the model's rate, full windows from the first
sample), so Python gets exactly the windows `wearfm embed` embeds."""
from __future__ import annotations

import math
import os
from typing import NamedTuple, Optional, Union

import numpy as np
import pandas as pd

from . import _native

PathLike = Union[str, "os.PathLike[str]"]
_FORMATS = {"e4": 0, "csv": 1}
_DROP_NAMES = ("kept", "not_finite", "below", "above", "not_whole", "bad_time")


class _WaveformTuple(NamedTuple):
    start: float          # unix time (UTC seconds) of sample 0
    rate: float           # samples per second
    samples: np.ndarray   # [n, C] float32, NaN = missing


class Waveform(_WaveformTuple):
    """(start, rate, samples) of a recording, as `read_waveform` gives it.
    Unpacks as a 3-tuple; also carries `unit` (the stored unit: "g" for
    accelerometers, "" for as recorded) and `dropped` (values the
    plausibility rules made missing, by reason)."""

    def __new__(cls, start: float, rate: float, samples, unit: Optional[str] = None, dropped: Optional[dict] = None):
        self = super().__new__(cls, float(start), float(rate), samples)
        self.unit = unit
        self.dropped = dict(dropped or {})
        return self

    def __reduce__(self):
        return (Waveform, (self.start, self.rate, self.samples, self.unit, self.dropped))

    @property
    def duration(self) -> float:
        """Seconds covered by the samples (n / rate)."""
        return self.samples.shape[0] / self.rate

    def __repr__(self) -> str:
        n, c = self.samples.shape
        return (f"Waveform(start={self.start!r}, rate={self.rate!r}, samples=<{n} x {c} float32>, "
                f"unit={self.unit!r})")


class WaveformWindows(NamedTuple):
    """The model windows of a recording (`Model.windows`)."""

    starts: pd.DatetimeIndex  # UTC window starts, to the millisecond as the CLI prints them
    x: np.ndarray             # [B, T, C] float32 at the model's rate, NaN = missing
    observed: np.ndarray      # [B] float64: samples with every channel observed / T
    motion_g: np.ndarray      # [B] float64: accelerometers, std of the magnitude over observed samples (g); else NaN


def _sniff(path: str) -> str:
    with open(path, "rb") as f:
        head = f.read(16)
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    return "csv" if head.startswith(b"timestamp") else "e4"


def read_waveform(path: PathLike, format: Optional[str] = None, unit: Optional[str] = None,
                  rate: Optional[float] = None) -> Waveform:
    """Reads a raw recording with the C readers (the CLI's): an Empatica E4
    file (ACC.csv, BVP.csv, ...: its first rows declare start time and rate;
    ACC is stored in g) or a `timestamp,<axis>,...` CSV (give the axes'
    `unit`: "g", "m/s2" or "1/64 g"; `rate` in Hz, or None to estimate it
    from the timestamps). `format` "e4" or "csv" (None: a first line starting
    with "timestamp" is a CSV, anything else E4, as the CLI decides).
    Returns Waveform(start, rate, samples [n, C] float32); values the
    plausibility rules drop (beyond +-16 g, infinite) are NaN and counted
    in `.dropped`. Raises InputError naming the line."""
    path = os.fspath(path)
    fmt = _sniff(path) if format is None else format
    if fmt not in _FORMATS:
        raise ValueError(f"format must be one of {sorted(_FORMATS)} or None")
    if fmt == "e4" and (unit is not None or rate is not None):
        raise ValueError(f"{path} is an E4 file, which declares its own rate and unit: unit and rate are for a "
                         "timestamp,x,y,z CSV")
    if fmt == "csv" and unit is None:
        raise ValueError(f"{path} is a timestamp,<axis>,... CSV: say the axes' unit with unit='g' or unit='m/s2'")
    start, r, channels, n, samples, stored_unit, dropped = _native.waveform_read(
        path, _FORMATS[fmt], unit, 0.0 if rate is None else float(rate))
    arr = np.frombuffer(samples, dtype=np.float32).reshape(n, channels)  # a view of the reader's copy
    return Waveform(start, r, arr, stored_unit,
                    {name: int(v) for name, v in zip(_DROP_NAMES, dropped) if name != "kept"})


def signal_unit(signal: str) -> str:
    """The stored unit a model's signal takes (src/waveform/waveform_windows.c)."""
    return "g" if signal == "accelerometer" else ""


def stride_samples(stride: Optional[float], rate: float) -> int:
    """A stride in seconds as whole samples at `rate` (0 = the window), by the CLI's rule."""
    if stride is None:
        return 0
    steps = float(stride) * rate
    if not (steps >= 0.5) or abs(steps - round(steps)) > 1e-6 * steps:
        raise ValueError(f"stride {stride:g} s is {steps:g} samples at the model's {rate:g} Hz: it must be a whole "
                         "number of samples (>= 1)")
    return int(round(steps))


def as_recording(recording, signal: str):
    """(start, rate, unit, samples [n, C] float32 C-contiguous) of a Waveform
    or a (start, rate, samples) tuple (samples in the model's signal units)."""
    if isinstance(recording, Waveform):
        start, rate, samples = recording
        unit = recording.unit if recording.unit is not None else signal_unit(signal)
    elif isinstance(recording, tuple) and len(recording) == 3:
        start, rate, samples = recording
        unit = signal_unit(signal)
    else:
        raise TypeError("a recording is a wearfm.Waveform (read_waveform) or a (start, rate, samples) tuple")
    arr = np.ascontiguousarray(samples, dtype=np.float32)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[0] < 1:
        raise ValueError(f"samples must be [n, C] with n >= 1; got shape {tuple(np.shape(samples))}")
    start, rate = float(start), float(rate)
    if not math.isfinite(start) or not (rate > 0 and math.isfinite(rate)):
        raise ValueError(f"start must be finite and rate > 0 (got {start!r}, {rate!r})")
    return start, rate, unit, arr


def utc_index(seconds: np.ndarray, name: str = "window_start") -> pd.DatetimeIndex:
    ms = np.round(np.asarray(seconds, np.float64) * 1000).astype(np.int64)
    return pd.DatetimeIndex(pd.to_datetime(ms, unit="ms", utc=True), name=name)
