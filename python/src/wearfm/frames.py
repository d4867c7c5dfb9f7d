"""Model outputs as DataFrames, in the CLI's columns: `wearfm embed` (one
row per window) and `wearfm impute` (one row per minute, `<ch>_filled`
flags, `<ch>_probability` for category channels)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .info import ModelInfo
from .windows import timestamps


def embeddings_frame(info: ModelInfo, starts: np.ndarray, embedding: np.ndarray,
                     visible_tokens: np.ndarray) -> pd.DataFrame:
    out = pd.DataFrame(embedding, columns=[f"emb_{d}" for d in range(info.embedding_dim)],
                       index=pd.Index(timestamps(starts), name="window_start"))
    out.insert(0, "total_tokens", np.full(len(starts), info.n_tokens, np.int32))
    out.insert(0, "visible_tokens", np.asarray(visible_tokens, np.int32))
    return out


def fills_frame(info: ModelInfo, starts: np.ndarray, x: np.ndarray, values: np.ndarray,
                probability: np.ndarray, intervals=None) -> pd.DataFrame:
    """x: the input windows [B, T, C] (its NaNs are what was filled);
    intervals: (low, high [B, T, C], has-bands flag per channel) or None."""
    T, C = info.window_minutes, info.n_channels
    minutes = (np.asarray(starts)[:, None] + np.arange(T)[None, :]).reshape(-1)
    values, missing, probability = values.reshape(-1, C), np.isnan(x).reshape(-1, C), probability.reshape(-1, C)
    names = info.channel_names
    cols = {ch: values[:, c] for c, ch in enumerate(names)}
    cols.update({f"{ch}_filled": missing[:, c] for c, ch in enumerate(names)})
    cols.update({f"{ch.name}_probability": probability[:, c] for c, ch in enumerate(info.channels)
                 if ch.kind == "category"})
    if intervals is not None:
        low, high, has = intervals
        for c, ch in enumerate(names):
            if has[c]:
                cols[f"{ch}_low"], cols[f"{ch}_high"] = low.reshape(-1, C)[:, c], high.reshape(-1, C)[:, c]
    return pd.DataFrame(cols, index=timestamps(minutes))


def missingness_frame(info: ModelInfo, starts: np.ndarray, x: np.ndarray, visible_tokens: np.ndarray) -> pd.DataFrame:
    """Per window: observed minutes and missing fraction of each channel, and
    the encoder's visible tokens (0: nothing observed, the window was not run)."""
    observed = (~np.isnan(x)).sum(axis=1).astype(np.int32)  # [B, C]
    T = info.window_minutes
    cols = {"visible_tokens": np.asarray(visible_tokens, np.int32)}
    for c, ch in enumerate(info.channel_names):
        cols[f"{ch}_observed_minutes"] = observed[:, c]
        cols[f"{ch}_missing_fraction"] = (1 - observed[:, c] / T).astype(np.float32)
    return pd.DataFrame(cols, index=pd.Index(timestamps(starts), name="window_start"))
