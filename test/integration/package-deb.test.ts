/**
 * The .deb of `npm run package` (issue 13): lintian, then dpkg in a chroot of a fresh debootstrap
 * bookworm root that has no Node.js — the installed sysprep runs there; a seal from it keeps the package
 * intact (the agent is already where generalize installs it: nothing rewritten, no second copy); an
 * upgrade from the previous version, a remove and a purge leave the tree as it was before the install.
 *
 * There is no earlier release: the "previous" package is this tree built with a lower version
 * (SYSPREP_PACKAGE_VERSION=VERSION~prev1, which dpkg orders before VERSION).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AUDIT_UNIT, GENERATOR_SCRIPT, HOST_KEYS_UNIT, LAUNCHER, OOBE_UNIT, README, SPECIALIZE_UNIT } from '../../src/firstboot/units.js';
import { VERSION } from '../../src/model/version.js';
import { debootstrapRoot } from '../fixtures/roots.js';
import { overlayRoot, type Scratch } from '../fixtures/used-root.js';
import { buildPackages, inChroot, isDpkgBookkeeping, mustInChroot, SMALL_UNATTEND, type Built } from '../harness/packaging.js';
import { REPO } from '../harness/sysprep.js';
import { diff, snapshot } from '../harness/tree.js';

const PREVIOUS = `${VERSION}~prev1`;
let current: Built;
let previous: Built;
const scratches: Scratch[] = [];

/** A fresh bookworm root (an overlay on the cached pristine one) with the .deb files copied in. */
function freshRoot(label: string): Scratch {
  const s = overlayRoot(debootstrapRoot('bookworm'), label);
  scratches.push(s);
  return s;
}

/** dpkg -i inside the root; the .deb is copied in for it and removed again. */
function dpkgInstall(root: string, deb: string): void {
  const inside = `/tmp/${path.basename(deb)}`;
  fs.copyFileSync(deb, path.join(root, inside));
  try {
    mustInChroot(root, ['dpkg', '-i', inside]);
  } finally {
    fs.rmSync(path.join(root, inside));
  }
}

const status = (root: string) => inChroot(root, ['dpkg-query', '-W', '-f=${Version} ${db:Status-Abbrev}', 'sysprep']);
const debFiles = (deb: string) => spawnSync('dpkg-deb', ['-c', deb], { encoding: 'utf8' }).stdout;

before(() => {
  current = buildPackages(['deb']);
  previous = buildPackages(['deb'], PREVIOUS);
});

after(() => {
  for (const s of scratches.splice(0)) s.dispose();
  current?.dispose();
  previous?.dispose();
});

