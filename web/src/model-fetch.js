// Model download with progress, kept in Cache Storage when the caller allows
// it, so the next visit loads from this device without a download. Only the
// model file is cached, never a participant's data.
const CACHE = 'wearfm-models-v1';

/**
 * @param {string} url
 * @param {{cache?: boolean, onProgress?: (p:{loaded:number,total:number|null,fromCache:boolean})=>void}} opts
 * @returns {Promise<{bytes: Uint8Array, fromCache: boolean}>}
 */
export async function fetchModel(url, { cache = false, onProgress = () => {} } = {}) {
  // Opening a cache creates it: look only if one exists, create only with consent.
  const has = typeof caches === 'object' && (cache || (await caches.has(CACHE).catch(() => false)));
  const store = has ? await caches.open(CACHE).catch(() => null) : null;
  const hit = store && (await store.match(url));
  if (hit) {
    const bytes = new Uint8Array(await hit.arrayBuffer());
    onProgress({ loaded: bytes.length, total: bytes.length, fromCache: true });
    return { bytes, fromCache: true };
  }
  const res = await fetch(url, { credentials: 'same-origin' });
  if (!res.ok) throw new Error(`model: ${url}: HTTP ${res.status}`);
  const total = Number(res.headers.get('content-length')) || null;
  const parts = [];
  let loaded = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    loaded += value.length;
    onProgress({ loaded, total, fromCache: false });
  }
  const bytes = new Uint8Array(loaded);
  let o = 0;
  for (const p of parts) { bytes.set(p, o); o += p.length; }
  if (cache && store) await store.put(url, new Response(bytes.slice(), { headers: { 'content-type': 'application/octet-stream' } }));
  return { bytes, fromCache: false };
}

/** Forgets every cached model (the page's "forget" button). */
export async function clearModelCache() {
  if (typeof caches === 'object') await caches.delete(CACHE);
}

/** Hex SHA-256 of bytes (Web Crypto): the model file's identity in exports. */
export async function sha256Hex(bytes) {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(d, (b) => b.toString(16).padStart(2, '0')).join('');
}
