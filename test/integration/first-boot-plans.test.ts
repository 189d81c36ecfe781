/**
 * Sealed plans and the answer-file search at boot (SPEC 5), in a chroot of a generalized root: the
 * runner carries out the plan `sysprep /generalize` made, unless what the search reads changed since —
 * an answer file on the kernel command line, the cache edited, a candidate that appeared, a medium
 * holding one. Then the Node.js agent plans the pass again at boot, and the answer file it finds decides.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { WORK_DIR } from '../fixtures/disk-image.js';
import { overlayRoot, usedRoot, type Scratch } from '../fixtures/used-root.js';
import { COMPONENT, UNATTEND, read } from '../harness/first-boot.js';
import { sysprep } from '../harness/sysprep.js';

const scratches: Scratch[] = [];
const answerFiles: string[] = [];
after(() => {
  scratches.forEach((s) => s.dispose());
  answerFiles.forEach((f) => fs.rmSync(f, { force: true }));
});
const named = (name: string) => UNATTEND({ specialize: COMPONENT('Microsoft-Windows-Shell-Setup', `<ComputerName>${name}</ComputerName>`) });

/** A generalized overlay of the used root; with an answer file when given. */
function sealed(label: string, answerXml?: string): string {
  const s = overlayRoot(usedRoot('bookworm'), label);
  scratches.push(s);
  const args = ['--root', s.root, '/generalize', '/oobe', '/quiet'];
  if (answerXml) {
    const file = path.join(WORK_DIR, `${label}-${process.pid}.xml`);
    fs.mkdirSync(WORK_DIR, { recursive: true });
    fs.writeFileSync(file, answerXml);
    answerFiles.push(file);
    args.push(`/unattend:${file}`);
  }
  const r = sysprep(args);
  assert.equal(r.status, 0, r.stderr);
  return s.root;
}

