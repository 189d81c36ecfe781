/**
 * The running-system path (SPEC 2 and 3): sysprep on `/` (no --root) inside a booted guest, ending in
 * a real power action. A copy of the used bookworm root becomes a QEMU guest image carrying this
 * repository's sysprep (/opt/sysprep), this machine's node (glibc-compatible with bookworm) and a
 * oneshot unit that runs sysprep once at multi-user time, its output teed to the serial console. After
 * the guest is gone, the image is loop-mounted read-only and inspected.
 *
 * One boot (~45 s plus sysprep under TCG): /mode:vm /generalize /oobe /quit (must be accepted:
 * systemd-detect-virt --vm says qemu), then /generalize /oobe /reboot under qemu -no-reboot (the guest's
 * reboot ends qemu). /shutdown on a running system is the last step of the Packer example
 * (packer-example.test: the installed .deb seals the guest, which powers itself off), so it is not
 * booted twice.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cachedImage, withMountedImage, WorkImage, workImage } from '../fixtures/disk-image.js';
import { expectedUserDataDigests, GOLDEN_MACHINE_ID, userDataDigests } from '../fixtures/lived-in.js';
import { usedRoot } from '../fixtures/used-root.js';
import { BootResult, bootImage, findKernel, Kernel, QEMU, tail } from '../harness/qemu.js';
import { REPO } from '../harness/sysprep.js';

const BOOT_TIMEOUT_MS = Number(process.env.SYSPREP_TEST_BOOT_TIMEOUT ?? 480) * 1000;
const KEEP = process.env.SYSPREP_TEST_KEEP === '1';
const GUEST_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const MARK = 'SYSPREP-TEST:';

function skipReason(): string | false {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'needs root (loop mounts, debootstrap)';
  if (spawnSync(QEMU, ['--version']).status !== 0) return `${QEMU} is not installed`;
  return false;
}

// ------------------------------------------------------------------------------------------------
// the guest image

const UNIT = `[Unit]
Description=sysprep running-system test (runs once)
# never again on a later boot of this image
ConditionPathExists=!/var/lib/sysprep-test/ran
After=ssh.service getty.target systemd-user-sessions.service network.target

[Service]
Type=oneshot
Environment=PATH=${GUEST_PATH}
ExecStart=/opt/sysprep-test/run.sh
StandardOutput=journal+console
StandardError=journal+console

[Install]
WantedBy=multi-user.target
`;

/** The guest's script: optional /mode:vm /quit run, then the run that ends in a power action. */
function script(power: 'shutdown' | 'reboot', withVmCase: boolean): string {
  const vm = withVmCase
    ? `
echo "${MARK} running sysprep /mode:vm /generalize /oobe /quit"
/opt/sysprep/bin/sysprep /mode:vm /generalize /oobe /quit >$out/vm.out 2>&1
echo $? >$out/vm.rc
sed 's/^/${MARK} vm| /' $out/vm.out
echo "${MARK} vm rc=$(cat $out/vm.rc)"
sync
`
    : '';
  return `#!/bin/sh
out=/var/lib/sysprep-test
mkdir -p $out
touch $out/ran
sync
echo "${MARK} begin $(date -u +%FT%TZ) uptime $(cut -d' ' -f1 /proc/uptime)"
echo "${MARK} detect-virt=$(systemd-detect-virt --vm) node=$(node --version)"
${vm}
echo "${MARK} running sysprep /generalize /oobe /${power}"
{ /opt/sysprep/bin/sysprep /generalize /oobe /${power}; echo "${MARK} sysprep exited rc=$?"; } 2>&1 | tee $out/run.out
echo "${MARK} script done uptime $(cut -d' ' -f1 /proc/uptime)"
`;
}

