// The export importers (Fitbit's account export, Apple Health, Garmin FIT)
// in the Emscripten build, through web/src/core.js as the worker runs them,
// must give the native CLI's minute CSV exactly (`wearfm import <kind>`);
// the page's routing of files (web/src/exports.js) is checked here too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WearfmCore } from '../src/core.js';
import { exportKind } from '../src/exports.js';
import { loadCoreModule, root, build } from '../testlib/load-core.mjs';
import { nativeImport, sameTable } from '../testlib/native-import.mjs';

const takeoutDir = path.join(root, 'tests/data/takeout');
const takeoutFiles = readdirSync(takeoutDir).filter((f) => /\.(json|csv)$/.test(f)).sort().map((f) => path.join(takeoutDir, f));

test('the Fitbit account export reads as the native CLI reads it (JSON and CSV, UTC moved to -05:00)', async () => {
  const c = new WearfmCore(await loadCoreModule());
  const res = c.importExport('takeout', takeoutFiles.map((f) => ({ name: path.basename(f), bytes: readFileSync(f) })), { utcOffsetMinutes: -300 });
  const csv = nativeImport('takeout', takeoutFiles, ['--utc-offset', '-05:00']);
  sameTable(res.table, csv);
  assert.equal(res.files.length, 6);
  assert.deepEqual(res.skipped.map((f) => f.name), ['calories-2024-03-10.json']);
  assert.equal(res.counts.records, 1811);
  const hr = res.dropped.find((d) => d.channel === 'heart_rate');
  assert.equal(hr.above, 1);
  assert.equal(hr.below, 1);
  assert.equal(c.session, null, 'the import was freed');
});

test('a malformed Takeout file throws with its name and record; the core keeps no import', async () => {
  const c = new WearfmCore(await loadCoreModule());
  const bad = new TextEncoder().encode('[{"dateTime":"03/10/24 08:00:05","value":{"bpm":60}},{"dateTime":"x","value":{"bpm":1}}]');
  assert.throws(() => c.importExport('takeout', [{ name: 'heart_rate-2024-03-10.json', bytes: bad }]), /heart_rate-2024-03-10\.json: record 2 \(byte 54\): "dateTime" is not/);
  assert.equal(c.session, null);
  assert.throws(() => c.importExport('takeout', [{ name: 'heart_rate-2024-03-12.json', bytes: new TextEncoder().encode('no data') }]), /no data/);
  assert.throws(() => c.importBegin('tcx'), /unknown export kind/);
});

test("an import that keeps nothing says so in the CLI's words, naming the files (the core's wfm_import_no_data_message)", async () => {
  const cases = [
    ['calories-2024-03-10.json'],                                // no file of a kind the importer reads
    ['heart_rate-2024-03-12.json', 'calories-2024-03-10.json'], // one read ("no data" inside), one skipped
  ];
  for (const names of cases) {
    const files = names.map((n) => path.join(takeoutDir, n));
    let cliWords = null;
    try { nativeImport('takeout', files); } catch (e) {
      assert.equal(e.status, 5, names.join(' '));
      cliWords = String(e.stderr).split('\n').find((l) => l.startsWith('wearfm: no data:')).replace(/^wearfm: /, '');
    }
    assert.ok(cliWords && cliWords.includes(names[0]), `the CLI names ${names[0]}: ${cliWords}`);
    const c = new WearfmCore(await loadCoreModule());
    assert.throws(() => c.importExport('takeout', files.map((f) => ({ name: path.basename(f), bytes: readFileSync(f) }))),
      (e) => e.noData === true && e.message === cliWords, names.join(' '));
  }
});

