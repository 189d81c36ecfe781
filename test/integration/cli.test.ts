/**
 * The command line as a process: help, version, usage errors (exit 2, one-line reason, nothing
 * changed), environment errors (exit 3, nothing changed), the state and providers commands.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { BUILT_IN_PROVIDERS } from '../../src/providers/index.js';
import { VERSION } from '../../src/model/version.js';
import { overlayRoot, Scratch, usedRoot } from '../fixtures/used-root.js';
import { BIN, REPO, sysprep } from '../harness/sysprep.js';
import { diff, snapshot } from '../harness/tree.js';

let scratch: Scratch;
let root: string;
before(() => {
  scratch = overlayRoot(usedRoot('bookworm'), 'cli');
  root = scratch.root;
});
after(() => scratch?.dispose());

/** Runs sysprep and asserts the exit code, a one-line reason on stderr, and an unchanged tree. */
function refused(args: string[], code: number, reason: RegExp, opts: Parameters<typeof sysprep>[1] = {}) {
  const t0 = snapshot(root, { dirMtimes: true });
  const r = sysprep(args, opts);
  assert.equal(r.status, code, `exit code of ${args.join(' ')}: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got: ${r.stderr}`);
  assert.match(lines[0]!, reason);
  assert.match(lines[0]!, /^sysprep: /);
  const d = diff(t0, snapshot(root, { dirMtimes: true }));
  assert.deepEqual(d, { removed: [], added: [], changed: [] }, 'nothing changed');
  return r;
}

test('--help documents every option and every provider', () => {
  const r = sysprep(['--help']);
  assert.equal(r.status, 0);
  for (const opt of ['/oobe', '/audit', '/generalize', '/mode:vm', '/reboot', '/shutdown', '/quit', '/quiet', '/unattend:FILE',
    '--root DIR', '--image FILE', '--dry-run', '--json', '--providers LIST', '--keep-user-accounts', '--remove-user-accounts']) {
    assert.ok(r.stdout.includes(opt), `help mentions ${opt}`);
  }
  for (const p of BUILT_IN_PROVIDERS) assert.ok(r.stdout.includes(` ${p.id} `), `help lists provider ${p.id}`);
  assert.equal(sysprep(['/?']).stdout, r.stdout);
  assert.equal(sysprep(['-HELP']).stdout, r.stdout);
});

test('--version matches package.json', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
  assert.equal(pkg.version, VERSION);
  assert.equal(sysprep(['--version']).stdout.trim(), `sysprep ${VERSION}`);
});

test('no arguments and no terminal: usage, exit 2', () => {
  const r = spawnSync(BIN, [], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /Usage:/);
});

test('usage errors: exit 2, a one-line reason, nothing changed', () => {
  refused(['--root', root, '--frobnicate'], 2, /unknown option '--frobnicate'/);
  refused(['--root', root, '/oobe', '/audit'], 2, /\/oobe and \/audit exclude each other/);
  refused(['--root', root, '/generalize', '/reboot', '/shutdown'], 2, /exclude each other/);
  refused(['--root', root, '/generalize', '/reboot'], 2, /\/reboot works only on the running system/);
  refused(['--root', root, '/generalize', '/shutdown'], 2, /\/shutdown works only on the running system/);
  refused(['--root', root, '/mode:vm', '/generalize'], 2, /needs \/generalize and \/oobe/);
  refused(['--root', root, '/mode:vm', '/generalize', '/oobe', '/unattend:x.xml'], 2, /\/mode:vm cannot be used with \/unattend/);
  refused(['--root', root, '/generalize', '--providers', 'machine-id,no-such-thing'], 2, /unknown provider "no-such-thing"/);
  refused(['--root', root, '/generalize', '--keep-user-accounts', 'alice'], 2, /need the user-account provider/);
  refused(['--root', root, '/generalize', 'extra'], 2, /unexpected argument 'extra'/);
  refused(['state', '--root', root, '/generalize'], 2, /does not take --generalize/);
});

test('--json errors are one JSON document too', () => {
  const r = refused(['--root', root, '/oobe', '/audit', '--json'], 2, /exclude each other/);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.exitCode, 2);
  assert.equal(doc.succeeded, false);
});

