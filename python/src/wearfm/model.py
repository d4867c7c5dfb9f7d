"""`wearfm.Model`: load a model file and run it on numpy arrays, minute
tables (minute models) or raw recordings (waveform models)."""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Optional, Union

import numpy as np
import pandas as pd

from . import _native
from .errors import InputError, ModelError
from .frames import embeddings_frame, fills_frame
from .info import ModelInfo
from .io import _read_bytes
from .waveform import WaveformWindows, as_recording, stride_samples, utc_index
from .windows import cut_windows, dense_minutes, minutes_of, timestamps

_MASK_MODES = {"compact": 0, "attention": 1}
PathLike = Union[str, "os.PathLike[str]"]


@dataclass
class RunResult:
    """Outputs of `Model.run` for a batch [B, T, C] (None where not asked for)."""

    visible_tokens: np.ndarray                   # [B] int32; 0 for an empty window skipped
    embedding: Optional[np.ndarray] = None       # [B, D]
    imputed: Optional[np.ndarray] = None         # [B, T, C]
    reconstruction: Optional[np.ndarray] = None  # [B, T, C]
    fill_probability: Optional[np.ndarray] = None  # [B, T, C]: category channels' filled minutes, else NaN


class State:
    """One caller's workspace and thread pool on a shared model (wfm_state).
    Use each state from one thread at a time; `Model` keeps one per thread."""

    def __init__(self, model: "Model", threads: int = 1):
        self.model = model
        self.threads = threads
        self._handle = _native.state_new(model._handle, threads, _MASK_MODES[model.mask_mode])

    def run(self, x: np.ndarray, *, embedding: bool = True, imputed: bool = False, reconstruction: bool = False,
            fill_probability: bool = False, skip_empty: bool = False, profile=None, anchors=None) -> RunResult:
        """The forward pass on [T, C] or [B, T, C] (original units, NaN = missing;
        for a waveform model T samples in signal units at its rate, embedding
        only). `profile`: the windows' typical days, same shape as x (a model
        with anchor_profile; `Model.profiles`), or None; `anchors`: the
        windows' anchor parameters [B, anchor_params] (a model with
        personal_lambda; `Model.anchors`), or None for the model's own.
        Float32 C-contiguous
        input is used in place; other input is converted once. The GIL is
        released while the core computes."""
        info = self.model.info
        batch, single = _as_batch(x, info.window_length, info.n_channels, info)
        prof = None
        if profile is not None:
            prof, _ = _as_batch(profile, info.window_length, info.n_channels, info)
            if prof.shape != batch.shape:
                raise InputError(f"profile has shape {tuple(prof.shape)}; x has {tuple(batch.shape)}", 1)
        B, T, C = batch.shape
        anc = None
        if anchors is not None:
            anc = np.ascontiguousarray(anchors, dtype=np.float32)
            if anc.shape != (B, info.anchor_params):
                raise InputError(f"anchors has shape {tuple(anc.shape)}; expected {(B, info.anchor_params)}", 1)
        want = lambda flag, shape: np.empty(shape, np.float32) if flag else None  # noqa: E731
        res = RunResult(visible_tokens=np.zeros(B, np.int32), embedding=want(embedding, (B, info.embedding_dim)),
                        imputed=want(imputed, (B, T, C)), reconstruction=want(reconstruction, (B, T, C)),
                        fill_probability=want(fill_probability, (B, T, C)))
        _native.run(self._handle, batch, B, res.embedding, res.reconstruction, res.imputed, res.fill_probability,
                    res.visible_tokens, skip_empty, prof, anc)
        if single:
            for name in ("embedding", "imputed", "reconstruction", "fill_probability"):
                value = getattr(res, name)
                if value is not None:
                    setattr(res, name, value[0])
        return res


def _as_batch(x, T: int, C: int, info: Optional[ModelInfo] = None):
    arr = np.ascontiguousarray(x, dtype=np.float32)  # no copy when x already is float32 and C-contiguous
    if arr.ndim == 2 and arr.shape == (T, C):
        return arr[None], True
    if arr.ndim == 3 and arr.shape[1:] == (T, C):
        return arr, False
    if info is not None and info.family == "waveform":
        what = (f"sample-major: {T} samples at {info.sample_rate_hz:g} Hz, {info.signal} in "
                f"{'g' if info.signal == 'accelerometer' else 'its recorded units'}, NaN = missing")
    else:
        what = "minute-major, original units, NaN = missing"
    raise InputError(f"x has shape {tuple(arr.shape)}; this model takes [T, C] = [{T}, {C}] or [B, {T}, {C}] "
                     f"({what})", 1)


