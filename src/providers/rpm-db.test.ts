import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { at, providerTreeTest, read } from '../../test/harness/provider-tree.js';

const FEDORA = 'NAME="Fedora Linux"\nVERSION="40 (Server Edition)"\nID=fedora\nVERSION_ID=40\nPRETTY_NAME="Fedora Linux 40 (Server Edition)"\n';
const OPENSUSE = 'NAME="openSUSE Leap"\nVERSION="15.6"\nID="opensuse-leap"\nID_LIKE="suse opensuse"\nVERSION_ID="15.6"\nPRETTY_NAME="openSUSE Leap 15.6"\n';

/** Make the image claim another distribution (os-release is a link to ../usr/lib/os-release). */
function osRelease(root: string, text: string): void {
  fs.rmSync(at(root, '/etc/os-release'));
  fs.writeFileSync(at(root, '/etc/os-release'), text);
}

function put(root: string, p: string, content = ''): void {
  fs.mkdirSync(path.dirname(at(root, p)), { recursive: true });
  fs.writeFileSync(at(root, p), content);
}

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
