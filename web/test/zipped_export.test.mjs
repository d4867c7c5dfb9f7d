// Apple Health's export.zip read as it is (web/src/zipped-export.js with npm
// fflate, as the worker does): the table equals the native CLI's import of
// the export.xml inside; a zip without it, or a damaged one, is refused with
// words; the page routes export.zip to the Apple Health importer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as fflate from 'fflate';
import { WearfmCore } from '../src/core.js';
import { exportKind } from '../src/exports.js';
import { feedZippedExportXml, looksLikeZip, firstZipEntry } from '../src/zipped-export.js';
import { loadCoreModule, root } from '../testlib/load-core.mjs';
import { nativeImport, sameTable } from '../testlib/native-import.mjs';

const xmlPath = path.join(root, 'tests/data/apple_health/export.xml');
const xml = readFileSync(xmlPath);
// As the Health app writes it: a folder, export_cda.xml beside export.xml (here first), deflated.
const zip = fflate.zipSync({
  apple_health_export: { 'export_cda.xml': fflate.strToU8('<ClinicalDocument/>'), 'export.xml': new Uint8Array(xml) },
}, { level: 6 });

async function* pieces(bytes, size) {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

async function importZip(bytes, size) {
  const c = new WearfmCore(await loadCoreModule());
  c.importBegin('apple-health');
  try {
    await feedZippedExportXml(fflate, pieces(bytes, size), (chunk) => c.importFeed(chunk, 'export.xml'));
    return c.importFinish();
  } catch (e) {
    c.importAbort();
    throw e;
  }
}

test('export.zip streamed through fflate gives the native CLI table of its export.xml', async () => {
  assert.ok(looksLikeZip(zip) && firstZipEntry(zip).startsWith('apple_health_export/'));
  const csv = nativeImport('apple-health', [xmlPath]);
  for (const size of [1000, 65536, zip.length]) { // any slicing of the zip
    sameTable((await importZip(zip, size)).table, csv);
  }
});

test('a zip without export.xml, or a damaged one, is refused with words', async () => {
  const other = fflate.zipSync({ 'notes.txt': fflate.strToU8('hello') });
  await assert.rejects(importZip(other, 4096), /no apple_health_export\/export\.xml in this zip/);
  const cut = zip.subarray(0, Math.floor(zip.length / 2));
  await assert.rejects(importZip(cut, 4096), /export\.xml|zip|no data|line/);
  const flipped = new Uint8Array(zip);
  for (let i = 200; i < 400; i++) flipped[i] ^= 0x5a; // inside the deflated export.xml
  await assert.rejects(importZip(flipped, 4096));
});

test("export.zip goes to the Apple Health importer; other zips do not", () => {
  assert.equal(exportKind('export.zip', zip.subarray(0, 512)), 'apple-health');
  assert.equal(exportKind('renamed.zip', zip.subarray(0, 512)), 'apple-health'); // by its first entry
  assert.equal(exportKind('photos.zip', fflate.zipSync({ 'a.jpg': new Uint8Array(3) }).subarray(0, 512)), null);
});
