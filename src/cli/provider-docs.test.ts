import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { REPO } from '../../test/harness/sysprep.js';
import { BUILT_IN_PROVIDERS } from '../providers/index.js';
import { providersMarkdown } from './provider-docs.js';

test('docs/built-in-providers.md is generated from the registry and up to date', () => {
  const onDisk = fs.readFileSync(path.join(REPO, 'docs/built-in-providers.md'), 'utf8');
  assert.equal(onDisk, providersMarkdown(), 'regenerate: node dist/src/cli/provider-docs.js > docs/built-in-providers.md');
});

test('registry invariants: unique kebab-case ids equal to file names, one-line summaries, a test per provider', () => {
  const ids = BUILT_IN_PROVIDERS.map((p) => p.id);
  assert.equal(new Set(ids).size, ids.length, 'unique ids');
  const dir = path.join(REPO, 'src/providers');
  for (const p of BUILT_IN_PROVIDERS) {
    assert.match(p.id, /^[a-z0-9]+(-[a-z0-9]+)*$/);
    assert.ok(fs.existsSync(path.join(dir, `${p.id}.ts`)), `src/providers/${p.id}.ts`);
    assert.ok(fs.existsSync(path.join(dir, `${p.id}.test.ts`)), `src/providers/${p.id}.test.ts`);
    assert.ok(p.summary.length > 10 && !p.summary.endsWith('.') && !p.summary.includes('\n'), `summary of ${p.id}`);
  }
  // besides the providers: the registry (index), the API, external providers and selection; helpers start with _
  const framework = ['index.ts', 'api.ts', 'external.ts', 'selection.ts'];
  const files = fs.readdirSync(dir).filter((f) => /^[a-z0-9-]+\.ts$/.test(f) && !framework.includes(f) && !f.startsWith('_'));
  assert.deepEqual(files.map((f) => f.slice(0, -3)).sort(), [...ids].sort(), 'every provider file is registered');
});
