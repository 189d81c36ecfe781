/**
 * The Packer-style pipeline of examples/packer (issue 13, SPEC 12), run as Packer would run it but
 * without Packer (not available here): examples/packer/build-without-packer.sh boots a stock bookworm
 * machine in QEMU, reaches it over SSH (user networking, a forwarded port), copies the .deb of
 * `npm run package` and the answer file in, runs provision.sh with the template's execute_command
 * (`apt-get install /tmp/sysprep.deb`, then the customization), and ends with the template's
 * shutdown_command, `sudo sysprep /generalize /oobe /shutdown /unattend:/tmp/unattend.xml`, run by the
 * installed package inside the guest. Then the golden image boots as two clones, which specialize and
 * finish the OOBE of the example's answer file, each with its own identity.
 *
 * The stock machine is a debootstrap bookworm root with what the Debian cloud image and cloud-init
 * give Packer: a user `debian` with passwordless sudo and Packer's SSH key, and DHCP on the first
 * network interface (allow-hotplug, as the cloud image). It has no Node.js.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildImage, withMountedImage, WORK_DIR } from '../fixtures/disk-image.js';
import { debootstrapRoot } from '../fixtures/roots.js';
import { overlayRoot } from '../fixtures/used-root.js';
import { bootAll, clone, hostKeys, loginAndPowerOff, read, shadowOf, verifies } from '../harness/first-boot.js';
import { buildPackages, inChroot, mustInChroot, type Built } from '../harness/packaging.js';
import { findKernel, tail } from '../harness/qemu.js';
import { REPO } from '../harness/sysprep.js';

const EXAMPLE = path.join(REPO, 'examples/packer');
const TEMPLATE = fs.readFileSync(path.join(EXAMPLE, 'debian12.pkr.hcl'), 'utf8');
/** the example's answer file: the account every clone gets */
const OPERATOR = { name: 'ops', password: 'Clone-Pass-1' };

let work: string;
let packages: Built;
let golden: { image: string; kernel: string; initrd: string };
let build: { status: number | null; out: string; seconds: number };
let before_: { machineId: string; hostname: string; keys: string[] };

/** A tree's identity: what each clone must have of its own. */
function identity(root: string) {
  return {
    machineId: read(root, '/etc/machine-id').trim(),
    hostname: read(root, '/etc/hostname').trim(),
    keys: hostKeys(root),
  };
}

/** dpkg's view of the installed sysprep in a tree: status, and files no longer as shipped. */
function installedSysprep(root: string): { status: string; changed: string } {
  const q = spawnSync('dpkg-query', [`--admindir=${root}/var/lib/dpkg`, '-W', '-f=${Version} ${db:Status-Abbrev}', 'sysprep'], { encoding: 'utf8' });
  const v = spawnSync('dpkg', [`--root=${root}`, '--verify', 'sysprep'], { encoding: 'utf8' });
  return { status: q.stdout.trim(), changed: v.stdout.trim() };
}

