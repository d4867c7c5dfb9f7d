// issue 12 defect 9: exports for researchers went one person at a time, were
// named only by the export date (they collided), said nothing of the model,
// and wrote categories as decimals. Now one click makes a zip of everyone in
// the opened files: one CSV per person named by the person and the dates,
// the recorded minutes exactly as `wearfm import fitabase` writes them, the
// model's fills, and on every row the person, the model file, its SHA-256
// and the version the C core reports; a manifest lists the files. The
// export shows its progress and can be cancelled like the fill.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { unzipSync, strFromU8 } from 'fflate';
import { openPage, out } from './open-page.mjs';
import { root, build, modelPath } from '../testlib/load-core.mjs';

const wearfm = path.join(build, 'native/wearfm');
const files = ['heartrate.csv', 'steps_wide.csv', 'intensities_wide.csv', 'sleep.csv'].map((f) => path.join(root, 'fuzz/corpus_fitabase', f));
const sha256 = createHash('sha256').update(readFileSync(modelPath)).digest('hex');
const version = JSON.parse(execFileSync(wearfm, ['info', modelPath, '--format', 'json'])).model.wearfm_version;
let p;

before(async () => { p = await openPage(); });
after(async () => { await p?.close(); });

async function download(button) {
  const [d] = await Promise.all([p.page.waitForEvent('download', { timeout: 60000 }), p.page.click(button)]);
  return { name: d.suggestedFilename(), bytes: readFileSync(await d.path()) };
}

test('everyone in a Fitabase export in one zip: names, provenance, integer categories, the CLI\'s minutes', async () => {
  const cliDir = path.join(out, 'research-cli');
  rmSync(cliDir, { recursive: true, force: true });
  execFileSync(wearfm, ['import', 'fitabase', ...files, '-o', cliDir], { stdio: 'ignore' });
  const people = readdirSync(cliDir).map((f) => f.replace(/\.csv$/, '')).sort();
  assert.ok(people.length >= 2);

  await p.page.setInputFiles('#file', files);
  await p.page.waitForFunction(() => /Fitabase/.test(document.getElementById('status').textContent) && !document.getElementById('export-zip').disabled, null, { timeout: 20000 });
  const zip = await download('#export-zip');
  writeFileSync(path.join(out, zip.name), zip.bytes);
  const entries = unzipSync(new Uint8Array(zip.bytes));
  const csvNames = Object.keys(entries).filter((n) => n.endsWith('.csv')).sort();

  const cliLines = (id) => readFileSync(path.join(cliDir, `${id}.csv`), 'utf8').trim().split('\n');
  const range = (id) => { const l = cliLines(id); return `${l[1].slice(0, 10)}_${l.at(-1).slice(0, 10)}`; };
  assert.deepEqual(csvNames, people.map((id) => `wearfm_${id}_${range(id)}.csv`).sort(), 'one file per person, named by person and dates');
  const first = people.map((id) => range(id).split('_')[0]).sort()[0], last = people.map((id) => range(id).split('_')[1]).sort().at(-1);
  assert.equal(zip.name, `wearfm_${people.length}-people_${first}_${last}.zip`);

  const model = JSON.parse(execFileSync(wearfm, ['info', modelPath, '--format', 'json'])).config;
  for (const id of people) {
    const lines = strFromU8(entries[`wearfm_${id}_${range(id)}.csv`]).trim().split('\n');
    const head = lines[0].split(','), rows = lines.slice(1).map((l) => l.split(','));
    const cli = cliLines(id);
    const C = cli[0].split(',').length;
    assert.equal(head.slice(0, C).join(','), cli[0]);
    assert.deepEqual(head.slice(-4), ['person', 'model_file', 'model_sha256', 'wearfm_version']);
    assert.equal(rows.length, cli.length - 1);
    rows.forEach((r, i) => {
      assert.equal(r.slice(0, C).join(','), cli[i + 1], `${id} row ${i + 1}: recorded values as the CLI wrote them`);
      assert.deepEqual(r.slice(-4), [id, 'wearfm.safetensors', sha256, version]);
    });
    for (const ch of model.channels.filter((c) => c.kind === 'category')) {
      for (const col of [ch.name, `${ch.name}_model`]) {
        const k = head.indexOf(col);
        assert.ok(k > 0, col);
        for (const r of rows) if (r[k] !== '') assert.ok(/^\d+$/.test(r[k]) && ch.levels.includes(Number(r[k])), `${id} ${col}: '${r[k]}' is a level`);
      }
    }
    // The fills: as many values as `wearfm impute` fills for that person.
    const imp = JSON.parse(execFileSync(wearfm, ['impute', modelPath, path.join(cliDir, `${id}.csv`), '--format', 'json', '-q'], { maxBuffer: 1 << 28 }));
    const filled = imp.windows.reduce((s, w) => s + w.filled.flat().filter(Boolean).length, 0);
    const modelCols = head.map((h, k) => (h.endsWith('_model') ? k : -1)).filter((k) => k >= 0);
    const cells = rows.reduce((s, r) => s + modelCols.filter((k) => r[k] !== '').length, 0);
    assert.equal(cells, filled, `${id}: filled cells`);
  }
  const manifest = JSON.parse(strFromU8(entries['manifest.json']));
  assert.equal(manifest.model_sha256, sha256);
  assert.equal(manifest.wearfm_version, version);
  assert.deepEqual(manifest.files.map((f) => f.file).sort(), csvNames);
  assert.match(await p.page.textContent('#export-status'), new RegExp(`Saved ${zip.name.replace(/\./g, '\\.')}: ${people.length} people`));
  await p.page.locator('#export').screenshot({ path: path.join(out, 'research-export.png') });
});

