"""One model per worker process: a Dask worker plugin loads it at worker
start; every task thread then runs its own state on it (Model.state()).
Outside a worker (a single-process run) the model is loaded once per process."""
from __future__ import annotations

import os
import threading
from typing import Dict

from ..model import Model

_local_models: Dict[str, Model] = {}
_lock = threading.Lock()


def plugin_name(model_path: str) -> str:
    return "wearfm-model:" + os.path.abspath(model_path)


try:
    from distributed import WorkerPlugin
except ImportError:  # pragma: no cover - dask is an optional dependency
    WorkerPlugin = object


class ModelPlugin(WorkerPlugin):
    """Loads `model_path` on each worker (one thread per state: threads=1)."""

    def __init__(self, model_path: str):
        self.model_path = os.path.abspath(model_path)
        self.name = plugin_name(self.model_path)
        self.model = None

    def setup(self, worker):
        self.model = Model.load(self.model_path, threads=1)

    def teardown(self, worker):
        self.model = None


def worker_model(model_path: str) -> Model:
    """The worker's model, or this process's when not on a worker."""
    try:
        from distributed import get_worker
        plugin = get_worker().plugins.get(plugin_name(model_path))
        if plugin is not None and plugin.model is not None:
            return plugin.model
    except (ImportError, ValueError):
        pass
    path = os.path.abspath(model_path)
    with _lock:
        if path not in _local_models:
            _local_models[path] = Model.load(path, threads=1)
        return _local_models[path]
