#!/usr/bin/env python3
"""Unit checks of tools/probe_tasks.py (labels, slots, config checks) for
10, 20 and 30-minute patches, on synthetic days. numpy only, no model:

    /usr/bin/python3 tests/test_probe_tasks.py
"""
import json
import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
import probe_tasks as pt  # noqa: E402
from safetensors_io import write_safetensors  # noqa: E402

NAN = np.nan


def day(n=1):
    return np.full((n, pt.DAY, 4), NAN, dtype=np.float32)


def test_night():
    for P in (10, 20, 30, 60):
        NP = pt.DAY // P
        nights = [p for p in range(NP) if pt.night(p, P)]
        assert len(nights) * P == 14 * 60, (P, len(nights))
        assert pt.night(0, P) and pt.night(1200 // P, P) and not pt.night(600 // P, P)
        assert not pt.night(1200 // P - 1, P) and pt.night(600 // P - 1, P)
    # a 90-minute slot 09:00-10:30 straddles 10:00: not wholly at night
    assert not pt.night(6, 90) and pt.night(5, 90)


def test_sleep_labels():
    P = 20
    x = day()
    s = x[0, :, pt.SLEEP]
    s[0:20] = 2                                  # slot 0 (00:00): asleep
    s[20:30] = 0                                 # slot 1: 10/20 labelled, awake
    s[40:49] = 0                                 # slot 2: 9/20 labelled: too few
    s[60:65], s[65:70] = 2, 0                    # slot 3: 5 asleep vs 5 awake: tie, out
    s[80:86], s[86:90] = 1, 0                    # slot 4: restless 6 vs awake 4: asleep
    s[100:111], s[111:120] = 0, 2                # slot 5: awake 11 vs asleep 9: awake
    s[720:740] = 0                               # slot 36 (12:00): awake, daytime
    s[740:760] = 2                               # slot 37 (12:20): asleep (a nap), daytime
    rows = pt.sleep_labels(x, P)
    assert rows == [(0, 0, 1), (0, 1, 0), (0, 4, 1), (0, 5, 0), (0, 36, 0), (0, 37, 1)], rows
    rows = pt.sleep_labels(x, P, night_only=True)
    assert rows == [(0, 0, 1), (0, 1, 0), (0, 4, 1), (0, 5, 0)], rows
    # the same minutes in 10-minute slots: slot 2 (9/20) becomes a 9/10 awake slot,
    # the 5/5 tie stays out, slot 5 splits into 10 awake + 1 awake/9 asleep
    assert pt.sleep_labels(x, 10) == [(0, 0, 1), (0, 1, 1), (0, 2, 0), (0, 4, 0), (0, 8, 1), (0, 10, 0),
                                      (0, 11, 1), (0, 72, 0), (0, 73, 0), (0, 74, 1), (0, 75, 1)]


def test_sleep_labels_p10_exact():
    x = day()
    s = x[0, :, pt.SLEEP]
    s[0:4] = 2          # slot 0: 4/10 labelled: out
    s[10:15] = 2        # slot 1: 5/10 labelled, asleep
    s[20:25] = 0        # slot 2: 5/10, awake
    s[30:33], s[33:36] = 1, 0   # slot 3: 3 vs 3: tie, out
    assert pt.sleep_labels(x, 10) == [(0, 1, 1), (0, 2, 0)]


def test_activity_labels():
    P = 30
    x = day()
    it, hr = x[0, :, pt.INTENSITY], x[0, :, pt.HR]
    it[0:15], it[15:30] = 2, 0; hr[3] = 80       # slot 0: half active -> active
    it[30:44] = 3; hr[31] = 90                   # slot 1: 14/30 observed: out
    it[60:90] = 1; hr[60] = 70                   # slot 2: inactive
    it[90:120] = 3                               # slot 3: no heart rate: out
    assert pt.activity_labels(x, P) == [(0, 0, 1), (0, 2, 0)]


def test_stat_features():
    for P in (10, 20, 30):
        x = day(2)
        x[0, -5:, pt.HR] = 60                    # last 5 minutes of day 0
        x[1, :P, pt.HR] = 100                    # first slot of day 1
        f = pt.stat_features(x, 1, 0, [pt.HR, pt.STEPS], P)
        assert len(f) == 2 * 2 * 5 + 2
        assert f[:5] == [100.0, 0.0, 100.0, 100.0, 0.0]          # HR over the slot
        assert f[5:10] == [0.0, 0.0, 0.0, 0.0, 1.0]              # steps missing
        w = x[[0] * 5 + [1] * P, list(range(pt.DAY - 5, pt.DAY)) + list(range(P)), pt.HR]
        assert np.allclose(f[10:14], [w.mean(), w.std(), 60, 100])  # +-30 min reaches into day 0
        ang = 2 * np.pi * 0.5 * P / pt.DAY
        assert np.allclose(f[-2:], [np.sin(ang), np.cos(ang)])


def test_token_feature():
    NP = 72
    tok = np.full((4 * NP, 3), NAN, dtype=np.float32)
    tok[0 * NP + 5] = [1, 2, 3]
    tok[1 * NP + 5] = [3, 4, 5]
    tok[2 * NP + 5] = [9, 9, 9]
    v = pt.token_feature(tok, 5, [0, 1, 2], {0: True, 1: True, 2: False}, NP)
    assert np.allclose(v, [2, 3, 4])
    assert pt.token_feature(tok, 6, [0, 1], {0: True, 1: True}, NP) is None


def write_model(path, P, naive, version=2):
    cfg = {"format_version": version, "architecture": "lsm2_mae", "window_minutes": 1440, "patch_minutes": P,
           "channels": [{"name": n, "mean": 0.0, "std": 1.0, "clip": [-5, 10]} for n in pt.CH],
           "encoder": {"dim": 8, "layers": 1, "heads": 2, "mlp_dim": 16}}
    if naive is not None:
        cfg["inherited_mask"] = not naive
    write_safetensors(path, {"x": np.zeros(1, np.float32)}, metadata={"wearfm.config": json.dumps(cfg)})


def expect_exit(f, *a, **k):
    try:
        f(*a, **k)
    except SystemExit as e:
        return str(e)
    raise AssertionError("no SystemExit")


def test_model_config():
    with tempfile.TemporaryDirectory() as d:
        aim, naive = os.path.join(d, "aim.safetensors"), os.path.join(d, "naive.safetensors")
        write_model(aim, 20, naive=None)
        write_model(naive, 20, naive=True)
        assert pt.model_config(aim, naive=False)["patch_minutes"] == 20
        assert pt.model_config(naive, naive=True)["inherited_mask"] is False
        assert "pass it as --naive" in expect_exit(pt.model_config, naive, naive=False)
        assert "inherited_mask" in expect_exit(pt.model_config, aim, naive=True)
        v1 = os.path.join(d, "v1.safetensors")
        write_model(v1, 10, naive=None, version=1)
        assert "format_version 2" in expect_exit(pt.model_config, v1, naive=True)
        assert pt.model_config(v1, naive=False)["patch_minutes"] == 10


if __name__ == "__main__":
    n = 0
    for name, f in sorted(globals().items()):
        if name.startswith("test_") and callable(f):
            f()
            n += 1
    print(f"test_probe_tasks: {n} tests passed")