function specialize(root: string, options: { mountProc?: boolean } = {}) {
  const script = options.mountProc
    ? 'mount -t proc proc "$1/proc" && chroot "$1" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin /usr/lib/sysprep/firstboot specialize; s=$?; umount "$1/proc"; exit $s'
    : 'chroot "$1" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin /usr/lib/sysprep/firstboot specialize';
  const r = spawnSync('unshare', ['--uts', '--mount', '--fork', 'sh', '-c', script, 'sh', root], { encoding: 'utf8', timeout: 300_000 });
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}`, log: read(root, '/var/log/sysprep/panther/setupact.log') };
}

describe('sealed first-boot plans', { concurrency: false }, () => {
  it('carried out as sealed: no Node.js agent, the answer file\'s name', () => {
    const root = sealed('plan-sealed', named('SEALED-01'));
    const r = specialize(root);
    assert.equal(r.status, 0, r.out);
    assert.equal(read(root, '/etc/hostname'), 'sealed-01\n');
    assert.doesNotMatch(r.log, /Planned at boot|planning again/);
    assert.match(read(root, '/var/lib/sysprep/state/State.ini'), /IMAGE_STATE_SPECIALIZE_RESEAL_TO_OOBE/);
  });

  it('sysprep.unattend= on the kernel command line: planned again at boot, that file decides; the sealed OOBE plan goes too', () => {
    const root = sealed('plan-cmdline', named('SEALED-02'));
    fs.writeFileSync(path.join(root, 'root/other.xml'), named('CMDLINE-02'));
    // the chroot has no /proc mounted: a plain file stands for the clone's kernel command line
    fs.writeFileSync(path.join(root, 'proc/cmdline'), 'root=/dev/vda rw console=ttyS0 sysprep.unattend=/root/other.xml\n');
    try {
      const r = specialize(root);
      assert.equal(r.status, 0, r.out);
      assert.equal(read(root, '/etc/hostname'), 'cmdline-02\n');
      assert.match(r.log, /the kernel command line names an answer file; planning again/);
      assert.match(r.log, /Answer file candidate \/root\/other.xml \[kernel-cmdline\]: taken/);
      assert.match(r.log, /Planned at boot: specialize/);
      assert.equal(fs.existsSync(path.join(root, 'var/lib/sysprep/state/plans/oobe.plan')), false, 'the OOBE is planned at boot as well');
    } finally {
      fs.rmSync(path.join(root, 'proc/cmdline'), { force: true });
    }
  });

  it('the cache changed after sealing: planned again from it', () => {
    const root = sealed('plan-cache', named('SEALED-03'));
    const cache = path.join(root, 'var/lib/sysprep/unattend.xml');
    fs.writeFileSync(cache, read(root, '/var/lib/sysprep/unattend.xml').replace('SEALED-03', 'EDITED-03'));
    const r = specialize(root);
    assert.equal(r.status, 0, r.out);
    assert.match(r.log, /\/var\/lib\/sysprep\/unattend\.xml changed since it was made; planning again/);
    assert.equal(read(root, '/etc/hostname'), 'edited-03\n');
  });

  it('no answer file when sealed, /etc/sysprep/unattend.xml put in later: planned again, that file decides', () => {
    const root = sealed('plan-etc');
    assert.match(read(root, '/var/lib/sysprep/state/plans/specialize.plan'), /op_hostname_generated/);
    fs.mkdirSync(path.join(root, 'etc/sysprep'), { recursive: true });
    fs.writeFileSync(path.join(root, 'etc/sysprep/unattend.xml'), named('ETC-04'));
    const r = specialize(root);
    assert.equal(r.status, 0, r.out);
    assert.match(r.log, /\/etc\/sysprep\/unattend\.xml appeared since it was made; planning again/);
    assert.equal(read(root, '/etc/hostname'), 'etc-04\n');
  });

  it('no answer file when sealed, a read-only medium with unattend.xml mounted at boot: planned again, the medium decides', () => {
    const root = sealed('plan-media');
    const medium = fs.mkdtempSync(path.join(WORK_DIR, 'medium-'));
    fs.writeFileSync(path.join(medium, 'Unattend.xml'), named('MEDIA-05'));
    const mnt = path.join(root, 'mnt/usb');
    fs.mkdirSync(mnt, { recursive: true });
    // a private mount namespace: the medium exists for the chrooted runner only
    const script = `mount --bind -o ro "$2" "$1/mnt/usb" && mount -t proc proc "$1/proc" && ` +
      'chroot "$1" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin /usr/lib/sysprep/firstboot specialize';
    const r = spawnSync('unshare', ['--uts', '--mount', '--propagation', 'private', '--fork', 'sh', '-c', script, 'sh', root, medium], { encoding: 'utf8', timeout: 300_000 });
    fs.rmSync(medium, { recursive: true, force: true });
    const log = read(root, '/var/log/sysprep/panther/setupact.log');
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    assert.match(log, /a mounted medium holds an answer file; planning again/);
    assert.match(log, /Answer file candidate \/mnt\/usb\/Unattend\.xml \[media\]: taken/);
    assert.equal(read(root, '/etc/hostname'), 'media-05\n');
  });

  it('a broken answer file at boot: specialize fails, says where, and the state stays UNDEPLOYABLE', () => {
    const root = sealed('plan-broken');
    fs.mkdirSync(path.join(root, 'etc/sysprep'), { recursive: true });
    fs.writeFileSync(path.join(root, 'etc/sysprep/unattend.xml'), '<unattend xmlns="urn:schemas-microsoft-com:unattend"><settings pass="specialize">');
    const r = specialize(root);
    assert.equal(r.status, 1, r.out);
    assert.match(r.out, /sysprep: specialize failed: planning the specialize phase failed/);
    assert.match(read(root, '/var/log/sysprep/panther/setuperr.log'), /planning the specialize phase: answer file \/etc\/sysprep\/unattend\.xml:1:\d+/);
    assert.match(read(root, '/var/lib/sysprep/state/State.ini'), /IMAGE_STATE_UNDEPLOYABLE/);
  });
});
