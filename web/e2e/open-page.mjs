// The demo page served on a free port and opened in Debian's Chromium, with
// the shipped model and sample, for the end-to-end tests that need only the
// page (page.test.mjs keeps its own, longer setup). Every request must stay
// on the page's origin; page errors are collected.
import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { serve } from '../serve.mjs';
import { launch } from './chromium.mjs';
import { root, build, modelPath, samplePath } from '../testlib/load-core.mjs';

export const out = path.join(build, 'web-e2e');

/**
 * init: a function run in the page before its scripts (page.addInitScript), or [function, its argument].
 * intercept: false watches requests instead of routing them, since routing
 * turns Chromium's HTTP cache off (for the caching test); other origins are
 * then still recorded in `foreign`, and the CSP is what blocks them.
 * serveOptions: passed to serve.mjs (e.g. accel: other files for the motion model).
 */
export async function openPage({ viewport = { width: 1100, height: 900 }, init = null, intercept = true, serveOptions = {} } = {}) {
  mkdirSync(out, { recursive: true });
  const log = []; // the server's side: {method, path, status} of every response
  const { server, url } = await serve({ port: 0, log, model: path.relative(root, modelPath), sample: path.relative(root, samplePath), ...serveOptions });
  const origin = new URL(url).origin, foreign = [], problems = [];
  const browser = await launch();
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  const ours = (u) => u.origin === origin || u.protocol === 'data:' || u.protocol === 'blob:';
  if (intercept) {
    await context.route('**/*', (route) => {
      const u = new URL(route.request().url());
      if (ours(u)) return route.continue();
      foreign.push(u.href);
      return route.abort();
    });
  } else {
    context.on('request', (r) => { const u = new URL(r.url()); if (!ours(u)) foreign.push(u.href); });
  }
  const page = await context.newPage();
  if (init) await (Array.isArray(init) ? page.addInitScript(init[0], init[1]) : page.addInitScript(init)); // [fn, arg] or fn
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  await page.goto(url);
  await page.waitForFunction(() => globalThis.wearfmDemo?.ready, null, { timeout: 30000 });
  return {
    browser, page, url, foreign, problems, log,
    async close() { await browser.close(); server.close(); },
  };
}

/** WCAG 2 contrast ratio of two CSS colours given as computed `rgb(...)`/`rgba(...)` strings. */
export function contrast(a, b) {
  const lum = (css) => {
    const [r, g, bl] = css.match(/[\d.]+/g).slice(0, 3).map(Number).map((v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}