test('environment errors: exit 3, a one-line reason, nothing changed', () => {
  // not root: run as nobody
  refused(['--root', root, '/generalize'], 3, /must be run as root/, { uid: 65534, gid: 65534 });
  // not an OS root
  const empty = fs.mkdtempSync(path.join(path.dirname(root), 'empty-'));
  try {
    const r = sysprep(['--root', empty, '/generalize']);
    assert.equal(r.status, 3);
    assert.match(r.stderr, /is not an OS root: it has no \/etc\/os-release/);
    assert.deepEqual(fs.readdirSync(empty), []);
  } finally {
    fs.rmSync(empty, { recursive: true });
  }
  const missing = sysprep(['--root', '/nonexistent/dir', '/generalize']);
  assert.equal(missing.status, 3);
  assert.match(missing.stderr, /does not exist/);
});

test('another instance holding the lock: exit 3, nothing changed', () => {
  const holder = spawnSync('sh', ['-c', 'sleep 30 >/dev/null 2>&1 & echo $!'], { encoding: 'utf8' });
  const pid = Number(holder.stdout.trim());
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  const boot = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  const lock = path.join(root, 'var/lib/sysprep/sysprep.lock');
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  fs.writeFileSync(lock, `${pid} ${boot} ${start}\n`);
  try {
    refused(['--root', root, '/generalize'], 3, new RegExp(`another sysprep \\(pid ${pid}\\) is running`));
  } finally {
    process.kill(pid);
    fs.rmSync(path.join(root, 'var/lib/sysprep'), { recursive: true, force: true });
  }
});

test('an upgraded image is refused until re-armed', () => {
  const stateDir = path.join(root, 'var/lib/sysprep/state');
  fs.mkdirSync(stateDir, { recursive: true });
  fs.writeFileSync(path.join(stateDir, 'Install.ini'), '[Install]\nOsId="debian"\nVersionId="11"\nInstalledAt="2025-01-01T00:00:00Z"\nSysprepVersion="0.1.0"\n');
  try {
    refused(['--root', root, '/generalize'], 3, /installed into this image for debian 11, but it is now debian 12 .*sysprep rearm --root/);
    const r = sysprep(['rearm', '--root', root]);
    assert.equal(r.status, 0, r.stderr);
    const ok = sysprep(['--root', root, '/audit', '--providers', 'tmp-files', '/quiet']);
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(ok.stdout, '', '/quiet prints nothing on success');
    assert.match(fs.readFileSync(path.join(stateDir, 'Install.ini'), 'utf8'), /VersionId="12"/);
  } finally {
    fs.rmSync(path.join(root, 'var/lib/sysprep'), { recursive: true, force: true });
  }
});

test('state and providers commands', () => {
  fs.rmSync(path.join(root, 'var/lib/sysprep'), { recursive: true, force: true });
  const never = sysprep(['state', '--root', root]);
  assert.equal(never.status, 0);
  assert.equal(never.stdout, 'IMAGE_STATE_COMPLETE (never sealed)\n');
  const j = sysprep(['state', '--root', root, '--json']).json;
  assert.equal(j.imageState, 'IMAGE_STATE_COMPLETE');
  assert.equal(j.neverSealed, true);
  assert.equal(j.lastRun, null);

  const list = sysprep(['providers', '--root', root, '--json']).json;
  assert.equal(list.providers.length, BUILT_IN_PROVIDERS.length);
  const mid = list.providers.find((p: any) => p.id === 'machine-id');
  assert.deepEqual([mid.pass, mid.enabled, mid.source, mid.appliesToTarget], ['generalize', true, 'built-in', true]);
  const rpm = list.providers.find((p: any) => p.id === 'rpm-db');
  assert.equal(rpm.appliesToTarget, false);
  const ua = list.providers.find((p: any) => p.id === 'user-account');
  assert.equal(ua.enabled, false);
  const text = sysprep(['providers']).stdout;
  assert.match(text, /^\* machine-id +generalize /m);
  assert.match(text, /^  user-account +generalize /m);
});
