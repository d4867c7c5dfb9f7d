#!/usr/bin/python3
"""Writes the small Apple Health export.xml the tests read.

No licensed real export of a person is available to this project, so this
is synthetic: made here by hand-written rules, in the layout of the Health
app's "Export All Health Data" (export.zip -> apple_health_export/export.xml:
the internal DTD, ExportDate, Me, Record elements with sourceName, device,
unit, creationDate/startDate/endDate with the phone's UTC offset, nested
MetadataEntry and HeartRateVariabilityMetadataList, Workout and
ActivitySummary elements the importer does not read). The person crosses
from UTC-05:00 to UTC-04:00 (daylight saving) during the export, and both an
iPhone and a Watch count steps. Deterministic: the same bytes every run."""
import math, os, random

out = os.path.dirname(os.path.abspath(__file__))
rnd = random.Random(20240309)

DTD = '''<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HealthData [
<!-- HealthKit Export Version: 14 -->
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary|ClinicalRecord|Audiogram|VisionPrescription)*)>
<!ATTLIST HealthData
  locale CDATA #REQUIRED
>
<!ELEMENT ExportDate EMPTY>
<!ATTLIST ExportDate
  value CDATA #REQUIRED
>
<!ELEMENT Me EMPTY>
<!ATTLIST Me
  HKCharacteristicTypeIdentifierDateOfBirth         CDATA #REQUIRED
  HKCharacteristicTypeIdentifierBiologicalSex       CDATA #REQUIRED
  HKCharacteristicTypeIdentifierBloodType           CDATA #REQUIRED
  HKCharacteristicTypeIdentifierFitzpatrickSkinType CDATA #REQUIRED
  HKCharacteristicTypeIdentifierCardioFitnessMedicationsUse CDATA #IMPLIED
>
<!ELEMENT Record ((MetadataEntry|HeartRateVariabilityMetadataList)*)>
<!ATTLIST Record
  type          CDATA #REQUIRED
  unit          CDATA #IMPLIED
  value         CDATA #IMPLIED
  sourceName    CDATA #REQUIRED
  sourceVersion CDATA #IMPLIED
  device        CDATA #IMPLIED
  creationDate  CDATA #IMPLIED
  startDate     CDATA #REQUIRED
  endDate       CDATA #REQUIRED
>
<!-- Note: Any Records that appear as children of a correlation also appear as top-level records in this document. -->
<!ELEMENT MetadataEntry EMPTY>
<!ATTLIST MetadataEntry
  key   CDATA #REQUIRED
  value CDATA #REQUIRED
>
<!ELEMENT HeartRateVariabilityMetadataList (InstantaneousBeatsPerMinute*)>
<!ELEMENT InstantaneousBeatsPerMinute EMPTY>
<!ATTLIST InstantaneousBeatsPerMinute
  bpm  CDATA #REQUIRED
  time CDATA #REQUIRED
>
<!ELEMENT Workout ((MetadataEntry|WorkoutEvent|WorkoutRoute|WorkoutStatistics)*)>
<!ATTLIST Workout
  workoutActivityType   CDATA #REQUIRED
  duration              CDATA #IMPLIED
  durationUnit          CDATA #IMPLIED
  sourceName            CDATA #REQUIRED
  sourceVersion         CDATA #IMPLIED
  device                CDATA #IMPLIED
  creationDate          CDATA #IMPLIED
  startDate             CDATA #REQUIRED
  endDate               CDATA #REQUIRED
>
<!ELEMENT ActivitySummary EMPTY>
<!ATTLIST ActivitySummary
  dateComponents           CDATA #IMPLIED
  activeEnergyBurned       CDATA #IMPLIED
  activeEnergyBurnedGoal   CDATA #IMPLIED
  activeEnergyBurnedUnit   CDATA #IMPLIED
  appleExerciseTime        CDATA #IMPLIED
  appleExerciseTimeGoal    CDATA #IMPLIED
  appleStandHours          CDATA #IMPLIED
  appleStandHoursGoal      CDATA #IMPLIED
>
]>
<HealthData locale="en_US">
 <ExportDate value="2024-03-11 09:00:00 -0400"/>
 <Me HKCharacteristicTypeIdentifierDateOfBirth="1990-04-02" HKCharacteristicTypeIdentifierBiologicalSex="HKBiologicalSexFemale" HKCharacteristicTypeIdentifierBloodType="HKBloodTypeNotSet" HKCharacteristicTypeIdentifierFitzpatrickSkinType="HKFitzpatrickSkinTypeNotSet" HKCharacteristicTypeIdentifierCardioFitnessMedicationsUse="None"/>
'''
WATCH = ('Sam’s Apple Watch', '10.3', '&lt;&lt;HKDevice: 0x600002a5c8c0&gt;, name:Apple Watch, manufacturer:Apple Inc., model:Watch, hardware:Watch6,2, software:10.3&gt;')
PHONE = ('Sam’s iPhone', '17.3.1', '&lt;&lt;HKDevice: 0x600002a5d1d0&gt;, name:iPhone, manufacturer:Apple Inc., model:iPhone, hardware:iPhone14,5, software:17.3.1&gt;')

