// The exports people have, opened through the page's file input in headless
// Chromium: the worker runs the core's importers (the same C as `wearfm
// import <kind>`), and the page must hold exactly the native CLI's minute
// table, say what it read, and write a screenshot. Every request stays on
// the page's origin.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { openPage, out } from './open-page.mjs';
import { root, build } from '../testlib/load-core.mjs';

let p;
before(async () => { p = await openPage(); });
after(async () => {
  assert.deepEqual(p?.foreign ?? [], [], 'no request left the page');
  assert.deepEqual(p?.problems ?? [], []);
  await p?.close();
});

const status = () => p.page.evaluate(() => document.getElementById('status').textContent);

function nativeTable(kind, files, extra = []) {
  const o = path.join(mkdtempSync(path.join(os.tmpdir(), 'wfm-e2e-')), 'out.csv');
  execFileSync(path.join(build, 'native/wearfm'), ['import', kind, ...files, ...extra, '-q', '-o', o]);
  const lines = readFileSync(o, 'utf8').trim().split('\n');
  return { channels: lines[0].split(',').slice(1), rows: lines.slice(1).map((l) => l.split(',')) };
}

// The page's table as the CLI writes it (values printed by the same rule are compared as numbers).
// The page reads UTC times in the browser's zone, which is the machine's: the CLI's --tz local.
async function compareWithCli(kind, files, extra = []) {
  const cli = nativeTable(kind, files, ['--tz', 'local', ...extra]);
  const web = await p.page.evaluate(() => {
    const t = wearfmDemo.table;
    return { channels: t.channels, length: t.length, values: Array.from(t.values, (v) => (Number.isNaN(v) ? null : v)) };
  });
  assert.deepEqual(web.channels, cli.channels);
  assert.equal(web.length, cli.rows.length);
  const C = cli.channels.length;
  let diff = 0;
  cli.rows.forEach((r, i) => r.slice(1).forEach((v, k) => {
    const w = web.values[i * C + k];
    if (v === '' ? w !== null : Math.fround(Number(v)) !== w) diff++;
  }));
  assert.equal(diff, 0, `${diff} cells differ from the native CLI`);
}

test('Fitbit account export (Google Takeout JSON + CSV) through the file input equals the native CLI', async () => {
  const dir = path.join(root, 'tests/data/takeout');
  const files = readdirSync(dir).filter((f) => /\.(json|csv)$/.test(f)).sort().map((f) => path.join(dir, f));
  await p.page.setInputFiles('#file', files);
  await p.page.waitForFunction(() => /Fitbit account export: /.test(document.getElementById('status').textContent), null, { timeout: 30000 });
  const s = await status();
  assert.match(s, /Read heart rate, steps and sleep from 6 files \(1 other file not used\)/);
  assert.match(s, /heart rate values? (was|were) left out/);
  assert.match(s, /times written in UTC are shown in this browser's time zone \([^)]+\), with its daylight saving/);
  await compareWithCli('takeout', files);
  await p.page.screenshot({ path: path.join(out, 'import-takeout.png') });
  const size = p.page.viewportSize();
  await p.page.setViewportSize({ width: 390, height: 844 });
  await p.page.waitForTimeout(300);
  await p.page.screenshot({ path: path.join(out, 'import-takeout-phone.png'), fullPage: true });
  await p.page.setViewportSize(size);
});

test("an export with nothing the importer keeps: the page says so in the core's words, naming the file", async () => {
  const dir = path.join(root, 'tests/data/takeout');
  await p.page.setInputFiles('#file', [path.join(dir, 'heart_rate-2024-03-12.json'), path.join(dir, 'calories-2024-03-10.json')]);
  await p.page.waitForFunction(() => /^Could not read /.test(document.getElementById('status').textContent), null, { timeout: 30000 });
  assert.match(await status(), /no data: 0 record\(s\) read from heart_rate-2024-03-12\.json, no sample kept/);
});

test('Apple Health export.xml through the file input (streamed by the worker) equals the native CLI', async () => {
  const xml = path.join(root, 'tests/data/apple_health/export.xml');
  await p.page.setInputFiles('#file', xml);
  await p.page.waitForFunction(() => /Apple Health export: /.test(document.getElementById('status').textContent), null, { timeout: 30000 });
  assert.match(await status(), /Read heart rate, steps and sleep from 1 file/);
  await compareWithCli('apple-health', [xml]);
  await p.page.screenshot({ path: path.join(out, 'import-apple-health.png') });
});

test("Apple Health's export.zip as the Health app makes it: the worker inflates its export.xml = the native CLI", async () => {
  const { zipSync, strToU8 } = await import('fflate');
  const xml = path.join(root, 'tests/data/apple_health/export.xml');
  const zip = path.join(mkdtempSync(path.join(os.tmpdir(), 'wfm-e2e-zip-')), 'export.zip');
  writeFileSync(zip, zipSync({ apple_health_export: { 'export_cda.xml': strToU8('<ClinicalDocument/>'), 'export.xml': new Uint8Array(readFileSync(xml)) } }));
  await p.page.setInputFiles('#file', zip);
  await p.page.waitForFunction(() => /Apple Health export: /.test(document.getElementById('status').textContent), null, { timeout: 30000 });
  assert.match(await status(), /Read heart rate, steps and sleep from 1 file/);
  await compareWithCli('apple-health', [xml]);
});

test('a damaged export.xml: the page says where, and keeps what it showed', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wfm-e2e-bad-'));
  const bad = path.join(dir, 'export.xml');
  writeFileSync(bad, readFileSync(path.join(root, 'tests/data/apple_health/export.xml')).subarray(0, 3000));
  await p.page.setInputFiles('#file', bad);
  await p.page.waitForFunction(() => /Could not read export\.xml/.test(document.getElementById('status').textContent), null, { timeout: 30000 });
  assert.match(await status(), /export\.xml: line \d+, column \d+/);
});

