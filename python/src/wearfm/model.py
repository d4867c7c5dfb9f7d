"""`wearfm.Model`: load a model file and run it on numpy arrays or minute tables."""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Optional, Union

import numpy as np
import pandas as pd

from . import _native
from .errors import InputError
from .frames import embeddings_frame, fills_frame
from .info import ModelInfo
from .windows import cut_windows, timestamps

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
            fill_probability: bool = False, skip_empty: bool = False) -> RunResult:
        """The forward pass on [T, C] or [B, T, C] (original units, NaN = missing).
        Float32 C-contiguous input is used in place; other input is converted
        once. The GIL is released while the core computes."""
        info = self.model.info
        batch, single = _as_batch(x, info.window_minutes, info.n_channels)
        B, T, C = batch.shape
        want = lambda flag, shape: np.empty(shape, np.float32) if flag else None  # noqa: E731
        res = RunResult(visible_tokens=np.zeros(B, np.int32), embedding=want(embedding, (B, info.embedding_dim)),
                        imputed=want(imputed, (B, T, C)), reconstruction=want(reconstruction, (B, T, C)),
                        fill_probability=want(fill_probability, (B, T, C)))
        _native.run(self._handle, batch, B, res.embedding, res.reconstruction, res.imputed, res.fill_probability,
                    res.visible_tokens, skip_empty)
        if single:
            for name in ("embedding", "imputed", "reconstruction", "fill_probability"):
                value = getattr(res, name)
                if value is not None:
                    setattr(res, name, value[0])
        return res


def _as_batch(x, T: int, C: int):
    arr = np.ascontiguousarray(x, dtype=np.float32)  # no copy when x already is float32 and C-contiguous
    if arr.ndim == 2 and arr.shape == (T, C):
        return arr[None], True
    if arr.ndim == 3 and arr.shape[1:] == (T, C):
        return arr, False
    raise InputError(f"x has shape {tuple(arr.shape)}; this model takes [T, C] = [{T}, {C}] or [B, {T}, {C}] "
                     "(minute-major, original units, NaN = missing)", 1)


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

    def embed(self, x, *, skip_empty: bool = False):
        """Embeddings: [T, C] -> [D], [B, T, C] -> [B, D]. A window with no
        observed patch raises InputError, or with `skip_empty` gives NaN.
        A DataFrame (see `read_minutes`) gives one row per window with data,
        indexed by window start, as `wearfm embed` prints."""
        if isinstance(x, pd.DataFrame):
            return self._embed_frame(x)
        return self.run(x, embedding=True, skip_empty=skip_empty).embedding

    def impute(self, x, *, skip_empty: bool = False):
        """Observed values kept, gaps filled: same shape as x. A DataFrame gives
        the table of `wearfm impute`: channels, `<ch>_filled`, `<ch>_probability`."""
        if isinstance(x, pd.DataFrame):
            return self._impute_frame(x, raw=False)
        return self.run(x, embedding=False, imputed=True, skip_empty=skip_empty).imputed

    def reconstruct(self, x, *, skip_empty: bool = False):
        """The decoder's output for every minute (observed ones too), original units."""
        if isinstance(x, pd.DataFrame):
            return self._impute_frame(x, raw=True)
        return self.run(x, embedding=False, reconstruction=True, skip_empty=skip_empty).reconstruction

    def windows(self, frame: pd.DataFrame):
        """(window starts as a DatetimeIndex, x [B, T, C]) of a minute table, aligned as the CLI."""
        starts, x = cut_windows(frame, self.channel_names, self.info.window_minutes)
        return timestamps(starts), x

    def _frame_windows(self, frame):
        starts, x = cut_windows(frame, self.channel_names, self.info.window_minutes)
        keep = ~np.isnan(x).all(axis=(1, 2))
        if not keep.any():
            raise InputError("no window with observed data", 6)
        return starts[keep], np.ascontiguousarray(x[keep])

    def _embed_frame(self, frame):
        starts, x = self._frame_windows(frame)
        res = self.run(x, embedding=True)
        return embeddings_frame(self.info, starts, res.embedding, res.visible_tokens)

    def _impute_frame(self, frame, raw: bool):
        starts, x = self._frame_windows(frame)
        # As `wearfm impute [--raw]`: the probabilities of filled category minutes either way.
        res = self.run(x, embedding=False, imputed=not raw, reconstruction=raw, fill_probability=True)
        return fills_frame(self.info, starts, x, res.reconstruction if raw else res.imputed, res.fill_probability)
