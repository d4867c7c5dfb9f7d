#!/usr/bin/python3
"""Writes the small Fitbit account-export (Google Takeout) files the tests read.

No licensed real export of a person is available to this project, so these
are synthetic: made here, by hand-written rules, in the layout and formatting
of Fitbit's own files ("Global Export Data" JSON: `"dateTime" : "MM/DD/YY
HH:MM:SS"`, steps as strings, sleep logs with levels.data/shortData; the
"Physical Activity_GoogleData" CSVs with UTC timestamps). Deterministic:
running it again gives the same bytes. docs/data.md describes the layout."""
import json, math, os, random

out = os.path.dirname(os.path.abspath(__file__))
rnd = random.Random(20240310)

def w(name, text):
    with open(os.path.join(out, name), 'w', newline='\n') as f:
        f.write(text)

def fitbit_json(records):
    # Fitbit's exporter writes `"key" : value` with one record per line.
    def rec(r):
        return '{\n  ' + ',\n  '.join(f'"{k}" : {json.dumps(v, separators=(",", " : "))}' for k, v in r.items()) + '\n}'
    return '[' + ','.join(rec(r) for r in records) + ']'

def us(day, sec):  # MM/DD/YY HH:MM:SS of 2024-03-<day>
    h, m, s = sec // 3600, sec // 60 % 60, sec % 60
    return f'03/{day:02d}/24 {h:02d}:{m:02d}:{s:02d}'

# Heart rate, 2024-03-10 06:00-09:00: a sample every 5-15 s, a walk at 07:30,
# 20 minutes off the wrist at 08:10, and two sensor glitches the rules drop.
hr, t = [], 6 * 3600 + 3
while t < 9 * 3600:
    if not (8 * 3600 + 600 <= t < 8 * 3600 + 1800):
        walk = 7.5 * 3600 <= t < 7.5 * 3600 + 1500
        bpm = round(62 + 6 * math.sin(t / 900) + (38 if walk else 0) + rnd.gauss(0, 2))
        hr.append({'dateTime': us(10, t), 'value': {'bpm': bpm, 'confidence': rnd.choice([2, 3, 3, 3])}})
    t += rnd.choice([5, 5, 10, 15])
hr[40]['value']['bpm'] = 255
hr[41]['value']['bpm'] = 0
w('heart_rate-2024-03-10.json', fitbit_json(hr))

# Steps per minute (Fitbit's file holds a month from its date; here 06:00-09:00 of one day).
steps = []
for m in range(6 * 60, 9 * 60):
    walk = 7 * 60 + 30 <= m < 7 * 60 + 55
    steps.append({'dateTime': us(10, m * 60), 'value': str(rnd.randint(95, 120) if walk else rnd.choice([0, 0, 0, 0, 3, 12, 27]))})
w('steps-2024-03-10.json', fitbit_json(steps))

# One night with sleep stages (data + shortData) and a classic log for a nap.
def iso(day, sec):
    return f'2024-03-{day:02d}T{sec // 3600:02d}:{sec // 60 % 60:02d}:{sec % 60:02d}.000'
levels, t = [], 23 * 3600 + 30 * 60  # 2024-03-09 23:30
for lv, n in [('wake', 600), ('light', 1800), ('deep', 2700), ('light', 3600), ('rem', 1500), ('light', 4200),
              ('deep', 1800), ('rem', 2100), ('light', 3000), ('wake', 300)]:
    day, sec = (9, t) if t < 86400 else (10, t - 86400)
    levels.append({'dateTime': iso(day, sec), 'level': lv, 'seconds': n})
    t += n
short = [{'dateTime': iso(10, 2 * 3600 + 30), 'level': 'wake', 'seconds': 60},
         {'dateTime': iso(10, 4 * 3600 + 900), 'level': 'wake', 'seconds': 90}]
stages = {'logId': 44130012345, 'dateOfSleep': '2024-03-10', 'startTime': iso(9, 23 * 3600 + 1800),
          'endTime': iso(10, t - 86400), 'duration': (t - (23 * 3600 + 1800)) * 1000, 'minutesToFallAsleep': 0,
          'minutesAsleep': 403, 'minutesAwake': 50, 'minutesAfterWakeup': 0, 'timeInBed': (t - 84600) // 60,
          'efficiency': 92, 'type': 'stages', 'infoCode': 0,
          'levels': {'summary': {'deep': {'count': 2, 'minutes': 75}}, 'data': levels, 'shortData': short},
          'mainSleep': True}
nap = {'logId': 44130012399, 'dateOfSleep': '2024-03-10', 'startTime': iso(10, 14 * 3600), 'endTime': iso(10, 14 * 3600 + 1800),
       'duration': 1800000, 'minutesAsleep': 26, 'minutesAwake': 4, 'efficiency': 87, 'type': 'classic', 'infoCode': 0,
       'levels': {'summary': {}, 'data': [{'dateTime': iso(10, 14 * 3600), 'level': 'awake', 'seconds': 120},
                                          {'dateTime': iso(10, 14 * 3600 + 120), 'level': 'asleep', 'seconds': 1200},
                                          {'dateTime': iso(10, 14 * 3600 + 1320), 'level': 'restless', 'seconds': 240},
                                          {'dateTime': iso(10, 14 * 3600 + 1560), 'level': 'asleep', 'seconds': 240}]},
       'mainSleep': False}
w('sleep-2024-03-10.json', fitbit_json([stages, nap]))

# The newer CSVs: UTC timestamps (here a person at UTC-05:00, 2024-03-11 07:00-08:00 local).
rows = ['timestamp,beats per minute']
t = 12 * 3600
while t < 13 * 3600:
    rows.append(f'2024-03-11T{t // 3600:02d}:{t // 60 % 60:02d}:{t % 60:02d}Z,{60 + rnd.randint(0, 9)}.0')
    t += rnd.choice([5, 10])
w('heart_rate_2024-03-11.csv', '\n'.join(rows) + '\n')
rows = ['timestamp,steps']
for m in range(12 * 60, 13 * 60):
    rows.append(f'2024-03-11T{m // 60:02d}:{m % 60:02d}:00Z,{rnd.choice([0, 0, 8, 40, 101])}')
w('steps_2024-03-11.csv', '\n'.join(rows) + '\n')

# A measure this importer does not read (same layout as steps): skipped.
w('calories-2024-03-10.json', fitbit_json([{'dateTime': us(10, 0), 'value': '1.17'}]))
# Fitbit's marker for a measure with no data.
w('heart_rate-2024-03-12.json', 'no data\n')
