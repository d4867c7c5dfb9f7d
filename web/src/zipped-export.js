// Apple Health's export.zip, as people get it from the Health app: the
// export.xml inside is inflated piece by piece and handed to the core's
// streaming importer, so neither the zip nor the XML is held whole. The zip
// format is read by npm fflate (the library the research export writes zips
// with), passed in so this runs in the worker and under Node alike.

/** True when the bytes start like a zip archive (a local file header). */
export function looksLikeZip(head) {
  return head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04;
}

/** The name of the zip's first entry (its local header), or ''. */
export function firstZipEntry(head) {
  if (!looksLikeZip(head) || head.length < 30) return '';
  const n = head[26] | (head[27] << 8);
  return new TextDecoder().decode(head.subarray(30, Math.min(head.length, 30 + n)));
}

/**
 * Streams the archive's export.xml (apple_health_export/export.xml; not
 * export_cda.xml) into feed(chunk). pieces: an async iterable of the zip's
 * bytes in order. Throws when the zip is damaged or holds no export.xml.
 */
export async function feedZippedExportXml({ Unzip, UnzipInflate }, pieces, feed, name = 'export.zip') {
  let found = false, failure = null;
  const unzip = new Unzip((entry) => {
    if (found || !/(^|\/)export\.xml$/.test(entry.name)) return;
    found = true;
    entry.ondata = (err, chunk) => {
      if (failure) return;
      if (err) failure = new Error(`${name}: ${err.message ?? err}`);
      else if (chunk.length) {
        try { feed(chunk); } catch (e) { failure = e; }
      }
    };
    entry.start();
  });
  unzip.register(UnzipInflate);
  let last = null;
  for await (const piece of pieces) {
    if (last) unzip.push(last, false);
    if (failure) throw failure;
    last = piece;
  }
  unzip.push(last ?? new Uint8Array(0), true);
  if (failure) throw failure;
  if (!found) throw new Error(`${name}: no apple_health_export/export.xml in this zip (is it Apple Health's export.zip?)`);
}
