"""The package equals the native CLI bit for bit: the same C sources with
the same flags. The CLI prints floats with %.9g, which reads back as the
same float32."""
import os

import numpy as np
import pandas as pd
import pytest

import wearfm
from conftest import MODEL, SAMPLE, run_cli


def _cli_table(cli, cmd, path, tmp_path, *extra):
    out = tmp_path / f"{cmd}.csv"
    run_cli(cli, cmd, MODEL, path, "-q", "-o", out, *extra)
    return pd.read_csv(out, index_col=0, parse_dates=True)


def _same(ours: pd.DataFrame, theirs: pd.DataFrame):
    assert list(ours.columns) == list(theirs.columns)
    assert ours.index.equals(theirs.index)
    a, b = ours.to_numpy(np.float32), theirs.to_numpy(np.float32)
    assert a.shape == b.shape and np.array_equal(a, b, equal_nan=True)


def _persons(fitabase_minutes, k=4):
    files = sorted(os.listdir(fitabase_minutes))
    return [os.path.join(fitabase_minutes, f) for f in files[:: max(1, len(files) // k)][:k]]


@pytest.mark.parametrize("which", ["sample", "fitabase"])
def test_embed_impute_and_raw_equal_the_cli(model, cli, tmp_path, which, request):
    paths = [SAMPLE] if which == "sample" else _persons(request.getfixturevalue("fitabase_minutes"))
    for path in paths:
        table = wearfm.read_minutes(path)
        emb = model.embed(table)
        _same(emb.reset_index(drop=False).set_index("window_start"), _cli_table(cli, "embed", path, tmp_path))
        _same(model.impute(table).astype(np.float32), _cli_table(cli, "impute", path, tmp_path))
        _same(model.reconstruct(table).astype(np.float32), _cli_table(cli, "impute", path, tmp_path, "--raw"))


def test_read_fitabase_equals_the_cli_import(fitabase, fitabase_minutes):
    df = wearfm.read_fitabase(fitabase)
    users = sorted(int(f[:-4]) for f in os.listdir(fitabase_minutes))
    assert sorted(df.index.get_level_values("id").unique()) == users
    for user in users[:: max(1, len(users) // 6)]:
        ours = df.loc[user]
        theirs = wearfm.read_minutes(os.path.join(fitabase_minutes, f"{user}.csv"))
        assert ours.index.equals(theirs.index)
        assert np.array_equal(ours.to_numpy(), theirs.to_numpy(), equal_nan=True)
    assert df.attrs["counts"]["files"] == 4 and df.attrs["counts"]["rows"] > 0


def test_read_fitabase_names_the_bad_file(tmp_path):
    bad = tmp_path / "minuteStepsWide_bad.csv"
    bad.write_text("Id,ActivityHour," + ",".join(f"Steps{m:02d}" for m in range(60)) + "\n1,nonsense\n")
    with pytest.raises(wearfm.InputError, match="minuteStepsWide_bad.csv: .*line 2"):
        wearfm.read_fitabase([bad])


def test_a_profile_model_equals_the_cli_with_and_without_history(cli, tmp_path):
    """A model with anchor_profile (the v2p fixture, 120-minute windows): a
    DataFrame takes its typical day from itself, as the CLI's default;
    history=False is --no-history; profiles() + arrays give the same."""
    fixture = os.path.join(os.path.dirname(MODEL), "..", "tests", "fixtures", "v2p.safetensors")
    m = wearfm.Model.load(fixture)
    assert m.uses_profile
    t = pd.date_range("2016-04-12", periods=3 * 1440, freq="min", name="timestamp")
    i = np.arange(len(t))
    hr = 65 + 10 * np.sin(i / 200.0)
    hr[(i // 1440 == 1) & (i % 1440 >= 600) & (i % 1440 < 720)] = np.nan
    frame = pd.DataFrame({"heart_rate": hr, "steps": i % 7, "sleep": (i // 90) % 2}, index=t)
    path = tmp_path / "days.csv"
    frame.to_csv(path, date_format="%Y-%m-%dT%H:%M", na_rep="")

    def cli_table(*extra):
        out = tmp_path / "out.csv"
        run_cli(cli, "impute", fixture, path, "-q", "-o", out, *extra)
        return pd.read_csv(out, index_col=0, parse_dates=True)

    table = wearfm.read_minutes(path)
    ours = m.impute(table).astype(np.float32)
    _same(ours, cli_table())
    _same(m.impute(table, history=False).astype(np.float32), cli_table("--no-history"))
    assert not np.array_equal(ours.to_numpy(), m.impute(table, history=False).astype(np.float32).to_numpy(),
                              equal_nan=True)
    starts, x = m.windows(table)
    filled = m.impute(x, profile=m.profiles(table, starts.values.astype("datetime64[m]").astype(np.int64)))
    assert np.array_equal(filled.reshape(-1, 3), ours[["heart_rate", "steps", "sleep"]].to_numpy(), equal_nan=True)


def test_a_personal_model_equals_the_cli(cli, tmp_path):
    """A model with personal_lambda (the v2q fixture): a DataFrame's anchor is
    refitted on itself, as the CLI's default, bit for bit; history_inputs +
    arrays give the same; without the anchors the fill differs."""
    fixture = os.path.join(os.path.dirname(MODEL), "..", "tests", "fixtures", "v2q.safetensors")
    m = wearfm.Model.load(fixture)
    assert m.uses_personal and m.info.anchor_params > 0
    t = pd.date_range("2016-04-12", periods=3 * 1440, freq="min", name="timestamp")
    i = np.arange(len(t))
    hr = 60 + 0.4 * (i % 23) + 3 * (i // 120 % 5)
    hr[(i % 1440 >= 600) & (i % 1440 < 700)] = np.nan
    frame = pd.DataFrame({"heart_rate": hr, "steps": i % 23, "sleep": (i // 90) % 2}, index=t)
    path = tmp_path / "days.csv"
    frame.to_csv(path, date_format="%Y-%m-%dT%H:%M", na_rep="")
    out = tmp_path / "out.csv"
    run_cli(cli, "impute", fixture, path, "-q", "-o", out)
    table = wearfm.read_minutes(path)
    ours = m.impute(table).astype(np.float32)
    _same(ours, pd.read_csv(out, index_col=0, parse_dates=True))
    starts, x = m.windows(table)
    extra = m.history_inputs(table, starts.values.astype("datetime64[m]").astype(np.int64))
    assert extra["anchors"].shape == (len(x), m.info.anchor_params)
    filled = m.impute(x, **extra)
    assert np.array_equal(filled.reshape(-1, 3), ours[["heart_rate", "steps", "sleep"]].to_numpy(), equal_nan=True)
    assert not np.array_equal(m.impute(x, profile=extra["profile"]), filled, equal_nan=True)


def test_impute_with_bands_equals_the_cli(model, cli, tmp_path):
    """`<ch>_low/<ch>_high` from the C core's fill bands, bit for bit as `wearfm impute --bands`."""
    bands = MODEL.replace(".safetensors", ".fill-bands.json")
    table = wearfm.read_minutes(SAMPLE)
    ours = model.impute(table, bands=bands)
    assert {"heart_rate_low", "heart_rate_high", "steps_low", "steps_high"} <= set(ours.columns)
    assert ours["heart_rate_low"].notna().any()
    _same(ours.astype(np.float32), _cli_table(cli, "impute", SAMPLE, tmp_path, "--bands", bands))
    with open(bands, "rb") as f:
        other = f.read().replace(b'"weights_hash": "fnv1a64w:', b'"weights_hash": "fnv1a64w:0', 1)
    with pytest.raises(wearfm.InputError, match="another model"):
        model.impute(table, bands=other)
    with pytest.raises(ValueError, match="DataFrame"):
        model.impute(np.zeros((1, model.info.window_minutes, model.info.n_channels), np.float32), bands=bands)
