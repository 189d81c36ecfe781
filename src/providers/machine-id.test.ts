import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { at, providerTreeTest, read } from '../../test/harness/provider-tree.js';

providerTreeTest('machine-id', [
  {
    expect: { changed: ['/etc/machine-id'], removed: ['/var/lib/dbus/machine-id'] },
    check(root) {
      assert.equal(read(root, '/etc/machine-id'), 'uninitialized\n');
      assert.equal(fs.statSync(at(root, '/etc/machine-id')).mode & 0o777, 0o444);
    },
  },
  {
    name: 'D-Bus id is a link to /etc/machine-id: kept',
    prepare(root) {
      fs.rmSync(at(root, '/var/lib/dbus/machine-id'));
      fs.symlinkSync('/etc/machine-id', at(root, '/var/lib/dbus/machine-id'));
    },
    expect: { changed: ['/etc/machine-id'] },
    check(root) {
      assert.equal(fs.readlinkSync(at(root, '/var/lib/dbus/machine-id')), '/etc/machine-id');
    },
  },
]);
