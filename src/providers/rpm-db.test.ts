import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FEDORA, OPENSUSE, at, osRelease, providerTreeTest, put, read } from '../../test/harness/provider-tree.js';

const DB1 = '/var/lib/rpm/__db.001';

function rpmdb(root: string): void {
  put(root, '/var/lib/rpm/__db.002', 'env');
  put(root, '/var/lib/rpm/__db.003', 'env');
  put(root, '/var/lib/rpm/Packages', 'THE PACKAGE DATABASE');
  put(root, '/var/lib/rpm/rpmdb.sqlite', 'THE SQLITE PACKAGE DATABASE');
}

providerTreeTest('rpm-db', [
  {
    name: 'Debian: not applicable',
    expect: {},
    check(root, report) {
      assert.equal(report.providers[0].status, 'not-applicable');
      assert.ok(fs.existsSync(at(root, DB1)));
    },
  },
  {
    name: 'Fedora: Berkeley DB environment files go, the package database stays',
    prepare(root) {
      osRelease(root, FEDORA);
      rpmdb(root);
    },
    expect: { removed: [DB1, '/var/lib/rpm/__db.002', '/var/lib/rpm/__db.003'] },
    check(root) {
      assert.equal(read(root, '/var/lib/rpm/Packages'), 'THE PACKAGE DATABASE');
      assert.equal(read(root, '/var/lib/rpm/rpmdb.sqlite'), 'THE SQLITE PACKAGE DATABASE');
    },
  },
  {
    name: 'openSUSE (rpm too): same',
    prepare(root) {
      osRelease(root, OPENSUSE);
      rpmdb(root);
    },
    expect: { removed: [DB1, '/var/lib/rpm/__db.002', '/var/lib/rpm/__db.003'] },
    check(root) {
      assert.equal(read(root, '/var/lib/rpm/Packages'), 'THE PACKAGE DATABASE');
    },
  },
]);
