import assert from 'node:assert/strict';
import { identityPackagesRoot } from '../../test/fixtures/package-roots.js';
import { providerTreeTest, read } from '../../test/harness/provider-tree.js';

const real = () => identityPackagesRoot('bookworm');
const DB = '/var/lib/openvswitch/conf.db';

providerTreeTest('openvswitch-ids', [
  {
    name: 'the real-packages root: system-id.conf goes; the database loses system-id and hostname (history included), keeps the rest',
    lower: real,
    expect: { removed: ['/etc/openvswitch/system-id.conf'], changed: [DB] },
    check(root) {
      assert.match(read(real(), DB), /"system-id"/, 'the golden database had it');
      assert.match(read(real(), DB), /"hostname","golden-01"/);
      const db = read(root, DB);
      assert.doesNotMatch(db, /system-id|golden-01/);
      assert.match(db, /"rundir","\/var\/run\/openvswitch"/, 'the other external ids stay');
      assert.match(db, /"ovs_version":"3\.1\.0"/, 'and the row\'s other columns');
      assert.match(db, /^OVSDB JSON \d+ [0-9a-f]{40}$/m, 'an OVSDB file, compacted');
    },
  },
  { name: 'no Open vSwitch: nothing to do', expect: {} },
]);
