// issue 12 defect 6: the 3.6 MB model had no validator, so every visit
// downloaded it again. Every file now has a strong ETag (its SHA-256) and
// Last-Modified; a matching If-None-Match or If-Modified-Since gets a 304
// without a body, and the 304 keeps the CSP and isolation headers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync, utimesSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serve } from '../serve.mjs';
import { modelPath } from '../testlib/load-core.mjs';

const POLICY = ['content-security-policy', 'cross-origin-opener-policy', 'cross-origin-embedder-policy', 'cross-origin-resource-policy', 'x-content-type-options'];

test('the model has a SHA-256 ETag and Last-Modified, and a revalidation gets 304 with every policy header', async () => {
  const log = [];
  const { server, url } = await serve({ port: 0, log });
  try {
    const model = new URL('model/wearfm.safetensors', url);
    const first = await fetch(model);
    assert.equal(first.status, 200);
    const etag = first.headers.get('etag');
    assert.equal(etag, `"sha256-${createHash('sha256').update(readFileSync(modelPath)).digest('hex')}"`);
    assert.ok(Date.parse(first.headers.get('last-modified')) > 0);
    assert.equal(first.headers.get('cache-control'), 'no-cache', 'kept, and revalidated before use');
    await first.arrayBuffer();

    for (const h of [{ 'if-none-match': etag }, { 'if-none-match': `"other", W/${etag}` }, { 'if-none-match': '*' }, { 'if-modified-since': first.headers.get('last-modified') }]) {
      const again = await fetch(model, { headers: h });
      assert.equal(again.status, 304, JSON.stringify(h));
      assert.equal((await again.arrayBuffer()).byteLength, 0);
      assert.equal(again.headers.get('etag'), etag);
      for (const p of POLICY) assert.ok(again.headers.get(p), `304 carries ${p}`);
    }
    const head = await fetch(model, { method: 'HEAD', headers: { 'if-none-match': etag } });
    assert.equal(head.status, 304);
    const stale = await fetch(model, { headers: { 'if-none-match': '"sha256-0"', 'if-modified-since': first.headers.get('last-modified') } });
    assert.equal(stale.status, 200, 'If-None-Match wins over If-Modified-Since');
    await stale.arrayBuffer();
    const page = await fetch(url);
    assert.match(page.headers.get('etag'), /^"sha256-[0-9a-f]{64}"$/, 'every file has one');
    assert.deepEqual(log.filter((e) => e.path === '/model/wearfm.safetensors').map((e) => e.status), [200, 304, 304, 304, 304, 304, 200]);
  } finally {
    server.close();
  }
});

test('a changed file gets a new ETag, so a stale copy is never revalidated', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wfm-etag-'));
  const sample = path.join(dir, 'sample.csv');
  writeFileSync(sample, 'timestamp,heart_rate\n2016-05-05T00:00,60\n');
  const { server, url } = await serve({ port: 0, sample });
  try {
    const u = new URL('sample/sample.csv', url);
    const a = (await fetch(u)).headers.get('etag');
    writeFileSync(sample, 'timestamp,heart_rate\n2016-05-05T00:00,61\n');
    utimesSync(sample, new Date(), new Date(Date.now() + 5000));
    const b = await fetch(u, { headers: { 'if-none-match': a } });
    assert.equal(b.status, 200);
    assert.notEqual(b.headers.get('etag'), a);
    assert.match(await b.text(), /,61/);
  } finally {
    server.close();
  }
});
