#!/usr/bin/env python3
"""Checks of tools/demo_report.py's confidence note (the pictures of make
demo say how far off an estimate can be, from make fill-bands): the
shipped bands file's first and last rows appear as they are, and a bands
file measured on another model is refused.

    /usr/bin/python3 tests/test_demo_report.py
"""
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, os.path.join(ROOT, "tools"))
import demo_report  # noqa: E402

BANDS = os.path.join(ROOT, "models", "wearfm-minute-fitabase.fill-bands.json")
failed = 0


def check(ok, what):
    global failed
    print(("ok   " if ok else "FAIL ") + what)
    failed += not ok


with open(BANDS) as f:
    bands = json.load(f)
lines = demo_report.band_notes(bands, {"heart_rate": "bpm"})
check(len(lines) == 1 + len(bands["channels"]), "one line, then one per channel with bands")
hr = bands["channels"]["heart_rate"]["bands"]
first, last = hr[0], hr[-1]
check(f"{first['low']:+g} to {first['high']:+g} bpm {first['from']}–{first['to']} min" in lines[1],
      "heart rate: the nearest band as the file has it")
check(f"{last['low']:+g} to {last['high']:+g} bpm {last['from']}–{last['to']} min" in lines[1],
      "heart rate: the farthest band as the file has it")
check(f"{round(bands['coverage'] * 10)} in 10" in lines[0], "the coverage, in words")
check(demo_report.band_notes(None, {}) == [], "no bands file: no note")

with tempfile.TemporaryDirectory() as d:  # report refuses bands of another model before drawing anything
    other = dict(bands, model=dict(bands["model"], weights_hash="fnv1a64w:0000000000000000"))
    with open(os.path.join(d, "bands.json"), "w") as f:
        json.dump(other, f)
    with open(os.path.join(d, "model.json"), "w") as f:
        json.dump({"weights_hash": bands["model"]["weights_hash"]}, f)
    sample = os.path.join(d, "s.csv")
    with open(sample, "w") as f:
        f.write("timestamp,heart_rate\n2016-04-15T00:00,60\n")
    for name in ("imputed.native.csv", "imputed.wasi.csv"):
        with open(os.path.join(d, name), "w") as f:
            f.write("timestamp,heart_rate\n2016-04-15T00:00,60\n")
    with open(os.path.join(d, "hidden.json"), "w") as f:
        json.dump([], f)
    r = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "demo_report.py"), "report", sample, d,
                        "--bands", os.path.join(d, "bands.json")], capture_output=True, text=True)
    check(r.returncode != 0 and "measured on another model" in r.stderr, "bands of another model are refused")

print(f"{failed} failed" if failed else "all passed")
sys.exit(1 if failed else 0)