function run(cmd: string, args: string[], env?: NodeJS.ProcessEnv): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: env ?? process.env });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** A private copy of the base image with sysprep, node and the test unit installed. */
function prepareGuest(base: string, label: string, guestScript: string): WorkImage {
  const work = workImage(base, label);
  try {
    withMountedImage(work.image, { readOnly: false }, (mnt) => {
      const opt = path.join(mnt, 'opt/sysprep');
      fs.mkdirSync(path.join(opt, 'dist'), { recursive: true });
      execFileSync('cp', ['-a', '--', path.join(REPO, 'bin'), path.join(REPO, 'node_modules'), path.join(REPO, 'package.json'), opt + '/']);
      // the compiled tool and the first-boot agent it installs (runtime, bundle, data)
      execFileSync('cp', ['-a', '--', path.join(REPO, 'dist/src'), path.join(REPO, 'dist/agent'), path.join(opt, 'dist') + '/']);
      execFileSync('cp', ['--', process.execPath, path.join(opt, 'node')]);
      fs.chmodSync(path.join(opt, 'node'), 0o755);
      fs.mkdirSync(path.join(mnt, 'usr/local/bin'), { recursive: true });
      fs.rmSync(path.join(mnt, 'usr/local/bin/node'), { force: true });
      fs.symlinkSync('/opt/sysprep/node', path.join(mnt, 'usr/local/bin/node'));

      // will this node run in the guest? (its libraries resolved inside the guest root)
      const env = { PATH: GUEST_PATH, HOME: '/root', LANG: 'C.UTF-8' };
      const ldd = run('chroot', [mnt, '/usr/bin/ldd', '/opt/sysprep/node'], env);
      assert.doesNotMatch(ldd, /not found/, `node's libraries in the guest:\n${ldd}`);
      assert.equal(run('chroot', [mnt, '/opt/sysprep/node', '--version'], env).trim(), process.version);
      assert.match(run('chroot', [mnt, '/opt/sysprep/bin/sysprep', '--version'], env), /^sysprep \d/);

      fs.mkdirSync(path.join(mnt, 'opt/sysprep-test'), { recursive: true });
      fs.writeFileSync(path.join(mnt, 'opt/sysprep-test/run.sh'), guestScript, { mode: 0o755 });
      fs.writeFileSync(path.join(mnt, 'etc/systemd/system/sysprep-test.service'), UNIT);
      const wants = path.join(mnt, 'etc/systemd/system/multi-user.target.wants');
      fs.mkdirSync(wants, { recursive: true });
      fs.symlinkSync('/etc/systemd/system/sysprep-test.service', path.join(wants, 'sysprep-test.service'));
      // the golden machine's machine-id, so the guest is not on its first boot before sysprep runs
      assert.equal(fs.readFileSync(path.join(mnt, 'etc/machine-id'), 'utf8').trim(), GOLDEN_MACHINE_ID);
    });
  } catch (err) {
    work.dispose();
    throw err;
  }
  return work;
}

// ------------------------------------------------------------------------------------------------
// what the image looks like afterwards

interface Facts {
  imageState?: string;
  stateIni?: string;
  successTag: boolean;
  machineId?: string;
  sshHostFiles: string[];
  /** size of each planted live log (null: absent) */
  liveLogs: Record<string, number | null>;
  /** planted rotated logs still present */
  rotatedLeft: string[];
  setupact: string;
  setuperr: string;
  lock?: string;
  ranMarker: boolean;
  runOut?: string;
  vmRc?: string;
  vmOut?: string;
  userData: { changed: string[] };
}

const LIVE_LOGS = [
  '/var/log/syslog',
  '/var/log/auth.log',
  '/var/log/kern.log',
  '/var/log/messages',
  '/var/log/apt/history.log',
  '/var/log/apt/term.log',
  '/var/log/installer/syslog',
  '/var/log/nginx/access.log',
  '/var/log/sssd/sssd.log',
  '/var/log/samba/log.smbd',
  '/var/log/puppet/puppet.log',
];
const ROTATED_LOGS = ['/var/log/syslog.1', '/var/log/syslog.2.gz', '/var/log/auth.log.1', '/var/log/nginx/error.log.1'];

