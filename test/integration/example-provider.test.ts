/**
 * The worked example of docs/providers.md (examples/providers/acme-agent), installed into a
 * used debootstrap root the way its install.sh says, then tried the way the guide says.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { overlayRoot, usedRoot } from '../fixtures/used-root.js';
import { REPO, sysprep } from '../harness/sysprep.js';

const EXAMPLE = path.join(REPO, 'examples/providers/acme-agent');

test('the acme-agent example: listed, validate refuses mid-upgrade, generalize removes only the identity, specialize makes a new one', () => {
  const s = overlayRoot(usedRoot('bookworm'), 'example');
  try {
    execFileSync(path.join(EXAMPLE, 'install.sh'), [s.root]);
    const lib = path.join(s.root, 'var/lib/acme-agent');
    fs.mkdirSync(lib, { recursive: true });
    for (const f of ['node-id', 'node.key', 'node.crt']) fs.writeFileSync(path.join(lib, f), `${f} of the golden machine\n`);
    fs.mkdirSync(path.join(s.root, 'etc/acme-agent'), { recursive: true });
    fs.writeFileSync(path.join(s.root, 'etc/acme-agent/agent.conf'), 'server = monitor.example\n');

    const listed = sysprep(['providers', '--root', s.root, '--json']).json.providers.filter((p: any) => p.id === 'acme-agent');
    assert.deepEqual(listed.map((p: any) => [p.pass, p.order, p.source]), [
      ['generalize', 100, '/usr/lib/sysprep/providers.d/acme-agent.json'],
      ['specialize', 100, '/usr/lib/sysprep/providers.d/acme-agent.json'],
    ]);

    fs.writeFileSync(path.join(lib, 'upgrade-in-progress'), '');
    const refused = sysprep(['--root', s.root, '/generalize']);
    assert.equal(refused.status, 4);
    assert.match(refused.stderr, /acme-agent/);
    assert.ok(fs.existsSync(path.join(lib, 'node-id')));
    fs.rmSync(path.join(lib, 'upgrade-in-progress'));

    const dry = sysprep(['providers', 'test', 'acme-agent', '--root', s.root, '--pass', 'generalize', '--json']);
    assert.equal(dry.status, 0, dry.stderr);
    assert.deepEqual(dry.json.removed, ['/var/lib/acme-agent/node-id', '/var/lib/acme-agent/node.crt', '/var/lib/acme-agent/node.key']);
    assert.deepEqual([dry.json.added, dry.json.changed], [[], []]);
    assert.equal(fs.readFileSync(path.join(s.root, 'etc/acme-agent/agent.conf'), 'utf8'), 'server = monitor.example\n');

    const spec = sysprep(['providers', 'test', 'acme-agent', '--root', s.root, '--pass', 'specialize', '--json']);
    assert.equal(spec.status, 0, spec.stderr);
    assert.deepEqual(spec.json.added, ['/var/lib/acme-agent/node-id']);
    assert.match(fs.readFileSync(path.join(lib, 'node-id'), 'utf8'), /^[0-9a-f-]{36}\n$/);
  } finally {
    s.dispose();
  }
});
