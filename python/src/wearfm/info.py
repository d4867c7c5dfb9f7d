"""What a loaded model is: `Model.info` (wfm_model_info and wfm_channel_info)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Dict, Tuple


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


@dataclass(frozen=True)
class ModelInfo:
    """The architecture and channels of a model (`wearfm info` prints the same)."""

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

    @property
    def channel_names(self) -> Tuple[str, ...]:
        return tuple(c.name for c in self.channels)

    @classmethod
    def from_native(cls, d: Dict[str, Any]) -> "ModelInfo":
        channels = tuple(ChannelInfo(**{**c, "levels": tuple(c["levels"])}) for c in d["channels"])
        return cls(architecture=d["architecture"], window_minutes=d["window_minutes"],
                   patch_minutes=d["patch_minutes"], n_channels=d["n_channels"], n_tokens=d["n_tokens"],
                   embedding_dim=d["enc_dim"], enc_layers=d["enc_layers"], enc_heads=d["enc_heads"],
                   enc_mlp_dim=d["enc_mlp_dim"], dec_dim=d["dec_dim"], dec_layers=d["dec_layers"],
                   dec_heads=d["dec_heads"], dec_mlp_dim=d["dec_mlp_dim"], has_decoder=d["has_decoder"],
                   n_params=d["n_params"], weights_hash=d["weights_hash"], channels=channels,
                   config=json.loads(d["config_json"]))
