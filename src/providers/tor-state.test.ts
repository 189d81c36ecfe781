import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { identityPackagesRoot } from '../../test/fixtures/package-roots.js';
import { at, providerTreeTest, put } from '../../test/harness/provider-tree.js';

providerTreeTest('tor-state', [
  {
    name: 'the real-packages root: the state tor wrote at its first start goes',
    lower: () => identityPackagesRoot('bookworm'),
    expect: { removed: ['/var/lib/tor/state'] },
  },
  {
    name: 'a relay\'s keys go; an onion service\'s directory stays',
    prepare(root) {
      put(root, '/var/lib/tor/state', 'Guard in=default rsa_id=AAAA\n', 0o600);
      put(root, '/var/lib/tor/keys/secret_id_key', 'relay identity', 0o600);
      put(root, '/var/lib/tor/keys/ed25519_master_id_secret_key', 'relay master', 0o600);
      put(root, '/var/lib/tor/hidden_service/hs_ed25519_secret_key', 'onion', 0o600);
    },
    expect: { removed: ['/var/lib/tor/state', '/var/lib/tor/keys/secret_id_key', '/var/lib/tor/keys/ed25519_master_id_secret_key'] },
    check: (root) => assert.ok(fs.existsSync(at(root, '/var/lib/tor/hidden_service/hs_ed25519_secret_key'))),
  },
]);