test("timeZone 'local': UTC times take the browser's zone at their own instant, as the CLI's --tz (daylight saving)", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wfm-tz-'));
  const csv = path.join(dir, 'steps_dst.csv');
  writeFileSync(csv, 'timestamp,steps\n2024-03-10T06:30:00Z,5\n2024-03-10T07:30:00Z,6\n2024-03-31T00:30:00Z,10\n' +
    '2024-03-31T01:30:00Z,20\n2024-10-27T00:30:00Z,30\n2024-10-27T01:30:00Z,40\n2024-11-03T05:30:00Z,7\n2024-11-03T06:30:00Z,8\n');
  const before = process.env.TZ;
  try {
    for (const zone of ['Europe/Berlin', 'America/New_York', 'Asia/Kolkata']) {
      process.env.TZ = zone; // the browser's zone, as Date sees it
      const c = new WearfmCore(await loadCoreModule());
      const web = c.importExport('takeout', [{ name: 'steps_dst.csv', bytes: readFileSync(csv) }], { timeZone: 'local' });
      sameTable(web.table, nativeImport('takeout', [csv], ['--tz', zone]));
      const utc = nativeImport('takeout', [csv]);
      assert.ok(web.table.values.some((v, i) => !Object.is(v, utc.values[i])), `${zone}: not the UTC table`);
    }
  } finally {
    if (before === undefined) delete process.env.TZ; else process.env.TZ = before;
  }
  const c = new WearfmCore(await loadCoreModule());
  assert.throws(() => c.importBegin('takeout', { timeZone: 'local', utcOffsetMinutes: 60 }), /not both/);
  assert.throws(() => c.importBegin('takeout', { timeZone: 'Europe/Berlin' }), /only 'local'/);
});

test('files are routed to the importer that reads them', () => {
  const enc = (s) => new TextEncoder().encode(s);
  assert.equal(exportKind('heart_rate-2024-03-10.json', enc('[{')), 'takeout');
  assert.equal(exportKind('calories-2024-03-10.json', enc('[{')), 'takeout'); // skipped by the core, counted
  assert.equal(exportKind('heart_rate_2024-03-11.csv', enc('timestamp,beats per minute\n')), 'takeout');
  assert.equal(exportKind('renamed.csv', enc('timestamp,steps\r\n')), 'takeout');
  assert.equal(exportKind('day.csv', enc('timestamp,heart_rate,steps\n')), null); // a minute table
  assert.equal(exportKind('export.xml', enc('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE HealthData [\n')), 'apple-health');
  assert.equal(exportKind('other.xml', enc('<?xml version="1.0"?><gpx>')), null);
  const fit = new Uint8Array(14);
  fit.set([14, 0x20, 0, 0, 0, 0, 0, 0, 0x2e, 0x46, 0x49, 0x54], 0);
  assert.equal(exportKind('2024-03-10-08-00-00.bin', fit), 'fit');
  assert.equal(exportKind('minuteSleep_merged.csv', enc('Id,date,value,logId\n')), null);
});

const appleXml = path.join(root, 'tests/data/apple_health/export.xml');

test('Apple Health export.xml, streamed in slices, reads as the native CLI reads it', async () => {
  const c = new WearfmCore(await loadCoreModule());
  const bytes = readFileSync(appleXml), csv = nativeImport('apple-health', [appleXml]);
  for (const slice of [bytes.length, 4096, 777]) {
    c.importBegin('apple-health');
    for (let at = 0; at < bytes.length; at += slice) c.importFeed(bytes.subarray(at, at + slice), 'export.xml');
    const res = c.importFinish();
    sameTable(res.table, csv);
    assert.deepEqual(res.files, [{ name: 'export.xml', kind: 'apple health xml' }]);
    assert.equal(res.dropped.find((d) => d.channel === 'heart_rate').above, 1);
  }
  assert.equal(c.session, null);
});

test('a damaged export.xml throws with its line; an entity declaration is refused', async () => {
  const c = new WearfmCore(await loadCoreModule());
  const cut = readFileSync(appleXml).subarray(0, 3000);
  assert.throws(() => c.importExport('apple-health', [{ name: 'export.xml', bytes: cut }]), /export\.xml: line \d+, column \d+: /);
  const entity = new TextEncoder().encode('<?xml version="1.0"?>\n<!DOCTYPE HealthData [\n<!ENTITY a "x">\n]>\n<HealthData>&a;</HealthData>\n');
  assert.throws(() => c.importExport('apple-health', [{ name: 'e.xml', bytes: entity }]), /e\.xml: line 3, .*declares an entity/);
  assert.equal(c.session, null);
});

const fitFiles = ['activity.fit', 'monitoring.fit'].map((f) => path.join(root, 'tests/data/fit', f));