before(() => {
  fs.mkdirSync(WORK_DIR, { recursive: true });
  work = fs.mkdtempSync(path.join(WORK_DIR, 'packer-example-'));
  packages = buildPackages(['deb']);
  // the stock machine, as the cloud image and cloud-init leave it for Packer
  const key = path.join(work, 'packer_key');
  assert.equal(spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'packer', '-f', key]).status, 0);
  const view = overlayRoot(debootstrapRoot('bookworm'), 'packer-stock');
  try {
    const r = view.root;
    mustInChroot(r, ['useradd', '--create-home', '--shell', '/bin/bash', 'debian']);
    fs.writeFileSync(path.join(r, 'etc/sudoers.d/90-cloud-init-users'), 'debian ALL=(ALL) NOPASSWD:ALL\n', { mode: 0o440 });
    fs.mkdirSync(path.join(r, 'home/debian/.ssh'), { mode: 0o700 });
    fs.copyFileSync(`${key}.pub`, path.join(r, 'home/debian/.ssh/authorized_keys'));
    mustInChroot(r, ['chown', '-R', 'debian:debian', '/home/debian/.ssh']);
    fs.writeFileSync(path.join(r, 'etc/network/interfaces.d/eth0'), 'allow-hotplug eth0\niface eth0 inet dhcp\n');
    fs.writeFileSync(path.join(r, 'etc/hostname'), 'packer-build\n');
    assert.notEqual(inChroot(r, ['sh', '-c', 'command -v node nodejs']).status, 0, 'the stock machine has no Node.js');
    before_ = identity(r);
    const kernel = findKernel(r);
    fs.copyFileSync(kernel.kernel, path.join(work, 'vmlinuz'));
    fs.copyFileSync(kernel.initrd, path.join(work, 'initrd.img'));
    golden = { image: buildImage(r, path.join(work, 'golden.raw'), { headroomMiB: 700 }), kernel: path.join(work, 'vmlinuz'), initrd: path.join(work, 'initrd.img') };
  } finally {
    view.dispose();
  }
  const started = Date.now();
  const port = String(20000 + (process.pid % 20000));
  const b = spawnSync('bash', [path.join(EXAMPLE, 'build-without-packer.sh'), '--image', golden.image, '--deb', packages.deb!, '--key', key,
    '--kernel', golden.kernel, '--initrd', golden.initrd, '--port', port, '--log', path.join(work, 'golden-serial.log'), '--timeout', '1800'],
  { encoding: 'utf8', timeout: 35 * 60_000 });
  build = { status: b.status, out: `${b.stdout}${b.stderr}`, seconds: Math.round((Date.now() - started) / 1000) };
});

