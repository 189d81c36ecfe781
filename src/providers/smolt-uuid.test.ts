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

const UUID = '/etc/smolt/uuid';

providerTreeTest('smolt-uuid', [
  {
    name: 'Debian: not applicable',
    expect: {},
    check(root, report) {
      assert.equal(report.providers[0].status, 'not-applicable');
      assert.ok(fs.existsSync(at(root, UUID)));
    },
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
