// issue 12 defect 9: exports were named only by the export date (they
// collided) and said nothing of the model. Each person's file is now named
// by the person and the dates it covers, and every row carries the person,
// the model file, its SHA-256 and the core's version; category channels stay
// integer levels, recorded and filled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { WearfmCore } from '../src/core.js';
import { personCsv, personFileName, provenanceOf, dateRange } from '../app/research-files.js';
import { loadCoreModule, modelPath, samplePath } from '../testlib/load-core.mjs';

const table = (start, length) => ({ start, length, channels: ['heart_rate'], values: new Float32Array(length).fill(NaN) });

test('file names carry the person and the first and last day, made safe for any file system', () => {
  const day = Date.UTC(2016, 4, 5) / 60000; // minutes since 1970
  assert.equal(dateRange(table(day, 1440 * 3)), '2016-05-05_2016-05-07');
  assert.equal(personFileName('4020332650', table(day, 1440)), 'wearfm_4020332650_2016-05-05_2016-05-05.csv');
  assert.equal(personFileName('HR data/ä 1', table(day, 60), 'zip'), 'wearfm_HR-data-1_2016-05-05_2016-05-05.zip');
  assert.notEqual(personFileName('a', table(day, 1440)), personFileName('b', table(day, 1440)), 'two people never collide');
  assert.notEqual(personFileName('a', table(day, 1440)), personFileName('a', table(day + 1440, 1440)), 'nor two periods');
});

test('every row has the person and the provenance; categories are integer levels', async () => {
  const c = new WearfmCore(await loadCoreModule());
  c.loadModel(readFileSync(modelPath));
  const info = { ...c.info, file: 'wearfm.safetensors', sha256: 'ab'.repeat(32) };
  const t = c.readMinutesCsv(readFileSync(samplePath));
  const analysis = c.analyzeTable({ ...t, values: t.values.slice() }, { embedding: false, imputed: true });
  const lines = personCsv('4020332650', t, analysis, provenanceOf(info)).trimEnd().split('\n');
  const head = lines[0].split(',');
  assert.deepEqual(head.slice(-4), ['person', 'model_file', 'model_sha256', 'wearfm_version']);
  assert.ok(head.includes('sleep_state_model') && head.includes('intensity_model'));
  assert.equal(lines.length - 1, t.length);
  const rows = lines.slice(1).map((l) => l.split(','));
  for (const r of rows) assert.deepEqual(r.slice(-4), ['4020332650', 'wearfm.safetensors', 'ab'.repeat(32), c.version]);
  assert.match(c.version, /^\d+\.\d+\.\d+/, 'the version comes from the core (wfm_version)');
  const kinds = Object.fromEntries(info.config.channels.map((ch) => [ch.name, ch]));
  let filledCategories = 0;
  for (const [name, ch] of Object.entries(kinds)) {
    if (ch.kind !== 'category') continue;
    for (const col of [name, `${name}_model`]) {
      const k = head.indexOf(col);
      for (const r of rows) {
        if (r[k] === '') continue;
        assert.match(r[k], /^\d+$/, `${col}: '${r[k]}' is an integer level`);
        assert.ok(ch.levels.includes(Number(r[k])), `${col}: ${r[k]} is one of ${ch.levels}`);
        if (col.endsWith('_model')) filledCategories++;
      }
    }
  }
  assert.ok(filledCategories > 100, 'the sample has filled category minutes');
});
