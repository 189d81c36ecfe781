/**
 * The runner fails loudly and never hangs (issue 10, point 4), in a chroot of a generalized root (the
 * image's own bash, coreutils and chpasswd; no QEMU): unplanned exits are reported with the phase
 * and the step, writes the resume depends on are checked, the generator stops retrying a phase after
 * RETRY_CAP identical failures and says why, State.ini is read alike by TypeScript, the runner and
 * the generator, AutoLogon's count is data, RunSynchronous output goes through a file with a timeout
 * (a daemon it leaves does not hold the pass), and a runner killed (SIGKILL, a power loss as far as a
 * chroot can show one) at each kind of step finishes the pass at the next run without redoing steps.
 *
 * Each scenario gets its own overlay on top of one generalized root (generalized once). Commands run
 * in private mount, UTS and PID namespaces: nothing renames this machine, and whatever a command
 * leaves running dies with the namespace.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WORK_DIR } from '../../test/fixtures/disk-image.js';
import { CACHE_DIR } from '../../test/fixtures/roots.js';
import { usedRoot } from '../../test/fixtures/used-root.js';
import { COMPONENT, INTERNATIONAL, read, shadowOf, UNATTEND, verifies } from '../../test/harness/first-boot.js';
import { sysprep } from '../../test/harness/sysprep.js';
import { BOOT_PHASES, IMAGE_STATES } from '../model/image-state.js';
import { RootFs } from '../rootfs/rootfs.js';
import { readImageState } from '../system/state.js';
import { repoRoot } from '../answer-file/testutil.js';
import { RETRY_CAP } from './units.js';

const STATE = '/var/lib/sysprep/state';
const FIRSTBOOT = '/usr/lib/sysprep/firstboot';
const GENERATOR = '/usr/lib/systemd/system-generators/sysprep-generator';

/**
 * Kills every ancestor that is the runner (SIGKILL: a power loss; or the signal named in
 * /var/tmp/signal), once per NAME, when armed; exit 1 after a kill.
 */
const CUT_POWER = `#!/bin/sh
[ -e /var/tmp/armed ] || exit 0
sig=KILL
[ -f /var/tmp/signal ] && read -r sig < /var/tmp/signal
[ -e "/var/tmp/cut-$1" ] && exit 0
: > "/var/tmp/cut-$1"
echo "$1" >> /var/tmp/cuts
p=$$
while [ "$p" -gt 1 ]; do
  read -r _ _ _ pp _ < "/proc/$p/stat" || break
  p=$pp
  case $(tr '\\0' ' ' < "/proc/$p/cmdline") in *${FIRSTBOOT}*) kill -"$sig" "$p" ;; esac
done
exit 1
`;
/** mv, as the runner calls it (mv -f -- FROM TO): the power goes before some targets are replaced. */
const MV_SHIM = `#!/bin/sh
for to; do :; done
case $to in
  /var/lib/sysprep/unattend.xml) /usr/local/lib/cut-power cache || exit 1 ;;
  ${STATE}/autologon) [ -e /var/tmp/fail-autologon ] && exit 1 ;;
esac
exec /bin/mv "$@"
`;
/**
 * rename.ul, as the runner calls it (rename.ul -- PART '' FILE...): the power goes before the host name
 * or a new image state (other than UNDEPLOYABLE) is in place.
 */
const RENAME_SHIM = `#!/bin/sh
for f; do
  case $f in
  /etc/.sysprep-*-hostname) /usr/local/lib/cut-power hostname || exit 1 ;;
  ${STATE}/.sysprep-*-State.ini)
    grep -q UNDEPLOYABLE "$f" || /usr/local/lib/cut-power "state-$(sed -n 's/.*IMAGE_STATE_\\([A-Z_]*\\).*/\\1/p' "$f")" || exit 1 ;;
  esac
done
exec /usr/bin/rename.ul "$@"
`;
const CHPASSWD_SHIM = `#!/bin/sh
/usr/local/lib/cut-power passwords || exit 1
exec /usr/sbin/chpasswd "$@"
`;

