/**
 * Whole runs of `bin/sysprep /generalize` on used debootstrap roots (plain copies, not overlays):
 * what a person gets from the default command, that nothing of theirs is lost, that every change is
 * accounted for, that a dry run changes nothing, that links out of the image lead nowhere, and that a
 * failed run halts, stays UNDEPLOYABLE and finishes when rerun.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { expectedUserDataDigests, GOLDEN_HOSTNAME, GOLDEN_MAC, GOLDEN_MACHINE_ID, userDataDigests } from '../fixtures/lived-in.js';
import { CACHE_DIR } from '../fixtures/roots.js';
import { copiedUsedRoot, overlayRoot, usedRoot } from '../fixtures/used-root.js';
import { coveredBy } from '../harness/provider-tree.js';
import { sysprep } from '../harness/sysprep.js';
import { diff, isSysprepOwn, snapshot } from '../harness/tree.js';

const read = (root: string, p: string) => fs.readFileSync(path.join(root, p), 'utf8');
const exists = (root: string, p: string) => {
  try {
    fs.lstatSync(path.join(root, p));
    return true;
  } catch {
    return false;
  }
};

function assertUserDataIntact(root: string) {
  const want = expectedUserDataDigests();
  const got = userDataDigests(root);
  for (const [p, digest] of want) assert.equal(got.get(p), digest, `user data ${p} survived byte for byte`);
}

function assertGeneralized(root: string) {
  assert.equal(read(root, '/etc/machine-id'), 'uninitialized\n');
  assert.equal(exists(root, '/var/lib/dbus/machine-id'), false);
  assert.deepEqual(fs.readdirSync(path.join(root, 'etc/ssh')).filter((n) => n.includes('_host_')), []);
  assert.equal(exists(root, '/etc/hostname'), false);
  assert.ok(!read(root, '/etc/hosts').includes(GOLDEN_HOSTNAME));
  assert.match(read(root, '/etc/hosts'), /^127\.0\.0\.1\s+localhost$/m);
  assert.ok(!read(root, '/etc/netplan/50-cloud-init.yaml').includes(GOLDEN_MAC));
  assert.ok(!read(root, '/etc/NetworkManager/system-connections/Wired.nmconnection').toLowerCase().includes(GOLDEN_MAC));
  for (const gone of ['/root/.bash_history', '/srv/home/bob/.bash_history', '/var/lib/postgresql/.psql_history',
    '/var/lib/dhcp/dhclient.eth0.leases', '/var/lib/systemd/random-seed', '/var/lib/systemd/credential.secret',
    '/var/lib/cloud/instances', '/var/crash/_usr_bin_myapp.1000.crash', '/var/mail/alice', '/tmp/build-1234',
    '/etc/udev/rules.d/70-persistent-net.rules', '/root/.ssh', '/var/log/syslog.1']) {
    assert.equal(exists(root, gone), false, `${gone} removed`);
  }
  assert.equal(fs.statSync(path.join(root, 'var/log/syslog')).size, 0);
  assert.equal(fs.statSync(path.join(root, 'var/log/wtmp')).size, 0);
  assert.deepEqual(fs.readdirSync(path.join(root, 'var/log/journal')), []);
  assert.ok(exists(root, '/var/lib/gitea/.ssh/authorized_keys'), "a service's ~/.ssh is its data");
  assert.equal(fs.statSync(path.join(root, 'tmp')).mode & 0o7777, 0o1777);
}

for (const suite of ['bookworm', 'bullseye'] as const) {
  test(`default /generalize /oobe on a used ${suite} root: generalized, nothing lost, every change reported`, () => {
    const s = copiedUsedRoot(suite);
    try {
      const before = snapshot(s.root);
      const r = sysprep(['--root', s.root, '/generalize', '/oobe', '/quit', '--json']);
      assert.equal(r.status, 0, r.stderr);
      const report = r.json;
      assert.equal(report.succeeded, true);
      assert.equal(report.stateBefore, 'IMAGE_STATE_COMPLETE');
      assert.equal(report.stateAfter, 'IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE');
      assert.match(read(s.root, '/var/lib/sysprep/state/State.ini'), /^\[State\]\nImageState="IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE"\n$/);
      assert.ok(exists(s.root, '/var/lib/sysprep/sysprep_succeeded.tag'));
      assert.equal(exists(s.root, '/var/lib/sysprep/sysprep.lock'), false, 'lock released');
      assertGeneralized(s.root);
      assertUserDataIntact(s.root);

      // every path that changed on disk is in the report, and in setupact.log
      const d = diff(before, snapshot(s.root), isSysprepOwn);
      const log = read(s.root, '/var/lib/sysprep/panther/setupact.log');
      for (const p of [...d.removed, ...d.changed, ...d.added]) {
        assert.ok(coveredBy(report, p), `${p} in the --json report`);
        const c = report.changed.find((x: any) => x.path === p || p.startsWith(x.path + '/'));
        // (the log stays in the image: it writes the golden machine's id as <machine-id>)
        assert.ok(log.includes(`${c.action} ${c.path.replace(GOLDEN_MACHINE_ID, '<machine-id>')}`), `${c.path} in setupact.log`);
      }
      // and the report claims nothing that did not happen
      for (const c of report.changed) {
        if (isSysprepOwn(c.path)) continue;
        const onDisk = [...d.removed, ...d.changed, ...d.added].some((p) => p === c.path || p.startsWith(c.path + '/') || c.path.startsWith(p + '/'));
        assert.ok(onDisk, `reported ${c.action} ${c.path} shows in the tree`);
      }
      assert.ok(!log.includes(GOLDEN_MACHINE_ID), 'the log holds no machine id');
      // the log grammar of SPEC 5
      for (const line of log.trimEnd().split('\n')) {
        assert.match(line, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d, (Info   |Warning|Error  )    (\[0x0f[0-9a-f]{4}\]| {10}) SYSPRP .*$/);
      }
      assert.match(log, /===          Beginning of a new sysprep run          ===/);
      assert.equal(read(s.root, '/var/lib/sysprep/panther/setuperr.log'), '');
      // a second run on the sealed image works and changes (almost) nothing of the target's
      const again = sysprep(['--root', s.root, '/generalize', '/oobe', '--json']);
      assert.equal(again.status, 0, again.stderr);
      assert.deepEqual(again.json.changed.filter((c: any) => !isSysprepOwn(c.path)), []);
      assert.equal((read(s.root, '/var/lib/sysprep/panther/setupact.log').match(/Beginning of a new sysprep run/g) ?? []).length, 2);
    } finally {
      s.dispose();
    }
  });
}

test('/audit without /generalize: cleanup providers only, state SPECIALIZE_RESEAL_TO_AUDIT', () => {
  const s = overlayRoot(usedRoot('bookworm'), 'audit');
  try {
    const r = sysprep(['--root', s.root, '/audit', '--json']);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.json.providers.every((p: any) => p.pass === 'cleanup'));
    assert.equal(r.json.stateAfter, 'IMAGE_STATE_SPECIALIZE_RESEAL_TO_AUDIT');
    assert.notEqual(read(s.root, '/etc/machine-id'), 'uninitialized\n', 'identity kept without /generalize');
    assert.equal(exists(s.root, '/root/.bash_history'), false, 'cleanup ran');
    assert.equal(sysprep(['state', '--root', s.root]).stdout, 'IMAGE_STATE_SPECIALIZE_RESEAL_TO_AUDIT\n');
  } finally {
    s.dispose();
  }
});

test('--dry-run changes nothing at all and reports what a real run changes', () => {
  const lower = usedRoot('bookworm');
  const dry = overlayRoot(lower, 'dry');
  const real = overlayRoot(lower, 'real');
  try {
    const before = snapshot(dry.root, { dirMtimes: true });
    const r = sysprep(['--root', dry.root, '/generalize', '--providers', 'all', '--dry-run', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const d = diff(before, snapshot(dry.root, { dirMtimes: true }));
    assert.deepEqual(d, { removed: [], added: [], changed: [] }, 'tree identical: contents, modes, owners, links, times');
    assert.equal(r.json.dryRun, true);
    const real_ = sysprep(['--root', real.root, '/generalize', '--providers', 'all', '--json']);
    assert.equal(real_.status, 0, real_.stderr);
    const paths = (rep: any) => rep.changed.filter((c: any) => !isSysprepOwn(c.path)).map((c: any) => `${c.action} ${c.path}`).sort();
    assert.ok(paths(r.json).length > 50);
    assert.deepEqual(paths(r.json), paths(real_.json), 'the dry run lists what the real run does');
    const human = sysprep(['--root', dry.root, '/generalize', '--dry-run']);
    assert.match(human.stdout, /would be removed +\/root\/\.bash_history/);
    assert.match(human.stdout, /Dry run: .* nothing was written/);
  } finally {
    dry.dispose();
    real.dispose();
  }
});

test('links that point out of the image lead back into it: host files survive', () => {
  const s = copiedUsedRoot('bookworm');
  const outside = fs.mkdtempSync(path.join(CACHE_DIR, 'work', 'outside-'));
  try {
    const files: Record<string, string> = {
      'secret': 'host secret\n',
      'syslog': 'host log\n',
      'nm/secret_key': 'host nm key\n',
      'nm/x.lease': 'host lease\n',
      'crash/core': 'host core\n',
      'home/.bash_history': 'host history\n',
    };
    for (const [rel, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(outside, rel)), { recursive: true });
      fs.writeFileSync(path.join(outside, rel), text);
    }
    const host0 = snapshot(outside, { dirMtimes: true });
    const link = (p: string, target: string) => {
      fs.rmSync(path.join(s.root, p), { recursive: true, force: true });
      fs.mkdirSync(path.dirname(path.join(s.root, p)), { recursive: true });
      fs.symlinkSync(target, path.join(s.root, p));
    };
    const up = '../'.repeat(12);
    link('/root/.bash_history', path.join(outside, 'secret'));                       // absolute, file
    link('/var/log/wtmp', path.join(outside, 'syslog'));                             // absolute, truncated kind
    link('/var/log/auth.log', up + outside.slice(1) + '/syslog');                    // ../ escape, truncated kind
    link('/var/lib/NetworkManager', path.join(outside, 'nm'));                       // absolute, directory
    link('/var/crash', up + outside.slice(1) + '/crash');                            // ../ escape, directory
    link('/home/alice/.zsh_history', up + outside.slice(1) + '/home/.bash_history'); // ../ escape, file
    link('/etc/hostname', path.join(outside, 'secret'));                             // read through, then removed
    link('/var/lib/systemd/random-seed', up + 'etc/passwd');                         // ../ to the image's own file
    const r = sysprep(['--root', s.root, '/generalize', '--providers', 'all', '--json']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(diff(host0, snapshot(outside, { dirMtimes: true })), { removed: [], added: [], changed: [] });
    for (const [rel, text] of Object.entries(files)) assert.equal(fs.readFileSync(path.join(outside, rel), 'utf8'), text);
    // the links themselves were handled inside the image
    assert.equal(exists(s.root, '/root/.bash_history'), false);
    assert.equal(exists(s.root, '/etc/hostname'), false);
    assert.equal(exists(s.root, '/var/lib/systemd/random-seed'), false);
    assert.ok(read(s.root, '/etc/passwd').startsWith('root:'), "the image's passwd survived the random-seed link");
  } finally {
    s.dispose();
    fs.rmSync(outside, { recursive: true, force: true });
  }
});

test('a failing provider halts the run (exit 1, UNDEPLOYABLE, setuperr.log); the rerun finishes without repeating', () => {
  const s = copiedUsedRoot('bookworm');
  const pinned = path.join(s.root, 'var/lib/systemd/random-seed');
  try {
    // an immutable file cannot be removed, even by root: random-seed fails for real
    execFileSync('chattr', ['+i', pinned]);
    const r = sysprep(['--root', s.root, '/generalize', '--json']);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /random-seed/);
    const report = r.json;
    assert.equal(report.succeeded, false);
    assert.equal(report.stateAfter, 'IMAGE_STATE_UNDEPLOYABLE');
    const ids = report.providers.map((p: any) => p.id);
    const failedAt = ids.indexOf('random-seed');
    assert.equal(report.providers[failedAt].status, 'failed');
    assert.ok(report.providers.slice(failedAt + 1).every((p: any) => ['not-run', 'not-applicable'].includes(p.status)), 'later providers did not run');
    assert.ok(report.providers.slice(failedAt + 1).some((p: any) => p.status === 'not-run'));
    assert.ok(exists(s.root, '/etc/ssh/ssh_host_ed25519_key'), 'ssh-hostkeys (after random-seed) did not run');
    assert.equal(read(s.root, '/etc/machine-id'), 'uninitialized\n', 'machine-id (before it) ran');
    assert.match(read(s.root, '/var/lib/sysprep/state/State.ini'), /IMAGE_STATE_UNDEPLOYABLE/);
    assert.equal(exists(s.root, '/var/lib/sysprep/sysprep_succeeded.tag'), false);
    const err = read(s.root, '/var/lib/sysprep/panther/setuperr.log');
    assert.match(err, /Error .*random-seed/);
    const st = sysprep(['state', '--root', s.root, '--json']).json;
    assert.equal(st.lastRun.failedProvider, 'random-seed');
    assert.ok(st.lastRun.completed.includes('machine-id'));
    assert.ok(st.lastRun.pending.includes('ssh-hostkeys'));

    // the cause is fixed; plant something the already-completed bash-history would remove again
    execFileSync('chattr', ['-i', pinned]);
    fs.writeFileSync(path.join(s.root, 'root/.bash_history'), 'typed after the failure\n');
    const again = sysprep(['--root', s.root, '/generalize', '--json']);
    assert.equal(again.status, 0, again.stderr);
    assert.equal(again.json.resumed, true);
    const status = Object.fromEntries(again.json.providers.map((p: any) => [p.id, p.status]));
    assert.equal(status['bash-history'], 'already-done');
    assert.equal(status['machine-id'], 'already-done');
    assert.equal(status['random-seed'], 'done');
    assert.equal(status['ssh-hostkeys'], 'done');
    assert.equal(exists(s.root, '/root/.bash_history'), true, 'completed providers are not run twice');
    assert.equal(again.json.stateAfter, 'IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE');
    assert.ok(exists(s.root, '/var/lib/sysprep/sysprep_succeeded.tag'));
  } finally {
    spawnSync('chattr', ['-i', pinned]);
    s.dispose();
  }
});

test('a run killed mid-way (stale lock, UNDEPLOYABLE, partial progress) is finished by the next run', async () => {
  const s = overlayRoot(usedRoot('bookworm'), 'killed');
  let cleanup = async () => {};
  try {
    // /etc/hostname as a FIFO: the first generalize provider that reads it (zabbix-agent at order -1,
    // or hostname) blocks, so the run is caught for sure after the cleanup pass and before machine-id;
    // then it is killed with SIGKILL.
    fs.rmSync(path.join(s.root, 'etc/hostname'));
    execFileSync('mkfifo', [path.join(s.root, 'etc/hostname')]);
    const child = spawn(path.resolve('bin/sysprep'), ['--root', s.root, '/generalize', '/quiet'], { stdio: 'ignore' });
    const exited = new Promise((r) => child.on('exit', r));
    cleanup = async () => {
      // never leave the run blocked on the FIFO, whatever failed
      child.kill('SIGKILL');
      await exited;
    };
    const progressFile = path.join(s.root, 'var/lib/sysprep/state/progress.json');
    const deadline = Date.now() + 30_000;
    const reached = () => {
      try {
        return Boolean(JSON.parse(fs.readFileSync(progressFile, 'utf8')).completed['zsh-history']);
      } catch {
        return false; // not written yet, or caught between write and rename
      }
    };
    while (!reached()) {
      assert.ok(Date.now() < deadline, 'the run reached the hostname provider');
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 200));
    await cleanup();
    const progress = JSON.parse(read(s.root, '/var/lib/sysprep/state/progress.json'));
    assert.equal(progress.finished, false);
    assert.ok(progress.completed['bash-history'] && progress.completed['zsh-history'], 'the cleanup pass had completed');
    assert.equal(progress.completed['machine-id'], undefined);
    assert.equal(progress.completed['hostname'], undefined);
    assert.match(read(s.root, '/var/lib/sysprep/state/State.ini'), /UNDEPLOYABLE/);
    assert.ok(exists(s.root, '/var/lib/sysprep/sysprep.lock'), 'the dead run left its lock');
    assert.equal(sysprep(['state', '--root', s.root]).stdout, 'IMAGE_STATE_UNDEPLOYABLE\n');

    // power is back: the FIFO is an ordinary file again; something new appears in root's history
    fs.rmSync(path.join(s.root, 'etc/hostname'));
    fs.writeFileSync(path.join(s.root, 'etc/hostname'), `${GOLDEN_HOSTNAME}\n`);
    fs.writeFileSync(path.join(s.root, 'root/.bash_history'), 'typed after the crash\n');
    const r = sysprep(['--root', s.root, '/generalize', '--json']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.json.resumed, true);
    assert.match(r.json.warnings.join('\n'), /took over a stale lock/);
    const status = Object.fromEntries(r.json.providers.map((p: any) => [p.id, p.status]));
    assert.equal(status['bash-history'], 'already-done');
    assert.equal(status['hostname'], 'done');
    assert.equal(status['machine-id'], 'done');
    assert.equal(r.json.stateAfter, 'IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE');
    assert.equal(exists(s.root, '/root/.bash_history'), true, 'a completed provider is not run twice');
    assert.equal(exists(s.root, '/etc/hostname'), false);
    assert.equal(read(s.root, '/etc/machine-id'), 'uninitialized\n');
  } finally {
    await cleanup();
    s.dispose();
  }
});