test('Garmin FIT files read as the native CLI reads them', async () => {
  const c = new WearfmCore(await loadCoreModule());
  const res = c.importExport('fit', fitFiles.map((f) => ({ name: path.basename(f), bytes: readFileSync(f) })));
  sameTable(res.table, nativeImport('fit', fitFiles));
  assert.equal(res.files.length, 2);
});

// Garmin's own decoder (@garmin/fitsdk) on the same files: the core's minute
// table must hold what it decodes, in the files' own local time.
test("the core's FIT decoder agrees with Garmin's SDK decoder", async () => {
  const { Decoder, Stream } = await import('@garmin/fitsdk');
  const decode = (f) => {
    const d = new Decoder(Stream.fromByteArray(readFileSync(f)));
    assert.ok(d.checkIntegrity(), `${f}: Garmin's checkIntegrity`);
    const { messages, errors } = new Decoder(Stream.fromByteArray(readFileSync(f))).read({ convertDateTimesToDates: false });
    assert.deepEqual(errors, []);
    return messages;
  };
  const csv = nativeImport('fit', fitFiles), C = csv.channels.length;
  const start = Date.UTC(...csv.first.split(/[-T:]/).map((v, i) => (i === 1 ? v - 1 : +v))) / 60000;
  const cellAt = (localSec, ch) => csv.values[(Math.floor(localSec / 60) - start) * C + csv.channels.indexOf(ch)];
  const FIT_EPOCH = 631065600;

  // activity: heart rate per local minute, the mean of the plausible samples
  const act = decode(fitFiles[0]);
  const offset = act.activityMesgs[0].localTimestamp - act.activityMesgs[0].timestamp;
  const minutes = new Map();
  for (const r of act.recordMesgs) {
    if (!(r.heartRate >= 25 && r.heartRate <= 250)) continue;
    const m = Math.floor((r.timestamp + FIT_EPOCH + offset) / 60);
    const s = minutes.get(m) ?? [0, 0];
    minutes.set(m, [s[0] + r.heartRate, s[1] + 1]);
  }
  assert.ok(minutes.size >= 24);
  for (const [m, [sum, n]] of minutes) assert.equal(cellAt(m * 60, 'heart_rate'), Math.fround(sum / n), `minute ${m}`);

  // monitoring: all-day heart rate (16-bit timestamps) and the day's steps per activity
  const mon = decode(fitFiles[1]);
  const moff = mon.monitoringInfoMesgs[0].localTimestamp - mon.monitoringInfoMesgs[0].timestamp;
  let last = 0, hrChecked = 0;
  const lastSteps = {};
  for (const m of mon.monitoringMesgs) {
    if (m.timestamp != null) last = m.timestamp;
    else if (m.timestamp16 != null) last += (m.timestamp16 - (last & 0xffff)) & 0xffff;
    if (m.heartRate != null) { assert.equal(cellAt(last + FIT_EPOCH + moff, 'heart_rate'), m.heartRate); hrChecked++; }
    if (m.steps != null) lastSteps[m.activityType] = m.steps;
  }
  assert.ok(hrChecked >= 100);
  let tableSteps = 0;
  const k = csv.channels.indexOf('steps');
  for (let i = k; i < csv.values.length; i += C) if (!Number.isNaN(csv.values[i])) tableSteps += csv.values[i];
  assert.equal(tableSteps, lastSteps.walking + lastSteps.running);
});

