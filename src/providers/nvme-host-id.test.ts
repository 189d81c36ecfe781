import assert from 'node:assert/strict';
import { identityPackagesRoot } from '../../test/fixtures/package-roots.js';
import { providerTreeTest, put, read } from '../../test/harness/provider-tree.js';

providerTreeTest('nvme-host-id', [
  {
    name: 'the real-packages root: the host NQN and host ID nvme-cli\'s postinst made go',
    lower: () => identityPackagesRoot('bookworm'),
    expect: { removed: ['/etc/nvme/hostnqn', '/etc/nvme/hostid'] },
  },
  {
    name: 'a host NQN the builder wrote in another form stays',
    prepare: (root) => put(root, '/etc/nvme/hostnqn', 'nqn.2014-08.com.example:storage-client-7\n'),
    expect: {},
    check: (root) => assert.equal(read(root, '/etc/nvme/hostnqn'), 'nqn.2014-08.com.example:storage-client-7\n'),
  },
]);
