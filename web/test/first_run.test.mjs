// issue 12 defect 10 (the first run, outside the page): there was no LICENSE
// and web/package.json said UNLICENSED; the README's `wasmtime run …` line
// failed with "command not found", since the project installs PyPI's
// embedded engine, not the wasmtime CLI. The README's WASI commands are run
// here as written, from the repository root.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { root, build } from '../testlib/load-core.mjs';

test('the code has an MIT licence, and the web package says so', () => {
  const license = readFileSync(path.join(root, 'LICENSE'), 'utf8');
  assert.match(license, /^MIT License\n\nCopyright \(c\) the wearfm authors\n/);
  assert.match(license, /THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND/);
  assert.equal(JSON.parse(readFileSync(path.join(root, 'web/package.json'), 'utf8')).license, 'MIT');
  assert.equal(JSON.parse(readFileSync(path.join(root, 'web/package-lock.json'), 'utf8')).packages[''].license, 'MIT');
});

// The shell block of "## Quick start: WASI": [{comment, command}].
function wasiQuickStart() {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const block = /## Quick start: WASI[^\n]*\n+```sh\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(block, 'README.md has a WASI quick start');
  const out = [];
  let comment = '';
  for (const line of block.split('\n').filter(Boolean)) {
    if (line.startsWith('#')) comment = line;
    else { out.push({ comment, command: line }); comment = ''; }
  }
  return out;
}

const have = (cmd) => { try { execFileSync('bash', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }); return true; } catch { return false; } };

test('the wasmtime CLI line says it needs the CLI; the installed engine has a command', () => {
  const lines = wasiQuickStart();
  const cli = lines.filter((l) => /^wasmtime\b/.test(l.command));
  assert.ok(cli.length, 'the wasmtime CLI command is still given, for those who have it');
  for (const l of cli) assert.match(l.comment, /wasmtime CLI/, `${l.command}\n  has no note that it needs the wasmtime CLI`);
  assert.ok(lines.some((l) => l.command.startsWith('build/pyvenv/bin/python wasi/run_wasmtime.py ')), 'a command for the engine the project installs');
});

test('the README\'s WASI commands work as written, with relative paths', (t) => {
  if (!existsSync(path.join(build, 'wasi/wearfm.wasm'))) return t.skip('no build/wasi (make wasi)');
  for (const { command } of wasiQuickStart()) {
    if (command === 'make wasi') continue;
    const program = command.split(' ')[0];
    if (program === 'wasmtime' && !have('wasmtime')) { t.diagnostic(`skipped (no wasmtime CLI here): ${command}`); continue; }
    if (program.startsWith('build/') && !existsSync(path.join(root, program))) { t.diagnostic(`skipped (${program} missing: make setup): ${command}`); continue; }
    const out = execFileSync('bash', ['-c', command], { cwd: root, env: { ...process.env, NODE_PATH: process.env.NODE_PATH ?? '/usr/share/nodejs' }, maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
    if (/ impute /.test(command)) assert.match(out.split('\n')[0], /^timestamp,heart_rate,/, command);
    else assert.ok(out.length > 0, command);
  }
});
