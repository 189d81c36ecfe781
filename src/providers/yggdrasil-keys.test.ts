import assert from 'node:assert/strict';
import { identityPackagesRoot } from '../../test/fixtures/package-roots.js';
import { providerTreeTest, read } from '../../test/harness/provider-tree.js';

const CONF = '/etc/yggdrasil/yggdrasil.conf';
const real = () => identityPackagesRoot('bookworm');

providerTreeTest('yggdrasil-keys', [
  {
    name: 'the real-packages root: the key pair yggdrasil -genconf wrote gives way to marks; every other line stays',
    lower: real,
    expect: { changed: [CONF] },
    check(root) {
      const after = read(root, CONF).split('\n');
      const before = read(real(), CONF).split('\n');
      assert.equal(after.length, before.length);
      for (const [i, line] of before.entries()) {
        const key = /^(\s*)(PublicKey|PrivateKey):/.exec(line);
        assert.equal(after[i], key ? `${key[1]}# sysprep: ${key[2]} made at first boot` : line);
      }
    },
  },
  { name: 'no Yggdrasil: nothing to do', expect: {} },
]);