function collectFacts(image: string): Facts {
  return withMountedImage(image, { readOnly: true }, (mnt) => {
    const at = (p: string) => path.join(mnt, p);
    const read = (p: string) => (fs.existsSync(at(p)) ? fs.readFileSync(at(p), 'utf8') : undefined);
    const stateIni = read('/var/lib/sysprep/state/State.ini');
    const imageState = stateIni && /^\s*ImageState\s*=\s*"?([A-Z_]+)"?\s*$/m.exec(stateIni.replace(/[\s\S]*?\[State\]/, ''))?.[1];
    const liveLogs: Record<string, number | null> = {};
    for (const p of LIVE_LOGS) liveLogs[p] = fs.existsSync(at(p)) ? fs.statSync(at(p)).size : null;
    const expected = expectedUserDataDigests();
    const actual = userDataDigests(mnt);
    return {
      ...(stateIni !== undefined ? { stateIni } : {}),
      ...(imageState ? { imageState } : {}),
      successTag: fs.existsSync(at('/var/lib/sysprep/sysprep_succeeded.tag')),
      ...(read('/etc/machine-id') !== undefined ? { machineId: read('/etc/machine-id')! } : {}),
      sshHostFiles: fs.readdirSync(at('/etc/ssh')).filter((n) => n.startsWith('ssh_host_')),
      liveLogs,
      rotatedLeft: ROTATED_LOGS.filter((p) => fs.existsSync(at(p))),
      setupact: read('/var/lib/sysprep/panther/setupact.log') ?? '',
      setuperr: read('/var/lib/sysprep/panther/setuperr.log') ?? '',
      ...(read('/var/lib/sysprep/sysprep.lock') !== undefined ? { lock: read('/var/lib/sysprep/sysprep.lock')! } : {}),
      ranMarker: fs.existsSync(at('/var/lib/sysprep-test/ran')),
      ...(read('/var/lib/sysprep-test/run.out') !== undefined ? { runOut: read('/var/lib/sysprep-test/run.out')! } : {}),
      ...(read('/var/lib/sysprep-test/vm.rc') !== undefined ? { vmRc: read('/var/lib/sysprep-test/vm.rc')!.trim() } : {}),
      ...(read('/var/lib/sysprep-test/vm.out') !== undefined ? { vmOut: read('/var/lib/sysprep-test/vm.out')! } : {}),
      userData: { changed: [...expected].filter(([p, h]) => actual.get(p) !== h).map(([p]) => p) },
    };
  });
}

interface Outcome {
  boot: BootResult;
  facts: Facts;
}

async function bootGuest(base: string, kernel: Kernel, label: string, guestScript: string, noReboot: boolean): Promise<Outcome> {
  const started = Date.now();
  const work = prepareGuest(base, label, guestScript);
  const prepared = (Date.now() - started) / 1000;
  try {
    const boot = await bootImage({
      image: work.image,
      kernel: kernel.kernel,
      initrd: kernel.initrd,
      timeoutMs: BOOT_TIMEOUT_MS,
      noReboot,
      logFile: path.join(work.dir, 'serial.log'),
    });
    process.stderr.write(
      `# ${label}: image prepared in ${prepared.toFixed(1)} s; boot took ${boot.seconds} s ` +
        `(${boot.exited ? 'qemu exited by itself' : boot.timedOut ? 'TIMED OUT, killed' : 'killed'}); serial log ${boot.logFile}\n`,
    );
    const facts = collectFacts(work.image);
    return { boot, facts };
  } finally {
    if (!KEEP) work.dispose();
  }
}

function excerpt(o: Outcome): string {
  const ours = o.boot.serial.split(/\r?\n/).filter((l) => l.includes(MARK) || /sysprep/i.test(l)).slice(-40).join('\n');
  return `\n--- sysprep lines on the serial console ---\n${ours}\n--- serial tail (${o.boot.logFile}) ---\n${tail(o.boot.serial, 40)}\n` +
    (o.boot.stderr.trim() ? `--- qemu stderr ---\n${o.boot.stderr.trim()}\n` : '');
}

/**
 * sysprep's exit status, when the guest script lived to report it (the power action stops the test
 * unit, so the shell may be gone before it can; the state and the lock are checked regardless).
 */
