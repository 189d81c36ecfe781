import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { usedRoot } from '../../test/fixtures/used-root.js';
import { at, providerTreeTest, read } from '../../test/harness/provider-tree.js';

const initrd = (root: string) => fs.readdirSync(path.join(root, 'boot')).find((n) => n.startsWith('initrd.img-'))!;
const INITRD = `/boot/${initrd(usedRoot('bookworm'))}`;

providerTreeTest('initramfs-hostonly', [
  {
    name: 'generic initramfs (Debian default MODULES=most): nothing to do',
    expect: {},
  },
  {
    name: 'host-only (MODULES=dep): switched to MODULES=most and rebuilt by update-initramfs in the image',
    prepare(root) {
      const conf = at(root, '/etc/initramfs-tools/initramfs.conf');
      fs.writeFileSync(conf, fs.readFileSync(conf, 'utf8').replace(/^MODULES=.*$/m, 'MODULES=dep'));
    },
    expect: {
      added: ['/etc/initramfs-tools/conf.d/90-sysprep-generic'],
      // the rebuilt initrd (update-initramfs also keeps a .dpkg-bak of some; the name is the image's)
      changed: [INITRD],
    },
    check(root, report) {
      assert.match(read(root, '/etc/initramfs-tools/conf.d/90-sysprep-generic'), /^MODULES=most$/m);
      assert.match(read(root, '/etc/initramfs-tools/initramfs.conf'), /^MODULES=dep$/m, 'the builder\'s file is left as it was');
      const c = report.changed.find((x: any) => x.path === `/boot/${initrd(root)}`);
      assert.ok(c, 'the rebuilt initrd is listed');
      assert.match(c.detail, /rebuilt by update-initramfs/);
    },
  },
  {
    name: '/mode:vm keeps a host-only initramfs: no drop-in, no rebuild',
    args: ['/mode:vm', '/oobe'],
    prepare(root) {
      const conf = at(root, '/etc/initramfs-tools/initramfs.conf');
      fs.writeFileSync(conf, fs.readFileSync(conf, 'utf8').replace(/^MODULES=.*$/m, 'MODULES=dep'));
    },
    expect: {},
    check(_root, report) {
      assert.ok(report.providers[0].notes.some((n: string) => /kept the host-only initramfs-tools initramfs: \/mode:vm/.test(n)));
    },
  },
]);
