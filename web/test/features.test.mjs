// Feature detection: the SIMD probe module validates where wasm SIMD exists
// (Node 20 has it) and the page gets a clear message where it does not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectFeatures, SIMD_MESSAGE } from '../src/features.js';

test('SIMD is detected by validating a one-instruction SIMD module', () => {
  assert.equal(detectFeatures().simd, true);
  const noSimd = detectFeatures({ WebAssembly: { validate: () => false }, navigator: {} });
  assert.equal(noSimd.simd, false);
  assert.match(SIMD_MESSAGE, /SIMD/);
  const noWasm = detectFeatures({ navigator: {} });
  assert.deepEqual([noWasm.wasm, noWasm.simd], [false, false]);
});

test('threads need cross-origin isolation; Bluetooth and motion are reported', () => {
  const g = { WebAssembly, crossOriginIsolated: false, SharedArrayBuffer, navigator: { bluetooth: {} }, DeviceMotionEvent: function () {} };
  assert.equal(detectFeatures(g).sharedMemory, false);
  assert.equal(detectFeatures({ ...g, crossOriginIsolated: true }).sharedMemory, true);
  assert.equal(detectFeatures(g).bluetooth, true);
  assert.equal(detectFeatures(g).motion, true);
  assert.equal(detectFeatures({ ...g, navigator: {} }).bluetooth, false);
});
