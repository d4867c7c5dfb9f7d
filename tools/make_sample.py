"""Builds the bundled demo/test sample: a few real user-days from the
Fitabase export (Furberg et al. 2016, Zenodo 53894, CC BY 4.0), as a
generic minute CSV (timestamp,heart_rate,steps,intensity,sleep_state).

heart_rate is the per-minute mean of the 5-15 s samples; steps and
intensity are copied; sleep_state is the Fitbit code (1 asleep, 2 restless,
3 awake) inside sleep logs and empty outside them. Nothing is imputed.
This is a stop-gap until the C importers (issue 3) produce the same thing.

usage: python3 tools/make_sample.py ../shared/data/fitabase OUT.csv USER:YYYY-MM-DD [...]
"""
import csv
import datetime as dt
import sys
from collections import defaultdict


def parse_time(s):
    return dt.datetime.strptime(s.strip(), "%m/%d/%Y %I:%M:%S %p")


def main():
    src, out, picks = sys.argv[1], sys.argv[2], sys.argv[3:]
    wanted = defaultdict(set)
    for p in picks:
        user, day = p.split(":")
        wanted[user].add(dt.date.fromisoformat(day))

    def keep(user, t):
        return user in wanted and t.date() in wanted[user]

    rows = defaultdict(lambda: [[], None, None, None])  # (user, minute) -> [hr samples, steps, intensity, sleep]
    with open(f"{src}/heartrate_seconds_merged.csv") as f:
        for r in csv.DictReader(f):
            t = parse_time(r["Time"])
            if keep(r["Id"], t):
                rows[(r["Id"], t.replace(second=0))][0].append(float(r["Value"]))
    for name, slot in (("minuteStepsWide_merged.csv", 1), ("minuteIntensitiesWide_merged.csv", 2)):
        with open(f"{src}/{name}") as f:
            reader = csv.reader(f)
            header = next(reader)
            for r in reader:
                hour = parse_time(r[1])
                if not keep(r[0], hour):
                    continue
                for m, v in enumerate(r[2:]):
                    rows[(r[0], hour + dt.timedelta(minutes=m))][slot] = v
    with open(f"{src}/minuteSleep_merged.csv") as f:
        for r in csv.DictReader(f):
            t = parse_time(r["date"])
            if keep(r["Id"], t):
                rows[(r["Id"], t.replace(second=0))][3] = r["value"]

    with open(out, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        for user in sorted(wanted):
            pass
        w.writerow(["timestamp", "heart_rate", "steps", "intensity", "sleep_state"])
        for user in sorted(wanted):
            for day in sorted(wanted[user]):
                start = dt.datetime.combine(day, dt.time())
                for m in range(1440):
                    t = start + dt.timedelta(minutes=m)
                    hr, steps, inten, sleep = rows.get((user, t), [[], None, None, None])
                    w.writerow([t.strftime("%Y-%m-%dT%H:%M"),
                                f"{sum(hr) / len(hr):.2f}" if hr else "",
                                steps or "", inten or "", sleep or ""])


if __name__ == "__main__":
    main()
