"""The PyTorch reference of waveform models (tools/waveform_ref.py) for the
package's tests; a separate process because torch lives in another Python:

    /usr/bin/python3 torch_waveform_reference.py make ROOT OUT.safetensors SEED
        a random accelerometer student (tools/accel_train.py config('accelerometer',
        proj_dim=64): 960 samples x 3 at 32 Hz, 30 tokens, 64/3/4/256, projection 64)
    /usr/bin/python3 torch_waveform_reference.py run ROOT MODEL IN.npy OUT.npy
        embeddings [B, E] of windows [B, T, C] (float64 forward; NaN for a window
        with no visible token)
"""
import sys

import numpy as np

mode, root = sys.argv[1:3]
sys.path.insert(0, f"{root}/tools")
import torch  # noqa: E402
from waveform_ref import WaveformEncoder, load_waveform, save_waveform  # noqa: E402

if mode == "make":
    from accel_train import config  # noqa: E402
    torch.manual_seed(int(sys.argv[4]))
    model = WaveformEncoder(config("accelerometer", proj_dim=64))
    with torch.no_grad():  # LayerNorms away from 1 / 0, so they are exercised
        for name, p in model.named_parameters():
            if "norm" in name:
                p.add_(0.1 * torch.randn_like(p))
    save_waveform(sys.argv[3], model)
elif mode == "run":
    model_path, x_path, out_path = sys.argv[3:6]
    m = load_waveform(model_path).double()
    with torch.no_grad():
        e = m(torch.from_numpy(np.load(x_path)).to(torch.float64))
    np.save(out_path, e.numpy())
else:
    raise SystemExit(f"unknown mode {mode!r}")
