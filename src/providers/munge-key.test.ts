import { identityPackagesRoot } from '../../test/fixtures/package-roots.js';
import { providerTreeTest } from '../../test/harness/provider-tree.js';

providerTreeTest('munge-key', [
  {
    name: 'the real-packages root: the key munge\'s postinst made and munged\'s seed go',
    lower: () => identityPackagesRoot('bookworm'),
    expect: { removed: ['/etc/munge/munge.key', '/var/lib/munge/munged.seed'] },
  },
  { name: 'no MUNGE: nothing to do', expect: {} },
]);
