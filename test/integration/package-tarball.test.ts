/**
 * The tarball of `npm run package` for distributions without the .deb (issue 13): its install.sh in a
 * chroot of a fresh debootstrap bullseye root (another release than the one sysprep is built on, no
 * Node.js); the installed sysprep runs there; an install again (an upgrade) keeps one manifest; a path
 * that is not its own is refused before anything is written; --uninstall leaves the tree as before.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { TARBALL_MANIFEST } from '../../src/model/paths.js';
import { VERSION } from '../../src/model/version.js';
import { REPO } from '../harness/sysprep.js';
import { debootstrapRoot } from '../fixtures/roots.js';
import { overlayRoot, type Scratch } from '../fixtures/used-root.js';
import { buildPackages, inChroot, mustInChroot, type Built } from '../harness/packaging.js';
import { diff, snapshot } from '../harness/tree.js';

let built: Built;
const scratches: Scratch[] = [];
const NAME = `sysprep-${VERSION}-linux-x86_64`;
const EMPTY = { removed: [], added: [], changed: [] };

function freshRoot(label: string): Scratch {
  const s = overlayRoot(debootstrapRoot('bullseye'), label);
  scratches.push(s);
  return s;
}

/** Unpacks the tarball into the root's /tmp, runs its install.sh there with `args`, removes the unpacked copy. */
function install(root: string, args: string[] = []): ReturnType<typeof inChroot> {
  const dir = fs.mkdtempSync(path.join(root, 'tmp/unpacked-'));
  try {
    const x = spawnSync('tar', ['-xzf', built.tarball!, '-C', dir], { encoding: 'utf8' });
    assert.equal(x.status, 0, x.stderr);
    return inChroot(root, ['bash', `/tmp/${path.basename(dir)}/${NAME}/install.sh`, ...args]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const manifest = (root: string) => fs.readFileSync(path.join(root, 'usr/lib/sysprep/install.manifest'), 'utf8')
  .split('\n').filter((l) => /^[fld] \//.test(l)).map((l) => l.slice(2));

before(() => {
  built = buildPackages(['tar']);
});

after(() => {
  for (const s of scratches.splice(0)) s.dispose();
  built?.dispose();
});

describe('the tarball and its install.sh', { concurrency: false }, () => {
  test('installs into a bullseye root (default prefix /usr/local); sysprep runs there; --uninstall leaves the tree as before', () => {
    const { root } = freshRoot('tar-default');
    assert.equal(inChroot(root, ['sh', '-c', 'command -v node nodejs npm']).stdout, '', 'the root has no Node.js');
    const pristine = snapshot(root);
    const r = install(root);
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /installed: \/usr\/local\/sbin\/sysprep/);
    assert.equal(fs.readlinkSync(path.join(root, 'usr/local/sbin/sysprep')), '/usr/lib/sysprep/sysprep');
    for (const p of ['usr/lib/sysprep/node', 'usr/lib/sysprep/sysprep.mjs', 'usr/lib/sysprep/firstboot', 'usr/local/share/man/man8/sysprep.8.gz',
      'usr/local/share/bash-completion/completions/sysprep', 'usr/local/share/doc/sysprep/copyright']) {
      assert.ok(fs.existsSync(path.join(root, p)), p);
    }
    assert.equal(fs.statSync(path.join(root, 'usr/lib/sysprep/node')).mode & 0o7777, 0o755);
    assert.equal(fs.statSync(path.join(root, 'usr/lib/sysprep/sysprep.mjs')).mode & 0o7777, 0o644);
    // it runs: the bullseye root's glibc and libstdc++, the package's own runtime
    assert.equal(mustInChroot(root, ['sysprep', '--version']).stdout, `sysprep ${VERSION}\n`);
    assert.match(mustInChroot(root, ['sysprep', '--help']).stdout, /^Usage:/);
    assert.match(mustInChroot(root, ['sysprep', 'providers']).stdout, /ssh-hostkeys/);
    // the manifest names exactly what was added
    const added = diff(pristine, snapshot(root)).added;
    const listed = manifest(root);
    const collapsed = listed.filter((p) => !listed.some((q) => p.startsWith(q + '/')));
    assert.deepEqual([...collapsed].sort(), [...added].sort(), 'manifest = what was added');
    const u = inChroot(root, ['/usr/lib/sysprep/install.sh', '--uninstall']);
    assert.equal(u.status, 0, u.stderr + u.stdout);
    assert.deepEqual(diff(pristine, snapshot(root)), EMPTY);
  });

  test('again over itself (an upgrade), with --prefix; a path it does not own is refused before anything is written', () => {
    const { root } = freshRoot('tar-prefix');
    const pristine = snapshot(root);
    assert.equal(install(root, ['--prefix', '/opt/sysprep']).status, 0);
    const first = manifest(root);
    const again = install(root, ['--prefix', '/opt/sysprep']);
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual(manifest(root), first, 'the same manifest, no stray entry');
    assert.match(mustInChroot(root, ['/opt/sysprep/sbin/sysprep', '--version']).stdout, new RegExp(`sysprep ${VERSION.replace(/\./g, '\\.')}`));
    assert.ok(first.includes('/opt/sysprep') && first.includes('/opt/sysprep/share/man/man8'), 'the directories it made are listed');
    const u = install(root, ['--uninstall']);
    assert.equal(u.status, 0, u.stderr);
    assert.deepEqual(diff(pristine, snapshot(root)), EMPTY);
    // somebody else's file where the link would go: refused, nothing written
    fs.mkdirSync(path.join(root, 'usr/local/sbin'), { recursive: true });
    fs.writeFileSync(path.join(root, 'usr/local/sbin/sysprep'), '#!/bin/sh\necho another sysprep\n', { mode: 0o755 });
    const withForeign = snapshot(root);
    const refused = install(root);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /\/usr\/local\/sbin\/sysprep exists and was not installed by this script/);
    assert.deepEqual(diff(withForeign, snapshot(root)), EMPTY, 'a refusal writes nothing');
  });

  test('install.sh keeps its manifest where a seal looks for it (a tarball installation owns the agent: the seal leaves it as it is)', () => {
    const script = fs.readFileSync(path.join(REPO, 'scripts/install.sh'), 'utf8');
    const dir = /^AGENT_DIR=(\S+)$/m.exec(script)?.[1];
    const manifest = /^MANIFEST=(\S+)$/m.exec(script)?.[1]?.replace('$AGENT_DIR', dir ?? '?');
    assert.equal(manifest, TARBALL_MANIFEST);
  });

  test('a seal from the tarball\'s sysprep finds the agent it installed up to date (no second copy)', () => {
    const { root } = freshRoot('tar-seal');
    assert.equal(install(root).status, 0);
    const agent = snapshot(path.join(root, 'usr/lib/sysprep'));
    const r = spawnSync(path.join(root, 'usr/lib/sysprep/node'), [path.join(root, 'usr/lib/sysprep/sysprep.mjs'), '--root', root, '/generalize', '--verify', 'off'], { encoding: 'utf8', timeout: 300_000 });
    assert.equal(r.status, 0, r.stderr + r.stdout);
    const log = fs.readFileSync(path.join(root, 'var/lib/sysprep/panther/setupact.log'), 'utf8');
    assert.match(log, /The first-boot agent in \/usr\/lib\/sysprep is up to date; installed the units, generator, login hook or link it lacked/);
    assert.deepEqual(diff(agent, snapshot(path.join(root, 'usr/lib/sysprep'))), EMPTY, 'the installed agent, untouched');
    // the seal linked /usr/sbin/sysprep to the agent; --uninstall takes the agent and that link away
    assert.equal(fs.readlinkSync(path.join(root, 'usr/sbin/sysprep')), '/usr/lib/sysprep/sysprep');
    const u = inChroot(root, ['/usr/lib/sysprep/install.sh', '--uninstall']);
    assert.equal(u.status, 0, u.stderr);
    assert.equal(fs.existsSync(path.join(root, 'usr/lib/sysprep/node')), false);
    assert.throws(() => fs.lstatSync(path.join(root, 'usr/sbin/sysprep')), /ENOENT/, 'no link left pointing at nothing');
  });
});
