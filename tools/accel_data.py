"""Windows of WESAD (Empatica E4: ACC 32 Hz in 1/64 g, BVP 64 Hz) and WISDM
watch accelerometry (20 Hz, m/s^2) at the waveform models' rate, for
tools/accel_train.py and tools/accel_eval.py.

Everything is resampled with tools/waveform_ref.resample (the C core's
resampler) to RATE and converted to g. Windows are cached under
build/accel-cache/ as .npz so training runs do not re-read the CSVs.
"""
import os
import re

import numpy as np

from waveform_ref import resample

RATE = 32              # Hz: the models' rate (E4 ACC's own; PPG content is below 8 Hz)
WINDOW_S = 30          # seconds per window
PATCH_S = 1            # seconds per token
G = 9.80665            # m/s^2 per g
E4_ACC_UNIT = 1 / 64   # g per E4 count
TRIM_S = 60            # condition edges trimmed: the protocol's alignment is approximate
CONDITIONS = ("Base", "TSST", "Fun", "Medi 1", "Medi 2")

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
DATA = os.path.join(ROOT, "..", "shared", "data")
CACHE = os.path.join(ROOT, "build", "accel-cache")
WESAD_SUBJECTS = [f"S{i}" for i in range(2, 18) if i != 12]


def read_e4(path):
    """(start unix s, rate Hz, samples [n, C] float64)."""
    with open(path) as f:
        start = float(f.readline().split(",")[0])
        rate = float(f.readline().split(",")[0])
    x = np.loadtxt(path, delimiter=",", skiprows=2, ndmin=2)
    return start, rate, x


def read_quest(path):
    """[(condition, start s, end s)] from an S*_quest.csv (minutes.seconds)."""
    rows = {}
    for line in open(path, encoding="utf-8", errors="replace"):
        parts = line.strip().split(";")
        if parts[0] in ("# ORDER", "# START", "# END"):
            rows[parts[0][2:]] = [p for p in parts[1:] if p != ""]

    def seconds(s):
        m, _, sec = s.partition(".")
        return 60 * int(m) + (int(sec.ljust(2, "0")) if sec else 0)

    return [(name, seconds(a), seconds(b))
            for name, a, b in zip(rows["ORDER"], rows["START"], rows["END"])]


def wesad_subject(sid):
    """One subject's signals on a common RATE grid starting at the E4 start."""
    d = os.path.join(DATA, "wesad", sid)
    t0, r_acc, acc = read_e4(os.path.join(d, "ACC.csv"))
    t_bvp, r_bvp, bvp = read_e4(os.path.join(d, "BVP.csv"))
    t_hr, r_hr, hr = read_e4(os.path.join(d, "HR.csv"))
    t_eda, r_eda, eda = read_e4(os.path.join(d, "EDA.csv"))
    t_tmp, r_tmp, temp = read_e4(os.path.join(d, "TEMP.csv"))
    assert t_bvp == t0 and t_eda == t0 and t_tmp == t0, sid
    acc = resample(acc * E4_ACC_UNIT, r_acc, RATE)
    bvp = resample(bvp, r_bvp, RATE)
    n = min(len(acc), len(bvp))
    return dict(sid=sid, start=t0, acc=acc[:n].astype(np.float32), bvp=bvp[:n].astype(np.float32),
                hr=hr[:, 0], hr_start=t_hr - t0, hr_rate=r_hr,
                eda=eda[:, 0], eda_rate=r_eda, temp=temp[:, 0], temp_rate=r_tmp,
                conditions=read_quest(os.path.join(d, f"{sid}_quest.csv")))


def _mean_over(series, rate, offset, a, b):
    i0, i1 = int(np.ceil((a - offset) * rate)), int(np.floor((b - offset) * rate))
    seg = series[max(i0, 0):max(i1, 0)]
    return float(seg.mean()) if len(seg) else np.nan