function assertExitedZero(o: Outcome): void {
  const m = new RegExp(`${MARK} sysprep exited rc=(\\d+)`).exec(o.boot.serial);
  if (m) assert.equal(m[1], '0', `sysprep exit status${excerpt(o)}`);
}

// ------------------------------------------------------------------------------------------------

const skip = skipReason();

describe('running system: sysprep on / inside a QEMU guest', { skip, timeout: 40 * 60_000 }, () => {
  let base = '';
  let kernel: Kernel;
  const bootSeconds: string[] = [];

  before(() => {
    const root = usedRoot('bookworm');
    kernel = findKernel(root);
    base = cachedImage(root);
    assert.ok(fs.existsSync(path.join(REPO, 'dist/src/cli/main.js')), 'build first: npx tsc -p .');
  });

  after(() => {
    if (bootSeconds.length) process.stderr.write(`# boot timings: ${bootSeconds.join(', ')}\n`);
  });

  describe('/mode:vm /generalize /oobe /quit, then /generalize /oobe /reboot under -no-reboot', () => {
    let o: Outcome;
    before(async () => {
      o = await bootGuest(base, kernel, 'running-reboot', script('reboot', true), true);
      bootSeconds.push(`reboot ${o.boot.seconds} s`);
    });

    it('/mode:vm is accepted inside QEMU and quits without a power action', (t) => {
      t.diagnostic(`boot took ${o.boot.seconds} s; serial log ${o.boot.logFile}`);
      assert.match(o.boot.serial, new RegExp(`${MARK} detect-virt=qemu`), `systemd-detect-virt --vm${excerpt(o)}`);
      assert.equal(o.facts.vmRc, '0', `sysprep /mode:vm exit status; its output:\n${o.facts.vmOut}${excerpt(o)}`);
      assert.match(o.facts.setupact, /ParseCommands:Found supported command line option '\/?MODE:VM'/i);
      assert.match(o.facts.setupact, /ProcessShutdown:Quit requested; no power action/);
    });

    it('the guest reboots through systemd and qemu -no-reboot ends', (t) => {
      t.diagnostic(`boot took ${o.boot.seconds} s`);
      assert.equal(o.boot.timedOut, false, `qemu was killed after ${BOOT_TIMEOUT_MS / 1000} s${excerpt(o)}`);
      assert.equal(o.boot.exited, true, `qemu did not exit by itself${excerpt(o)}`);
      assertExitedZero(o);
      assert.match(o.boot.serial, /reboot: Restarting system/, `the kernel did not restart${excerpt(o)}`);
      assert.doesNotMatch(o.boot.serial, /reboot: Power down/, excerpt(o));
    });

    it('logged the reboot, and the state is right', () => {
      assert.match(o.facts.setupact, /ProcessShutdown:.*systemctl reboot.*reboot/, `setupact.log:\n${tail(o.facts.setupact, 15)}`);
      assert.equal(o.facts.imageState, 'IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE', `State.ini: ${o.facts.stateIni}`);
      assert.equal(o.facts.successTag, true, 'sysprep_succeeded.tag');
      assert.equal(o.facts.machineId?.trim(), 'uninitialized');
      assert.deepEqual(o.facts.sshHostFiles, []);
      assert.equal(o.facts.lock, undefined, `/var/lib/sysprep/sysprep.lock remains: ${o.facts.lock}${excerpt(o)}`);
      assert.match(o.facts.setupact, /target \/ \(/, 'the run targeted the running system "/"');
      assert.doesNotMatch(o.facts.setuperr, /, Error/, `setuperr.log:\n${o.facts.setuperr}`);
      assert.equal(o.facts.ranMarker, true);
    });

    it('emptied the planted logs', () => {
      for (const [p, size] of Object.entries(o.facts.liveLogs)) assert.ok(size === null || size === 0, `${p} has ${size} bytes`);
      assert.deepEqual(o.facts.rotatedLeft, []);
    });

    it('left user data byte for byte', () => {
      assert.deepEqual(o.facts.userData.changed, []);
    });
  });
});