def stamp(day, sec, off):  # 2024-03-<day> local clock, offset in hours
    return f'2024-03-{day:02d} {sec // 3600:02d}:{sec // 60 % 60:02d}:{sec % 60:02d} {off:+03d}00'

def rec(typ, src, unit, value, day, s0, s1, off, children=''):
    name, ver, dev = src
    head = (f' <Record type="{typ}" sourceName="{name}" sourceVersion="{ver}" device="{dev}" ' +
            (f'unit="{unit}" ' if unit else '') +
            f'creationDate="{stamp(day, min(s1 + 40, 86399), off)}" startDate="{stamp(day, s0, off)}" endDate="{stamp(day, s1, off)}" value="{value}"')
    return head + (f'>\n{children} </Record>\n' if children else '/>\n')

body = []
# 2024-03-09 (UTC-05:00): heart rate every ~5 min 07:00-12:00 from the Watch, a walk 09:00-09:30 with dense samples.
t = 7 * 3600
while t < 12 * 3600:
    walk = 9 * 3600 <= t < 9.5 * 3600
    bpm = round(66 + 5 * math.sin(t / 1800) + (40 if walk else 0) + rnd.gauss(0, 2))
    md = '  <MetadataEntry key="HKMetadataKeyHeartRateMotionContext" value="%d"/>\n' % (2 if walk else 1)
    body.append(rec('HKQuantityTypeIdentifierHeartRate', WATCH, 'count/min', bpm, 9, t, t, -5, md))
    t += rnd.randint(5, 12) if walk else rnd.randint(240, 330)
# one HRV record with its beat list (read: not a heart-rate record)
hrv = ''.join(f'   <InstantaneousBeatsPerMinute bpm="{60 + i % 3}" time="7:{10 + i // 60:02d}:{i % 60:02d}.{i * 37 % 100:02d} AM"/>\n' for i in range(0, 50, 5))
body.append(rec('HKQuantityTypeIdentifierHeartRateVariabilitySDNN', WATCH, 'ms', '48.2', 9, 7 * 3600 + 600, 7 * 3600 + 660, -5,
                '  <HeartRateVariabilityMetadataList>\n' + hrv + '  </HeartRateVariabilityMetadataList>\n'))
# a sensor glitch and a rate in count/s (as a third-party app may write it)
body.append(rec('HKQuantityTypeIdentifierHeartRate', WATCH, 'count/min', 400, 9, 11 * 3600 + 5, 11 * 3600 + 5, -5))
body.append(rec('HKQuantityTypeIdentifierHeartRate', ('Strap', '1', ''), 'count/s', '1.5', 9, 11 * 3600 + 65, 11 * 3600 + 65, -5))
# Steps 09:00-09:30: the Watch in records of ~1-5 minutes, the iPhone in records of ~10 minutes of the same walk.
t = 9 * 3600
while t < 9.5 * 3600:
    d = rnd.randint(60, 300)
    body.append(rec('HKQuantityTypeIdentifierStepCount', WATCH, 'count', round(d / 60 * 112), 9, t, t + d, -5))
    t += d