def wesad_windows(sid, stride_s):
    """Windows of one subject: acc [W, T, 3] g, bvp [W, T, 1], start s,
    device heart rate (HR.csv mean over the window), EDA and temperature
    summaries, and the protocol condition ('' outside trimmed conditions)."""
    s = wesad_subject(sid)
    T = WINDOW_S * RATE
    starts = np.arange(0, len(s["acc"]) - T + 1, stride_s * RATE)
    acc = np.stack([s["acc"][i:i + T] for i in starts])
    bvp = np.stack([s["bvp"][i:i + T] for i in starts])
    t = starts / RATE
    hr = np.array([_mean_over(s["hr"], s["hr_rate"], s["hr_start"], a, a + WINDOW_S) for a in t])
    eda = np.array([_mean_over(s["eda"], s["eda_rate"], 0, a, a + WINDOW_S) for a in t])
    temp = np.array([_mean_over(s["temp"], s["temp_rate"], 0, a, a + WINDOW_S) for a in t])
    cond = np.array([""] * len(t), dtype=object)
    for name, a, b in s["conditions"]:
        inside = (t >= a + TRIM_S) & (t + WINDOW_S <= b - TRIM_S)
        cond[inside] = name
    return dict(acc=acc, bvp=bvp.astype(np.float32), t=t, hr=hr, eda=eda, temp=temp,
                cond=cond.astype(str), sid=np.array([sid] * len(t)))


def load_wesad(stride_s=10):
    """All subjects' windows, cached. Keys as wesad_windows, concatenated."""
    os.makedirs(CACHE, exist_ok=True)
    path = os.path.join(CACHE, f"wesad-{RATE}hz-{WINDOW_S}s-stride{stride_s}.npz")
    if not os.path.exists(path):
        parts = [wesad_windows(sid, stride_s) for sid in WESAD_SUBJECTS]
        np.savez(path, **{k: np.concatenate([p[k] for p in parts]) for k in parts[0]})
    z = np.load(path)
    return {k: z[k] for k in z.files}


WISDM_ACTIVITIES = {"A": "walking", "B": "jogging", "C": "stairs", "D": "sitting",
                    "E": "standing", "M": "kicking"}
WISDM_RATE = 20


def wisdm_raw():
    """{(subject, activity): [n, 3] m/s^2 at 20 Hz}: each subject's activity
    is one contiguous recording in the file."""
    out = {}
    d = os.path.join(DATA, "wisdm")
    for name in sorted(os.listdir(d)):
        m = re.match(r"data_(\d+)_accel_watch\.txt$", name)
        if not m:
            continue
        rows = [line.strip().rstrip(";").split(",") for line in open(os.path.join(d, name))]
        rows = [r for r in rows if len(r) == 5]
        codes = np.array([r[1] for r in rows])
        xyz = np.array([[float(v) for v in r[2:]] for r in rows])
        for code, activity in WISDM_ACTIVITIES.items():
            seg = xyz[codes == code]
            if len(seg) >= WINDOW_S * WISDM_RATE:
                out[(m.group(1), activity)] = seg
    return out


def wisdm_windows(stride_s=10):
    """WISDM watch accelerometer windows: acc [W, T, 3] g, activity, subject,
    in the order of wisdm_raw() and of time within a recording."""
    os.makedirs(CACHE, exist_ok=True)
    path = os.path.join(CACHE, f"wisdm-{RATE}hz-{WINDOW_S}s-stride{stride_s}.npz")
    if not os.path.exists(path):
        acc, act, sub = [], [], []
        T = WINDOW_S * RATE
        for (subject, activity), seg in wisdm_raw().items():
            y = resample(seg / G, WISDM_RATE, RATE)
            for i in range(0, len(y) - T + 1, stride_s * RATE):
                acc.append(y[i:i + T])
                act.append(activity)
                sub.append(subject)
        np.savez(path, acc=np.stack(acc).astype(np.float32), activity=np.array(act),
                 subject=np.array(sub))
    z = np.load(path)
    return {k: z[k] for k in z.files}


if __name__ == "__main__":
    w = load_wesad()
    print({k: v.shape for k, v in w.items()})
    print("conditions", {c: int((w["cond"] == c).sum()) for c in set(w["cond"])})
    print("hr nan", int(np.isnan(w["hr"]).sum()), "acc nan", int(np.isnan(w["acc"]).sum()))
    v = wisdm_windows()
    print({k: v[k].shape for k in v}, {a: int((v["activity"] == a).sum()) for a in set(v["activity"])})
