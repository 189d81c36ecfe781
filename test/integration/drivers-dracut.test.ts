/**
 * `sysprep drivers add --load-at-boot` on a root whose initramfs is dracut's (SPEC 11: "the target's
 * tool"): an overlay of the cached driver root with Debian's dracut installed by apt (which replaces
 * initramfs-tools and builds the first dracut initramfs), then a real module marked as needed at boot:
 * dracut's configuration names it and the rebuilt initramfs carries it (lsinitrd, in the root).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { driverRoot, inChroot, type DriverRoot } from '../fixtures/driver-roots.js';
import { overlayRoot, type Scratch } from '../fixtures/used-root.js';
import { sysprep } from '../harness/sysprep.js';

let dr: DriverRoot;
let view: Scratch;
let root: string;

before(() => {
  dr = driverRoot('bookworm');
  view = overlayRoot(dr.root, 'drivers-dracut');
  root = view.root;
  inChroot(root, ['apt-get', 'install', '-y', '-q', '--no-install-recommends', 'dracut']);
});

after(() => view?.dispose());

test('dracut root: --load-at-boot names the module in dracut.conf.d and dracut rebuilds the initramfs with it', () => {
  assert.ok(fs.existsSync(path.join(root, 'usr/bin/dracut')), 'dracut is the root\'s initramfs tool');
  assert.ok(!fs.existsSync(path.join(root, 'usr/sbin/update-initramfs')) || fs.readFileSync(path.join(root, 'usr/sbin/update-initramfs'), 'utf8').includes('dracut'),
    'initramfs-tools is gone (apt replaced it)');
  const initrd = path.join(root, `boot/initrd.img-${dr.kernel}`);
  const before = fs.statSync(initrd).mtimeMs;
  const r = sysprep(['drivers', 'add', '--root', root, '--load-at-boot', '--json', dr.modules.hello]);
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  assert.ok(fs.statSync(initrd).mtimeMs > before, 'the initramfs was rebuilt');
  const conf = fs.readFileSync(path.join(root, 'etc/dracut.conf.d/50-sysprep-drivers.conf'), 'utf8');
  assert.match(conf, /^force_drivers\+=" sysprep_hello "$/m);
  const paths = r.json.changed.map((c: { path: string }) => c.path);
  assert.ok(paths.includes('/etc/dracut.conf.d/50-sysprep-drivers.conf'), paths.join('\n'));
  assert.ok(r.json.initramfs.length > 0, `the rebuild is reported: ${JSON.stringify(r.json.initramfs)}`);
  const listed = inChroot(root, ['lsinitrd', `/boot/initrd.img-${dr.kernel}`]).output;
  assert.match(listed, /updates\/sysprep_hello\.ko/, 'dracut\'s initramfs carries the module');
});