describe('the .deb', { concurrency: false }, () => {
  test('lintian finds no error and no warning', () => {
    const which = spawnSync('sh', ['-c', 'command -v lintian'], { encoding: 'utf8' });
    assert.equal(which.status, 0, 'lintian is not installed: apt-get install lintian (scripts/test-deps.sh installs it)');
    const r = spawnSync('lintian', ['--fail-on', 'error,warning', '--display-info', '--pedantic', current.deb!], { encoding: 'utf8', timeout: 600_000 });
    assert.equal(r.status, 0, `lintian:\n${r.stdout}${r.stderr}`);
    assert.doesNotMatch(r.stdout, /^[EW]: /m, r.stdout);
  });

  test('control fields, and the agent byte for byte and mode for mode as the build made it', (t) => {
    const field = (name: string) => spawnSync('dpkg-deb', ['-f', current.deb!, name], { encoding: 'utf8' }).stdout.trim();
    assert.equal(field('Package'), 'sysprep');
    assert.equal(field('Version'), VERSION);
    assert.equal(field('Architecture'), 'amd64');
    assert.equal(field('Section'), 'admin');
    assert.equal(field('Priority'), 'optional');
    assert.match(field('Depends'), /libc6 \(>= 2\.28\).*libstdc\+\+6.*mount.*e2fsprogs/);
    assert.match(field('Suggests'), /qemu-utils/);
    assert.match(field('Maintainer'), /<[^>]+@[^>]+>/);
    const installed = Number(field('Installed-Size'));
    t.diagnostic(`the .deb: ${fs.statSync(current.deb!).size} bytes, Installed-Size ${installed} KiB`);
    assert.ok(installed > 80_000 && installed < 120_000, `Installed-Size ${installed} KiB`);
    const list = debFiles(current.deb!);
    for (const [p, mode] of [['usr/lib/sysprep/node', '-rwxr-xr-x'], ['usr/lib/sysprep/sysprep.mjs', '-rw-r--r--'], ['usr/lib/sysprep/firstboot', '-rwxr-xr-x'],
      ['usr/lib/sysprep/sysprep', '-rwxr-xr-x'], ['usr/lib/sysprep/README', '-rw-r--r--'], ['usr/share/man/man8/sysprep.8.gz', '-rw-r--r--'],
      ['usr/share/bash-completion/completions/sysprep', '-rw-r--r--'], ['usr/share/doc/sysprep/copyright', '-rw-r--r--'],
      ['usr/lib/systemd/system-generators/sysprep-generator', '-rwxr-xr-x']] as const) {
      assert.match(list, new RegExp(`^${mode.replace(/[+]/g, '\\+')} root/root .* \\./${p.replace(/[.+]/g, '\\$&')}$`, 'm'), p);
    }
    assert.match(list, /^lrwxrwxrwx root\/root .* \.\/usr\/sbin\/sysprep -> \.\.\/lib\/sysprep\/sysprep$/m);
    // byte for byte: the build's agent, and the launcher, README, units and generator generalize writes
    const x = fs.mkdtempSync(path.join(path.dirname(current.deb!), 'x-'));
    try {
      assert.equal(spawnSync('dpkg-deb', ['-x', current.deb!, x]).status, 0);
      for (const f of ['node', 'sysprep.mjs', 'firstboot', 'cldr/windowsZones.json', 'cldr/likelySubtags.json', 'cldr/aliases.json']) {
        assert.ok(fs.readFileSync(path.join(x, 'usr/lib/sysprep', f)).equals(fs.readFileSync(path.join(REPO, 'dist/agent', f))), f);
      }
      const expected: [string, string][] = [['usr/lib/sysprep/sysprep', LAUNCHER], ['usr/lib/sysprep/README', README],
        ['usr/lib/systemd/system/sysprep-specialize.service', SPECIALIZE_UNIT], ['usr/lib/systemd/system/sysprep-host-keys.service', HOST_KEYS_UNIT],
        ['usr/lib/systemd/system/sysprep-oobe.service', OOBE_UNIT], ['usr/lib/systemd/system/sysprep-audit.service', AUDIT_UNIT],
        ['usr/lib/systemd/system-generators/sysprep-generator', GENERATOR_SCRIPT]];
      for (const [f, text] of expected) assert.equal(fs.readFileSync(path.join(x, f), 'utf8'), text, f);
    } finally {
      fs.rmSync(x, { recursive: true, force: true });
    }
    assert.doesNotMatch(list, /\.\/etc\//, 'no conffiles: nothing in /etc');
    assert.doesNotMatch(list, /\.(wants|requires)\//, 'no unit is enabled');
  });

  test('dpkg -i into a fresh bookworm root without Node.js: --help, providers and unattend check run there', () => {
    const { root } = freshRoot('deb-run');
    assert.equal(inChroot(root, ['sh', '-c', 'command -v node nodejs npm']).stdout, '', 'the root has no Node.js');
    dpkgInstall(root, current.deb!);
    assert.equal(status(root).stdout, `${VERSION} ii `);
    const help = mustInChroot(root, ['sysprep', '--help']);
    assert.match(help.stdout, /^Usage:\n {2}sysprep \[\/oobe \| \/audit\]/);
    assert.match(help.stdout, /machine-id/);
    assert.equal(mustInChroot(root, ['sysprep', '--version']).stdout, `sysprep ${VERSION}\n`);
    const providers = mustInChroot(root, ['sysprep', 'providers', '--json']);
    const list = JSON.parse(providers.stdout);
    assert.ok(JSON.stringify(list).includes('ssh-hostkeys'), providers.stdout.slice(0, 300));
    fs.writeFileSync(path.join(root, 'tmp/unattend.xml'), SMALL_UNATTEND);
    try {
      const check = mustInChroot(root, ['sysprep', 'unattend', 'check', '/tmp/unattend.xml']);
      assert.match(check.stdout, /ComputerName/);
      const bad = inChroot(root, ['sysprep', 'unattend', 'check', '/tmp/missing.xml']);
      assert.equal(bad.status, 2, 'a missing answer file is bad input');
    } finally {
      fs.rmSync(path.join(root, 'tmp/unattend.xml'));
    }
    // the manual page and the completion are where man and bash look
    assert.ok(fs.existsSync(path.join(root, 'usr/share/man/man8/sysprep.8.gz')));
    const completion = spawnSync('bash', ['-c', `. ${path.join(root, 'usr/share/bash-completion/completions/sysprep')}; COMP_WORDS=(sysprep --dry); COMP_CWORD=1; _sysprep; echo "\${COMPREPLY[*]}"`], { encoding: 'utf8' });
    assert.equal(completion.stdout, '--dry-run\n');
  });

  test('a seal from the installed package finds the agent up to date: the package stays intact, no second copy', (t) => {
    const { root } = freshRoot('deb-seal');
    dpkgInstall(root, current.deb!);
    const before = snapshot(path.join(root, 'usr/lib/sysprep'));
    const whole = snapshot(root);
    // the package's own sysprep, run from the host on the root as an offline target (what a seal of the
    // running system does too: the agent source is the directory beside the running bundle); the
    // default seal, its verify included
    const r = spawnSync(path.join(root, 'usr/lib/sysprep/node'), [path.join(root, 'usr/lib/sysprep/sysprep.mjs'), '--root', root, '/generalize', '/oobe'], { encoding: 'utf8', timeout: 600_000 });
    assert.equal(r.status, 0, r.stderr + r.stdout);
    // SPEC 12: the sealed image gains under 1 MB beyond the package (new files, and files that grew)
    const sealed = snapshot(root);
    let gained = 0;
    for (const [p, e] of sealed) {
      if (e.type !== 'file') continue;
      gained += Math.max(0, e.size - (whole.get(p)?.type === 'file' ? whole.get(p)!.size : 0));
    }
    t.diagnostic(`the seal added ${gained} bytes beyond the package`);
    assert.ok(gained < 1_000_000, `the seal added ${gained} bytes`);
    const log = fs.readFileSync(path.join(root, 'var/lib/sysprep/panther/setupact.log'), 'utf8');
    assert.match(log, /The first-boot agent in \/usr\/lib\/sysprep is up to date/);
    const changed = diff(before, snapshot(path.join(root, 'usr/lib/sysprep')));
    assert.deepEqual(changed, { removed: [], added: [], changed: [] }, 'the agent directory is the package\'s, untouched');
    const verify = inChroot(root, ['dpkg', '--verify', 'sysprep']);
    assert.equal(verify.stdout + verify.stderr, '', 'dpkg --verify: every file of the package as shipped');
    assert.equal(verify.status, 0);
    assert.equal(fs.readlinkSync(path.join(root, 'usr/sbin/sysprep')), '../lib/sysprep/sysprep', 'the package\'s link');
    // nothing of the agent anywhere else (one copy of the runtime)
    const copies = spawnSync('find', [root, '-xdev', '-name', 'sysprep.mjs', '-not', '-path', `${root}/proc/*`], { encoding: 'utf8' }).stdout.trim().split('\n');
    assert.deepEqual(copies, [path.join(root, 'usr/lib/sysprep/sysprep.mjs')]);
  });

  test('a seal by the installed package of an image without sysprep: the runtime goes in packed (at most 25 MB), as a .deb made from the package\'s xz, and runs there', (t) => {
    const { root: host } = freshRoot('deb-sealer');
    dpkgInstall(host, current.deb!);
    assert.ok(fs.existsSync(path.join(host, 'usr/lib/sysprep/packed/runtime.tar.xz')), 'the package carries the xz form');
    const { root } = freshRoot('deb-sealed');
    const r = spawnSync(path.join(host, 'usr/lib/sysprep/node'), [path.join(host, 'usr/lib/sysprep/sysprep.mjs'), '--root', root, '/generalize', '/oobe', '--verify', 'off'], { encoding: 'utf8', timeout: 600_000 });
    assert.equal(r.status, 0, r.stderr + r.stdout);
    const agent = path.join(root, 'usr/lib/sysprep');
    const names = fs.readdirSync(agent).sort();
    assert.ok(names.includes('runtime.deb') && !names.includes('node') && !names.includes('packed'), names.join(' '));
    const bytes = fs.readdirSync(agent, { recursive: true, withFileTypes: true }).filter((e) => e.isFile())
      .reduce((n, e) => n + fs.statSync(path.join(e.parentPath, e.name)).size, 0);
    t.diagnostic(`${bytes} bytes in /usr/lib/sysprep of the sealed root`);
    assert.ok(bytes <= 25e6, `${bytes} bytes`);
    // the same xz stream as the package's, and the unpacked size dpkg-deb reports for the launcher
    const xz = fs.readFileSync(path.join(host, 'usr/lib/sysprep/packed/runtime.tar.xz'));
    const deb = fs.readFileSync(path.join(agent, 'runtime.deb'));
    assert.ok(deb.subarray(deb.length - xz.length - (xz.length % 2)).subarray(0, xz.length).equals(xz), 'data.tar.xz is the package\'s xz');
    const kib = Number(inChroot(root, ['dpkg-deb', '--field', '/usr/lib/sysprep/runtime.deb', 'Installed-Size']).stdout.trim());
    const node = fs.statSync(path.join(host, 'usr/lib/sysprep/node')).size;
    assert.ok(kib * 1024 >= node && kib * 1024 < node + 8192, `Installed-Size ${kib} KiB for a ${node}-byte runtime`);
    const v = inChroot(root, ['/usr/lib/sysprep/sysprep', '--version']);
    assert.equal(v.status, 0, v.stdout + v.stderr);
    assert.equal(v.stdout, `sysprep ${VERSION}\n`);
    assert.ok(fs.readFileSync(path.join(root, 'run/sysprep/runtime/node')).equals(fs.readFileSync(path.join(host, 'usr/lib/sysprep/node'))), 'the package\'s runtime, unpacked');
  });

  test('upgrade from the previous version, then purge: the tree is as it was before the install', () => {
    const { root } = freshRoot('deb-upgrade');
    const pristine = snapshot(root);
    dpkgInstall(root, previous.deb!);
    assert.equal(status(root).stdout, `${PREVIOUS} ii `);
    dpkgInstall(root, current.deb!);
    assert.equal(status(root).stdout, `${VERSION} ii `);
    // exactly the current package's files (an upgrade leaves none of the old behind)
    const listed = mustInChroot(root, ['dpkg', '-L', 'sysprep']).stdout.trim().split('\n').filter((p) => p !== '/.').sort();
    const shipped = debFiles(current.deb!).trim().split('\n').map((l) => l.replace(/^.* \.(\/[^ ]*?)\/?( -> .*)?$/, '$1')).filter((p) => p !== '/').sort();
    assert.deepEqual(listed, shipped);
    const added = diff(pristine, snapshot(root), isDpkgBookkeeping).added;
    assert.deepEqual(added.filter((p) => !shipped.includes(p)), [], 'nothing beyond the package\'s files');
    mustInChroot(root, ['dpkg', '--purge', 'sysprep']);
    assert.deepEqual(diff(pristine, snapshot(root), isDpkgBookkeeping), { removed: [], added: [], changed: [] });
    assert.equal(status(root).status, 1, 'dpkg knows no sysprep any more');
    assert.deepEqual(fs.readdirSync(path.join(root, 'var/lib/dpkg/info')).filter((n) => n.startsWith('sysprep.')), []);
  });

  test('remove leaves only conffiles (there are none), purge leaves the tree as before', () => {
    const { root } = freshRoot('deb-remove');
    const pristine = snapshot(root);
    dpkgInstall(root, current.deb!);
    const conffiles = fs.existsSync(path.join(root, 'var/lib/dpkg/info/sysprep.conffiles'));
    assert.equal(conffiles, false, 'the package has no conffiles');
    mustInChroot(root, ['dpkg', '--remove', 'sysprep']);
    assert.deepEqual(diff(pristine, snapshot(root), isDpkgBookkeeping), { removed: [], added: [], changed: [] }, 'after remove');
    mustInChroot(root, ['dpkg', '--purge', 'sysprep']);
    assert.deepEqual(diff(pristine, snapshot(root), isDpkgBookkeeping), { removed: [], added: [], changed: [] }, 'after purge');
    assert.equal(status(root).status, 1);
  });
});

