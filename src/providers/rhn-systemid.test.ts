import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FEDORA, OPENSUSE, RHEL, at, osRelease,  providerTreeTest, put, read } from '../../test/harness/provider-tree.js';

const SYSTEMID = '/etc/sysconfig/rhn/systemid';

providerTreeTest('rhn-systemid', [
  {
    // a file of this layout left on a Debian root still names the machine (sysprep verify finds it)
    name: 'Debian: the left-over file goes all the same',
    expect: { removed: [SYSTEMID] },
  },
  {
    name: 'RHEL: the system id and osad credentials go, up2date settings stay',
    prepare(root) {
      osRelease(root, RHEL);
      put(root, '/etc/sysconfig/rhn/osad-auth.conf', '[osad]\npassword = x\n');
      put(root, '/etc/sysconfig/rhn/up2date', 'serverURL=https://xmlrpc.rhn.redhat.com/XMLRPC\n');
    },
    expect: { removed: [SYSTEMID, '/etc/sysconfig/rhn/osad-auth.conf'] },
    check(root) {
      assert.equal(read(root, '/etc/sysconfig/rhn/up2date'), 'serverURL=https://xmlrpc.rhn.redhat.com/XMLRPC\n');
    },
  },
  {
    name: 'Fedora: nothing to do without a system id',
    prepare(root) {
      osRelease(root, FEDORA);
      fs.rmSync(at(root, SYSTEMID));
    },
    expect: {},
    check(_root, report) {
      assert.equal(report.providers[0].status, 'done');
    },
  },
  {
    name: 'openSUSE: the file goes wherever it is',
    prepare(root) {
      osRelease(root, OPENSUSE);
    },
    expect: { removed: [SYSTEMID] },
  },
]);
