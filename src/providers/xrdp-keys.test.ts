import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { identityPackagesRoot } from '../../test/fixtures/package-roots.js';
import { at, providerTreeTest } from '../../test/harness/provider-tree.js';

providerTreeTest('xrdp-keys', [
  {
    name: 'the real-packages root: the RDP key pair xrdp\'s postinst made goes; the links to the snakeoil pair stay',
    lower: () => identityPackagesRoot('bookworm'),
    expect: { removed: ['/etc/xrdp/rsakeys.ini'] },
    check: (root) => assert.ok(fs.lstatSync(at(root, '/etc/xrdp/key.pem')).isSymbolicLink()),
  },
  { name: 'no xrdp: nothing to do', expect: {} },
]);
