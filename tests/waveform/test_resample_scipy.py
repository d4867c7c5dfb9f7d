"""tools/waveform_ref.resample against scipy.signal.resample_poly(x, up, down,
padtype='edge'), whose default filter (Kaiser beta 5, 10 max(up, down) taps
each side) it reimplements; the C core is tested against waveform_ref in
tests/test_resample.c. Also checks that tests/waveform/resample_cases.h is as
its generator writes it.

    /usr/bin/python3 tests/waveform/test_resample_scipy.py

waveform_ref needs torch (/usr/bin/python3 has it); scipy lives in the test
venv build/pyvenv (scripts/setup.sh installs it), so scipy's side runs there,
in a child process, on arrays passed through an .npz file. Without scipy
anywhere the comparison is skipped with a message (exit 0)."""
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TOL = 1e-12
RATES = [25, 31.25, 32, 50, 52, 64, 100, 125, 200]


def scipy_side(inp, out):
    """Runs in the venv: resample_poly on every array of inp."""
    from scipy.signal import resample_poly
    d = np.load(inp)
    res = {}
    for k in d.files:
        if k.startswith("x_"):
            up, down = (int(v) for v in d["ud_" + k[2:]])
            res["y_" + k[2:]] = resample_poly(d[k], up, down, axis=0, padtype="edge")
    np.savez(out, **res)


def scipy_python():
    """An interpreter with scipy: this one, or the test venv's."""
    try:
        import scipy.signal  # noqa: F401
        return sys.executable
    except ImportError:
        pass
    venv = os.path.join(ROOT, "build", "pyvenv", "bin", "python")
    if os.path.exists(venv) and subprocess.run([venv, "-c", "import scipy.signal"],
                                               capture_output=True).returncode == 0:
        return venv
    return None


def cases(ref):
    """(name, x, up, down, compare): whole NaN-free signals, and gappy ones
    whose runs start at an output time (then each run is resample_poly of
    the run alone, its first outputs)."""
    rng = np.random.default_rng(3)
    out = []
    pairs = [(a, b) for a in RATES for b in RATES if a != b]
    pairs += [(64.0, 30.7), (31.25, 20.123456789), (100.0, 1.0 / 3), (32.0, 32.0)]
    for a, b in pairs:
        up, down = ref.rate_ratio(a, b)
        C = 3 if (up + down) % 3 == 0 else 1
        n = int(rng.integers(1, 400))
        x = np.cumsum(rng.standard_normal((n, C)), 0) * 0.1 + rng.standard_normal((n, C)) * 0.05
        out.append((f"{a:g} -> {b:g} Hz, n={n}, C={C}", x, a, b, up, down))
    return out


def main():
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    import waveform_ref as ref

    subprocess.run([sys.executable, os.path.join(HERE, "make_resample_cases.py"), "--check"], check=True)
    py = scipy_python()
    if py is None:
        print("SKIP: scipy is not installed here nor in build/pyvenv (scripts/setup.sh installs it from PyPI)")
        return 0
    cs = cases(ref)
    # gaps: runs that start at output times (index a multiple of down / gcd)
    rng = np.random.default_rng(4)
    gappy = []
    for a, b in [(32, 25), (25, 64), (64, 25), (100, 31.25), (50, 52)]:
        up, down = ref.rate_ratio(a, b)
        step = down  # i * up is a multiple of down
        x = rng.standard_normal(6 * step + 50)
        runs = [(0, step - 3), (step, step + 1), (2 * step, 2 * step + 7), (3 * step, 6 * step + 50)]
        mask = np.ones_like(x, bool)
        for i, j in runs:
            mask[i:j] = False
        x[mask] = np.nan
        gappy.append((a, b, up, down, x, runs))
    with tempfile.TemporaryDirectory() as tmp:
        inp, outp = os.path.join(tmp, "in.npz"), os.path.join(tmp, "out.npz")
        arrays = {}
        for i, (_, x, _, _, up, down) in enumerate(cs):
            arrays[f"x_{i}"], arrays[f"ud_{i}"] = x, np.array([up, down])
        for g, (_, _, up, down, x, runs) in enumerate(gappy):
            for r, (i, j) in enumerate(runs):
                arrays[f"x_g{g}_{r}"], arrays[f"ud_g{g}_{r}"] = x[i:j], np.array([up, down])
        np.savez(inp, **arrays)
        subprocess.run([py, os.path.abspath(__file__), "--scipy", inp, outp], check=True)
        got = dict(np.load(outp))
    worst, bad = 0.0, 0
    for i, (name, x, a, b, up, down) in enumerate(cs):
        # outputs after the last sample's time are outside the run: NaN in
        # waveform_ref, extrapolated by scipy
        y, s = ref.resample(x, a, b), got[f"y_{i}"]
        k1 = (len(x) - 1) * up // down
        err = np.max(np.abs(y[:k1 + 1] - s[:k1 + 1]))
        worst = max(worst, err)
        if not (y.shape == s.shape and err <= TOL and np.isnan(y[k1 + 1:]).all()):
            bad += 1
            print(f"FAIL {name}: shape {y.shape} vs {s.shape}, max error {err:.3g}")
    for g, (a, b, up, down, x, runs) in enumerate(gappy):
        y = ref.resample(x, a, b)
        for r, (i, j) in enumerate(runs):
            k0, k1 = i * up // down, (j - 1) * up // down
            s = got[f"y_g{g}_{r}"][: k1 - k0 + 1]
            err = np.max(np.abs(y[k0:k1 + 1] - s))
            worst = max(worst, err)
            if err > TOL or np.isnan(y[k0:k1 + 1]).any():
                bad += 1
                print(f"FAIL {a} -> {b} Hz, run [{i}, {j}): max error {err:.3g}")
        # outputs outside every run are missing
        inside = np.zeros(len(y), bool)
        for i, j in runs:
            inside[-(-i * up // down): (j - 1) * up // down + 1] = True
        if not np.isnan(y[~inside]).all():
            bad += 1
            print(f"FAIL {a} -> {b} Hz: an output outside every run is not NaN")
    n = len(cs) + sum(len(g[5]) for g in gappy)
    print(f"waveform_ref.resample vs scipy resample_poly(padtype='edge'): {n} signals and runs, "
          f"max abs. error {worst:.3g} (tolerance {TOL:g}); {bad} failed")
    return 1 if bad else 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--scipy":
        scipy_side(sys.argv[2], sys.argv[3])
    else:
        sys.exit(main())
