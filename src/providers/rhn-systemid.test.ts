import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { at, providerTreeTest, read } from '../../test/harness/provider-tree.js';

const FEDORA = 'NAME="Fedora Linux"\nVERSION="40 (Server Edition)"\nID=fedora\nVERSION_ID=40\nPRETTY_NAME="Fedora Linux 40 (Server Edition)"\n';
const RHEL = 'NAME="Red Hat Enterprise Linux"\nVERSION="9.4 (Plow)"\nID="rhel"\nID_LIKE="fedora"\nVERSION_ID="9.4"\nPRETTY_NAME="Red Hat Enterprise Linux 9.4 (Plow)"\n';
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
