// issue 12 defect 6: a long fill gave no sign of progress. analyzeTable now
// reports every day the table spans, skipped days (nothing recorded) too, so
// the worker can post "n of N days" and the numbers end at N of N.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { WearfmCore } from '../src/core.js';
import { loadCoreModule, modelPath, samplePath } from '../testlib/load-core.mjs';

test('analyzeTable reports each day as done of total, empty days included', async () => {
  const c = new WearfmCore(await loadCoreModule());
  c.loadModel(readFileSync(modelPath));
  const seen = [];
  const res = c.analyzeTable(c.readMinutesCsv(readFileSync(samplePath)), {}, (done, total) => seen.push([done, total]));
  assert.deepEqual(seen, [[1, 3], [2, 3], [3, 3]]);
  assert.equal(res.windows.length, 3);

  // Four days, the middle two with nothing recorded: four steps, two windows.
  const csv = 'timestamp,heart_rate\n2016-05-01T08:00,60\n2016-05-02T00:00,\n2016-05-04T08:00,61\n';
  const gaps = [];
  const r = c.analyzeTable(c.readMinutesCsv(new TextEncoder().encode(csv)), {}, (done, total) => gaps.push([done, total]));
  assert.deepEqual(gaps, [[1, 4], [2, 4], [3, 4], [4, 4]]);
  assert.equal(r.windows.length, 2);
});
