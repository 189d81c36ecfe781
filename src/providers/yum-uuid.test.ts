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

const UUID = '/var/lib/yum/uuid';

providerTreeTest('yum-uuid', [
  {
    name: 'Debian: not applicable',
    expect: {},
    check(root, report) {
      assert.equal(report.providers[0].status, 'not-applicable');
      assert.equal(read(root, UUID), 'f3b1a2c4-uuid\n');
    },
  },
  {
    name: 'Fedora: yum\'s installation UUID goes, its history stays',
    prepare(root) {
      osRelease(root, FEDORA);
      put(root, '/var/lib/yum/history/history-2026-11-20.sqlite', 'HISTORY');
    },
    expect: { removed: [UUID] },
    check(root) {
      assert.ok(fs.statSync(at(root, '/var/lib/yum')).isDirectory());
      assert.equal(read(root, '/var/lib/yum/history/history-2026-11-20.sqlite'), 'HISTORY');
    },
  },
  {
    name: 'openSUSE: not applicable',
    prepare(root) {
      osRelease(root, OPENSUSE);
    },
    expect: {},
    check(_root, report) {
      assert.equal(report.providers[0].status, 'not-applicable');
    },
  },
]);
