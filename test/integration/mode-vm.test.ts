/**
 * `/mode:vm` on an offline root (SPEC 2, 11): the image stays tuned to its hypervisor — a host-only
 * initramfs, saved backlight/rfkill state and udev's CD rules are kept — while everything that is the
 * machine's identity (machine-id, host keys, MAC pins, leases, the host name) is still removed, and
 * external providers see SYSPREP_VM=1. An offline root is not asked with systemd-detect-virt: the log
 * says so. One seal of the used bookworm root, checked several ways.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { GOLDEN_MAC } from '../fixtures/lived-in.js';
import { overlayRoot, usedRoot, type Scratch } from '../fixtures/used-root.js';
import { sysprep, type Result } from '../harness/sysprep.js';

let s: Scratch;
let r: Result;
let initrdBefore: Map<string, number>;
const at = (p: string) => path.join(s.root, p);
const read = (p: string) => fs.readFileSync(at(p), 'utf8');
const CD_RULES = '/etc/udev/rules.d/70-persistent-cd.rules';

before(() => {
  s = overlayRoot(usedRoot('bookworm'), 'mode-vm');
  // a host-only initramfs (initramfs-tools' MODULES=dep), udev's CD rules, and an external provider
  // that records what it was told
  const conf = at('/etc/initramfs-tools/initramfs.conf');
  fs.writeFileSync(conf, fs.readFileSync(conf, 'utf8').replace(/^MODULES=.*$/m, 'MODULES=dep'));
  fs.writeFileSync(at(CD_RULES), 'SUBSYSTEM=="block", ENV{ID_CDROM}=="1", ENV{ID_PATH}=="pci-0000:00:01.1-ata-2", SYMLINK+="cdrom"\n');
  fs.mkdirSync(at('/usr/local/lib/acme'), { recursive: true });
  fs.writeFileSync(at('/usr/local/lib/acme/gen.sh'), '#!/bin/sh\necho "vm=$SYSPREP_VM mode=$SYSPREP_MODE" > /etc/acme-seen\n', { mode: 0o755 });
  fs.mkdirSync(at('/etc/sysprep/providers.d'), { recursive: true });
  fs.writeFileSync(at('/etc/sysprep/providers.d/acme.json'), JSON.stringify({ id: 'acme', generalize: ['/usr/local/lib/acme/gen.sh'] }));
  initrdBefore = new Map(fs.readdirSync(at('/boot')).filter((n) => n.startsWith('initrd')).map((n) => [n, fs.statSync(at(`/boot/${n}`)).mtimeMs]));
  r = sysprep(['--root', s.root, '/mode:vm', '/generalize', '/oobe', '--json']);
  assert.equal(r.status, 0, `${r.stderr}\n${r.stdout.slice(0, 2000)}`);
});
after(() => s?.dispose());

test('/mode:vm on an offline root: accepted, reported, and the log says it was not asked of systemd-detect-virt', () => {
  assert.equal(r.json.request.vm, true);
  assert.equal(r.json.stateAfter, 'IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE');
  const log = read('/var/lib/sysprep/panther/setupact.log');
  assert.match(log, /\/mode:vm: the image stays tuned to its hypervisor .*an offline root: not checked with systemd-detect-virt/);
});

test('/mode:vm keeps what tunes the image to its hypervisor: host-only initramfs, device state, CD rules', () => {
  assert.equal(fs.existsSync(at('/etc/initramfs-tools/conf.d/90-sysprep-generic')), false, 'no generic drop-in');
  assert.match(read('/etc/initramfs-tools/initramfs.conf'), /^MODULES=dep$/m);
  for (const [n, mtime] of initrdBefore) assert.equal(fs.statSync(at(`/boot/${n}`)).mtimeMs, mtime, `${n} not rebuilt`);
  assert.equal(read('/var/lib/systemd/backlight/pci-0000:00:02.0:backlight:intel_backlight'), '512\n');
  assert.equal(read('/var/lib/systemd/rfkill/platform-thinkpad_acpi:wlan'), '0\n');
  assert.match(read(CD_RULES), /SYMLINK\+="cdrom"/);
  const notes = (id: string) => r.json.providers.find((p: { id: string }) => p.id === id).notes.join('\n');
  assert.match(notes('initramfs-hostonly'), /kept the host-only initramfs-tools initramfs: \/mode:vm/);
  assert.match(notes('hardware-state'), /kept: \/mode:vm/);
  assert.match(notes('udev-persistent-net'), /kept .*70-persistent-cd\.rules: \/mode:vm/);
  const changed = new Set(r.json.changed.map((c: { path: string }) => c.path));
  for (const p of [CD_RULES, '/var/lib/systemd/backlight/pci-0000:00:02.0:backlight:intel_backlight']) assert.ok(!changed.has(p), `${p} not in the report`);
});

test('/mode:vm still removes identity: machine-id, host keys, MAC pins, leases, host name', () => {
  assert.equal(read('/etc/machine-id'), 'uninitialized\n');
  assert.deepEqual(fs.readdirSync(at('/etc/ssh')).filter((n) => n.startsWith('ssh_host_')), []);
  assert.equal(fs.existsSync(at('/etc/udev/rules.d/70-persistent-net.rules')), false, 'MAC-pinning udev rules removed');
  assert.doesNotMatch(read('/etc/NetworkManager/system-connections/Wired.nmconnection'), new RegExp(GOLDEN_MAC, 'i'));
  assert.doesNotMatch(read('/etc/netplan/50-cloud-init.yaml'), new RegExp(GOLDEN_MAC, 'i'));
  assert.equal(fs.existsSync(at('/var/lib/dhcp/dhclient6.leases')), false, 'leases removed');
  assert.equal(fs.existsSync(at('/var/lib/systemd/netif/leases/2')), false);
  assert.doesNotMatch(fs.existsSync(at('/etc/hostname')) ? read('/etc/hostname') : '', /golden/);
});

test('/mode:vm reaches external providers as SYSPREP_VM=1', () => {
  assert.equal(read('/etc/acme-seen'), 'vm=1 mode=oobe\n');
});
