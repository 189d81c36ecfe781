import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FEDORA, OPENSUSE, at, osRelease,  providerTreeTest, put, read } from '../../test/harness/provider-tree.js';

const UUID = '/var/lib/yum/uuid';

providerTreeTest('yum-uuid', [
  {
    // a file of this layout left on a Debian root still names the machine (sysprep verify finds it)
    name: 'Debian: the left-over file goes all the same',
    expect: { removed: [UUID] },
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
    name: 'openSUSE: the file goes wherever it is',
    prepare(root) {
      osRelease(root, OPENSUSE);
    },
    expect: { removed: [UUID] },
  },
]);
