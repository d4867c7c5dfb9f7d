"""What a loaded model is: `Model.info` (wfm_model_info and wfm_channel_info)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Dict, Optional, Tuple


@dataclass(frozen=True)
class ChannelInfo:
    """One input channel: its name, unit, standardisation and value kind."""

    name: str
    unit: str
    mean: float
    std: float
    clip_min: float
    clip_max: float
    kind: str  # "continuous", "count" or "category"
    range_min: float
    range_max: float
    levels: Tuple[float, ...]  # category levels, increasing; () otherwise
    residual: str = "always"  # or "others_missing": the fill's residual only where the other value channels are missing


@dataclass(frozen=True)
class ModelInfo:
    """The architecture and channels of a model (`wearfm info` prints the same).

    `family` is "minute" (lsm2_mae: windows of `window_minutes` x channels)
    or "waveform" (waveform_encoder: windows of `window_samples` raw samples
    x channels at `sample_rate_hz`, embeddings only). The minute fields are
    0 for a waveform model and the waveform fields 0 / None for a minute one.
    `embedding_dim` is the length of an embedding (the projection head's when
    the model has one), `enc_dim` the encoder's width."""

    architecture: str
    window_minutes: int
    patch_minutes: int
    n_channels: int
    n_tokens: int
    embedding_dim: int
    enc_layers: int
    enc_heads: int
    enc_mlp_dim: int
    dec_dim: int
    dec_layers: int
    dec_heads: int
    dec_mlp_dim: int
    has_decoder: bool
    n_params: int
    weights_hash: str
    channels: Tuple[ChannelInfo, ...]
    config: Dict[str, Any]
    family: str = "minute"
    enc_dim: int = 0
    signal: Optional[str] = None          # waveform: "accelerometer" or "ppg"
    sample_rate_hz: float = 0.0           # waveform: the rate a window's samples are at
    window_samples: int = 0               # waveform: T
    patch_samples: int = 0                # waveform: P, samples per token
    input_norm: Optional[str] = None      # waveform: "fixed" or "window_z"
    window_std_floor: float = 0.0         # waveform: window_z's floor, in units of the channel std
    projection_dim: int = 0               # waveform: the projection head's E, 0 without one
    anchor_profile: bool = False          # minute: fills use the person's typical day (Model.profiles)
    personal_lambda: float = 0.0          # minute: > 0, the anchor is refitted on the person's history (Model.anchors)
    anchor_params: int = 0                # minute (cross_channel): floats of one window's anchor parameters

    @property
    def window_length(self) -> int:
        """T of an input window: minutes (minute model) or samples (waveform model)."""
        return self.window_samples if self.family == "waveform" else self.window_minutes

    @property
    def window_seconds(self) -> float:
        """The time a window covers."""
        return self.window_samples / self.sample_rate_hz if self.family == "waveform" else 60.0 * self.window_minutes

    @property
    def channel_names(self) -> Tuple[str, ...]:
        return tuple(c.name for c in self.channels)

    @classmethod
    def from_native(cls, d: Dict[str, Any]) -> "ModelInfo":
        channels = tuple(ChannelInfo(**{**c, "levels": tuple(c["levels"])}) for c in d["channels"])
        return cls(architecture=d["architecture"], window_minutes=d["window_minutes"],
                   patch_minutes=d["patch_minutes"], n_channels=d["n_channels"], n_tokens=d["n_tokens"],
                   embedding_dim=d["embedding_dim"], enc_layers=d["enc_layers"], enc_heads=d["enc_heads"],
                   enc_mlp_dim=d["enc_mlp_dim"], dec_dim=d["dec_dim"], dec_layers=d["dec_layers"],
                   dec_heads=d["dec_heads"], dec_mlp_dim=d["dec_mlp_dim"], has_decoder=d["has_decoder"],
                   n_params=d["n_params"], weights_hash=d["weights_hash"], channels=channels,
                   config=json.loads(d["config_json"]), family=d["family"], enc_dim=d["enc_dim"],
                   signal=d["signal"], sample_rate_hz=d["sample_rate_hz"], window_samples=d["window_samples"],
                   patch_samples=d["patch_samples"], input_norm=d["input_norm"],
                   window_std_floor=d["window_std_floor"], projection_dim=d["projection_dim"],
                   anchor_profile=d["anchor_profile"], personal_lambda=d["personal_lambda"],
                   anchor_params=d["anchor_params"])
