// Loads the Emscripten build in Node (its ES-module glue of Emscripten 3.1.6
// reaches for CommonJS globals, and would fetch() the .wasm, which Node cannot
// do for file paths, hence wasmBinary). Shared by the Node tests.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { createRequire } from 'node:module';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const build = process.env.WFM_BUILD ?? path.join(root, 'build');

// The shipped model and sample: the environment, else scripts/common.sh's defaults.
function shellDefault(name) {
  const m = new RegExp(`${name}=\\$\\{${name}:-([^}]+)\\}`).exec(readFileSync(path.join(root, 'scripts/common.sh'), 'utf8'));
  if (!process.env[name] && !m) throw new Error(`${name}: not set and not in scripts/common.sh`);
  return process.env[name] || m[1];
}
export const modelPath = path.resolve(root, shellDefault('SHIPPED_MODEL'));
export const samplePath = path.resolve(root, shellDefault('SAMPLE'));
// The accelerometer model and its probes (heart rate from motion); tests skip when they are absent.
export const accelPaths = { model: path.resolve(root, shellDefault('ACCEL_MODEL')), hr: path.resolve(root, shellDefault('ACCEL_HR_PROBE')), activity: path.resolve(root, shellDefault('ACCEL_ACTIVITY_PROBE')) };
// The real WISDM snippet (tests/data/wisdm): rows of unix ms and x, y, z in m/s².
export const walkingPath = path.join(root, 'tests/data/wisdm/walking.csv');
export function walkingRows() {
  return readFileSync(walkingPath, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
}

export async function loadCoreModule() {
  globalThis.__dirname ??= path.join(build, 'web');
  globalThis.require ??= createRequire(import.meta.url);
  const { default: create } = await import(path.join(build, 'web/wearfm_core.mjs'));
  return create({ wasmBinary: readFileSync(path.join(build, 'web/wearfm_core.wasm')) });
}

export function relErr(a, b) {
  let md = 0, mb = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= md)) md = d; // NaN counts as the worst
    mb = Math.max(mb, Math.abs(b[i]));
  }
  return mb > 0 ? md / mb : md;
}
