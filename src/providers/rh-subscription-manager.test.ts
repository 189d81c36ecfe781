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

const CONSUMER = '/etc/pki/consumer/cert.pem';
const ENTITLEMENT = '/etc/pki/entitlement/1234.pem';

providerTreeTest('rh-subscription-manager', [
  {
    name: 'Debian: not applicable',
    expect: {},
    check(root, report) {
      assert.equal(report.providers[0].status, 'not-applicable');
      assert.ok(fs.existsSync(at(root, CONSUMER)));
    },
  },
  {
    name: 'RHEL: the consumer identity and entitlement certificates go, the directories and CA trust stay',
    prepare(root) {
      osRelease(root, RHEL);
      put(root, '/etc/pki/consumer/key.pem', 'KEY');
      put(root, '/etc/pki/entitlement/1234-key.pem', 'KEY');
      put(root, '/etc/pki/product-default/479.pem', 'PRODUCT');
      put(root, '/etc/pki/tls/certs/ca-bundle.crt', 'CA BUNDLE');
      put(root, '/etc/rhsm/rhsm.conf', '[server]\nhostname = subscription.rhsm.redhat.com\n');
    },
    expect: { removed: [CONSUMER, ENTITLEMENT, '/etc/pki/consumer/key.pem', '/etc/pki/entitlement/1234-key.pem'] },
    check(root, report) {
      assert.equal(report.providers[0].status, 'done');
      assert.deepEqual(fs.readdirSync(at(root, '/etc/pki/consumer')), []);
      assert.deepEqual(fs.readdirSync(at(root, '/etc/pki/entitlement')), []);
      assert.equal(read(root, '/etc/pki/product-default/479.pem'), 'PRODUCT');
      assert.equal(read(root, '/etc/pki/tls/certs/ca-bundle.crt'), 'CA BUNDLE');
      assert.match(read(root, '/etc/rhsm/rhsm.conf'), /subscription\.rhsm/);
    },
  },
  {
    name: 'Fedora (rhel family): same files',
    prepare(root) {
      osRelease(root, FEDORA);
    },
    expect: { removed: [CONSUMER, ENTITLEMENT] },
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
