import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { identityPackagesRoot } from '../../test/fixtures/package-roots.js';
import { at, providerTreeTest, put } from '../../test/harness/provider-tree.js';

const real = () => identityPackagesRoot('bookworm');
const DATA = '/var/lib/i2pd';

providerTreeTest('i2pd-keys', [
  {
    name: 'the real-packages root: the router identity and the IRC client tunnel\'s keys i2pd made at its first start go',
    lower: real,
    get expect() {
      const made = ['router.keys', 'router.info', 'ntcp2.keys', 'ssu2.keys', 'irc-keys.dat'].filter((n) => fs.existsSync(at(real(), `${DATA}/${n}`)));
      assert.ok(made.includes('router.keys') && made.includes('irc-keys.dat'), made.join(' '));
      return { removed: made.map((n) => `${DATA}/${n}`) };
    },
    check: (root) => assert.ok(fs.statSync(at(root, `${DATA}/netDb`)).isDirectory(), 'the network database (public) stays'),
  },
  {
    name: 'a server tunnel\'s keys (its published .i2p address) stay',
    prepare(root) {
      put(root, '/etc/i2pd/tunnels.conf', '[site]\ntype = http\nhost = 127.0.0.1\nport = 8080\nkeys = site.dat\n\n[irc]\ntype = client\nkeys = irc-keys.dat\n');
      put(root, `${DATA}/site.dat`, 'server keys');
      put(root, `${DATA}/irc-keys.dat`, 'client keys');
      put(root, `${DATA}/router.keys`, 'router');
    },
    expect: { removed: [`${DATA}/irc-keys.dat`, `${DATA}/router.keys`] },
    check: (root) => assert.ok(fs.existsSync(at(root, `${DATA}/site.dat`))),
  },
]);