after(() => {
  packages?.dispose();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe('examples/packer: a golden machine seals itself with the installed .deb, and boots as two clones', { concurrency: false }, () => {
  it('the example\'s scripts pass shellcheck', () => {
    const r = spawnSync('shellcheck', [path.join(EXAMPLE, 'build-without-packer.sh'), path.join(EXAMPLE, 'provision.sh')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout);
  });

  it('the build runs the template\'s own commands and ends with the machine powering itself off', (t) => {
    const serial = () => tail(fs.readFileSync(path.join(work, 'golden-serial.log'), 'utf8'), 60);
    assert.equal(build.status, 0, `build-without-packer.sh:\n${build.out}\n--- serial ---\n${serial()}`);
    t.diagnostic(`the golden build (boot, SSH, install, customize, seal, power off) took ${build.seconds} s`);
    // the commands it ran are the template's
    const shutdown = /^\s*shutdown_command\s*=\s*"(.*)"\s*$/m.exec(TEMPLATE)![1]!;
    assert.equal(shutdown, 'sudo sysprep /generalize /oobe /shutdown /unattend:/tmp/unattend.xml');
    assert.ok(build.out.includes(`# shutdown command: ${shutdown}`), build.out);
    assert.match(build.out, /# shell provisioner: sudo sh -c ' \/tmp\/script_provision\.sh'/);
    assert.match(build.out, /# file provisioner: .*sysprep_.*_amd64\.deb -> \/tmp\/sysprep\.deb/);
    assert.match(build.out, /# file provisioner: .*unattend\.xml -> \/tmp\/unattend\.xml/);
  });

  it('the golden image: sealed by the package, which is still installed and intact; the customization kept', () => {
    withMountedImage(golden.image, { readOnly: true }, (root) => {
      const pkg = installedSysprep(root);
      assert.match(pkg.status, /^\S+ ii\s*$/, `dpkg: sysprep is installed (${pkg.status})`);
      assert.equal(pkg.changed, '', 'dpkg --verify: every file of the package is as shipped (the agent reused it)');
      assert.match(read(root, '/var/lib/sysprep/state/State.ini'), /IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE/);
      const log = read(root, '/var/lib/sysprep/panther/setupact.log');
      assert.match(log, /ProcessShutdown:Calling systemctl poweroff/);
      assert.match(log, /The first-boot agent in \/usr\/lib\/sysprep is up to date/, 'the seal reused the package\'s runtime');
      // the seal's verify warns only of what the clones need: the answer file, with its account's
      // password, cached for their specialize and OOBE (and removed by them)
      const warnings = read(root, '/var/lib/sysprep/panther/setuperr.log').split('\n').filter(Boolean).map((l) => l.replace(/^.*SYSPRP /, ''));
      assert.deepEqual(warnings, [
        'verify: /var/lib/sysprep/state/plans/specialize.cache:25: high: [linux/answer-file-password] answer file holds a plain-text password in <LocalAccounts/LocalAccount/Password>',
        'verify: /var/lib/sysprep/unattend.xml:25: high: [linux/answer-file-password] answer file holds a plain-text password in <LocalAccounts/LocalAccount/Password>',
      ]);
      // machine-id(5): "uninitialized" (what the provider writes) or empty makes the next boot a first boot
      const machineId = fs.existsSync(path.join(root, 'etc/machine-id')) ? read(root, '/etc/machine-id').trim() : '';
      assert.ok(['uninitialized', ''].includes(machineId), `the golden machine-id is gone (${machineId})`);
      assert.deepEqual(hostKeys(root), [], 'no host key');
      assert.equal(read(root, '/srv/app/index.txt'), 'the application every clone serves\n');
      assert.match(read(root, '/etc/motd'), /example golden image/);
      assert.equal(fs.existsSync(path.join(root, 'usr/bin/node')), false, 'no Node.js was installed');
    });
  });

  it('two clones specialize and finish the OOBE, each with its own identity, the package still installed', async (t) => {
    const clones = [clone(golden.image, 'clone1.raw'), clone(golden.image, 'clone2.raw')];
    await bootAll(clones.map((image) => ({ ...golden, image })), (g) => loginAndPowerOff(g, OPERATOR.name, OPERATOR.password));
    const seen = clones.map((image) => withMountedImage(image, { readOnly: true }, (root) => ({
      ...identity(root),
      state: read(root, '/var/lib/sysprep/state/State.ini'),
      errors: read(root, '/var/log/sysprep/panther/setuperr.log'),
      operator: verifies(shadowOf(root, OPERATOR.name), OPERATOR.password),
      sudo: read(root, '/etc/group').split('\n').find((l) => l.startsWith('sudo:'))?.split(':')[3]?.split(',') ?? [],
      app: read(root, '/srv/app/index.txt'),
      pkg: installedSysprep(root),
    })));
    for (const [i, c] of seen.entries()) {
      t.diagnostic(`clone ${i + 1}: ${c.hostname}, machine-id ${c.machineId}`);
      assert.match(c.state, /IMAGE_STATE_COMPLETE/);
      assert.equal(c.errors, '', `clone ${i + 1}: setuperr.log is empty`);
      assert.ok(c.operator, `clone ${i + 1}: the answer file's account, with its password`);
      assert.ok(c.sudo.includes(OPERATOR.name), `clone ${i + 1}: in Administrators (sudo)`);
      assert.equal(c.app, 'the application every clone serves\n');
      assert.match(c.pkg.status, /^\S+ ii\s*$/);
      assert.equal(c.pkg.changed, '', `clone ${i + 1}: the package's files are as shipped`);
      assert.match(c.machineId, /^[0-9a-f]{32}$/);
      assert.notEqual(c.machineId, before_.machineId);
      assert.notEqual(c.hostname, before_.hostname);
      assert.ok(c.keys.length > 0 && c.keys.every((k) => !before_.keys.includes(k)), `clone ${i + 1}: new host keys`);
    }
    const [a, b] = seen as [typeof seen[0], typeof seen[0]];
    assert.notEqual(a.machineId, b.machineId);
    assert.notEqual(a.hostname, b.hostname);
    assert.ok(a.keys.every((k) => !b.keys.includes(k)), 'the clones share no host key');
  });
});
