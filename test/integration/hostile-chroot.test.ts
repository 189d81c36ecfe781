/**
 * Hostile answer-file values (test/harness/hostile.ts), fast: refused by `unattend check` and
 * generalize with the setting's line and column when Linux cannot hold them; otherwise sealed into
 * plans and carried out by the runner in a chroot of a generalized root (specialize, OOBE, the login
 * hook's FirstLogonCommands): every value arrives verbatim (passwords verify against /etc/shadow, the
 * display name is the GECOS field, the commands the answer file asked for print exactly what they
 * say), and nothing runs that the answer file did not ask for (no canary file anywhere).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checkAnswerFileBytes } from '../../src/answer-file/index.js';
import { WORK_DIR } from '../fixtures/disk-image.js';
import { overlayRoot, usedRoot, type Scratch } from '../fixtures/used-root.js';
import { read, shadowOf, verifies } from '../harness/first-boot.js';
import { canaries, firstLogonOut, H, HOST, hostileAnswerFile, passwdField, REFUSED, refusedFile, RUN_OUT, USER } from '../harness/hostile.js';
import { sysprep } from '../harness/sysprep.js';

let s: Scratch;
let root: string;
const answerFile = path.join(WORK_DIR, `hostile-chroot-${process.pid}.xml`);

function inRoot(argv: string[], options: { user?: string; env?: Record<string, string> } = {}) {
  const env = Object.entries({ PATH: '/usr/sbin:/usr/bin:/sbin:/bin', ...options.env }).map(([k, v]) => `${k}=${v}`);
  const r = spawnSync('unshare', ['--uts', '--fork', 'chroot', ...(options.user ? [`--userspec=${options.user}`] : []), root, 'env', '-i', ...env, ...argv],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

before(() => {
  fs.mkdirSync(WORK_DIR, { recursive: true });
  fs.writeFileSync(answerFile, hostileAnswerFile());
  s = overlayRoot(usedRoot('bookworm'), 'hostile-chroot');
  root = s.root;
});
after(() => {
  s?.dispose();
  fs.rmSync(answerFile, { force: true });
});

describe('hostile answer-file values', { concurrency: false }, () => {
  it('what Linux cannot hold is refused by the check, with the setting\'s line and column', () => {
    for (const c of REFUSED) {
      const report = checkAnswerFileBytes(refusedFile(c), 'bad.xml');
      const errors = report.diagnostics.filter((d) => d.severity === 'error');
      assert.ok(errors.length >= 1, `${c[0]}: not refused`);
      assert.ok(errors.every((d) => d.file === 'bad.xml' && d.line >= 1 && d.column >= 1), `${c[0]}: ${JSON.stringify(errors)}`);
      assert.ok(!errors.some((d) => d.message.includes('pppppppp')), `${c[0]}: the password is not quoted`);
    }
    assert.equal(checkAnswerFileBytes(hostileAnswerFile(), 'hostile.xml').valid, true, 'the hostile values Linux can hold are accepted');
  });

  it('`sysprep unattend check` and generalize refuse such a file, naming file, line and column; nothing is sealed', () => {
    const bad = path.join(WORK_DIR, `hostile-bad-${process.pid}.xml`);
    const other = overlayRoot(usedRoot('bookworm'), 'hostile-refused');
    try {
      fs.writeFileSync(bad, refusedFile(REFUSED.find((c) => c[0].startsWith('a line break in a DisplayName'))!));
      const check = sysprep(['unattend', 'check', bad]);
      assert.notEqual(check.status, 0);
      assert.match(check.stdout + check.stderr, /line\s+\d+:\d+\s+error: a display name cannot contain a line break/);
      const gen = sysprep(['--root', other.root, '/generalize', '/oobe', `/unattend:${bad}`]);
      assert.notEqual(gen.status, 0, 'generalize refuses it');
      assert.ok((gen.stdout + gen.stderr).includes(bad), `${gen.stdout}${gen.stderr}`);
      assert.match(gen.stdout + gen.stderr, /:\d+:\d+|line \d+/);
      assert.equal(fs.existsSync(path.join(other.root, 'var/lib/sysprep/state/plans/specialize.plan')), false, 'nothing sealed');
    } finally {
      other.dispose();
      fs.rmSync(bad, { force: true });
    }
  });

  it('generalize seals the hostile values as data; the plans hold no shell', () => {
    const r = sysprep(['--root', root, '/generalize', '/oobe', `/unattend:${answerFile}`]);
    assert.equal(r.status, 0, r.stderr);
    const plans = path.join(root, 'var/lib/sysprep/state/plans');
    const spec = fs.readFileSync(path.join(plans, 'specialize.plan'));
    assert.ok(spec.subarray(0, 15).equals(Buffer.from('sysprep-plan 1\0')), 'a plan of records');
    assert.ok(spec.includes(Buffer.from(`\0${H.runPath}\0`)), 'the command as written, one field');
    const oobe = fs.readFileSync(path.join(plans, 'oobe.plan'));
    assert.ok(oobe.includes(Buffer.from(`\0${H.userPassword}\0`)) && oobe.includes(Buffer.from(`\0${H.displayName}\0`)));
    assert.equal(fs.statSync(path.join(plans, 'oobe.plan')).mode & 0o777, 0o600);
    const shown = sysprep(['agent', 'show-plan', path.join(plans, 'oobe.plan')]);
    assert.equal(shown.status, 0, shown.stderr);
    assert.ok(!shown.stdout.includes(H.adminPassword) && !shown.stdout.includes(H.userPassword), 'show-plan hides passwords');
  });

  it('specialize and the OOBE carry every value out verbatim, and run only what was asked', () => {
    const spec = inRoot(['/usr/lib/sysprep/firstboot', 'specialize']);
    assert.equal(spec.status, 0, spec.out);
    const oobe = inRoot(['/usr/lib/sysprep/firstboot', 'oobe']);
    assert.equal(oobe.status, 0, oobe.out);
    assert.match(read(root, '/var/lib/sysprep/state/State.ini'), /IMAGE_STATE_COMPLETE/);
    assert.equal(read(root, '/etc/hostname'), `${HOST}\n`);
    assert.equal(read(root, '/var/tmp/run-out'), RUN_OUT, 'RunSynchronous Path ran exactly as written');
    assert.ok(verifies(shadowOf(root, 'root'), H.adminPassword), 'AdministratorPassword, verbatim');
    assert.ok(verifies(shadowOf(root, USER), H.userPassword), 'a 511-byte LocalAccount password, verbatim');
    assert.equal(passwdField(read(root, '/etc/passwd'), USER, 4), H.displayName, 'GECOS holds the display name');
    const log = read(root, '/var/log/sysprep/panther/setupact.log');
    assert.ok(log.includes(`TimeZone "${H.timeZone}" is not a Windows time zone`), 'the time zone, only logged');
    const gc = read(root, '/var/log/sysprep/panther/unattendgc/setupact.log');
    assert.ok(gc.includes(`RunSynchronous 1: ${H.runDescription.split('\n')[0]}`) && gc.includes(' line two\n'), 'the description, logged line by line');
    for (const f of ['setupact.log', 'setuperr.log', 'unattendgc/setupact.log']) {
      const text = read(root, `/var/log/sysprep/panther/${f}`);
      assert.ok(!text.includes(H.adminPassword) && !text.includes(H.userPassword), `no password in ${f}`);
    }
    assert.deepEqual(canaries(root), [], 'nothing ran that the answer file did not ask for');
    for (const d of ['', 'root', 'tmp']) assert.equal(fs.existsSync(path.join(root, d, 'pwned-3')), false, `no ${d}/pwned-3`);
  });

  it('FirstLogonCommands: the command runs as written at the first login; its description is only printed', () => {
    const home = passwdField(read(root, '/etc/passwd'), USER, 5)!;
    const hook = inRoot(['/bin/sh', '-c', '. /etc/profile.d/sysprep.sh'], { user: `${USER}:${USER}`, env: { HOME: home, USER, LOGNAME: USER } });
    assert.equal(hook.status, 0, hook.out);
    assert.equal(read(root, '/var/tmp/first-logon-out'), firstLogonOut(USER));
    assert.ok(hook.out.includes(`sysprep: first logon: ${H.firstLogonDescription}\n`), hook.out);
    const records = fs.readFileSync(path.join(root, 'var/lib/sysprep/firstlogon/commands'));
    assert.ok(records.includes(Buffer.from(`\0${H.firstLogonCommand}\0`)), 'a file of records, not a script');
    assert.deepEqual(canaries(root), []);
    assert.deepEqual(canaries('/'), [], 'nor on this machine');
  });
});
