// issue 12 defect 2: the keyboard focus ring was drawn on the button next to
// the focused one (the file input's `+ button` sibling) and "Open a probe
// file…" showed none. Tab through the whole page: the control a person sees
// for the focused element (the file inputs are hidden behind their labels)
// must carry a visible ring with at least 3:1 contrast to the card behind it,
// and no other control may carry one. Screenshots: build/web-e2e/focus-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { openPage, out, contrast } from './open-page.mjs';
import { samplePath } from '../testlib/load-core.mjs';

let p;
before(async () => { p = await openPage(); });
after(async () => { await p?.close(); });

// For the focused element: the control drawn for it, that control's ring, and
// every other control that shows a ring.
function focusState() {
  const shown = (el) => (el instanceof HTMLInputElement && el.type === 'file' ? el.labels[0] : el);
  const ring = (el) => {
    const s = getComputedStyle(el);
    // 'auto' is the browser's own ring; a drawn outline must be at least 2 px.
    const outline = s.outlineStyle === 'auto' || (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2);
    const shadow = s.boxShadow !== 'none';
    return outline || shadow ? { outline: outline ? `${s.outlineWidth} ${s.outlineStyle} ${s.outlineColor}` : null, shadow: shadow ? s.boxShadow : null, color: outline && s.outlineStyle !== 'auto' ? s.outlineColor : null } : null;
  };
  const bg = (el) => {
    for (let e = el.parentElement; e; e = e.parentElement) {
      const c = getComputedStyle(e).backgroundColor;
      if (!/rgba\(.*, 0\)$/.test(c) && c !== 'transparent') return c;
    }
    return 'rgb(255, 255, 255)';
  };
  const a = document.activeElement;
  if (!a || a === document.body) return null;
  const el = shown(a);
  const name = a.id || a.textContent.trim();
  const others = [...document.querySelectorAll('button, .button, select, input:not([type=file])')]
    .filter((o) => o !== el && o.offsetParent !== null && ring(o)).map((o) => o.id || o.textContent.trim());
  return { id: a.id, name, label: el.textContent.trim(), ring: ring(el), behind: bg(el), others };
}

async function tabThrough(page, shots = []) {
  await page.evaluate(() => document.activeElement?.blur());
  const seen = [];
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    const s = await page.evaluate(focusState);
    if (!s || seen.some((x) => x.id && x.id === s.id)) break;
    seen.push(s);
    if (shots.includes(s.id))
      await page.locator(`section:has(#${s.id})`).screenshot({ path: path.join(out, `focus-${s.id}.png`) });
  }
  if (process.env.FOCUS_DUMP) console.log(JSON.stringify(seen, null, 1));
  return seen;
}

function check(seen, want) {
  const ids = seen.map((s) => s.id);
  for (const id of want) assert.ok(ids.includes(id), `${id} is reached by Tab (${ids.join(', ')})`);
  for (const s of seen) {
    assert.ok(s.ring, `“${s.label}” (#${s.id}) shows no focus ring`);
    assert.deepEqual(s.others, [], `#${s.id} focused, but a ring is drawn on ${s.others.join(', ')}`);
    if (s.ring.color) assert.ok(contrast(s.ring.color, s.behind) >= 3, `#${s.id}: ring ${s.ring.color} on ${s.behind}: ${contrast(s.ring.color, s.behind).toFixed(2)}:1 < 3:1`);
  }
  console.log(`  focus rings: ${seen.map((s) => `${s.id} (${s.ring.outline ?? s.ring.shadow})`).join('; ')}`);
}

test('Tab puts a visible focus ring on the focused control, and only there', async () => {
  check(await tabThrough(p.page, ['file', 'probe-file']), ['remember-model', 'forget', 'file', 'sample', 'probe-file']);
});

test('with data open, the day, model and download buttons get the same ring', async () => {
  await p.page.setInputFiles('#file', samplePath);
  await p.page.waitForFunction(() => wearfmDemo.table && !document.getElementById('export-csv').disabled, null, { timeout: 20000 });
  check(await tabThrough(p.page, ['next', 'export-csv']), ['file', 'next', 'analyze', 'probe-file', 'export-csv', 'export-json']);
  assert.deepEqual(p.problems, []);
  assert.deepEqual(p.foreign, []);
});
