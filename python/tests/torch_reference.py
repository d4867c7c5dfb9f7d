"""Runs the PyTorch reference (tools/wearfm_ref.py) on windows for the parity
test; a separate process because torch lives in another Python:

    /usr/bin/python3 torch_reference.py ROOT MODEL IN.npy OUT.npz
"""
import sys

import numpy as np

root, model_path, x_path, out_path = sys.argv[1:5]
sys.path.insert(0, f"{root}/tools")
import torch  # noqa: E402
from wearfm_ref import load_model  # noqa: E402

m = load_model(model_path, torch.float64)
with torch.no_grad():
    o = m(torch.from_numpy(np.load(x_path)).to(torch.float64))
np.savez(out_path, **{k: o[k].numpy() for k in ("embedding", "imputed", "reconstruction", "fill_probability")
                      if o.get(k) is not None})