for k in range(3):
    s0 = 9 * 3600 + k * 600
    body.append(rec('HKQuantityTypeIdentifierStepCount', PHONE, 'count', rnd.randint(900, 1100), 9, s0, s0 + 600, -5))
# a little walking later, the iPhone only
body.append(rec('HKQuantityTypeIdentifierStepCount', PHONE, 'count', 57, 9, 11 * 3600 + 20, 11 * 3600 + 95, -5))
body.append(rec('HKQuantityTypeIdentifierActiveEnergyBurned', WATCH, 'Cal', '0.523', 9, 9 * 3600, 9 * 3600 + 60, -5))
body.append(rec('HKQuantityTypeIdentifierBodyMass', PHONE, 'lb', '150', 9, 8 * 3600, 8 * 3600, -5))
# The night of 03-09 to 03-10: in bed (iPhone), stages (Watch). Daylight saving starts at 02:00 on 03-10:
# the Watch writes later times with -0400.
stages = [('InBed', None)]
night = [('AsleepCore', 1500), ('AsleepDeep', 2400), ('AsleepCore', 1800), ('AsleepREM', 1200), ('Awake', 300),
         ('AsleepCore', 3000), ('AsleepREM', 1500), ('AsleepCore', 2100)]
t = 23 * 3600 + 20 * 60  # 23:20 local, 03-09
def at(sec):  # (day, local clock sec, offset) of a moment `sec` from 03-09 00:00 EST
    if sec < 86400: return 9, sec, -5
    if sec < 86400 + 2 * 3600: return 10, sec - 86400, -5
    return 10, sec - 86400 + 3600, -4  # clocks go forward at 02:00
d0, s0, o0 = at(t - 900)
end = t + sum(n for _, n in night)
d1, s1, o1 = at(end + 600)
body.append(f' <Record type="HKCategoryTypeIdentifierSleepAnalysis" sourceName="{PHONE[0]}" sourceVersion="{PHONE[1]}" '
            f'creationDate="{stamp(d1, s1, o1)}" startDate="{stamp(d0, s0, o0)}" endDate="{stamp(d1, s1, o1)}" value="HKCategoryValueSleepAnalysisInBed"/>\n')
for lv, n in night:
    da, sa, oa = at(t)
    db, sb, ob = at(t + n)
    body.append(f' <Record type="HKCategoryTypeIdentifierSleepAnalysis" sourceName="{WATCH[0]}" sourceVersion="{WATCH[1]}" device="{WATCH[2]}" '
                f'creationDate="{stamp(db, sb, ob)}" startDate="{stamp(da, sa, oa)}" endDate="{stamp(db, sb, ob)}" value="HKCategoryValueSleepAnalysis{lv}">\n'
                f'  <MetadataEntry key="HKTimeZone" value="America/New_York"/>\n </Record>\n')
    t += n
body.append(' <Workout workoutActivityType="HKWorkoutActivityTypeWalking" duration="30" durationUnit="min" sourceName="Sam’s Apple Watch" '
            'startDate="2024-03-09 09:00:00 -0500" endDate="2024-03-09 09:30:00 -0500">\n'
            '  <MetadataEntry key="HKIndoorWorkout" value="0"/>\n </Workout>\n')
body.append(' <ActivitySummary dateComponents="2024-03-09" activeEnergyBurned="312.5" activeEnergyBurnedGoal="400" activeEnergyBurnedUnit="Cal"/>\n')
with open(os.path.join(out, 'export.xml'), 'w', newline='\n') as f:
    f.write(DTD + ''.join(body) + '</HealthData>\n')