test('the participant downloads are named by person and dates too, and the JSON names the model by SHA-256', async () => {
  await p.page.selectOption('#user', '1');
  const id = await p.page.evaluate(() => wearfmDemo.dataset.person);
  const csv = await download('#export-csv');
  const json = await download('#export-json');
  assert.match(csv.name, new RegExp(`^wearfm_${id}_\\d{4}-\\d{2}-\\d{2}_\\d{4}-\\d{2}-\\d{2}\\.csv$`));
  assert.equal(json.name, csv.name.replace(/\.csv$/, '.json'));
  const doc = JSON.parse(json.bytes.toString('utf8'));
  assert.equal(doc.model.sha256, sha256);
  assert.equal(doc.model.version, version);
  assert.equal(doc.model.file, 'wearfm.safetensors');
});

test('the research export shows its progress and can be cancelled; nothing is saved', async () => {
  const day0 = Date.UTC(2020, 0, 1, 12) / 60000;
  const long = path.join(out, 'research-long.csv');
  writeFileSync(long, ['timestamp,heart_rate', ...Array.from({ length: 999 }, (_, i) => `${new Date((day0 + i * 1440) * 60000).toISOString().slice(0, 16)},70`)].join('\n') + '\n');
  await p.page.setInputFiles('#file', long);
  await p.page.waitForFunction(() => wearfmDemo.table?.length > 1e6 && !document.getElementById('export-zip').disabled, null, { timeout: 30000 });
  let downloaded = false;
  p.page.once('download', () => { downloaded = true; });
  await p.page.click('#export-zip');
  await p.page.waitForFunction(() => /Person 1 of 1: \d+ of 999 days/.test(document.getElementById('export-status').textContent), null, { timeout: 60000, polling: 50 });
  assert.equal(await p.page.isVisible('#cancel-export'), true);
  await p.page.click('#cancel-export');
  await p.page.waitForFunction(() => /research export was stopped \(Person 1 of 1, after [\d,]+ of 999 days\); nothing was saved/.test(document.getElementById('export-status').textContent), null, { timeout: 20000 });
  await p.page.waitForFunction(() => !document.getElementById('export-zip').disabled && document.getElementById('cancel-export').hidden, null, { timeout: 20000 });
  await p.page.waitForTimeout(500);
  assert.equal(downloaded, false);
});

test('no request left the page origin; no page errors', () => {
  assert.deepEqual(p.foreign, []);
  assert.deepEqual(p.problems, []);
});
