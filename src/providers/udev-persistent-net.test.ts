import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { at, providerTreeTest, put, read } from '../../test/harness/provider-tree.js';

const NET = '/etc/udev/rules.d/70-persistent-net.rules';

providerTreeTest('udev-persistent-net', [
  {
    expect: { removed: [NET] },
    check(root) {
      assert.ok(fs.statSync(at(root, '/etc/udev/rules.d')).isDirectory());
    },
  },
  {
    name: 'the CD rules go too; the builder\'s own rules stay',
    prepare(root) {
      put(root, '/etc/udev/rules.d/70-persistent-cd.rules', 'SUBSYSTEM=="block", ENV{ID_CDROM}=="1", SYMLINK+="cdrom"\n');
      put(root, '/etc/udev/rules.d/99-local.rules', 'SUBSYSTEM=="usb", MODE="0660"\n');
    },
    expect: { removed: [NET, '/etc/udev/rules.d/70-persistent-cd.rules'] },
    check(root) {
      assert.equal(read(root, '/etc/udev/rules.d/99-local.rules'), 'SUBSYSTEM=="usb", MODE="0660"\n');
    },
  },
  {
    name: '/mode:vm: the CD rules (device state) stay, the MAC pins (identity) go',
    args: ['/mode:vm', '/oobe'],
    prepare(root) {
      put(root, '/etc/udev/rules.d/70-persistent-cd.rules', 'SUBSYSTEM=="block", ENV{ID_CDROM}=="1", SYMLINK+="cdrom"\n');
    },
    expect: { removed: [NET] },
    check(root, report) {
      assert.match(read(root, '/etc/udev/rules.d/70-persistent-cd.rules'), /cdrom/);
      assert.ok(report.providers[0].notes.some((n: string) => /kept .*70-persistent-cd.rules: \/mode:vm/.test(n)));
    },
  },
  {
    name: 'nothing to do',
    prepare(root) {
      fs.rmSync(at(root, NET));
    },
    expect: {},
  },
  {
    name: 'a rules file that is a link to /dev/null masks the generator: kept',
    prepare(root) {
      fs.rmSync(at(root, NET));
      fs.symlinkSync('/dev/null', at(root, NET));
      put(root, '/etc/udev/rules.d/70-persistent-cd.rules', 'SUBSYSTEM=="block", SYMLINK+="cdrom"\n');
    },
    expect: { removed: ['/etc/udev/rules.d/70-persistent-cd.rules'] },
    check(root, report) {
      assert.equal(fs.readlinkSync(at(root, NET)), '/dev/null');
      assert.ok(report.providers[0].notes.some((n: string) => n.includes('/dev/null')));
    },
  },
]);
