import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { identityPackagesRoot } from '../../test/fixtures/package-roots.js';
import { at, providerTreeTest, put, read } from '../../test/harness/provider-tree.js';

const NAME = '/etc/iscsi/initiatorname.iscsi';
const real = () => identityPackagesRoot('bookworm');
const initrds = (root: string) => fs.readdirSync(at(root, '/boot')).filter((n) => n.startsWith('initrd.img-')).map((n) => `/boot/${n}`);

providerTreeTest('iscsi-initiator-name', [
  {
    name: 'the real-packages root: the name open-iscsi\'s postinst made goes, and the initramfs that held a copy is rebuilt',
    lower: real,
    get expect() {
      return { removed: [NAME], changed: initrds(real()) };
    },
    check(root, report) {
      assert.equal(fs.existsSync(at(root, NAME)), false);
      assert.ok(report.changed.some((c: { path: string; detail?: string }) => c.path.startsWith('/boot/initrd.img-') && /without the initiator name/.test(c.detail ?? '')));
    },
  },
  {
    name: 'a name the builder chose (another prefix) stays',
    prepare: (root) => put(root, NAME, 'InitiatorName=iqn.2005-03.com.example:web-tier\n', 0o600),
    expect: {},
    check: (root) => assert.equal(read(root, NAME), 'InitiatorName=iqn.2005-03.com.example:web-tier\n'),
  },
  {
    name: 'GenerateName=yes (open-iscsi makes the name at its first start) stays',
    prepare: (root) => put(root, NAME, 'GenerateName=yes\n', 0o600),
    expect: {},
  },
]);
