import assert from 'node:assert/strict';
import { identityPackagesRoot } from '../../test/fixtures/package-roots.js';
import { providerTreeTest, put, read } from '../../test/harness/provider-tree.js';

const KEY = '/etc/bind/rndc.key';
const BUILDERS = 'key "ops-control" {\n\talgorithm hmac-sha256;\n\tsecret "c2hhcmVkIHdpdGggdGhlIG9wZXJhdGlvbnMgdGVhbQ==";\n};\n';

providerTreeTest('bind-rndc-key', [
  {
    name: 'the real-packages root: the key bind9\'s postinst made (rndc-confgen -a) goes',
    lower: () => identityPackagesRoot('bookworm'),
    expect: { removed: [KEY] },
  },
  {
    name: 'a key of another name, written by the builder, stays',
    prepare: (root) => put(root, KEY, BUILDERS, 0o640),
    expect: {},
    check: (root) => assert.equal(read(root, KEY), BUILDERS),
  },
]);
