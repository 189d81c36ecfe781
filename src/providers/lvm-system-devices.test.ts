import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after } from 'node:test';
import { CACHE_DIR } from '../../test/fixtures/roots.js';
import { at, providerTreeTest, put } from '../../test/harness/provider-tree.js';

const DEVICES = '/etc/lvm/devices/system.devices';

/** Files on the host, outside the image, that links in the image name; they must stay untouched. */
const HOST = path.join(CACHE_DIR, 'work', `host-lvm-system-devices-${process.pid}`);
after(() => fs.rmSync(HOST, { recursive: true, force: true }));
function hostFile(name: string, content: string): string {
  fs.mkdirSync(path.dirname(path.join(HOST, name)), { recursive: true });
  fs.writeFileSync(path.join(HOST, name), content);
  return path.join(HOST, name);
}

providerTreeTest('lvm-system-devices', [
  {
    expect: { removed: [DEVICES] },
    check(root) {
      assert.ok(fs.statSync(at(root, '/etc/lvm/devices')).isDirectory(), 'the devices directory stays');
    },
  },
  {
    name: 'other devices files (lvmdevices --devicesfile) stay',
    prepare(root) {
      put(root, '/etc/lvm/devices/backup.devices', 'IDTYPE=sys_wwid IDNAME=naa.601\n');
      put(root, '/etc/lvm/lvm.conf', 'devices {\n  use_devicesfile = 1\n}\n');
    },
    expect: { removed: [DEVICES] },
    check(root) {
      assert.equal(fs.readFileSync(at(root, '/etc/lvm/devices/backup.devices'), 'utf8'), 'IDTYPE=sys_wwid IDNAME=naa.601\n');
    },
  },
  {
    name: 'nothing to do: no devices file',
    prepare(root) {
      fs.rmSync(at(root, DEVICES));
    },
    expect: {},
    check(_root, report) {
      assert.equal(report.providers[0].status, 'done');
      assert.deepEqual(report.providers[0].changes, []);
    },
  },
  {
    name: 'the devices file is a link to a host file: only the link goes',
    prepare(root) {
      fs.rmSync(at(root, DEVICES));
      fs.symlinkSync(hostFile('system.devices', 'HOST DEVICES\n'), at(root, DEVICES));
    },
    expect: { removed: [DEVICES] },
    check() {
      assert.equal(fs.readFileSync(path.join(HOST, 'system.devices'), 'utf8'), 'HOST DEVICES\n');
    },
  },
]);