let base: string; // the generalized root's upper directory
let lower: string;
const scratch: string[] = [];
const answerFile = path.join(WORK_DIR, `runner-faults-${process.pid}.xml`);

interface Layer {
  root: string;
  dispose(): void;
}
/** A writable view of the generalized root. */
function layer(label: string): Layer {
  const dir = fs.mkdtempSync(path.join(CACHE_DIR, 'work', `runner-faults-${label}-`));
  for (const d of ['upper', 'work', 'merged']) fs.mkdirSync(path.join(dir, d));
  const root = path.join(dir, 'merged');
  execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${base}:${lower},upperdir=${dir}/upper,workdir=${dir}/work`, root]);
  return {
    root,
    dispose() {
      execFileSync('umount', [root]);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A command inside the root (private mount, UTS and PID namespaces, /proc of its own), no terminal. */
function inRoot(root: string, argv: string[], env: Record<string, string> = {}) {
  const vars = Object.entries({ PATH: '/usr/sbin:/usr/bin:/sbin:/bin', ...env }).map(([k, v]) => `${k}=${v}`);
  const started = Date.now();
  const r = spawnSync('unshare', ['--mount', '--uts', '--pid', '--fork', 'sh', '-c', 'mount -t proc proc "$0/proc" && chroot "$0" "$@"',
    root, 'env', '-i', ...vars, ...argv], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}`, stderr: r.stderr, seconds: (Date.now() - started) / 1000 };
}
const write = (root: string, p: string, text: string, mode = 0o644) => {
  fs.mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
  fs.writeFileSync(path.join(root, p), text, { mode });
};
const exists = (root: string, p: string) => fs.existsSync(path.join(root, p));
const setuperr = (root: string) => (exists(root, '/var/log/sysprep/panther/setuperr.log') ? read(root, '/var/log/sysprep/panther/setuperr.log') : '');
const setState = (root: string, v: string) => write(root, `${STATE}/State.ini`, `[State]\nImageState="${v}"\n`);

/** The units the generator pulls in, as target.wants/unit paths. */
function generated(root: string): string[] {
  fs.rmSync(path.join(root, 'run/gen'), { recursive: true, force: true });
  const r = inRoot(root, [GENERATOR, '/run/gen', '/run/gen', '/run/gen']);
  assert.equal(r.status, 0, r.out);
  const dir = path.join(root, 'run/gen');
  return fs.existsSync(dir) ? (fs.readdirSync(dir, { recursive: true }) as string[]).filter((p) => p.includes('.wants/')).sort() : [];
}

/**
 * A bug in the installed runner: its host-name step reads a variable that is not set. Plans are data
 * the runner checks before it runs anything (a bad plan is refused, or planned again), so an unplanned
 * exit now takes a bug in the runner itself; this makes one. Returns the runner as it was.
 */
function injectRunnerBug(root: string): string {
  const file = path.join(root, FIRSTBOOT);
  const text = fs.readFileSync(file, 'utf8');
  const buggy = text.replace(/^(\s*)set_hostname "\$1"/m, '$1set_hostname "$SYSPREP_TEST_UNSET"');
  assert.notEqual(buggy, text, 'op_hostname calls set_hostname "$1"');
  fs.writeFileSync(file, buggy);
  return text;
}

