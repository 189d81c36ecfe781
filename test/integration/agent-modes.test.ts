/**
 * `--agent full|packed|none` (issue 15, "a smaller agent"): what a seal puts into a used bookworm root
 * (debootstrap, no sysprep package) in each mode, how many bytes, and what the image does with it in a
 * chroot: the packed runtime is unpacked into /run by the launcher with the image's own tools (dpkg-deb
 * on this root, which has no xz; xz once the root has it) and plans a per-clone file; an image sealed
 * with none refuses what needs the agent, says why, and still runs the plans made at the seal.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WORK_DIR } from '../fixtures/disk-image.js';
import { overlayRoot, usedRoot, type Scratch } from '../fixtures/used-root.js';
import { COMPONENT, inRoot as runInRoot, INTERNATIONAL, plantCredential as plant, read, UNATTEND } from '../harness/first-boot.js';
import { sysprep } from '../harness/sysprep.js';
import { SYSTEM_CREDENTIALS_DIR, CREDENTIAL_NAME } from '../../src/model/per-clone.js';
import { AGENT_BUNDLE, AGENT_DIR, AGENT_RUNTIME, DISK_RUNTIME_DIR, UNPACKED_RUNTIME_DIR } from '../../src/model/paths.js';

let s: Scratch;
let root: string;
const golden = path.join(WORK_DIR, `agent-modes-${process.pid}.xml`);
const answerFile = (name: string) => UNATTEND({
  specialize: COMPONENT('Microsoft-Windows-Shell-Setup', `<ComputerName>${name}</ComputerName><TimeZone>UTC</TimeZone>`) + INTERNATIONAL,
  oobeSystem: COMPONENT('Microsoft-Windows-Shell-Setup',
    '<UserAccounts><AdministratorPassword><Value>Agent-Modes-1</Value><PlainText>true</PlainText></AdministratorPassword><LocalAccounts><LocalAccount wcm:action="add"><Name>ops</Name><Group>Users</Group>' +
    '<Password><Value>Agent-Modes-1</Value><PlainText>true</PlainText></Password></LocalAccount></LocalAccounts></UserAccounts>' +
    '<OOBE><HideEULAPage>true</HideEULAPage></OOBE>'),
});

const at = (p: string) => path.join(root, p);
const inRoot = (argv: string[]) => runInRoot(root, argv);
/** bytes of the agent's directory in the image */
const agentBytes = () => fs.readdirSync(at(AGENT_DIR), { recursive: true, withFileTypes: true })
  .filter((e) => e.isFile()).reduce((n, e) => n + fs.statSync(path.join(e.parentPath, e.name)).size, 0);
const runtimes = () => fs.readdirSync(at(AGENT_DIR)).filter((f) => f === 'node' || f.startsWith('runtime.')).sort();
function seal(mode?: string): string {
  fs.rmSync(at(UNPACKED_RUNTIME_DIR), { recursive: true, force: true });
  fs.rmSync(at(path.join(SYSTEM_CREDENTIALS_DIR, CREDENTIAL_NAME)), { force: true });
  const r = sysprep(['--root', root, '/generalize', '/oobe', `/unattend:${golden}`, ...(mode ? ['--agent', mode] : [])]);
  assert.equal(r.status, 0, r.stderr);
  return read(root, '/var/lib/sysprep/panther/setupact.log');
}
const plantCredential = (text: string) => plant(root, text);
function bothPhases(): void {
  for (const phase of ['specialize', 'oobe']) {
    const r = inRoot(['/usr/lib/sysprep/firstboot', phase]);
    assert.equal(r.status, 0, `${phase}: ${r.out}`);
  }
}
const errors = () => (fs.existsSync(at('var/log/sysprep/panther/setuperr.log')) ? read(root, '/var/log/sysprep/panther/setuperr.log') : '');

before(() => {
  fs.mkdirSync(WORK_DIR, { recursive: true });
  fs.writeFileSync(golden, answerFile('GOLDEN-IMG'), { mode: 0o600 });
  s = overlayRoot(usedRoot('bookworm'), 'agent-modes');
  root = s.root;
});
after(() => {
  s?.dispose();
  fs.rmSync(golden, { force: true });
});

