#!/usr/bin/env node
// A tiny static server for the demo page on localhost (`make serve`). It
// sends the headers the page needs: COOP/COEP (cross-origin isolation, so a
// threaded build could use SharedArrayBuffer) and a CSP that lets the page
// talk to its own origin only. Only the files listed in ROUTES are served.
import http from 'node:http';
import { createReadStream, statSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { etagOf, notModified } from './validators.mjs';

const web = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(web, '..');

export const HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Content-Security-Policy': "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; img-src 'self' data: blob:; style-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), bluetooth=(self), accelerometer=(self)',
  // Keep a copy, but ask first: with the ETag below, an unchanged file costs
  // a 304, and a changed core, model or page is never served stale.
  'Cache-Control': 'no-cache',
};

const TYPES = { '.html': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8', '.wasm': 'application/wasm', '.csv': 'text/csv; charset=utf-8', '.safetensors': 'application/octet-stream', '.ts': 'text/plain; charset=utf-8', '.json': 'application/json', '.md': 'text/plain; charset=utf-8' };

// The shipped model and sample, as scripts/common.sh names them.
function shellDefault(name, fallback) {
  const m = new RegExp(`${name}=\\$\\{${name}:-([^}]+)\\}`).exec(readFileSync(path.join(root, 'scripts/common.sh'), 'utf8'));
  return process.env[name] ?? m?.[1] ?? fallback;
}

/** URL path -> file on disk; directories map a whole folder of web/. */
export function routes({ model = shellDefault('SHIPPED_MODEL', 'models/wearfm-minute-fitabase.safetensors'), sample = shellDefault('SAMPLE', 'data/sample/fitabase_4020332650.csv'), build = path.join(root, 'build'), probes = path.join(root, 'models/probes'),
  accel = { model: shellDefault('ACCEL_MODEL', 'models/wearfm-accel-wesad.safetensors'), hr: shellDefault('ACCEL_HR_PROBE', 'models/probes/accel-hr.safetensors'), activity: shellDefault('ACCEL_ACTIVITY_PROBE', 'models/probes/accel-activity.safetensors') } } = {}) {
  return {
    files: {
      '/': path.join(web, 'index.html'),
      '/index.html': path.join(web, 'index.html'),
      '/style.css': path.join(web, 'style.css'),
      '/wearfm.d.ts': path.join(web, 'wearfm.d.ts'),
      '/core/wearfm_core.mjs': path.join(build, 'web/wearfm_core.mjs'),
      '/core/wearfm_core.wasm': path.join(build, 'web/wearfm_core.wasm'),
      '/core/wearfm_core_mt.mjs': path.join(build, 'web/wearfm_core_mt.mjs'),
      '/core/wearfm_core_mt.wasm': path.join(build, 'web/wearfm_core_mt.wasm'),
      '/core/wearfm_core_mt.worker.js': path.join(build, 'web/wearfm_core_mt.worker.js'),
      '/model/wearfm.safetensors': path.resolve(root, model),
      // The fills' measured uncertainty, beside the model it was measured on (make fill-bands).
      '/model/fill-bands.json': path.resolve(root, model).replace(/\.safetensors$/, '.fill-bands.json'),
      '/sample/sample.csv': path.resolve(root, sample),
      // Heart rate from motion (app/motion-hr.js): the accelerometer model and its probes, as scripts/common.sh names them.
      '/accel/model.safetensors': path.resolve(root, accel.model),
      '/accel/hr.safetensors': path.resolve(root, accel.hr),
      '/accel/activity.safetensors': path.resolve(root, accel.activity),
      // The zip writer of the research export (npm fflate, pinned in package.json).
      '/vendor/fflate.js': path.join(web, 'node_modules/fflate/esm/browser.js'),
    },
    // The page's probes (make page-probes): the manifest, the probe files and their cards.
    dirs: { '/src/': [path.join(web, 'src'), /\.m?js$/], '/app/': [path.join(web, 'app'), /\.m?js$/], '/probes/': [path.resolve(root, probes), /\.(json|safetensors|md)$/] },
  };
}

function resolve(r, urlPath) {
  if (r.files[urlPath]) return r.files[urlPath];
  for (const [prefix, [dir, ext]] of Object.entries(r.dirs)) {
    if (!urlPath.startsWith(prefix)) continue;
    const file = path.resolve(dir, '.' + urlPath.slice(prefix.length - 1));
    if (file.startsWith(dir + path.sep) && ext.test(file)) return file;
  }
  return null;
}

/**
 * isolate: false drops COOP/COEP (to test the single-threaded fallback).
 * log: an array that gets {method, path, status} for every response (tests).
 */
export function createServer({ isolate = true, log = null, ...options } = {}) {
  const r = routes(options);
  return http.createServer((req, res) => {
    if (log) res.on('finish', () => log.push({ method: req.method, path: req.url, status: res.statusCode }));
    const headers = { ...HEADERS };
    if (!isolate) for (const h of ['Cross-Origin-Opener-Policy', 'Cross-Origin-Embedder-Policy']) delete headers[h];
    // A malformed escape (`/%E0%A4%A`) or URL throws: answer 400, keep serving.
    let urlPath;
    try {
      urlPath = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
    } catch {
      res.writeHead(400, { ...headers, 'Content-Type': 'text/plain' }).end('bad request\n');
      return;
    }
    const file = resolve(r, urlPath);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...headers, Allow: 'GET, HEAD' }).end();
      return;
    }
    if (!file || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain' }).end('not found\n');
      return;
    }
    const st = statSync(file);
    headers.ETag = etagOf(file, st);
    headers['Last-Modified'] = st.mtime.toUTCString();
    // A 304 carries the same policy headers as the 200 it stands for.
    if (notModified(req, headers.ETag, st.mtime)) {
      res.writeHead(304, headers).end();
      return;
    }
    headers['Content-Type'] = TYPES[path.extname(file)] ?? 'application/octet-stream';
    headers['Content-Length'] = st.size;
    res.writeHead(200, headers);
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
}

/** Listens on 127.0.0.1; port 0 picks a free one. Resolves with {server, url}. */
export function serve({ port = 8080, host = '127.0.0.1', ...options } = {}) {
  const server = createServer(options);
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => ok({ server, url: `http://${host === '127.0.0.1' ? 'localhost' : host}:${server.address().port}/` }));
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const port = Number(process.env.PORT ?? 8080);
  const r = routes();
  for (const f of ['/core/wearfm_core.mjs', '/model/wearfm.safetensors'])
    if (!existsSync(r.files[f])) console.error(`serve: missing ${r.files[f]} (run make web)`);
  const { url } = await serve({ port });
  console.log(`wearfm demo: ${url}  (localhost only; Ctrl-C to stop)`);
}
