"""Cohort runs on a LocalCluster with 2 worker processes, on the real
Fitabase cohort: the distributed output equals a single-process run
exactly, and equals Model.embed / Model.impute of each person's table.
Also: the errors table, resuming, the worker plugin and the command.

The suite embeds the whole cohort (all people, from the raw exports) and
imputes a subset of people; WEARFM_COHORT_FULL=1 imputes the whole cohort
too (about 1 minute more)."""
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

import wearfm
import wearfm.cohort as cohort
from wearfm.cohort.plugin import plugin_name
from conftest import MODEL

FULL = os.environ.get("WEARFM_COHORT_FULL") == "1"


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                                       silence_logs=40)
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


def _person_files(fitabase_minutes, k):
    files = sorted(os.path.join(fitabase_minutes, f) for f in os.listdir(fitabase_minutes))
    return files if k is None else files[:: max(1, len(files) // k)][:k]


def _assert_same_tables(a, b, tables):
    for t in tables:
        x, y = cohort.read(a, t), cohort.read(b, t)
        assert len(x) > 0 and x.index.equals(y.index) and x.equals(y), t


def test_distributed_embed_of_the_whole_cohort_equals_a_single_process_run(client, fitabase, fitabase_minutes,
                                                                           model, tmp_path):
    dist = cohort.embed(fitabase, MODEL, tmp_path / "dist", client=client)
    local = cohort.embed(fitabase, MODEL, tmp_path / "local")
    people = len(os.listdir(fitabase_minutes))
    assert dist.done == local.done == people and dist.failed == 0 and dist.windows_run == local.windows_run > 0
    _assert_same_tables(tmp_path / "dist", tmp_path / "local", ["embeddings", "missingness"])
    # ...and each person's rows are Model.embed of the CLI's import of that person.
    emb = cohort.read(tmp_path / "dist", "embeddings")
    for path in _person_files(fitabase_minutes, 3):
        person = os.path.basename(path)[:-4]
        want = model.embed(wearfm.read_minutes(path))
        got = emb.loc[person]
        assert np.array_equal(got.to_numpy(np.float32), want.to_numpy(np.float32))
    # Each worker process loaded the model once, through the plugin.
    loaded = client.run(lambda dask_worker: dask_worker.plugins[plugin_name(MODEL)].model is not None)
    assert len(loaded) == 2 and all(loaded.values())


def test_distributed_impute_equals_a_single_process_run(client, fitabase_minutes, model, tmp_path):
    files = _person_files(fitabase_minutes, None if FULL else 4)
    dist = cohort.impute(files, MODEL, tmp_path / "dist", client=client, days_per_chunk=8)
    local = cohort.impute(files, MODEL, tmp_path / "local", days_per_chunk=8)
    assert dist.done == local.done == len(files) and dist.failed == 0
    _assert_same_tables(tmp_path / "dist", tmp_path / "local", ["fills", "missingness"])
    fills = cohort.read(tmp_path / "dist", "fills")
    person = os.path.basename(files[0])[:-4]
    want = model.impute(wearfm.read_minutes(files[0]))
    assert np.array_equal(fills.loc[person].to_numpy(np.float32), want.to_numpy(np.float32), equal_nan=True)


def test_a_bad_file_is_recorded_and_the_run_goes_on_and_a_rerun_resumes(client, fitabase_minutes, tmp_path):
    files = _person_files(fitabase_minutes, 3)
    bad = tmp_path / "broken.csv"
    bad.write_text("timestamp,heart_rate\n2016-04-12T00:00,70\n2016-04-12T00:01,seventy\n")
    out = tmp_path / "out"
    first = cohort.embed([*files, str(bad)], MODEL, out, client=client)
    assert first.done == 3 and first.failed == 1
    errors = first.errors
    assert list(errors["person"]) == ["broken"] and "line 3" in errors["message"][0]
    assert errors["error"][0] == "InputError"
    before = cohort.read(out, "embeddings")
    again = cohort.embed([*files, str(bad)], MODEL, out, client=client)
    assert again.skipped == 3 and again.done == 0 and again.failed == 1
    assert cohort.read(out, "embeddings").equals(before)
    # The file repaired, the next run does that person only and clears its error.
    shutil.copy(files[0], bad)
    fixed = cohort.embed([*files, str(bad)], MODEL, out, client=client)
    assert fixed.done == 1 and fixed.skipped == 3 and fixed.failed == 0 and fixed.errors.empty
    assert set(cohort.read(out, "embeddings").index.get_level_values("person")) == \
        {os.path.basename(f)[:-4] for f in files} | {"broken"}


def test_a_bad_fitabase_export_is_recorded_and_the_others_imported(fitabase, tmp_path):
    exports = tmp_path / "exports"
    exports.mkdir()
    for f in ("minuteStepsWide_merged.csv", "minuteIntensitiesWide_merged.csv"):
        os.symlink(os.path.join(fitabase, f), exports / f)
    (exports / "minuteSleep_broken.csv").write_text("Id,date,value,logId\n1503960366,not a date,1,1\n")
    res = cohort.embed(exports, MODEL, tmp_path / "out")
    assert res.done > 20 and res.failed == 0
    err = res.errors
    assert len(err) == 1 and err["source"][0].endswith("minuteSleep_broken.csv") and err["stage"][0] == "import"


def test_another_model_cannot_resume_a_run(fitabase_minutes, tmp_path):
    files = _person_files(fitabase_minutes, 1)
    cohort.embed(files, MODEL, tmp_path / "out")
    naive = os.path.join(os.path.dirname(MODEL), "wearfm-minute-fitabase-naive.safetensors")
    with pytest.raises(ValueError, match="weights_hash"):
        cohort.embed(files, naive, tmp_path / "out")


def test_the_command(fitabase_minutes, tmp_path):
    files = _person_files(fitabase_minutes, 2)
    def cmd(*inputs):
        return [sys.executable, "-m", "wearfm", "cohort", "embed", *files, *inputs, "--model", MODEL,
                "-o", str(tmp_path / "o")]
    r = subprocess.run(cmd() + ["--local"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "2 people done" in r.stderr and "%|" in r.stderr  # the summary and the progress bar
    r = subprocess.run(cmd() + ["--workers", "2", "-q"], capture_output=True, text=True)
    assert r.returncode == 0 and "2 skipped" in r.stderr, r.stderr
    (tmp_path / "bad.csv").write_text("nonsense\n")
    r = subprocess.run(cmd(str(tmp_path / "bad.csv")) + ["--local", "-q"], capture_output=True, text=True)
    assert r.returncode == 1 and "bad:" in r.stderr


def test_parquet_minute_tables_with_a_timestamp_column(fitabase_minutes, model, tmp_path):
    src = _person_files(fitabase_minutes, 1)[0]
    table = wearfm.read_minutes(src)
    path = tmp_path / "in" / "someone.parquet"
    path.parent.mkdir()
    table.reset_index().to_parquet(path)  # timestamp as a column, as other tools write it
    res = cohort.embed(path.parent, MODEL, tmp_path / "out")
    assert res.done == 1 and res.failed == 0
    got = cohort.read(tmp_path / "out", "embeddings").loc["someone"]
    assert np.array_equal(got.to_numpy(np.float32), model.embed(table).to_numpy(np.float32))
