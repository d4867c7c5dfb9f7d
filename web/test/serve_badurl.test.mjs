// issue 12 defect 4: a malformed percent-escape in the path (`GET /%E0%A4%A`)
// threw an uncaught URIError and the server process exited. It must answer
// 400 and keep serving. The server runs as its own process (`node
// web/serve.mjs`, PORT=0: a free port on 127.0.0.1), so a crash shows as an
// exit instead of taking the test runner down.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const serveMjs = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../serve.mjs');

// Raw request: fetch() would not send a path it considers odd unchanged.
function get(port, rawPath) {
  return new Promise((ok, fail) => {
    const req = http.request({ host: '127.0.0.1', port, path: rawPath, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => ok({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('error', fail);
    req.end();
  });
}

test('a malformed percent-escape gets 400 and the server keeps serving', async () => {
  const child = spawn(process.execPath, [serveMjs], { env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let exited = null;
  child.on('exit', (code, signal) => (exited = { code, signal }));
  let stderr = '';
  child.stderr.on('data', (c) => (stderr += c));
  try {
    const port = await new Promise((ok, fail) => {
      let out = '';
      child.stdout.on('data', (c) => {
        out += c;
        const m = /http:\/\/localhost:(\d+)\//.exec(out);
        if (m) ok(Number(m[1]));
      });
      child.on('exit', () => fail(new Error(`server exited before listening: ${stderr}`)));
    });
    for (const bad of ['/%E0%A4%A', '/%', '/src/%ZZ.js', '/%C0%AF'])
    {
      const r = await get(port, bad);
      assert.equal(r.status, 400, bad);
      assert.match(r.headers['content-security-policy'], /default-src 'self'/, 'the refusal carries the policy too');
    }
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(exited, null, `the server exited: ${stderr}`);
    const home = await get(port, '/');
    assert.equal(home.status, 200, 'still serving after the bad requests');
    assert.match(home.body, /Your privacy/);
  } finally {
    child.kill();
  }
});