describe('--agent: how the seal installs the first-boot agent', { concurrency: false }, () => {
  it('full: the runtime as it is', () => {
    const log = seal('full');
    assert.deepEqual(runtimes(), ['node']);
    assert.ok(fs.existsSync(at(AGENT_BUNDLE)));
    assert.match(log, /Installed the first-boot agent in \/usr\/lib\/sysprep \([\d.]+ MiB: runtime, bundle, data\)/);
    assert.ok(agentBytes() > 80e6, `${agentBytes()} bytes`);
  });

  it('packed (the default): the runtime as a .deb member (no xz here), at most 25 MB, unpacked into /run by the first start, and it plans a per-clone file', () => {
    assert.equal(fs.existsSync(at('usr/bin/xz')), false, 'the debootstrap root has no xz');
    const log = seal();
    assert.deepEqual(runtimes(), ['runtime.deb'], 'the full runtime was removed');
    assert.match(log, /runtime packed as runtime\.deb/);
    const bytes = agentBytes();
    assert.ok(bytes <= 25e6, `${bytes} bytes in ${AGENT_DIR}`);
    const v = inRoot(['/usr/lib/sysprep/sysprep', '--version']);
    assert.equal(v.status, 0, v.out);
    assert.match(v.out, /^sysprep \d/m);
    assert.equal(fs.statSync(at(`${UNPACKED_RUNTIME_DIR}/node`)).mode & 0o777, 0o755);
    assert.deepEqual(fs.readdirSync(at(path.dirname(UNPACKED_RUNTIME_DIR))), ['runtime'], 'no half-unpacked directory left');
    // a boot (a fresh /run) with a per-clone file: the agent unpacks itself and plans with it
    fs.rmSync(at(UNPACKED_RUNTIME_DIR), { recursive: true, force: true });
    plantCredential(answerFile('CLONE-P'));
    bothPhases();
    assert.equal(read(root, '/etc/hostname'), 'clone-p\n');
    assert.doesNotMatch(errors(), /, Error /, 'no error (a chroot cannot set the running host name: that warning only)');
  });

  it('packed, on a machine whose /run is too small for the runtime: unpacked onto the disk, removed once the clone is set up and by a re-seal', () => {
    seal();
    assert.equal(fs.existsSync(at(DISK_RUNTIME_DIR)), false);
    // a boot of a small machine, in a mount namespace of its own: /run a 64 MiB tmpfs (a fifth of
    // 320 MiB of memory; the runtime needs about 85), /proc for df; the per-clone file, where systemd
    // puts it, in that /run; both phases, and what the launcher chose between them
    const credential = path.join(WORK_DIR, `agent-modes-credential-${process.pid}.xml`);
    fs.writeFileSync(credential, answerFile('CLONE-D'), { mode: 0o600 });
    const cred = path.join(SYSTEM_CREDENTIALS_DIR, CREDENTIAL_NAME);
    const boot = `set -e
mount -t tmpfs -o size=64m,mode=0755 tmpfs "$1/run"
mount -t proc proc "$1/proc"
mkdir -p -m 0700 "$1${path.dirname(cred)}"
install -m 0400 "$2" "$1${cred}"
chroot "$1" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin sh -c '
  /usr/lib/sysprep/firstboot specialize || echo "specialize failed: $?"
  [ -x ${DISK_RUNTIME_DIR}/node ] && echo "runtime on the disk"
  [ -e ${UNPACKED_RUNTIME_DIR} ] && echo "runtime in /run"
  df -Pk /run | tail -n 1
  /usr/lib/sysprep/firstboot oobe || echo "oobe failed: $?"
  [ -e ${DISK_RUNTIME_DIR} ] && echo "runtime still on the disk"
  true'`;
    try {
      const r = spawnSync('unshare', ['--mount', '--uts', '--fork', 'sh', '-c', boot, 'sh', root, credential], { encoding: 'utf8', timeout: 600_000 });
      const out = `${r.stdout}${r.stderr}`;
      assert.equal(r.status, 0, out);
      assert.doesNotMatch(out, /failed:/, out);
      assert.match(out, /^runtime on the disk$/m, out);
      assert.doesNotMatch(out, /^runtime in \/run$|^runtime still on the disk$/m, out);
      assert.equal(read(root, '/etc/hostname'), 'clone-d\n', 'the agent planned with the per-clone file');
      assert.equal(fs.existsSync(at(DISK_RUNTIME_DIR)), false, 'removed once the clone was set up');
    } finally {
      fs.rmSync(credential, { force: true });
    }
    // an audit-mode machine that unpacked it and is sealed again: the seal removes it
    fs.mkdirSync(at(`${DISK_RUNTIME_DIR}`), { recursive: true });
    fs.writeFileSync(at(`${DISK_RUNTIME_DIR}/node`), 'old', { mode: 0o755 });
    seal();
    assert.equal(fs.existsSync(at(DISK_RUNTIME_DIR)), false, 'the seal removed the unpacked runtime');
  });

  it('packed, on a root that has xz: the .tar.xz form', () => {
    const xz = spawnSync('sh', ['-c', 'command -v xz'], { encoding: 'utf8' }).stdout.trim();
    fs.copyFileSync(xz, at('usr/bin/xz'));
    fs.chmodSync(at('usr/bin/xz'), 0o755);
    try {
      seal('packed');
      assert.deepEqual(runtimes(), ['runtime.tar.xz']);
      const v = inRoot(['/usr/lib/sysprep/sysprep', '--version']);
      assert.equal(v.status, 0, v.out);
    } finally {
      fs.rmSync(at('usr/bin/xz'), { force: true });
    }
  });

  it('none: under 1 MB; what needs the agent is refused and says why; the sealed plans still run', () => {
    const log = seal('none');
    assert.deepEqual(runtimes(), []);
    assert.equal(fs.existsSync(at(AGENT_BUNDLE)), false);
    assert.equal(fs.existsSync(at(AGENT_RUNTIME)), false);
    assert.match(log, /the runner only: no runtime, no bundle \(--agent none\)/);
    assert.doesNotMatch(log, /--agent none: the/, 'the golden file is covered by the sealed plans: no warning');
    const bytes = agentBytes();
    assert.ok(bytes < 1e6, `${bytes} bytes in ${AGENT_DIR}`);
    const v = inRoot(['/usr/lib/sysprep/sysprep', '--version']);
    assert.equal(v.status, 3);
    assert.match(v.out, /sealed with --agent none: it has no runtime for the sysprep agent, which 'sysprep --version' needs/);
    // a per-clone file would need the agent: refused, logged, and the plans of the seal run
    plantCredential(answerFile('CLONE-N'));
    bothPhases();
    assert.equal(read(root, '/etc/hostname'), 'golden-img\n');
    assert.match(errors(), /planning the specialize phase at boot needs the Node\.js agent, and this image was sealed without it \(--agent none\).*The plan made at the seal runs instead/);
    assert.match(read(root, '/var/lib/sysprep/state/State.ini'), /IMAGE_STATE_COMPLETE/);
  });

  it('full again: a re-seal brings the runtime and the bundle back', () => {
    seal('full');
    assert.deepEqual(runtimes(), ['node']);
    assert.ok(fs.existsSync(at(AGENT_BUNDLE)));
  });
});
