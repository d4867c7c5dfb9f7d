"""Typed errors carrying the C core's messages (include/wearfm.h statuses)."""
from __future__ import annotations

# wfm_status values, for `WearfmError.status`.
STATUS_NAMES = {
    1: "invalid argument",
    2: "i/o error",
    3: "bad format",
    4: "bad config",
    5: "out of memory",
    6: "no data",
    7: "unsupported",
}


class WearfmError(Exception):
    """Base class: `str(e)` is the C core's message, `e.status` its wfm_status code."""

    def __init__(self, message: str, status: int = 0):
        super().__init__(message)
        self.message = message
        self.status = status

    @property
    def status_name(self) -> str:
        return STATUS_NAMES.get(self.status, "error")

    def __reduce__(self):  # picklable, so Dask workers can send it back
        return (type(self), (self.message, self.status))


class ModelError(WearfmError):
    """A model or probe file that cannot be loaded or used (missing, malformed,
    inconsistent config, no decoder, a probe bound to another encoder)."""


class InputError(WearfmError, ValueError):
    """Input data the core refuses: a malformed CSV or export (the message names
    the line), a window with no observed patch, bad probe labels."""
