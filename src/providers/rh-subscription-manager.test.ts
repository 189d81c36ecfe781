import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FEDORA, OPENSUSE, RHEL, at, osRelease, notApplicableOn, notApplicableOnDebian, providerTreeTest, put, read } from '../../test/harness/provider-tree.js';

const CONSUMER = '/etc/pki/consumer/cert.pem';
const ENTITLEMENT = '/etc/pki/entitlement/1234.pem';

providerTreeTest('rh-subscription-manager', [
  notApplicableOnDebian(CONSUMER),
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
  notApplicableOn('openSUSE', OPENSUSE),
]);