test('Garmin FIT files through the file input equal the native CLI', async () => {
  const files = ['activity.fit', 'monitoring.fit'].map((f) => path.join(root, 'tests/data/fit', f));
  await p.page.setInputFiles('#file', files);
  await p.page.waitForFunction(() => /Garmin FIT data: /.test(document.getElementById('status').textContent), null, { timeout: 30000 });
  assert.match(await status(), /Read heart rate and steps from 2 files/);
  await compareWithCli('fit', files);
  await p.page.screenshot({ path: path.join(out, 'import-fit.png') });
});

test('a large export.xml shows how far it is and can be stopped; the page then reads files again', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wfm-e2e-big-'));
  const big = path.join(dir, 'export.xml');
  const rec = ' <Record type="HKQuantityTypeIdentifierHeartRate" sourceName="Watch" unit="count/min" creationDate="2024-03-10 08:00:09 -0500" startDate="2024-03-10 08:00:05 -0500" endDate="2024-03-10 08:00:05 -0500" value="61"/>\n';
  writeFileSync(big, '<?xml version="1.0" encoding="UTF-8"?>\n<HealthData locale="en_US">\n' + rec.repeat(Math.ceil(300e6 / rec.length)) + '</HealthData>\n');
  await p.page.setInputFiles('#file', big);
  await p.page.waitForFunction(() => /Reading export\.xml: \d+ of \d+ MB/.test(document.getElementById('status').textContent), null, { timeout: 30000 });
  assert.equal(await p.page.isVisible('#cancel-import'), true);
  await p.page.click('#cancel-import');
  await p.page.waitForFunction(() => /Stopped reading export\.xml after \d+ of \d+ MB; nothing of it is used/.test(document.getElementById('status').textContent), null, { timeout: 30000 });
  assert.equal(await p.page.isVisible('#cancel-import'), false);
  // the worker was restarted: files are read again
  const dirT = path.join(root, 'tests/data/takeout');
  await p.page.setInputFiles('#file', path.join(dirT, 'steps-2024-03-10.json'));
  await p.page.waitForFunction(() => /Fitbit account export: /.test(document.getElementById('status').textContent) && !/Stopped/.test(document.getElementById('status').textContent), null, { timeout: 30000 });
});
