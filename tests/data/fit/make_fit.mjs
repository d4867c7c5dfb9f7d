// Writes the FIT files the tests read, with Garmin's own JavaScript FIT SDK
// (@garmin/fitsdk, a test-only dependency in web/package.json):
//   node tests/data/fit/make_fit.mjs
// No licensed real recording of a person is available to the project, so
// these are synthetic, made by hand-written rules, but encoded by Garmin's
// encoder: an activity file (a 25-minute run, heart rate every second, the
// activity message with the local time at UTC-05:00) and a monitoring file
// (a morning's all-day heart rate and cumulative steps of walking and running,
// as a watch writes them). Deterministic: the same bytes every run.
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '../../../web/package.json'));
const { Encoder, Profile } = await import(require.resolve('@garmin/fitsdk'));

let seed = 20240310;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const utc = (h, m, s = 0, day = 10) => new Date(Date.UTC(2024, 2, day, h, m, s));

// Activity: a run on 2024-03-09 13:00-13:25 UTC (08:00-08:25 local), heart rate every second (two dropouts).
{
  const e = new Encoder();
  e.onMesg(Profile.MesgNum.FILE_ID, { manufacturer: 'development', product: 1, serialNumber: 1234, timeCreated: utc(13, 0, 0, 9), type: 'activity' });
  e.onMesg(Profile.MesgNum.EVENT, { timestamp: utc(13, 0, 0, 9), event: 'timer', eventType: 'start' });
  for (let s = 0; s < 25 * 60; s++) {
    if (s >= 600 && s < 640) continue; // the strap lost contact
    const hr = Math.round(95 + 60 * (1 - Math.exp(-s / 240)) + 4 * Math.sin(s / 37) + 2 * (rand() - 0.5));
    e.onMesg(Profile.MesgNum.RECORD, { timestamp: utc(13, 0, s, 9), heartRate: s === 900 ? 254 : hr, distance: s * 3.1, cadence: 84 });
  }
  e.onMesg(Profile.MesgNum.EVENT, { timestamp: utc(13, 25, 0, 9), event: 'timer', eventType: 'stopAll' });
  e.onMesg(Profile.MesgNum.LAP, { messageIndex: 0, timestamp: utc(13, 25, 0, 9), startTime: utc(13, 0, 0, 9), totalElapsedTime: 1500, totalTimerTime: 1500 });
  e.onMesg(Profile.MesgNum.SESSION, { messageIndex: 0, timestamp: utc(13, 25, 0, 9), startTime: utc(13, 0, 0, 9), totalElapsedTime: 1500, totalTimerTime: 1500, sport: 'running', subSport: 'generic', firstLapIndex: 0, numLaps: 1 });
  // local_timestamp: the watch's clock, UTC-05:00 (FIT seconds)
  const fitSeconds = (d) => Math.round(d.getTime() / 1000) - 631065600;
  e.onMesg(Profile.MesgNum.ACTIVITY, { timestamp: utc(13, 25, 0, 9), numSessions: 1, type: 'manual', event: 'activity', eventType: 'stop', localTimestamp: fitSeconds(utc(13, 25, 0, 9)) - 5 * 3600, totalTimerTime: 1500 });
  writeFileSync(path.join(here, 'activity.fit'), e.close());
}

// Monitoring: 2024-03-10 06:00-10:00 UTC, local time UTC+01:00 (monitoring_info).
{
  const e = new Encoder();
  e.onMesg(Profile.MesgNum.FILE_ID, { manufacturer: 'development', product: 1, serialNumber: 1234, timeCreated: utc(6, 0), type: 'monitoringB' });
  const fitSeconds = (d) => Math.round(d.getTime() / 1000) - 631065600;
  e.onMesg(Profile.MesgNum.MONITORING_INFO, { timestamp: utc(6, 0), localTimestamp: fitSeconds(utc(6, 0)) + 3600 });
  let walking = 0, running = 0;
  for (let m = 0; m < 240; m++) {
    const t = utc(6, m);
    // all-day heart rate every 2 minutes, with a full timestamp on the hour and 16-bit ones between
    if (m % 2 === 0) {
      const hr = Math.round(58 + 10 * Math.sin(m / 40) + (m >= 120 && m < 150 ? 70 : 0) + 3 * (rand() - 0.5));
      if (m % 60 === 0) e.onMesg(Profile.MesgNum.MONITORING, { timestamp: t, heartRate: hr });
      else e.onMesg(Profile.MesgNum.MONITORING, { timestamp16: fitSeconds(t) & 0xffff, heartRate: hr });
    }
    // a walk at 07:00-07:40 and a run at 08:00-08:30 UTC: cumulative counts per activity, each minute.
    // cycles has scale 2 and the encoder writes the main field: steps (its subfield, scale 1) = 2 x cycles.
    if (m >= 60 && m < 100) { walking += 90 + Math.round(20 * rand()); e.onMesg(Profile.MesgNum.MONITORING, { timestamp: utc(6, m + 1), cycles: walking / 2, activityType: 'walking', intensity: 3 }); }
    if (m >= 120 && m < 150) { running += 160 + Math.round(10 * rand()); e.onMesg(Profile.MesgNum.MONITORING, { timestamp: utc(6, m + 1), cycles: running / 2, activityType: 'running', intensity: 4 }); }
    if (m % 15 === 14) e.onMesg(Profile.MesgNum.MONITORING, { timestamp: utc(6, m + 1), cycles: 0, activityType: 'cycling' }); // not steps
  }
  writeFileSync(path.join(here, 'monitoring.fit'), e.close());
}
