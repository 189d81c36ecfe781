import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FEDORA, OPENSUSE, at, osRelease, notApplicableOn, notApplicableOnDebian, providerTreeTest, put, read } from '../../test/harness/provider-tree.js';

const UUID = '/var/lib/yum/uuid';

providerTreeTest('yum-uuid', [
  notApplicableOnDebian(UUID, 'f3b1a2c4-uuid\n'),
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
  notApplicableOn('openSUSE', OPENSUSE),
]);
