"""The package against the PyTorch reference, within 1e-4 relative
(max|a - b| / max|b|, as tests/parity), on real days and on days with
extra random gaps. Category channels are compared where both pick the same
level: a near-tie of two levels may go either way within float rounding."""
import os
import shutil
import subprocess

import numpy as np

import wearfm
from conftest import MODEL, ROOT, SAMPLE, TORCH_PYTHON, need

BOUND = 1e-4


def rel_err(a, b, where=None):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    sel = np.isfinite(b) if where is None else np.isfinite(b) & where
    return float(np.abs(a[sel] - b[sel]).max() / np.abs(b[sel]).max())


def _torch_available():
    exe = shutil.which(TORCH_PYTHON) or TORCH_PYTHON
    return os.access(exe, os.X_OK) and subprocess.run([exe, "-c", "import torch"], capture_output=True).returncode == 0


def test_embed_impute_reconstruct_match_pytorch(model, tmp_path):
    need(_torch_available(), f"no torch in {TORCH_PYTHON}")
    _, x = model.windows(wearfm.read_minutes(SAMPLE))
    rng = np.random.default_rng(4)
    holed = x.copy()
    holed[rng.random(holed.shape) < 0.5] = np.nan  # half of the minutes hidden at random
    x = np.concatenate([x, holed])
    np.save(tmp_path / "x.npy", x)
    subprocess.run([TORCH_PYTHON, os.path.join(os.path.dirname(__file__), "torch_reference.py"), ROOT, MODEL,
                    str(tmp_path / "x.npy"), str(tmp_path / "ref.npz")], check=True)
    ref = np.load(tmp_path / "ref.npz")
    res = model.run(x, embedding=True, imputed=True, reconstruction=True, fill_probability=True)
    errs = {"embedding": rel_err(res.embedding, ref["embedding"])}
    print("relative errors vs PyTorch:", errs)
    assert errs["embedding"] <= BOUND
    continuous = np.array([c.kind != "category" for c in model.info.channels])
    cont = np.broadcast_to(continuous, x.shape)
    assert rel_err(res.reconstruction, ref["reconstruction"], cont) <= BOUND
    assert rel_err(res.imputed, ref["imputed"], cont) <= BOUND
    same_level = res.imputed == ref["imputed"]
    category = ~cont
    assert same_level[category].mean() > 0.999  # ties aside, the same levels
    assert rel_err(res.fill_probability, ref["fill_probability"], category & same_level) <= BOUND
