// The native CLI's import of the same files, for the web tests that must give
// its table exactly (`wearfm import <kind> FILES -q -o out.csv`).
import { readFileSync, mkdtempSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { build } from './load-core.mjs';

const cli = path.join(build, 'native/wearfm');

/** The CLI's CSV as {start text, channels, Float32Array of values (NaN for empty)}. */
function parseCsv(text) {
  const lines = text.trim().split('\n');
  const channels = lines[0].split(',').slice(1), values = new Float32Array((lines.length - 1) * channels.length);
  lines.slice(1).forEach((l, i) => l.split(',').slice(1).forEach((v, k) => { values[i * channels.length + k] = v === '' ? NaN : Number(v); }));
  return { first: lines[1].split(',')[0], length: lines.length - 1, channels, values };
}

export function sameTable(web, csv) {
  assert.deepEqual(web.channels, csv.channels);
  assert.equal(web.length, csv.length);
  let diff = 0;
  for (let i = 0; i < csv.values.length; i++) if (!Object.is(web.values[i], csv.values[i]) && !(Number.isNaN(web.values[i]) && Number.isNaN(csv.values[i]))) diff++;
  assert.equal(diff, 0, `${diff} cells differ from the native CLI`);
}

export function nativeImport(kind, files, extra = []) {
  const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'wfm-imp-')), 'out.csv');
  execFileSync(cli, ['import', kind, ...files, ...extra, '-q', '-o', out]);
  return parseCsv(readFileSync(out, 'utf8'));
}

