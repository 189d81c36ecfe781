import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { RootFs, segmentRegExp } from './rootfs.js';

/** A tiny root with links that try to leave it, and a host directory they aim at. */
function fixture() {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'rootfs-'));
  const root = path.join(base, 'root');
  const outside = path.join(base, 'outside');
  fs.mkdirSync(path.join(root, 'etc'), { recursive: true });
  fs.mkdirSync(path.join(root, 'var/log'), { recursive: true });
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, 'secret'), 'host secret\n');
  fs.writeFileSync(path.join(root, 'etc/shadow'), 'image shadow\n');
  fs.symlinkSync('/etc/shadow', path.join(root, 'var/log/abs.log'));
  fs.symlinkSync('../../../../../../etc/shadow', path.join(root, 'var/log/rel.log'));
  fs.symlinkSync(outside, path.join(root, 'var/escape-abs'));
  fs.symlinkSync('../../../../../../../' + outside.slice(1), path.join(root, 'var/escape-rel'));
  fs.symlinkSync('loop-b', path.join(root, 'loop-a'));
  fs.symlinkSync('loop-a', path.join(root, 'loop-b'));
  fs.symlinkSync('../run', path.join(root, 'var/run'));
  fs.mkdirSync(path.join(root, 'run'));
  fs.writeFileSync(path.join(root, 'run/utmp'), 'utmp');
  return { base, root, outside, cleanup: () => fs.rmSync(base, { recursive: true, force: true }) };
}

test('absolute and ../ links resolve inside the root, as in a chroot', () => {
  const f = fixture();
  try {
    const r = new RootFs(f.root);
    const realRoot = fs.realpathSync(f.root);
    assert.equal(r.resolve('/var/log/abs.log'), path.join(realRoot, 'etc/shadow'));
    assert.equal(r.resolve('/var/log/rel.log'), path.join(realRoot, 'etc/shadow'));
    assert.equal(r.readText('/var/log/abs.log'), 'image shadow\n');
    // a link to a host directory lands at the same path inside the image, which does not exist
    assert.equal(r.resolve('/var/escape-abs/secret'), path.join(realRoot, f.outside.slice(1), 'secret'));
    assert.equal(r.readText('/var/escape-abs/secret'), undefined);
    assert.equal(r.readText('/var/escape-rel/secret'), undefined);
    assert.equal(r.resolve('/../../../etc/shadow'), path.join(realRoot, 'etc/shadow'));
    assert.equal(r.resolve('/var/run/utmp'), path.join(realRoot, 'run/utmp'));
    assert.throws(() => r.resolve('/loop-a/x'), /too many levels/);
  } finally {
    f.cleanup();
  }
});

test('removing and truncating through links never touches the host', () => {
  const f = fixture();
  try {
    const r = new RootFs(f.root);
    assert.equal(r.truncate('/var/escape-abs/secret'), false);
    assert.equal(r.remove('/var/escape-rel/secret'), false);
    assert.equal(r.emptyDirectory('/var/escape-abs'), 0);
    assert.equal(r.glob('/var/escape-*/*').length, 0);
    // removing the link removes the link, not what it points at
    assert.equal(r.remove('/var/escape-abs'), true);
    assert.equal(fs.existsSync(path.join(f.root, 'var/escape-abs')), false);
    assert.equal(fs.readFileSync(path.join(f.outside, 'secret'), 'utf8'), 'host secret\n');
    // a log that is a link to the image's shadow: remove() takes the link only
    assert.equal(r.remove('/var/log/abs.log'), true);
    assert.equal(fs.readFileSync(path.join(f.root, 'etc/shadow'), 'utf8'), 'image shadow\n');
    assert.deepEqual(r.changes.map((c) => [c.action, c.path]), [['removed', '/var/escape-abs'], ['removed', '/var/log/abs.log']]);
  } finally {
    f.cleanup();
  }
});

test('a dry run records changes and writes nothing', () => {
  const f = fixture();
  try {
    const r = new RootFs(f.root, { dryRun: true });
    r.remove('/etc/shadow');
    r.writeText('/etc/hostname', 'x\n');
    r.truncate('/run/utmp');
    assert.equal(fs.readFileSync(path.join(f.root, 'etc/shadow'), 'utf8'), 'image shadow\n');
    assert.equal(fs.existsSync(path.join(f.root, 'etc/hostname')), false);
    assert.equal(fs.readFileSync(path.join(f.root, 'run/utmp'), 'utf8'), 'utmp');
    assert.deepEqual(r.changes.map((c) => c.action), ['removed', 'created', 'truncated']);
  } finally {
    f.cleanup();
  }
});

test('writeText is atomic and keeps mode and owner of the file it replaces', () => {
  const f = fixture();
  try {
    const file = path.join(f.root, 'etc/shadow');
    fs.chmodSync(file, 0o640);
    fs.chownSync(file, 0, 42);
    const r = new RootFs(f.root);
    assert.equal(r.writeText('/etc/shadow', 'new\n'), true);
    const st = fs.statSync(file);
    assert.equal(st.mode & 0o777, 0o640);
    assert.equal(st.gid, 42);
    assert.equal(fs.readFileSync(file, 'utf8'), 'new\n');
    assert.equal(r.writeText('/etc/shadow', 'new\n'), false, 'same content is no change');
    assert.deepEqual(fs.readdirSync(path.join(f.root, 'etc')), ['shadow'], 'no temp file left');
  } finally {
    f.cleanup();
  }
});

test('glob: wildcards, character classes, braces, dotfiles only on request', () => {
  const f = fixture();
  try {
    for (const n of ['syslog', 'syslog.1', '.hidden', 'auth.log', 'wtmp', 'btmp']) fs.writeFileSync(path.join(f.root, 'var/log', n), '');
    const r = new RootFs(f.root);
    assert.deepEqual(r.glob('/var/log/syslog*'), ['/var/log/syslog', '/var/log/syslog.1']);
    assert.deepEqual(r.glob('/var/log/{w,b}tmp'), ['/var/log/btmp', '/var/log/wtmp']);
    assert.ok(!r.glob('/var/log/*').includes('/var/log/.hidden'));
    assert.ok(r.glob('/var/log/*', { dot: true }).includes('/var/log/.hidden'));
    assert.deepEqual(r.glob('/var/run/*'), ['/var/run/utmp']);
    assert.ok(segmentRegExp('[!a]x').test('bx'));
    assert.ok(!segmentRegExp('[!a]x').test('ax'));
  } finally {
    f.cleanup();
  }
});
