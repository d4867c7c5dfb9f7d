// Which export importer of the core reads a file, from its name and first
// bytes (the core checks the contents again; this only routes files):
// 'takeout' (Fitbit's account export: Global Export Data JSON and Physical
// Activity_GoogleData CSV), 'apple-health' (export.xml), 'fit' (Garmin FIT).

import { looksLikeZip, firstZipEntry } from './zipped-export.js';

const TAKEOUT_NAME = /^(heart_rate|steps|sleep)-\d{4}-\d{2}-\d{2}\.json$|^(heart_rate|steps)_\d{4}-\d{2}-\d{2}\.csv$/;
// Other measures of the same export (calories-…json, distance-…json): the core skips them, counted.
const TAKEOUT_OTHER = /^[a-z_]+-\d{4}-\d{2}-\d{2}\.json$/;

/** @param {string} name  @param {Uint8Array} head the first bytes (512 are enough) */
export function exportKind(name, head) {
  const base = String(name).split(/[\\/]/).pop();
  const text = new TextDecoder().decode(head.subarray(0, 512)).replace(/^\uFEFF/, '');
  // FIT: a 12- or 14-byte header with ".FIT" at bytes 8-11.
  if (head.length >= 12 && head[8] === 0x2e && head[9] === 0x46 && head[10] === 0x49 && head[11] === 0x54) return 'fit';
  if (/\.fit$/i.test(base)) return 'fit';
  // Apple's export.zip (apple_health_export/export.xml inside): the worker inflates it as it reads.
  if (looksLikeZip(head) && (/^apple_health_export\//.test(firstZipEntry(head)) || /^export\.zip$/i.test(base))) return 'apple-health';
  if (/^\s*<\?xml[^>]*>\s*(<!DOCTYPE\s+HealthData|<HealthData)/.test(text) || /<!DOCTYPE HealthData|<HealthData[\s>]/.test(text)) return 'apple-health';
  if (TAKEOUT_NAME.test(base) || TAKEOUT_OTHER.test(base)) return 'takeout';
  if (/^timestamp\s*,\s*(beats per minute|steps)\s*(,|\r?\n|$)/i.test(text)) return 'takeout';
  if (/^\s*\[\s*\{\s*"dateTime"\s*:/.test(text)) return 'takeout';
  return null;
}

/** What the export held, in words, from an importExport result. */
export const EXPORT_WORDS = { takeout: 'Fitbit account export', 'apple-health': 'Apple Health export', fit: 'Garmin FIT data' };
