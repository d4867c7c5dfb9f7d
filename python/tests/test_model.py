"""Model: info, shapes, batches, zero-copy input, typed errors, threads."""
import json
import threading
import time

import numpy as np
import pytest

import wearfm
from wearfm.model import _as_batch
from conftest import MODEL, SAMPLE, run_cli


def test_info_matches_the_cli(model, cli):
    ref = json.loads(run_cli(cli, "info", MODEL, "--format", "json"))
    i = model.info
    assert i.architecture == ref["model"]["architecture"]
    assert i.window_minutes == ref["model"]["window_minutes"] and i.patch_minutes == ref["model"]["patch_minutes"]
    assert i.embedding_dim == ref["model"]["embedding_dim"] and i.n_tokens == ref["model"]["n_tokens"]
    assert list(i.channel_names) == ref["model"]["channels"]
    assert i.n_params == ref["n_params"] and i.config == ref["config"]
    assert i.weights_hash.startswith("fnv1a64w:")
    # each channel's residual rule is the file's (the shipped model: heart rate "others_missing")
    assert [c.residual for c in i.channels] == [c.get("residual", "always") for c in ref["config"]["channels"]]


def _day(model, seed=0, missing=0.3):
    rng = np.random.default_rng(seed)
    T, C = model.info.window_minutes, model.info.n_channels
    x = np.stack([rng.normal(70, 10, T), rng.poisson(5, T), rng.integers(0, 4, T), rng.integers(0, 3, T)], 1)
    x = x[:, :C].astype(np.float32)
    x[rng.random((T, C)) < missing] = np.nan
    return x


def test_batch_equals_single_windows(model):
    xs = np.stack([_day(model, s) for s in range(3)])
    emb = model.embed(xs)
    imp = model.impute(xs)
    rec = model.reconstruct(xs)
    D = model.info.embedding_dim
    assert emb.shape == (3, D) and imp.shape == xs.shape and rec.shape == xs.shape
    for b in range(3):
        assert np.array_equal(model.embed(xs[b]), emb[b])
        assert np.array_equal(model.impute(xs[b]), imp[b])
    observed = ~np.isnan(xs)
    assert np.array_equal(imp[observed], xs[observed]) and not np.isnan(imp).any()


def test_float32_input_is_used_in_place_and_other_input_converted(model):
    x = _day(model)[None]
    assert np.shares_memory(_as_batch(x, *x.shape[1:])[0], x)
    as64 = x.astype(np.float64)
    assert np.array_equal(model.embed(as64), model.embed(x))
    strided = np.repeat(x, 2, axis=2)[:, :, ::2]  # not contiguous: converted once
    assert np.array_equal(model.embed(strided), model.embed(x))


def test_errors_carry_the_core_messages(model, tmp_path):
    with pytest.raises(wearfm.ModelError, match="cannot open model") as e:
        wearfm.Model.load(tmp_path / "missing.safetensors")
    assert e.value.status == 2
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json at all")
    with pytest.raises(wearfm.ModelError) as e:
        wearfm.Model.load(bad)
    assert e.value.status == 3 and str(e.value)
    empty = np.full((model.info.window_minutes, model.info.n_channels), np.nan, np.float32)
    with pytest.raises(wearfm.InputError, match="no observed") as e:
        model.embed(empty)
    assert e.value.status == 6
    with pytest.raises(wearfm.InputError, match="window 1: "):
        model.embed(np.stack([_day(model), empty]))
    with pytest.raises(wearfm.InputError, match=r"\[T, C\]"):
        model.embed(np.zeros((10, 4), np.float32))
    with pytest.raises(wearfm.InputError, match="line 3"):
        wearfm.read_minutes(b"timestamp,heart_rate\n2016-04-12T00:00,70\nnot-a-time,71\n")


def test_a_waveform_model_loads_and_refuses_minute_work():
    # (tests/test_waveform.py has the rest: embeddings = the CLI and PyTorch)
    import os
    from conftest import ROOT
    m = wearfm.Model.load(os.path.join(ROOT, "tests", "fixtures", "w1.safetensors"))
    assert m.info.family == "waveform"
    with pytest.raises(wearfm.ModelError, match="gives embeddings only") as e:
        m.impute(np.zeros((64, 3), np.float32))
    assert e.value.status == 7


def test_skip_empty_gives_nan_and_zero_visible_tokens(model):
    xs = np.stack([_day(model), np.full_like(_day(model), np.nan)])
    res = model.run(xs, embedding=True, imputed=True, skip_empty=True)
    assert res.visible_tokens[1] == 0 and res.visible_tokens[0] > 0
    assert np.isnan(res.embedding[1]).all() and np.isnan(res.imputed[1]).all()
    assert np.array_equal(res.embedding[0], model.embed(xs[0]))


def test_threads_share_one_model_with_a_state_each(model):
    xs = np.stack([_day(model, s) for s in range(8)])
    want = model.embed(xs)
    got = [None] * 4

    def work(k):
        got[k] = model.embed(xs)
    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(np.array_equal(g, want) for g in got)


def test_a_state_refuses_a_second_thread_while_busy(model):
    state = wearfm.State(model, threads=1)
    xs = np.stack([_day(model, s) for s in range(8)] * 64)  # 512 days: ~4 s of compute with the GIL released
    started = threading.Event()

    def work():
        started.set()
        state.run(xs)
    t = threading.Thread(target=work)
    t.start()
    started.wait()
    time.sleep(0.2)
    assert t.is_alive(), "the batch ended too soon to test the busy state"
    with pytest.raises(RuntimeError, match="another thread"):
        state.run(xs[:1])
    assert model.state() is not state and model.embed(xs[:1]).shape[0] == 1  # other states still run meanwhile
    t.join()


def test_a_model_pickles_by_path(model):
    import pickle
    back = pickle.loads(pickle.dumps(model))
    assert back.info == model.info


def test_read_minutes_matches_the_file(model):
    day = wearfm.read_minutes(SAMPLE)
    assert str(day.index.dtype).startswith("datetime64") and day.index.name == "timestamp"
    assert list(day.columns) == list(model.channel_names) and (day.dtypes == np.float32).all()
    assert len(day) % 1440 == 0 and day.index[0].hour == 0
