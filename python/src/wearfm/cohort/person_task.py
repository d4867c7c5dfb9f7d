"""One task: one person's file, streamed in chunks of days through the
model, each chunk written as its own Parquet part. A failure is recorded in
the errors table and returned, never raised: one bad file never stops a run."""
from __future__ import annotations

import time
import traceback

import numpy as np
import pyarrow as pa

from ..frames import embeddings_frame, fills_frame, missingness_frame
from ..windows import cut_windows
from . import store
from .plugin import worker_model
from .sources import PersonSource, read_person


def _write(out, table, person, first_day, frame):
    store.atomic_write_table(pa.Table.from_pandas(frame, preserve_index=True),
                             store.part_path(out, table, person, first_day))


def run_person(src: PersonSource, what: str, out: str, model_path: str, days_per_chunk: int) -> dict:
    """what: "embed" or "impute". Returns a summary: status done / skipped / failed."""
    base = {"person": src.person, "source": src.path}
    if store.is_done(out, src.person):
        return {**base, "status": "skipped"}
    t0 = time.perf_counter()
    stage = "read"
    try:
        model = worker_model(model_path)
        info = model.info
        table = read_person(src)
        starts, x = cut_windows(table, info.channel_names, info.window_minutes)
        # The person's typical day and refitted anchor from their whole file, as the CLI does.
        extra = model.history_inputs(table, starts)
        stage = what
        windows = run = 0
        for lo in range(0, len(starts), days_per_chunk):
            cs, cx = starts[lo:lo + days_per_chunk], x[lo:lo + days_per_chunk]
            has = ~np.isnan(cx).all(axis=(1, 2))
            chunk = {k: None if v is None else np.ascontiguousarray(v[lo:lo + days_per_chunk][has])
                     for k, v in extra.items()}
            res = model.run(np.ascontiguousarray(cx[has]), embedding=what == "embed", imputed=what == "impute",
                            fill_probability=what == "impute", skip_empty=True, **chunk)
            visible = np.zeros(len(cs), np.int32)
            visible[has] = res.visible_tokens
            first = np.datetime_as_string(np.datetime64(int(cs[0]), "m"), unit="D")
            if what == "embed":
                ran = visible > 0
                _write(out, "embeddings", src.person, first,
                       embeddings_frame(info, cs[has][ran[has]], res.embedding[ran[has]], visible[ran]))
            else:
                _write(out, "fills", src.person, first,
                       fills_frame(info, cs[has], cx[has], res.imputed, res.fill_probability))
            _write(out, "missingness", src.person, first, missingness_frame(info, cs, cx, visible))
            windows += len(cs)
            run += int((visible > 0).sum())
        summary = {**base, "status": "done", "windows": windows, "windows_run": run,
                   "seconds": time.perf_counter() - t0}
        store.clear_error(out, src.person)
        store.mark_done(out, src.person, summary)
        return summary
    except Exception as e:  # recorded, never raised
        message = str(e) or traceback.format_exc(limit=2)
        store.write_error(out, src.person, src.person, src.path, stage, type(e).__name__, message)
        return {**base, "status": "failed", "stage": stage, "error": type(e).__name__, "message": message}
