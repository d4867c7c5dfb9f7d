// What this browser can run. The core is built with wasm SIMD (-msimd128),
// so a browser without it cannot load it at all; threads need
// SharedArrayBuffer, which browsers give only to cross-origin-isolated pages
// (COOP + COEP headers).

// (module (func (result v128) i32.const 0 i8x16.splat i8x16.popcnt))
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);

export function detectFeatures(g = globalThis) {
  const wasm = typeof g.WebAssembly === 'object';
  return {
    wasm,
    simd: wasm && g.WebAssembly.validate(SIMD_PROBE),
    crossOriginIsolated: Boolean(g.crossOriginIsolated),
    sharedMemory: typeof g.SharedArrayBuffer === 'function' && Boolean(g.crossOriginIsolated),
    // Threads the core may use: the worker runs the pthreads build only when
    // sharedMemory is true; createWearfm() fills in what it actually runs.
    threads: 1,
    build: 'single',
    bluetooth: Boolean(g.navigator?.bluetooth),
    motion: typeof g.DeviceMotionEvent === 'function',
    cacheStorage: typeof g.caches === 'object',
  };
}

export const SIMD_MESSAGE =
  'This browser cannot run the model: it lacks WebAssembly SIMD. Use a current Chrome, Edge, Firefox or Safari (16.4 or later).';
