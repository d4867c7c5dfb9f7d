// HTTP validators for the static server: a strong ETag from the file's
// SHA-256 (so a rebuild that changes nothing keeps it) and Last-Modified from
// its mtime, and the conditional-request check that turns a repeat visit into
// a 304 instead of another 3.6 MB model download.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

const known = new Map(); // file -> {mtimeMs, size, etag}: hashed once per version of the file

/** The ETag of a file whose stat is st: `"sha256-<hex>"`. */
export function etagOf(file, st) {
  const k = known.get(file);
  if (k && k.mtimeMs === st.mtimeMs && k.size === st.size) return k.etag;
  const etag = `"sha256-${createHash('sha256').update(readFileSync(file)).digest('hex')}"`;
  known.set(file, { mtimeMs: st.mtimeMs, size: st.size, etag });
  return etag;
}

/** True when the request's validators say its cached copy is current (RFC 9110 13.1.2, 13.1.3). */
export function notModified(req, etag, mtime) {
  const inm = req.headers['if-none-match'];
  if (inm !== undefined) {
    // Weak comparison, as GET allows: W/"x" and "x" match.
    const bare = (t) => t.trim().replace(/^W\//, '');
    return inm.trim() === '*' || inm.split(',').some((t) => bare(t) === bare(etag));
  }
  const ims = Date.parse(req.headers['if-modified-since'] ?? '');
  return Number.isFinite(ims) && Math.floor(mtime.getTime() / 1000) * 1000 <= ims;
}
