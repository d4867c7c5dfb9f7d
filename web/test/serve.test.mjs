// The demo server: every response carries COOP/COEP/CORP and the CSP, only
// the listed files are served (no path escapes), and isolate: false drops
// only the isolation headers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serve } from '../serve.mjs';

test('headers, routes and refusals', async () => {
  const { server, url } = await serve({ port: 0 });
  try {
    const home = await fetch(url);
    assert.equal(home.status, 200);
    assert.equal(home.headers.get('cross-origin-opener-policy'), 'same-origin');
    assert.equal(home.headers.get('cross-origin-embedder-policy'), 'require-corp');
    assert.match(home.headers.get('content-security-policy'), /default-src 'self'.*connect-src 'self'/);
    assert.match(await home.text(), /Your privacy/);
    const js = await fetch(new URL('src/wearfm.js', url));
    assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
    for (const p of ['src/%2e%2e/serve.mjs', 'src/../serve.mjs', 'package.json', 'src/sources/README.md', 'node_modules/playwright-core/package.json'])
      assert.equal((await fetch(new URL(p, url))).status, 404, p);
    assert.equal((await fetch(url, { method: 'POST', body: 'x' })).status, 405);
    const missing = await fetch(new URL('nothing', url));
    assert.match(missing.headers.get('content-security-policy'), /default-src 'self'/, 'errors carry the policy too');
  } finally {
    server.close();
  }
  const plain = await serve({ port: 0, isolate: false });
  try {
    const r = await fetch(plain.url);
    assert.equal(r.headers.get('cross-origin-embedder-policy'), null);
    assert.match(r.headers.get('content-security-policy'), /default-src 'self'/);
  } finally {
    plain.server.close();
  }
});