before(() => {
  fs.mkdirSync(WORK_DIR, { recursive: true });
  fs.writeFileSync(answerFile, UNATTEND({
    specialize: COMPONENT('Microsoft-Windows-Shell-Setup', '<ComputerName>fault-01</ComputerName><TimeZone>UTC</TimeZone>') + INTERNATIONAL +
      COMPONENT('Microsoft-Windows-Deployment', '<RunSynchronous>' +
        '<RunSynchronousCommand wcm:action="add"><Order>1</Order><Path>echo one &gt;&gt; /var/tmp/runs</Path></RunSynchronousCommand>' +
        '<RunSynchronousCommand wcm:action="add"><Order>2</Order><Path>/usr/local/lib/cut-power runsync || exit 0; echo two &gt;&gt; /var/tmp/runs</Path></RunSynchronousCommand>' +
        '<RunSynchronousCommand wcm:action="add"><Order>3</Order><Description>daemon</Description>' +
        '<Path>(echo daemon-up; echo daemon-err &gt;&amp;2; exec sleep 120) &amp; sleep 1; echo launched; echo three &gt;&gt; /var/tmp/runs</Path></RunSynchronousCommand>' +
        '<RunSynchronousCommand wcm:action="add"><Order>4</Order><Description>slow</Description><Path>sleep 100; echo late &gt;&gt; /var/tmp/runs</Path></RunSynchronousCommand>' +
        '<RunSynchronousCommand wcm:action="add"><Order>5</Order><Path>echo five &gt;&gt; /var/tmp/runs</Path></RunSynchronousCommand>' +
        '</RunSynchronous>'),
    oobeSystem: COMPONENT('Microsoft-Windows-Shell-Setup',
      '<UserAccounts><AdministratorPassword><Value>R00t-Pass!</Value><PlainText>true</PlainText></AdministratorPassword>' +
      '<LocalAccounts><LocalAccount wcm:action="add"><Name>Deploy</Name><Group>Users</Group>' +
      '<Password><Value>S3cret-Pass!</Value><PlainText>true</PlainText></Password></LocalAccount></LocalAccounts></UserAccounts>' +
      '<AutoLogon><Enabled>true</Enabled><Username>Deploy</Username><LogonCount>2</LogonCount></AutoLogon>' +
      '<OOBE><HideEULAPage>true</HideEULAPage><HideLocalAccountScreen>true</HideLocalAccountScreen></OOBE>'),
  }));
  lower = usedRoot('bookworm');
  const dir = fs.mkdtempSync(path.join(CACHE_DIR, 'work', 'runner-faults-base-'));
  scratch.push(dir);
  for (const d of ['upper', 'work', 'merged']) fs.mkdirSync(path.join(dir, d));
  const root = path.join(dir, 'merged');
  execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${lower},upperdir=${dir}/upper,workdir=${dir}/work`, root]);
  try {
    // a vendor's specialize entry point that leaves a daemon behind, like RunSynchronous 3
    write(root, '/usr/local/lib/acme/specialize.sh', '#!/bin/sh\necho "vendor $SYSPREP_PASS"\n(echo vendor-daemon-up; exec sleep 120) &\nsleep 1\necho vendor-done\n', 0o755);
    write(root, '/usr/lib/sysprep/providers.d/acme.json', JSON.stringify({ id: 'acme', specialize: ['/usr/local/lib/acme/specialize.sh'], timeout: 30 }));
    const r = sysprep(['--root', root, '/generalize', '/oobe', `/unattend:${answerFile}`]);
    assert.equal(r.status, 0, r.stderr);
    // the test's tools: a power cut on demand, and mv/chpasswd stand-ins that call it (earlier in the PATH)
    write(root, '/usr/local/lib/cut-power', CUT_POWER, 0o755);
    write(root, '/usr/local/bin/mv', MV_SHIM, 0o755);
    write(root, '/usr/local/bin/rename.ul', RENAME_SHIM, 0o755);
    write(root, '/usr/local/sbin/chpasswd', CHPASSWD_SHIM, 0o755);
    // the host keys are their own unit's business (tested elsewhere): not made here, to save time
    fs.rmSync(path.join(root, STATE, 'host-keys.pending'));
    // RunSynchronous 4 sleeps longer than this (the default is an hour)
    write(root, '/etc/sysprep/firstboot.conf', 'RunSynchronousTimeout=2\n');
  } finally {
    execFileSync('umount', [root]);
  }
  base = path.join(dir, 'upper');
});
after(() => {
  for (const d of scratch) fs.rmSync(d, { recursive: true, force: true });
  fs.rmSync(answerFile, { force: true });
});

describe('the runner fails loudly and never hangs (chroot)', { concurrency: false }, () => {
  it('State.ini: TypeScript, the runner and the generator read the same odd files the same way', () => {
    const l = layer('state');
    try {
      const files: [string, string | undefined][] = [
        ['two ImageState lines: the last wins', '[State]\nImageState="IMAGE_STATE_COMPLETE"\nImageState="IMAGE_STATE_SPECIALIZE_RESEAL_TO_OOBE"\n'],
        ['an unknown value', '[State]\nImageState="IMAGE_STATE_SOMETHING_ELSE"\n'],
        ['a lower-case value', '[State]\nImageState="image_state_complete"\n'],
        ['no quotes, spaces, CRLF', '\r\n  [ State ]  \r\n  ImageState =  IMAGE_STATE_GENERALIZE_RESEAL_TO_AUDIT  \r\n'],
        ['another section', '[Other]\nImageState="IMAGE_STATE_COMPLETE"\n'],
        ['a comment', '[State]\n;ImageState="IMAGE_STATE_COMPLETE"\n# ImageState="IMAGE_STATE_COMPLETE"\n'],
        ['an empty file', ''],
        ['no newline at the end', '[State]\nImageState="IMAGE_STATE_SPECIALIZE_RESEAL_TO_AUDIT"'],
        ['quotes only', '[State]\nImageState=""\n'],
        ['a half quote', '[State]\nImageState="IMAGE_STATE_COMPLETE\n'],
        ['a later [State] section', '[State]\nImageState=IMAGE_STATE_COMPLETE\n[Other]\nX=1\n[State]\nImageState=IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE\n'],
        ['a hostile value', '[State]\nImageState="$(touch /tmp/pwned)"\n'],
        ['binary garbage', '\u0000\u0001[State]\u0000\nImageState\n=\n'],
        ['no file', undefined],
      ];
      const phaseUnits: Record<string, string> = {
        specialize: 'sysinit.target.wants/sysprep-specialize.service',
        oobe: 'multi-user.target.wants/sysprep-oobe.service',
        audit: 'multi-user.target.wants/sysprep-audit.service',
      };
      for (const [what, text] of files) {
        const ini = path.join(l.root, STATE, 'State.ini');
        if (text === undefined) fs.rmSync(ini, { force: true });
        else fs.writeFileSync(ini, text);
        const ts = readImageState(new RootFs(l.root)).imageState;
        // the runner: a phase that has nothing to do logs the state it read
        const phase = ts === 'IMAGE_STATE_SPECIALIZE_RESEAL_TO_AUDIT' ? 'oobe' : 'audit';
        fs.rmSync(path.join(l.root, 'var/log/sysprep'), { recursive: true, force: true });
        const r = inRoot(l.root, [FIRSTBOOT, phase]);
        assert.equal(r.status, 0, `${what}: ${r.out}`);
        assert.match(read(l.root, '/var/log/sysprep/panther/setupact.log'), new RegExp(`${phase}: nothing to do in ${ts}$`, 'm'), `${what}: the runner read ${ts}`);
        // the generator: the units of the transition table's phases for that state
        const want = BOOT_PHASES[ts].phases.map((p) => phaseUnits[p]!).sort();
        assert.deepEqual(generated(l.root), want, `${what}: the generator read ${ts}`);
        assert.equal(exists(l.root, '/tmp/pwned'), false);
      }
      assert.equal(IMAGE_STATES.length, 6);
    } finally {
      l.dispose();
    }
  });

  it('an unplanned exit (a runner bug: an unset variable under set -u): the phase and the step in setuperr.log and on the console; after 3 identical failures the generator stops and says why; success resets', () => {
    const l = layer('unplanned');
    const root = l.root;
    try {
      const original = injectRunnerBug(root);
      for (let n = 1; n <= RETRY_CAP; n++) {
        const r = inRoot(root, [FIRSTBOOT, 'specialize']);
        assert.equal(r.status, 1, r.out);
        assert.match(r.stderr, /sysprep: specialize failed: the runner stopped unexpectedly \(exit code 1\) while running: .* \(step hostname\)/, r.out);
        assert.match(r.stderr, /This machine is not set up \(IMAGE_STATE_UNDEPLOYABLE\)/);
        const errors = setuperr(root).trim().split('\n');
        assert.equal(errors.length, n, setuperr(root));
        assert.match(errors.at(-1)!, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d, Error {17}SYSPRP specialize: the runner stopped unexpectedly \(exit code 1\) while running: .*\(step hostname\)\. The image state stays IMAGE_STATE_UNDEPLOYABLE; /);
        assert.match(errors.at(-1)!, n < RETRY_CAP ? /the next boot tries again\.$/ : /it failed this way 3 times in a row: it is not started again at boot/);
        assert.equal(read(root, `${STATE}/specialize.failures`).split('\n')[0], String(n));
        const units = generated(root);
        if (n < RETRY_CAP) assert.deepEqual(units, ['multi-user.target.wants/sysprep-oobe.service', 'sysinit.target.wants/sysprep-specialize.service']);
        else assert.deepEqual(units, ['multi-user.target.wants/sysprep-gave-up-specialize.service'], 'no retry after the cap; a unit says why');
      }
      assert.match(read(root, '/run/gen/sysprep-gave-up-specialize.service'), /^ExecStart=\/usr\/lib\/sysprep\/firstboot gave-up specialize$/m);
      const g = inRoot(root, [FIRSTBOOT, 'gave-up', 'specialize']);
      assert.equal(g.status, 0, g.out);
      assert.match(g.stderr, /sysprep: specialize is not started any more: it failed 3 times in a row/);
      assert.match(setuperr(root), /Error .*specialize: not started at this boot: it failed 3 times in a row \(step hostname: the runner stopped unexpectedly/);
      assert.match(read(root, `${STATE}/State.ini`), /IMAGE_STATE_UNDEPLOYABLE/, 'never pretends to be set up');
      // repaired: the phase runs to its end and its count goes
      fs.writeFileSync(path.join(root, FIRSTBOOT), original);
      const ok = inRoot(root, [FIRSTBOOT, 'specialize']);
      assert.equal(ok.status, 0, ok.out);
      assert.equal(exists(root, `${STATE}/specialize.failures`), false, 'a phase that completes resets its count');
      assert.deepEqual(generated(root), ['multi-user.target.wants/sysprep-oobe.service']);
    } finally {
      l.dispose();
    }
  });

  it('a corrupt plan is never run: a truncated plan or one naming an unknown operation is logged and planned again at boot', () => {
    const l = layer('corrupt');
    const root = l.root;
    try {
      const plan = path.join(root, STATE, 'plans/specialize.plan');
      const original = fs.readFileSync(plan);
      const hostname = Buffer.from('op_hostname\0');
      assert.ok(original.includes(hostname), 'the plan has a host-name step');
      const variants: [string, Buffer][] = [
        ['truncated', original.subarray(0, original.length - 3)],
        // an operation the runner does not have, carrying a command: refused before anything runs
        ['unknown op', Buffer.from(original.toString('latin1').replace('op_hostname\0', 'op_eval\0'), 'latin1')],
      ];
      for (const [label, bytes] of variants) {
        fs.writeFileSync(plan, bytes);
        setState(root, 'IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE');
        fs.rmSync(path.join(root, STATE, 'firstboot.steps'), { force: true });
        fs.rmSync(path.join(root, STATE, 'specialize.inprogress'), { force: true });
        const r = inRoot(root, [FIRSTBOOT, 'specialize']);
        assert.equal(r.status, 0, `${label}: ${r.out}`);
        const act = read(root, '/var/log/sysprep/panther/setupact.log');
        assert.match(act, /Plan \/var\/lib\/sysprep\/state\/plans\/specialize\.plan cannot be read \(.*\); planning again/, label);
        assert.match(read(root, `${STATE}/State.ini`), /IMAGE_STATE_SPECIALIZE_RESEAL_TO_OOBE/, `${label}: the pass completed with the plan made again`);
        assert.equal(setuperr(root).includes('Error'), false, `${label}: not a failure: ${setuperr(root)}`);
        // the next boot's OOBE plan stays for the next test round; specialize's was used and removed
        fs.writeFileSync(plan, original);
      }
    } finally {
      l.dispose();
    }
  });

  it('the writes the resume depends on are checked: the marker, the step record, the image state', () => {
    const l = layer('writes');
    const root = l.root;
    try {
      const attempt = (setup: () => void, undo: () => void, reason: RegExp) => {
        setup();
        const r = inRoot(root, [FIRSTBOOT, 'specialize']);
        undo();
        assert.equal(r.status, 1, r.out);
        assert.match(r.stderr, new RegExp(`sysprep: specialize failed: ${reason.source}`), r.out);
        assert.match(setuperr(root).trim().split('\n').at(-1)!, new RegExp(`Error .*specialize: ${reason.source}`));
      };
      const marker = path.join(root, STATE, 'specialize.inprogress');
      const steps = path.join(root, STATE, 'firstboot.steps');
      attempt(() => fs.mkdirSync(marker), () => fs.rmdirSync(marker), /could not write the marker \/var\/lib\/sysprep\/state\/specialize\.inprogress/);
      // the state was not changed: the next try starts afresh
      assert.match(read(root, `${STATE}/State.ini`), /GENERALIZE_RESEAL_TO_OOBE/);
      fs.rmSync(steps, { force: true });
      attempt(() => fs.mkdirSync(steps), () => fs.rmdirSync(steps), /could not start the step record \/var\/lib\/sysprep\/state\/firstboot\.steps/);
      // the record of a finished step that must not run twice (a RunSynchronous command): sync fails
      // for it alone. The host name's step before it is repeatable (OPS): its record is not synced on
      // its own, so the first record synced is the command's.
      write(root, '/usr/local/sbin/sync', `#!/bin/sh\n[ "$*" = "-- ${STATE}/firstboot.steps" ] && exit 1\nexec /bin/sync "$@"\n`, 0o755);
      attempt(() => {}, () => fs.rmSync(path.join(root, 'usr/local/sbin/sync')), /could not record step specialize:run:1 as done in \/var\/lib\/sysprep\/state\/firstboot\.steps/);
      // the image state: its directory is read-only to the rename (a directory where the file goes)
      fs.rmSync(marker, { force: true });
      fs.rmSync(steps, { force: true });
      setState(root, 'IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE');
      const ini = path.join(root, STATE, 'State.ini');
      write(root, '/usr/local/sbin/sync', `#!/bin/sh\ncase "$*" in *.sysprep-*-State.ini*) exit 1 ;; esac\nexec /bin/sync "$@"\n`, 0o755);
      attempt(() => {}, () => fs.rmSync(path.join(root, 'usr/local/sbin/sync')), /could not write the image state IMAGE_STATE_UNDEPLOYABLE to \/var\/lib\/sysprep\/state\/State\.ini/);
      assert.deepEqual(fs.readdirSync(path.dirname(ini)).filter((n) => n.includes('.sysprep-')), [], 'no temporary file left');
    } finally {
      l.dispose();
    }
  });

  it('AutoLogon: the count is data (never evaluated); a count that cannot be written is not spent', () => {
    const l = layer('autologon');
    const root = l.root;
    try {
      write(root, '/sbin/agetty', '#!/bin/sh\necho "agetty $*"\n', 0o755);
      const getty = () => inRoot(root, [FIRSTBOOT, 'getty', 'ttyS0', 'vt220']);
      for (const hostile of ['deploy x[$(touch /tmp/pwned)]', 'deploy a[$(touch${IFS}/tmp/pwned)]+1', 'deploy 1e9', '$(touch /tmp/pwned) 2', '-f 2']) {
        write(root, `${STATE}/autologon`, `${hostile}\n`, 0o600);
        const r = getty();
        assert.equal(r.status, 0, r.out);
        assert.match(r.out, /agetty --keep-baud 115200,57600,38400,9600 ttyS0 vt220/, hostile);
        assert.doesNotMatch(r.out, /--autologin/, hostile);
        assert.equal(exists(root, '/tmp/pwned'), false, `${hostile}: evaluated`);
        assert.match(setuperr(root), /AutoLogon: \/var\/lib\/sysprep\/state\/autologon does not hold a user name and a logon count/);
      }
      write(root, `${STATE}/autologon`, 'deploy 08\n', 0o600);
      assert.match(getty().out, /agetty --autologin deploy --keep-baud/, 'leading zeros are decimal');
      assert.equal(read(root, `${STATE}/autologon`), 'deploy 7\n');
      fs.writeFileSync(path.join(root, 'var/tmp/fail-autologon'), '');
      const r = getty();
      assert.doesNotMatch(r.out, /--autologin/, 'no logon that could not be counted');
      assert.match(r.out, /AutoLogon: could not update/);
      assert.equal(read(root, `${STATE}/autologon`), 'deploy 7\n');
      assert.match(setuperr(root), /AutoLogon: could not write the remaining logon count/);
    } finally {
      l.dispose();
    }
  });

  it('RunSynchronous: output through a file, a daemon does not hold the pass, a timeout from firstboot.conf (read as data)', () => {
    const l = layer('runsync');
    const root = l.root;
    try {
      write(root, '/etc/sysprep/firstboot.conf', '# sysprep first boot\nX=$(touch /tmp/pwned)\nRunSynchronousTimeout=3600\n  RunSynchronousTimeout = "3"  \n');
      const r = inRoot(root, [FIRSTBOOT, 'specialize']);
      assert.equal(r.status, 0, r.out);
      assert.ok(r.seconds < 60, `the pass took ${r.seconds} s: something held it`);
      assert.equal(exists(root, '/tmp/pwned'), false, 'the configuration is data');
      assert.equal(read(root, '/var/tmp/runs'), 'one\ntwo\nthree\nfive\n');
      const gc = read(root, '/var/log/sysprep/panther/unattendgc/setupact.log');
      assert.match(gc, /\[specialize\] 3 output: daemon-up\n.*launched/);
      assert.match(gc, /\[specialize\] 3 errors: daemon-err/);
      assert.match(gc, /\[specialize\] 3: a process it started still writes to \/var\/log\/sysprep\/panther\/unattendgc\/RunSynchronous-specialize-3\.out \(pid \d+\)/);
      assert.match(gc, /RunSynchronous 3 exited 0/);
      assert.match(read(root, '/var/log/sysprep/panther/unattendgc/setuperr.log'),
        /Warning .*\[specialize\] RunSynchronous 4 \(slow\) did not finish within 3 s and was stopped \(RunSynchronousTimeout in \/etc\/sysprep\/firstboot\.conf\)/);
      assert.match(gc, /RunSynchronous 4 exited 124/);
      const act = read(root, '/var/log/sysprep/panther/setupact.log');
      assert.match(act, /acme: vendor specialize\n.*acme: vendor-daemon-up\n.*acme: vendor-done\n/);
      assert.match(act, /acme: a process it started still writes to \/var\/log\/sysprep\/panther\/provider-acme\.out \(pid \d+\)/);
      assert.match(act, /acme: specialize entry point finished \(exit 0\)/);
      assert.equal(exists(root, '/var/log/sysprep/panther/unattendgc/RunSynchronous-specialize-1.out'), false, 'output files of finished commands go');
      assert.match(read(root, `${STATE}/State.ini`), /IMAGE_STATE_SPECIALIZE_RESEAL_TO_OOBE/);
    } finally {
      l.dispose();
    }
  });

  it('stopped by a signal (SIGTERM: a shutdown): reported with the step and the command, not counted; the next run resumes', () => {
    const l = layer('signal');
    const root = l.root;
    try {
      fs.writeFileSync(path.join(root, 'var/tmp/armed'), '');
      fs.writeFileSync(path.join(root, 'var/tmp/signal'), 'TERM\n');
      const r = inRoot(root, [FIRSTBOOT, 'specialize']);
      assert.equal(r.status, 143, r.out);
      // the first cut point is the host name's rename (the rename.ul stand-in): the repeatable steps'
      // files are renamed together before the first command, after the last of them
      assert.match(r.stderr, /sysprep: specialize failed: stopped by SIGTERM \(a shutdown, or systemd stopping its unit\) while running: rename\.ul -- "\$suffix" '' "\$@" \(step [^)]+\)/, r.out);
      assert.match(setuperr(root), /Error .*specialize: stopped by SIGTERM .*\(step [^)]+\)\. The image state stays IMAGE_STATE_UNDEPLOYABLE; the next boot tries again\./);
      // on the way out, what the finished steps wrote went into place, and they are recorded
      assert.equal(read(root, '/etc/hostname'), 'fault-01\n');
      assert.match(read(root, `${STATE}/firstboot.steps`), /^hostname \S+$/m);
      assert.deepEqual(fs.readdirSync(path.join(root, 'etc')).filter((n) => n.startsWith('.sysprep-')), [], 'no temporary file left');
      assert.equal(exists(root, `${STATE}/specialize.failures`), false, 'an interruption is not counted');
      fs.rmSync(path.join(root, 'var/tmp/armed'));
      const again = inRoot(root, [FIRSTBOOT, 'specialize']);
      assert.equal(again.status, 0, again.out);
      assert.match(read(root, `${STATE}/State.ini`), /IMAGE_STATE_SPECIALIZE_RESEAL_TO_OOBE/);
    } finally {
      l.dispose();
    }
  });

  it('the runner and the generator share the retry cap', () => {
    const runner = fs.readFileSync(path.join(repoRoot(), 'src/firstboot/runner.bash'), 'utf8');
    assert.equal(/^ {2}RETRY_CAP=(\d+) \\$/m.exec(runner)?.[1], String(RETRY_CAP), 'the generated constants carry the model\'s cap');
  });

  it('power lost (SIGKILL) at each kind of step: the next run finishes the pass without redoing finished steps', () => {
    const l = layer('power');
    const root = l.root;
    try {
      fs.writeFileSync(path.join(root, 'var/tmp/armed'), '');
      const runs: number[] = [];
      for (const phase of ['specialize', 'oobe']) {
        for (let i = 0; ; i++) {
          if (i >= 8) assert.fail(`${phase} does not finish:\n${read(root, '/var/log/sysprep/panther/setupact.log')}`);
          const r = inRoot(root, [FIRSTBOOT, phase]);
          runs.push(r.status);
          if (r.status === 0) break;
          assert.equal(r.status, 137, r.out);
        }
      }
      assert.deepEqual(read(root, '/var/tmp/cuts').trim().split('\n'),
        ['hostname', 'runsync', 'cache', 'state-SPECIALIZE_RESEAL_TO_OOBE', 'passwords', 'state-COMPLETE']);
      assert.deepEqual(runs, [137, 137, 137, 137, 0, 137, 137, 0]);
      assert.equal(read(root, '/var/tmp/runs'), 'one\ntwo\nthree\nfive\n', 'each command once (the one cut short again, from its start)');
      const log = read(root, '/var/log/sysprep/panther/setupact.log');
      assert.equal(log.match(/specialize pass resumed after an interruption/g)?.length, 4);
      assert.match(log, /hostname: already done before the interruption/);
      assert.match(read(root, `${STATE}/State.ini`), /IMAGE_STATE_COMPLETE/);
      assert.equal(read(root, '/etc/hostname'), 'fault-01\n');
      assert.ok(verifies(shadowOf(root, 'root'), 'R00t-Pass!'));
      assert.ok(verifies(shadowOf(root, 'deploy'), 'S3cret-Pass!'));
      assert.equal(setuperr(root), '', 'an interruption is not a failure');
      for (const m of ['specialize.inprogress', 'oobe.inprogress', 'specialize.failures', 'oobe.failures']) assert.equal(exists(root, `${STATE}/${m}`), false, m);
    } finally {
      l.dispose();
    }
  });
});