def _load(path: str, threads: int, mask_mode: str) -> "Model":
    return Model.load(path, threads=threads, mask_mode=mask_mode)


class Model:
    """A loaded wearfm model. Immutable and safe to share between threads:
    each calling thread runs its own state (`Model.state()`)."""

    def __init__(self, handle, path: str, threads: int, mask_mode: str):
        self._handle = handle
        self.path = path
        self.threads = threads
        self.mask_mode = mask_mode
        self.info: ModelInfo = ModelInfo.from_native(_native.model_info(handle))
        self._local = threading.local()

    @classmethod
    def load(cls, path: PathLike, *, threads: int = 0, mask_mode: str = "compact") -> "Model":
        """Loads a safetensors model file. `threads`: threads per call (0 = all
        cores, as the CLI); `mask_mode`: "compact" or "attention" (same results).
        Raises ModelError with the core's message."""
        if mask_mode not in _MASK_MODES:
            raise ValueError(f"mask_mode must be one of {sorted(_MASK_MODES)}")
        path = os.path.abspath(os.fspath(path))  # pickled by path: valid from any working directory
        return cls(_native.model_load(path, int(threads), _MASK_MODES[mask_mode]), path, int(threads), mask_mode)

    def __deepcopy__(self, memo):
        return self  # immutable: sklearn's clone() of a probe bound to it shares it

    def __reduce__(self):
        # Pickled by path (Dask, multiprocessing): the receiver loads the file itself.
        return (_load, (self.path, self.threads, self.mask_mode))

    def __repr__(self) -> str:
        i = self.info
        if i.family == "waveform":
            return (f"<wearfm.Model {os.path.basename(self.path)}: {i.architecture} ({i.signal}), "
                    f"{i.window_samples} samples x {i.n_channels} channels at {i.sample_rate_hz:g} Hz, "
                    f"embedding {i.embedding_dim}, {i.n_params} parameters>")
        return (f"<wearfm.Model {os.path.basename(self.path)}: {i.architecture}, {i.window_minutes} min x "
                f"{i.n_channels} channels, embedding {i.embedding_dim}, {i.n_params} parameters>")

    @property
    def channel_names(self):
        return self.info.channel_names

    def state(self) -> State:
        """This thread's state (made on first use, with `threads` threads)."""
        s = getattr(self._local, "state", None)
        if s is None:
            s = self._local.state = State(self, self.threads)
        return s

    def run(self, x: np.ndarray, **outputs) -> RunResult:
        """`State.run` on this thread's state."""
        return self.state().run(x, **outputs)

    @property
    def is_waveform(self) -> bool:
        return self.info.family == "waveform"

    @property
    def uses_profile(self) -> bool:
        """True for a model whose fills use the person's typical day (anchor_profile)."""
        return bool(self.info.anchor_profile)

    def profiles(self, history: pd.DataFrame, starts) -> np.ndarray:
        """The typical day of each window start (minutes since 1970, as
        `windows` gives them) from a minute table of the person's days:
        [B, T, C] float32, NaN where unknown; a window never uses the
        history's minutes inside it (the C core's wfm_profile_window, the
        CLI's --history). Only for a model with anchor_profile."""
        raw, b = self._from_history(history, starts, False)
        return np.frombuffer(raw, np.float32).reshape(b, self.info.window_minutes, self.info.n_channels)

    def _from_history(self, history: pd.DataFrame, starts, anchors: bool):
        """(the core's bytes for each window start, the number of starts):
        profiles, or with `anchors` the refitted anchor parameters."""
        minutes = minutes_of(history.index)
        names = [str(c) for c in history.columns]
        start, n = (int(minutes.min()), int(minutes.max() - minutes.min() + 1)) if len(minutes) else (0, 0)
        values = dense_minutes(history, names, start, n, minutes)
        starts = np.ascontiguousarray(starts, dtype=np.int64)
        return _native.profiles(self._handle, start, n, names, values, starts, anchors), len(starts)

    @property
    def uses_personal(self) -> bool:
        """True for a model whose anchor is refitted on the person's history (personal_lambda)."""
        return self.info.personal_lambda > 0

    def anchors(self, history: pd.DataFrame, starts) -> np.ndarray:
        """The anchor parameters of each window start, refitted on a minute
        table of the person's days (the C core's wfm_profile_anchor, the CLI's
        --history): [B, anchor_params] float32 for `run(..., anchors=)`. Only
        for a model with personal_lambda."""
        raw, b = self._from_history(history, starts, True)
        return np.frombuffer(raw, np.float32).reshape(b, self.info.anchor_params)

    def embed(self, x, *, skip_empty: bool = False, stride: Optional[float] = None, profile=None, anchors=None):
        """Embeddings: [T, C] -> [E], [B, T, C] -> [B, E]. A window with no
        observed patch (minute model) or no visible token (waveform model:
        every 1-patch token misses a sample) raises InputError, or with
        `skip_empty` gives NaN. A DataFrame (see `read_minutes`, minute
        models) gives one row per window with data, indexed by window start,
        as `wearfm embed` prints. A recording (`read_waveform`'s Waveform or a
        (start, rate, samples) tuple; waveform models) gives the rows of
        `wearfm embed MODEL RECORDING [--stride S]`: window_start (UTC),
        observed, emb_0.. for every window with a visible token. `profile`
        and `anchors` as in `impute` (arrays; a DataFrame takes its own)."""
        if isinstance(x, pd.DataFrame):
            if self.is_waveform:
                raise InputError(f"a minute table; this {self.info.architecture} model ({self.info.signal}) embeds "
                                 "recordings (wearfm.read_waveform) or [T, C] sample arrays", 1)
            return self._embed_frame(x)
        if isinstance(x, tuple):
            return self._embed_recording(x, stride)
        return self.run(x, embedding=True, skip_empty=skip_empty, profile=profile, anchors=anchors).embedding

    def _no_decoder(self, what: str):
        if self.is_waveform:
            raise ModelError(f"a {self.info.architecture} model ({self.info.signal}) gives embeddings only: it has "
                             f"no decoder, so it cannot {what}; use model.embed", 7)

    def impute(self, x, *, skip_empty: bool = False, profile=None, anchors=None, history=None, bands=None):
        """Observed values kept, gaps filled: same shape as x. A DataFrame gives
        the table of `wearfm impute`: channels, `<ch>_filled`, `<ch>_probability`,
        and with `bands` (the model's .fill-bands.json: a path, bytes or a file)
        `<ch>_low`, `<ch>_high` as `wearfm impute --bands`: the measured interval
        around each fill (the C core's rule; another model's bands raise InputError).
        A model with anchor_profile fills a DataFrame with the person's
        typical day from `history` (a minute table; default: the frame
        itself, as the CLI; False: none), and a model with personal_lambda
        its anchor refitted on it; arrays take `profile` and `anchors` (see
        `history_inputs`). Minute models only (a waveform model raises
        ModelError)."""
        self._no_decoder("impute")
        if isinstance(x, pd.DataFrame):
            return self._impute_frame(x, raw=False, history=history, bands=bands)
        if bands is not None:
            raise ValueError("bands: a minute table (DataFrame), as `wearfm impute --bands`")
        return self.run(x, embedding=False, imputed=True, skip_empty=skip_empty, profile=profile,
                        anchors=anchors).imputed

    def reconstruct(self, x, *, skip_empty: bool = False, profile=None, anchors=None, history=None):
        """The decoder's output for every minute (observed ones too), original
        units; `profile`, `anchors` and `history` as in `impute`. Minute models only (a
        waveform model raises ModelError)."""
        self._no_decoder("reconstruct")
        if isinstance(x, pd.DataFrame):
            return self._impute_frame(x, raw=True, history=history)
        return self.run(x, embedding=False, reconstruction=True, skip_empty=skip_empty,
                        profile=profile, anchors=anchors).reconstruction

    def windows(self, data, stride: Optional[float] = None):
        """The model's windows, as the CLI cuts them.

        Minute model, a minute table: (window starts as a DatetimeIndex, x [B, T, C]).
        Waveform model, a recording (`read_waveform`'s Waveform, or a
        (start, rate, samples [n, C]) tuple in the model's signal units):
        resampled to the model's rate and cut into full windows every
        `stride` seconds (None: the window length; a whole number of
        samples) from the first sample, by the C core's rule
        (wfm_waveform_prepare / wfm_waveform_window): WaveformWindows(starts
        (UTC), x [B, T, C], observed [B], motion_g [B]). B is 0 for a
        recording shorter than a window."""
        if isinstance(data, pd.DataFrame):
            if self.is_waveform:
                raise InputError(f"a minute table; this {self.info.architecture} model ({self.info.signal}) takes "
                                 "recordings (wearfm.read_waveform)", 1)
            if stride is not None:
                raise ValueError("stride is for the recordings of a waveform model")
            starts, x = cut_windows(frame=data, channels=self.channel_names, T=self.info.window_minutes)
            return timestamps(starts), x
        return self._recording_windows(data, stride)

    def _recording_windows(self, recording, stride) -> WaveformWindows:
        i = self.info
        if not self.is_waveform:
            raise ModelError(f"a {i.architecture} model reads minute tables, not waveforms (wearfm.read_minutes)", 7)
        start, rate, unit, samples = as_recording(recording, i.signal)
        step = stride_samples(stride, i.sample_rate_hz)
        n, C = samples.shape
        _, starts, x, observed, motion = _native.waveform_windows(self._handle, start, rate, unit, samples, n, C, step)
        return WaveformWindows(utc_index(np.frombuffer(starts, np.float64)),
                               np.frombuffer(x, np.float32).reshape(-1, i.window_samples, C),
                               np.frombuffer(observed, np.float64).copy(), np.frombuffer(motion, np.float64).copy())

    def _embed_recording(self, recording, stride) -> pd.DataFrame:
        i = self.info
        w = self._recording_windows(recording, stride)
        if not len(w.starts):
            _, rate, _, samples = as_recording(recording, i.signal)
            prepared_s = samples.shape[0] / rate
            raise InputError(f"the recording is {prepared_s:g} s; a window of the model is {i.window_seconds:g} s", 6)
        res = self.run(w.x, embedding=True, skip_empty=True)
        keep = res.visible_tokens > 0
        if not keep.any():
            raise InputError("no window with a visible token", 6)
        out = pd.DataFrame(res.embedding[keep], columns=[f"emb_{d}" for d in range(i.embedding_dim)],
                           index=w.starts[keep])
        out.insert(0, "observed", w.observed[keep])
        return out

    def _frame_windows(self, frame):
        starts, x = cut_windows(frame, self.channel_names, self.info.window_minutes)
        keep = ~np.isnan(x).all(axis=(1, 2))
        if not keep.any():
            raise InputError("no window with observed data", 6)
        return starts[keep], np.ascontiguousarray(x[keep])

    def history_inputs(self, history: pd.DataFrame, starts) -> dict:
        """What the windows starting at `starts` take from a minute table of
        the person's days, as run()'s keyword arguments: {"profile": the
        typical days (anchor_profile) or None, "anchors": the refitted anchor
        parameters (personal_lambda) or None}. The CLI's --history."""
        return {"profile": self.profiles(history, starts) if self.uses_profile else None,
                "anchors": self.anchors(history, starts) if self.uses_personal else None}

    def _frame_profile(self, frame, starts, history):
        """history_inputs for a DataFrame run: from `history`, or the frame
        itself when it is None; nothing with history=False."""
        if history is False:
            return {"profile": None, "anchors": None}
        return self.history_inputs(frame if history is None else history, starts)

    def _embed_frame(self, frame):
        starts, x = self._frame_windows(frame)
        res = self.run(x, embedding=True, **self._frame_profile(frame, starts, None))
        return embeddings_frame(self.info, starts, res.embedding, res.visible_tokens)

    def _impute_frame(self, frame, raw: bool, history=None, bands=None):
        starts, x = self._frame_windows(frame)
        # As `wearfm impute [--raw]`: the probabilities of filled category minutes either way.
        res = self.run(x, embedding=False, imputed=not raw, reconstruction=raw, fill_probability=True,
                       **self._frame_profile(frame, starts, history))
        values = res.reconstruction if raw else res.imputed
        intervals = None
        if bands is not None:
            x32, v32 = np.ascontiguousarray(x, np.float32), np.ascontiguousarray(values, np.float32)
            low, high, has = _native.fill_bands(self._handle, _read_bytes(bands), x32, v32, x32.shape[0])
            intervals = (np.frombuffer(low, np.float32).reshape(x32.shape),
                         np.frombuffer(high, np.float32).reshape(x32.shape), has)
        return fills_frame(self.info, starts, x, values, res.fill_probability, intervals)
