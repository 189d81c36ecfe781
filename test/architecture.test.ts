/**
 * The layers of .dependency-cruiser.cjs hold (dependency-cruiser, the rules as written there), and
 * every folder of src/ is in one of them.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../src/answer-file/testutil.js';

const REPO = repoRoot();

test('architecture: no module imports a layer above its own, and no import circles (dependency-cruiser)', () => {
  const r = spawnSync(path.join(REPO, 'node_modules/.bin/depcruise'), ['--config', '.dependency-cruiser.cjs', 'src', '--output-type', 'err'], {
    cwd: REPO,
    encoding: 'utf8',
  });
  assert.equal(r.error, undefined);
  assert.equal(r.status, 0, `dependency rules broken:\n${r.stdout}${r.stderr}`);
  assert.match(r.stdout, /no dependency violations found \((\d+) modules/);
});

test('architecture: a module that reaches up a layer is caught (the rules are live)', () => {
  const probe = path.join(REPO, 'src/model/zz-architecture-probe.ts');
  fs.writeFileSync(probe, "import '../seal/run.js';\nexport const probe = 1;\n");
  try {
    const r = spawnSync(path.join(REPO, 'node_modules/.bin/depcruise'), ['--config', '.dependency-cruiser.cjs', 'src', '--output-type', 'err'], {
      cwd: REPO,
      encoding: 'utf8',
    });
    assert.notEqual(r.status, 0);
    assert.match(r.stdout, /layer-model: src\/model\/zz-architecture-probe\.ts → src\/seal\/run\.ts/);
  } finally {
    fs.rmSync(probe, { force: true });
  }
});

test('architecture: every folder of src/ is a layer of the rules, and the design notes draw the same layers', () => {
  const config = fs.readFileSync(path.join(REPO, '.dependency-cruiser.cjs'), 'utf8');
  const layers = /const LAYERS = (\[[\s\S]*?\]);/.exec(config)?.[1];
  assert.ok(layers);
  const named = [...layers.matchAll(/'([a-z-]+)'/g)].map((m) => m[1]!);
  const folders = fs.readdirSync(path.join(REPO, 'src'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  assert.deepEqual([...folders].sort(), [...named].sort(), 'src/ folders and the layers of .dependency-cruiser.cjs');
  const design = fs.readFileSync(path.join(REPO, 'docs/design.md'), 'utf8');
  const picture = /## The layers\n[\s\S]*?```text\n([\s\S]*?)```/.exec(design)?.[1];
  assert.ok(picture, 'docs/design.md opens with "## The layers" and a text picture');
  for (const f of folders) assert.ok(new RegExp(`\\b${f}\\b`).test(picture), `the picture in docs/design.md names src/${f}/`);
});

test('architecture: every file and folder the design notes send a newcomer to exists', () => {
  const design = fs.readFileSync(path.join(REPO, 'docs/design.md'), 'utf8');
  const guide = /Where a newcomer adds:\n([\s\S]*?)\n\n/.exec(design)?.[1];
  assert.ok(guide, 'docs/design.md has "Where a newcomer adds:"');
  const named = [...guide.matchAll(/`((?:src|docs|test)\/[^`\s]+)`/g)].map((m) => m[1]!);
  assert.ok(named.length >= 8, named.join(', '));
  for (const p of named) assert.ok(fs.existsSync(path.join(REPO, p)), `${p} (named in docs/design.md) exists`);
  // the short names under src/answer-file/ (settings.ts) too
  for (const m of guide.matchAll(/\(`([a-z-]+\.ts)`\)/g)) assert.ok(fs.existsSync(path.join(REPO, 'src/answer-file', m[1]!)), m[1]);
});
