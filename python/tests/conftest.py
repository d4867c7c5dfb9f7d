"""Paths the tests share. Each can be set from the environment, so the suite
runs from any venv: WEARFM_ROOT (the checkout), WEARFM_MODEL, WEARFM_CLI (the
native CLI built from the same sources), WEARFM_FITABASE (the real exports),
WEARFM_TORCH_PYTHON (a Python with torch for the PyTorch reference)."""
import os
import subprocess

import pytest

ROOT = os.environ.get("WEARFM_ROOT", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def _path(env, default):
    return os.path.abspath(os.environ.get(env, os.path.join(ROOT, default)))


MODEL = _path("WEARFM_MODEL", "models/wearfm-minute-fitabase.safetensors")
CLI = _path("WEARFM_CLI", "build/native/wearfm")
SAMPLE = _path("WEARFM_SAMPLE", "data/sample/fitabase_4020332650.csv")
FITABASE = _path("WEARFM_FITABASE", "../shared/data/fitabase")
TORCH_PYTHON = os.environ.get("WEARFM_TORCH_PYTHON", "/usr/bin/python3")
# Set by `make test`: what is missing then fails instead of skipping.
REQUIRE_ALL = os.environ.get("WEARFM_REQUIRE_ALL") == "1"


def need(ok: bool, what: str):
    if not ok:
        if REQUIRE_ALL:
            pytest.fail(f"{what} (required with WEARFM_REQUIRE_ALL=1)")
        pytest.skip(what)


@pytest.fixture(scope="session")
def model():
    import wearfm
    return wearfm.Model.load(MODEL)


@pytest.fixture(scope="session")
def cli():
    need(os.access(CLI, os.X_OK), f"no native CLI at {CLI} (make native)")
    return CLI


@pytest.fixture(scope="session")
def fitabase():
    # The real cohort is not in the repository (only a small derived sample
    # is): with WEARFM_FITABASE set, it must be there; without, the tests on
    # it are skipped where ../shared/data is absent (a CI machine).
    if not os.path.isdir(FITABASE) and REQUIRE_ALL and not os.environ.get("WEARFM_FITABASE"):
        pytest.skip(f"no Fitabase exports at {FITABASE} (set WEARFM_FITABASE to require them)")
    need(os.path.isdir(FITABASE), f"no Fitabase exports at {FITABASE}")
    return FITABASE


@pytest.fixture(scope="session")
def fitabase_minutes(tmp_path_factory, cli, fitabase):
    """The CLI's import of the real exports: one minute CSV per person."""
    out = tmp_path_factory.mktemp("fitabase-minutes")
    files = sorted(os.path.join(fitabase, f) for f in os.listdir(fitabase) if f.endswith(".csv"))
    subprocess.run([cli, "import", "fitabase", *files, "-o", str(out), "-q"], check=True)
    return out


def run_cli(cli, *args):
    return subprocess.run([cli, *map(str, args)], check=True, capture_output=True, text=True).stdout
