import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FEDORA, OPENSUSE, RHEL, at, osRelease, providerTreeTest, put, read } from '../../test/harness/provider-tree.js';

const SYSTEMID = '/etc/sysconfig/rhn/systemid';

providerTreeTest('rhn-systemid', [
  {
    name: 'Debian: not applicable',
    expect: {},
    check(root, report) {
      assert.equal(report.providers[0].status, 'not-applicable');
      assert.ok(fs.existsSync(at(root, SYSTEMID)));
    },
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
