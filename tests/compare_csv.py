#!/usr/bin/env python3
"""Compares two CSV outputs of the CLI cell by cell: the same header, rows
and text cells; numbers within |a - b| <= rtol * max(1, |a|) (empty cells
empty in both). --differ also requires some number to differ (a check that
two builds really ran different code). Prints the largest difference.

usage: tests/compare_csv.py A.csv B.csv [--rtol R] [--differ]
"""
import argparse
import csv
import math
import sys


def number(s):
    try:
        return float(s)
    except ValueError:
        return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--rtol", type=float, default=1e-5)
    ap.add_argument("--differ", action="store_true")
    args = ap.parse_args()
    with open(args.a, newline="") as fa, open(args.b, newline="") as fb:
        ra, rb = list(csv.reader(fa)), list(csv.reader(fb))
    if not ra or ra[0] != rb[0] or len(ra) != len(rb):
        print(f"{args.a} and {args.b}: different headers or row counts ({len(ra)} / {len(rb)} rows)")
        return 1
    worst, where, differing, cells = 0.0, None, 0, 0
    for i, (x, y) in enumerate(zip(ra[1:], rb[1:]), start=2):
        if len(x) != len(y):
            print(f"line {i}: {len(x)} / {len(y)} fields")
            return 1
        for col, u, v in zip(ra[0], x, y):
            nu, nv = number(u), number(v)
            if nu is None or nv is None or math.isnan(nu) or math.isnan(nv):
                if u != v:
                    print(f"line {i}, {col}: '{u}' / '{v}'")
                    return 1
                continue
            cells += 1
            rel = abs(nu - nv) / max(1.0, abs(nu))
            differing += nu != nv
            if rel > worst:
                worst, where = rel, (i, col, u, v)
    print(f"{cells} numbers, {differing} differ; largest |a - b| / max(1, |a|) = {worst:.3g}"
          + (f" (line {where[0]}, {where[1]}: {where[2]} / {where[3]})" if where else ""))
    if worst > args.rtol:
        print(f"above rtol {args.rtol:g}")
        return 1
    if args.differ and differing == 0:
        print("no number differs, though the two runs should have used different kernels")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