test('a damaged FIT file throws naming the byte', async () => {
  const c = new WearfmCore(await loadCoreModule());
  const b = new Uint8Array(readFileSync(fitFiles[1]));
  b[200] ^= 0x10;
  assert.throws(() => c.importExport('fit', [{ name: 'monitoring.fit', bytes: b }]), /monitoring\.fit: byte \d+: the file's CRC does not match/);
  assert.equal(c.session, null);
});

// Real FIT files from Garmin devices (scripts/setup.sh fetches them: the
// testdata of github.com/muktihari/fit, with Garmin's SDK examples). Every
// one reads in the page as in the CLI, or both refuse it; where it has heart
// rate, the minute table holds what Garmin's own decoder finds: the records'
// heart rate, and in the minutes without it the heart rate a strap stored in
// hr messages (a swim's HRM-Swim/HRM-Pro data), at each event's time.
const realFitDir = path.join(build, 'third-party/fit-testdata');

test('real FIT files: the page reads each as the CLI does, or both refuse it', async () => {
  const files = readdirSync(realFitDir).filter((f) => f.endsWith('.fit')).sort();
  assert.ok(files.length >= 15, `${realFitDir}: the real FIT files are missing (scripts/setup.sh fetches them)`);
  let read = 0;
  for (const f of files) {
    const p = path.join(realFitDir, f);
    let csv = null;
    let refused = null;
    try { csv = nativeImport('fit', [p]); } catch (e) {
      assert.ok(e.status > 0, `${f}: the CLI exited with ${e.status}`);
      refused = String(e.stderr).trim().split('\n').pop().replace(/^wearfm: /, '');
    }
    const c = new WearfmCore(await loadCoreModule());
    if (csv) {
      sameTable(c.importExport('fit', [{ name: f, bytes: readFileSync(p) }]).table, csv);
      read++;
    } else {
      // the same words as the CLI's last line (a file without heart rate or steps: "no data: ...")
      assert.throws(() => c.importExport('fit', [{ name: f, bytes: readFileSync(p) }]), (e) => e.message.includes(refused), f);
    }
  }
  assert.ok(read >= 5, `${read} files read`);
});

test("real FIT files: heart rate per minute as Garmin's decoder gives it, stored hr messages included", async () => {
  const { Decoder, Stream } = await import('@garmin/fitsdk');
  const FIT_EPOCH = 631065600;
  const checked = {};
  for (const f of ['activity_lowbattery.fit', 'activity_poolswim_with_hr.fit', 'HrmPluginTestActivity.fit', 'Activity.fit']) {
    const p = path.join(realFitDir, f);
    const { messages, errors } = new Decoder(Stream.fromByteArray(readFileSync(p)))
      .read({ convertDateTimesToDates: false, mergeHeartRates: false });
    assert.deepEqual(errors, [], f);
    const offset = messages.activityMesgs[0].localTimestamp - messages.activityMesgs[0].timestamp;
    const recordHr = (messages.recordMesgs ?? []).filter((r) => r.heartRate != null).map((r) => [r.timestamp, r.heartRate]);
    const covered = new Set(recordHr.map(([t]) => Math.floor(t / 60)));
    const stored = [];
    let anchorT = null, anchorEv = null;
    for (const h of messages.hrMesgs ?? []) {
      const ev = [h.eventTimestamp].flat(), bpm = [h.filteredBpm].flat();
      if (h.timestamp != null) { anchorT = h.timestamp + (h.fractionalTimestamp ?? 0); anchorEv = ev[0]; }
      ev.forEach((e, i) => {
        if (bpm[i] == null) return;
        const t = Math.floor(anchorT + (e < anchorEv ? e + 0x400000 : e) - anchorEv);
        if (!covered.has(Math.floor(t / 60))) stored.push([t, bpm[i]]);
      });
    }
    const minutes = new Map();
    for (const [t, v] of [...recordHr, ...stored]) {
      if (!(v >= 25 && v <= 250)) continue;
      const m = Math.floor((t + FIT_EPOCH + offset) / 60), s = minutes.get(m) ?? [0, 0];
      minutes.set(m, [s[0] + v, s[1] + 1]);
    }
    const csv = nativeImport('fit', [p]), C = csv.channels.length, k = csv.channels.indexOf('heart_rate');
    const start = Date.UTC(...csv.first.split(/[-T:]/).map((v, i) => (i === 1 ? v - 1 : +v))) / 60000;
    let cells = 0;
    for (let i = 0; i < csv.length; i++) if (!Number.isNaN(csv.values[i * C + k])) cells++;
    assert.equal(cells, minutes.size, `${f}: minutes with heart rate`);
    for (const [m, [sum, n]] of minutes) assert.equal(csv.values[(m - start) * C + k], Math.fround(sum / n), `${f}: minute ${m}`);
    checked[f] = { minutes: minutes.size, stored: stored.length };
  }
  console.log('  ', JSON.stringify(checked));
  assert.ok(checked['activity_poolswim_with_hr.fit'].stored > 1000 && checked['activity_poolswim_with_hr.fit'].minutes >= 60);
});
