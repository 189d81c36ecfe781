import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FEDORA, OPENSUSE, at, osRelease,  providerTreeTest, put, read } from '../../test/harness/provider-tree.js';

const UUID = '/etc/smolt/uuid';

providerTreeTest('smolt-uuid', [
  {
    // a file of this layout left on a Debian root still names the machine (sysprep verify finds it)
    name: 'Debian: the left-over file goes all the same',
    expect: { removed: [UUID] },
  },
  {
    name: 'Fedora: every Smolt hardware UUID goes',
    prepare(root) {
      osRelease(root, FEDORA);
      put(root, '/etc/smolt/hw-uuid', 'hw');
      put(root, '/etc/sysconfig/hw-uuid', 'hw');
      put(root, '/etc/smolt/smolt.conf', 'SMOON_URL = "http://smolts.org/"\n');
    },
    expect: { removed: [UUID, '/etc/smolt/hw-uuid', '/etc/sysconfig/hw-uuid'] },
    check(root) {
      assert.equal(read(root, '/etc/smolt/smolt.conf'), 'SMOON_URL = "http://smolts.org/"\n');
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
