/**
 * The first-boot phases run inside a generalized root with chroot (the runner, the image's bash,
 * useradd, chpasswd and ssh-keygen), for what the QEMU boots do not cover in detail: the generator's
 * decisions for every state, RunSynchronous WillReboot/OnRequest across "reboots", CopyProfile,
 * AutoLogon with LogonCount, FirstLogonCommands once per user, the cache scrubbed. The plans sealed
 * by generalize are carried out without the Node.js agent. Each chroot runs in its own UTS namespace,
 * so nothing can rename this machine.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WORK_DIR } from '../fixtures/disk-image.js';
import { overlayRoot, usedRoot, type Scratch } from '../fixtures/used-root.js';
import { COMPONENT, INTERNATIONAL, read, shadowOf, UNATTEND, verifies } from '../harness/first-boot.js';
import { sysprep } from '../harness/sysprep.js';

let s: Scratch;
let root: string;
const answerFile = path.join(WORK_DIR, `agent-chroot-${process.pid}.xml`);

/** Run a command inside the root, in a private UTS namespace, with no terminal. */
function inRoot(argv: string[], options: { user?: string; env?: Record<string, string>; root?: string } = {}) {
  const env = Object.entries({ PATH: '/usr/sbin:/usr/bin:/sbin:/bin', ...options.env }).map(([k, v]) => `${k}=${v}`);
  const r = spawnSync('unshare', ['--uts', '--fork', 'chroot', ...(options.user ? [`--userspec=${options.user}`] : []), options.root ?? root, 'env', '-i', ...env, ...argv],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}
const state = () => /ImageState="([A-Z_]+)"/.exec(read(root, '/var/lib/sysprep/state/State.ini'))![1];
const setState = (v: string) => fs.writeFileSync(path.join(root, 'var/lib/sysprep/state/State.ini'), `[State]\nImageState="${v}"\n`);

before(() => {
  fs.mkdirSync(WORK_DIR, { recursive: true });
  fs.writeFileSync(answerFile, UNATTEND({
    specialize: COMPONENT('Microsoft-Windows-Shell-Setup', '<ComputerName>chroot-01</ComputerName><TimeZone>Tokyo Standard Time</TimeZone><CopyProfile>true</CopyProfile>') +
      INTERNATIONAL +
      COMPONENT('Microsoft-Windows-Deployment', '<RunSynchronous>' +
        '<RunSynchronousCommand wcm:action="add"><Order>2</Order><Path>echo two &gt;&gt; /var/tmp/runs</Path></RunSynchronousCommand>' +
        '<RunSynchronousCommand wcm:action="add"><Order>1</Order><WillReboot>OnRequest</WillReboot>' +
        '<Path>echo one &gt;&gt; /var/tmp/runs; if [ -e /var/tmp/again ]; then exit 0; else touch /var/tmp/again; exit 2; fi</Path></RunSynchronousCommand>' +
        '</RunSynchronous>'),
    oobeSystem: COMPONENT('Microsoft-Windows-Shell-Setup',
      '<UserAccounts><AdministratorPassword><Value>UgBvAG8AdAAtAFAAYQBzAHMAIQBBAGQAbQBpAG4AaQBzAHQAcgBhAHQAbwByAFAAYQBzAHMAdwBvAHIAZAA=</Value><PlainText>false</PlainText></AdministratorPassword>' +
      '<LocalAccounts><LocalAccount wcm:action="add"><Name>Deploy</Name><Group>Administrators;Users</Group>' +
      '<Password><Value>S3cret-Pass!</Value><PlainText>true</PlainText></Password></LocalAccount>' +
      // a name Debian's base-passwd already has as a system group (gid 37)
      '<LocalAccount wcm:action="add"><Name>Operator</Name><Group>Administrators</Group>' +
      '<Password><Value>Op-Pass-1</Value><PlainText>true</PlainText></Password></LocalAccount></LocalAccounts></UserAccounts>' +
      '<AutoLogon><Enabled>true</Enabled><Username>Deploy</Username><LogonCount>2</LogonCount></AutoLogon>' +
      '<FirstLogonCommands><SynchronousCommand wcm:action="add"><Order>1</Order><CommandLine>id -un &gt;&gt; /tmp/first-logon</CommandLine></SynchronousCommand></FirstLogonCommands>' +
      '<OOBE><HideEULAPage>true</HideEULAPage></OOBE>'),
  }));
  s = overlayRoot(usedRoot('bookworm'), 'agent-chroot');
  root = s.root;
  fs.writeFileSync(path.join(root, 'root/.vimrc'), 'set number\n');
  const r = sysprep(['--root', root, '/generalize', '/oobe', `/unattend:${answerFile}`]);
  assert.equal(r.status, 0, r.stderr);
});
after(() => {
  s?.dispose();
  fs.rmSync(answerFile, { force: true });
});

describe('the first-boot agent in a chroot', { concurrency: false }, () => {
  it('the generator pulls in exactly what each state asks for, and nothing in COMPLETE', () => {
    const KEYS = 'multi-user.target.wants/sysprep-host-keys.service';
    const cases: [string, string[], boolean][] = [
      ['IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE', [KEYS, 'multi-user.target.wants/sysprep-oobe.service', 'sysinit.target.wants/sysprep-specialize.service'], false],
      ['IMAGE_STATE_GENERALIZE_RESEAL_TO_AUDIT', ['multi-user.target.wants/sysprep-audit.service', KEYS, 'sysinit.target.wants/sysprep-specialize.service'], true],
      ['IMAGE_STATE_SPECIALIZE_RESEAL_TO_OOBE', [KEYS, 'multi-user.target.wants/sysprep-oobe.service'], false],
      ['IMAGE_STATE_SPECIALIZE_RESEAL_TO_AUDIT', ['multi-user.target.wants/sysprep-audit.service', KEYS], true],
      // while the host keys are pending (sealed, not made yet), their unit comes whatever the state
      ['IMAGE_STATE_COMPLETE', [KEYS], false],
      ['IMAGE_STATE_UNDEPLOYABLE', [KEYS], false], // a failed sysprep run on the golden machine: nothing else at boot
    ];
    const saved = read(root, '/var/lib/sysprep/state/State.ini');
    try {
      for (const [st, wants, autologin] of cases) {
        setState(st);
        fs.rmSync(path.join(root, 'run/gen'), { recursive: true, force: true });
        const r = inRoot(['/usr/lib/systemd/system-generators/sysprep-generator', '/run/gen', '/run/gen', '/run/gen']);
        assert.equal(r.status, 0, r.out);
        const dir = path.join(root, 'run/gen');
        const found = fs.existsSync(dir) ? (fs.readdirSync(dir, { recursive: true }) as string[]).filter((p) => p.endsWith('.service') && p.includes('.wants/')).sort() : [];
        assert.deepEqual(found, wants, st);
        assert.equal(fs.existsSync(path.join(dir, 'serial-getty@ttyS0.service.d/sysprep-audit-autologin.conf')), autologin, `${st} autologin`);
        for (const w of wants) assert.ok(fs.existsSync(path.join(root, 'usr/lib/systemd/system', path.basename(w))), `${w} is installed`);
      }
      // once the keys exist, a set-up machine starts nothing
      const pending = path.join(root, 'var/lib/sysprep/state/host-keys.pending');
      fs.renameSync(pending, `${pending}.saved`);
      setState('IMAGE_STATE_COMPLETE');
      fs.rmSync(path.join(root, 'run/gen'), { recursive: true, force: true });
      assert.equal(inRoot(['/usr/lib/systemd/system-generators/sysprep-generator', '/run/gen']).status, 0);
      assert.equal(fs.existsSync(path.join(root, 'run/gen')), false, 'COMPLETE: the generator adds nothing at all');
      fs.renameSync(`${pending}.saved`, pending);
      // an interrupted specialize (UNDEPLOYABLE + marker) is run again
      setState('IMAGE_STATE_UNDEPLOYABLE');
      fs.writeFileSync(path.join(root, 'var/lib/sysprep/state/specialize.inprogress'), 'oobe\n');
      fs.rmSync(path.join(root, 'run/gen'), { recursive: true, force: true });
      inRoot(['/usr/lib/systemd/system-generators/sysprep-generator', '/run/gen']);
      assert.ok(fs.lstatSync(path.join(root, 'run/gen/sysinit.target.wants/sysprep-specialize.service')).isSymbolicLink());
    } finally {
      fs.rmSync(path.join(root, 'var/lib/sysprep/state/specialize.inprogress'), { force: true });
      fs.rmSync(path.join(root, 'run/gen'), { recursive: true, force: true });
      fs.writeFileSync(path.join(root, 'var/lib/sysprep/state/State.ini'), saved);
    }
  });

  it('specialize: OnRequest exit 2 stops for a restart and runs the same command again; then the rest, in Order', () => {
    assert.ok(fs.existsSync(path.join(root, 'var/lib/sysprep/state/plans/specialize.plan')), 'generalize sealed a plan');
    const first = inRoot(['/usr/lib/sysprep/firstboot', 'specialize']);
    assert.equal(first.status, 0, first.out);
    assert.equal(state(), 'IMAGE_STATE_UNDEPLOYABLE', 'waiting for the restart');
    assert.equal(read(root, '/var/tmp/runs'), 'one\n');
    assert.equal(fs.readdirSync(path.join(root, 'etc/ssh')).filter((n) => /^ssh_host_.*_key$/.test(n)).length, 3,
      'the first RunSynchronous command ran with the clone\'s host keys in place');
    const second = inRoot(['/usr/lib/sysprep/firstboot', 'specialize']);
    assert.equal(second.status, 0, second.out);
    assert.equal(state(), 'IMAGE_STATE_SPECIALIZE_RESEAL_TO_OOBE');
    assert.equal(read(root, '/var/tmp/runs'), 'one\none\ntwo\n', 'order 1 again (exit 2), then order 2');
    assert.equal(read(root, '/etc/hostname'), 'chroot-01\n');
    assert.equal(fs.readlinkSync(path.join(root, 'etc/localtime')), '/usr/share/zoneinfo/Asia/Tokyo');
    assert.equal(read(root, '/etc/skel/.vimrc'), 'set number\n', "CopyProfile: root's profile became /etc/skel");
    assert.equal(fs.existsSync(path.join(root, 'etc/skel/.bash_history')), false);
    // the host-keys unit makes them beside specialize; RunSynchronous commands wait for them (here,
    // without systemd, the runner makes them in the first command's place)
    assert.equal(fs.existsSync(path.join(root, 'var/lib/sysprep/state/host-keys.pending')), false);
    const keys = inRoot(['/usr/lib/sysprep/firstboot', 'host-keys']);
    assert.equal(keys.status, 0, keys.out);
    assert.equal(keys.out, '', 'the unit has nothing left to do');
    const made = fs.readdirSync(path.join(root, 'etc/ssh')).filter((n) => /^ssh_host_/.test(n)).sort();
    assert.deepEqual(made, ['ssh_host_ecdsa_key', 'ssh_host_ecdsa_key.pub', 'ssh_host_ed25519_key', 'ssh_host_ed25519_key.pub', 'ssh_host_rsa_key', 'ssh_host_rsa_key.pub']);
    assert.match(read(root, '/etc/ssh/ssh_host_ed25519_key.pub'), / root@chroot-01\n$/, 'made after specialize: the clone\'s own name');
    assert.equal(fs.statSync(path.join(root, 'etc/ssh/ssh_host_rsa_key')).mode & 0o777, 0o600);
    const log = read(root, '/var/log/sysprep/panther/setupact.log');
    assert.match(log, /specialize pass resumed after an interruption/);
    assert.match(log, /hostname: already done before the interruption/);
    assert.match(read(root, '/var/log/sysprep/panther/unattendgc/setupact.log'), /RunSynchronous 1 exited 2/);
    assert.doesNotMatch(log, /Planned at boot/, 'the sealed plan was carried out: no Node.js agent');
    assert.equal(fs.existsSync(path.join(root, 'etc/systemd/system-preset/00-sysprep-first-boot.preset')), false, 'the preset guard is gone');
    assert.equal(fs.existsSync(path.join(root, 'var/lib/sysprep/state/plans/specialize.plan')), false, 'the plan (with its secrets) is gone');
  });

  it('oobeSystem: accounts, groups, hidden and plain passwords, AutoLogon, FirstLogonCommands; COMPLETE; secrets scrubbed', () => {
    const r = inRoot(['/usr/lib/sysprep/firstboot', 'oobe']);
    assert.equal(r.status, 0, r.out);
    assert.equal(state(), 'IMAGE_STATE_COMPLETE');
    assert.deepEqual(fs.readdirSync(path.join(root, 'var/lib/sysprep/state/plans')), [], 'no plan left');
    assert.match(read(root, '/etc/group'), /^sudo:x:\d+:.*\bdeploy\b/m, 'Administrators → sudo');
    assert.match(read(root, '/etc/group'), /^users:x:\d+:.*\bdeploy\b/m, 'Users → users');
    assert.ok(verifies(shadowOf(root, 'deploy'), 'S3cret-Pass!'));
    // "operator" is a group of the image already: the account is made all the same, in useradd's default group
    const operator = read(root, '/etc/passwd').split('\n').find((l) => l.startsWith('operator:'))?.split(':');
    assert.ok(operator, 'the account operator exists');
    assert.equal(operator[3], /^users:x:(\d+):/m.exec(read(root, '/etc/group'))![1], 'primary group users');
    assert.ok(verifies(shadowOf(root, 'operator'), 'Op-Pass-1'));
    assert.match(read(root, '/etc/group'), /^sudo:x:\d+:.*\boperator\b/m);
    assert.match(read(root, '/var/log/sysprep/panther/setupact.log'), /account operator: a group operator existed already/);
    assert.ok(verifies(shadowOf(root, 'root'), 'Root-Pass!'), 'a PlainText=false password, decoded');
    const dropin = read(root, '/etc/systemd/system/serial-getty@ttyS0.service.d/sysprep-autologon.conf');
    assert.match(dropin, /^ExecStart=-\/usr\/lib\/sysprep\/firstboot getty %I \$TERM$/m);
    assert.equal(read(root, '/var/lib/sysprep/state/autologon'), 'deploy 2\n');
    const cache = read(root, '/var/lib/sysprep/unattend.xml');
    assert.ok(!cache.includes('S3cret-Pass!') && !cache.includes('Op-Pass-1') && !cache.includes('UgBvAG8A'), 'scrubbed');
    assert.match(cache, /<settings pass="specialize" wasPassProcessed="true">/);
    assert.match(cache, /<settings pass="oobeSystem" wasPassProcessed="true">/);
    for (const f of ['/var/log/sysprep/panther/setupact.log', '/var/log/sysprep/panther/setuperr.log']) {
      assert.ok(!read(root, f).includes('S3cret-Pass!') && !read(root, f).includes('Root-Pass!'), `no secret in ${f}`);
    }
  });

  it('AutoLogon: LogonCount 2 means two automatic logons, then the console asks again', () => {
    // agetty needs a real terminal (the QEMU boots have one): here a stand-in prints what it was given
    const agetty = path.join(root, 'sbin/agetty');
    fs.renameSync(agetty, `${agetty}.real`);
    fs.writeFileSync(agetty, '#!/bin/sh\necho "agetty $*"\n', { mode: 0o755 });
    try {
      const getty = (tty: string) => inRoot(['/usr/lib/sysprep/firstboot', 'getty', tty, 'vt220']).out.trim();
      assert.equal(getty('ttyS0'), 'agetty --autologin deploy --keep-baud 115200,57600,38400,9600 ttyS0 vt220');
      assert.equal(read(root, '/var/lib/sysprep/state/autologon'), 'deploy 1\n');
      assert.equal(getty('tty1'), 'agetty --autologin deploy --noclear tty1 vt220');
      assert.equal(fs.existsSync(path.join(root, 'etc/systemd/system/getty@tty1.service.d/sysprep-autologon.conf')), false, 'the next boot has plain gettys');
      assert.equal(fs.existsSync(path.join(root, 'var/lib/sysprep/state/autologon')), false);
      assert.equal(getty('tty1'), 'agetty --noclear tty1 vt220', 'this boot, too: the count is used up');
      assert.match(read(root, '/var/log/sysprep/panther/setupact.log'), /AutoLogon: the last automatic logon of deploy, on tty1 \(LogonCount used up\)/);
    } finally {
      fs.renameSync(`${agetty}.real`, agetty);
    }
  });

  it('FirstLogonCommands run once, as the user who logs in', () => {
    const env = { HOME: '/home/deploy', USER: 'deploy', LOGNAME: 'deploy' };
    // the login hook, as a login shell would run it
    const hook = inRoot(['/bin/sh', '-c', '. /etc/profile.d/sysprep.sh'], { user: 'deploy:deploy', env });
    assert.equal(hook.status, 0, hook.out);
    assert.equal(read(root, '/tmp/first-logon'), 'deploy\n');
    inRoot(['/bin/sh', '-c', '. /etc/profile.d/sysprep.sh'], { user: 'deploy:deploy', env });
    assert.equal(read(root, '/tmp/first-logon'), 'deploy\n', 'not a second time');
  });

  it('keys still being made when the OOBE finishes: the OOBE keeps their plan (a power loss must find it), their phase removes it', () => {
    // no RunSynchronous here: specialize does not wait for the keys, as on a boot where their unit is slower
    const other = overlayRoot(usedRoot('bookworm'), 'agent-chroot-keys');
    const file = path.join(WORK_DIR, `agent-chroot-keys-${process.pid}.xml`);
    try {
      fs.writeFileSync(file, UNATTEND({
        specialize: COMPONENT('Microsoft-Windows-Shell-Setup', '<ComputerName>keys-01</ComputerName><TimeZone>UTC</TimeZone>') + INTERNATIONAL,
        oobeSystem: COMPONENT('Microsoft-Windows-Shell-Setup',
          '<UserAccounts><LocalAccounts><LocalAccount wcm:action="add"><Name>keys</Name><Group>Users</Group>' +
          '<Password><Value>Keys-Pass-1</Value><PlainText>true</PlainText></Password></LocalAccount></LocalAccounts></UserAccounts>' +
          '<OOBE><HideEULAPage>true</HideEULAPage></OOBE>'),
      }));
      const sealed = sysprep(['--root', other.root, '/generalize', '/oobe', `/unattend:${file}`]);
      assert.equal(sealed.status, 0, sealed.stderr);
      const plans = path.join(other.root, 'var/lib/sysprep/state/plans');
      const pending = path.join(other.root, 'var/lib/sysprep/state/host-keys.pending');
      for (const phase of ['specialize', 'oobe']) {
        const r = inRoot(['/usr/lib/sysprep/firstboot', phase], { root: other.root });
        assert.equal(r.status, 0, r.out);
      }
      assert.match(read(other.root, '/var/lib/sysprep/state/State.ini'), /IMAGE_STATE_COMPLETE/);
      assert.ok(fs.existsSync(pending));
      assert.deepEqual(fs.readdirSync(plans), ['host-keys'], 'only the plan of the keys still to make');
      const keys = inRoot(['/usr/lib/sysprep/firstboot', 'host-keys'], { root: other.root });
      assert.equal(keys.status, 0, keys.out);
      assert.deepEqual(fs.readdirSync(plans), [], 'no plan left once the keys are made');
      assert.ok(!fs.existsSync(pending));
      assert.match(read(other.root, '/etc/ssh/ssh_host_ed25519_key.pub'), / root@keys-01\n$/, "the plan's name, no second ssh-keygen for the comment");
      assert.doesNotMatch(read(other.root, '/var/log/sysprep/panther/setupact.log'), /cannot be read|stays root@localhost/);
    } finally {
      other.dispose();
      fs.rmSync(file, { force: true });
    }
  });

  it('in COMPLETE every phase does nothing', () => {
    const before = read(root, '/etc/hostname');
    for (const phase of ['specialize', 'oobe', 'audit']) {
      const r = inRoot(['/usr/lib/sysprep/firstboot', phase]);
      assert.equal(r.status, 0, r.out);
    }
    assert.equal(state(), 'IMAGE_STATE_COMPLETE');
    assert.equal(read(root, '/etc/hostname'), before);
    assert.match(read(root, '/var/log/sysprep/panther/setupact.log'), /audit: nothing to do in IMAGE_STATE_COMPLETE/);
  });
});
