"""wearfm: wearable foundation models in Python, over the portable C core.

    import wearfm
    model = wearfm.Model.load("models/wearfm-minute-fitabase.safetensors")
    day = wearfm.read_minutes("data/sample/fitabase_4020332650.csv")
    emb = model.embed(day)        # one row per day, as `wearfm embed`
    filled = model.impute(day)    # as `wearfm impute`
    model.embed(x)                # x: [T, C] or [B, T, C] float array, NaN = missing

    acc = wearfm.Model.load("models/wearfm-accel-wesad.safetensors")   # a waveform model
    rec = wearfm.read_waveform("ACC.csv")   # (start, rate, samples [n, 3] in g), the C reader
    acc.embed(rec)                # one row per 30-s window, as `wearfm embed`
    acc.windows(rec).x            # [B, 960, 3]: the windows the CLI embeds; acc.embed(x) -> [B, 64]

Probes: `wearfm.LogisticProbe`, `wearfm.RidgeProbe` (scikit-learn estimators).
Cohorts on Dask: `wearfm.cohort.embed` / `impute` and the `wearfm cohort` command.
"""
from ._native import version as _core_version
from .errors import InputError, ModelError, WearfmError
from .info import ChannelInfo, ModelInfo
from .io import read_fitabase, read_minutes
from .model import Model, RunResult, State
from .waveform import Waveform, WaveformWindows, read_waveform

__version__ = "0.1.0"
core_version = _core_version()


def __getattr__(name):
    # The probes import scikit-learn: only when asked for.
    if name in ("LogisticProbe", "RidgeProbe", "relative_features"):
        from . import probes
        return getattr(probes, name)
    if name == "cohort":
        import importlib
        return importlib.import_module(".cohort", __name__)
    raise AttributeError(f"module 'wearfm' has no attribute {name!r}")


__all__ = ["relative_features", "Model", "State", "RunResult", "ModelInfo", "ChannelInfo", "read_minutes", "read_fitabase",
           "read_waveform", "Waveform", "WaveformWindows",
           "WearfmError", "ModelError", "InputError", "LogisticProbe", "RidgeProbe", "cohort", "core_version"]
