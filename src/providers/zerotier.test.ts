import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after } from 'node:test';
import { CACHE_DIR } from '../../test/fixtures/roots.js';
import { at, providerTreeTest, put, read } from '../../test/harness/provider-tree.js';

const HOST = path.join(CACHE_DIR, 'work', `host-zerotier-${process.pid}`);
after(() => fs.rmSync(HOST, { recursive: true, force: true }));

const ZT = '/var/lib/zerotier-one';
/** The working directory besides the identity: joined networks, local settings, caches, API token. */
const KEEP: Record<string, string> = {
  'networks.d/8056c2e21c000001.conf': 'nwid=8056c2e21c000001\nallowManaged=1\n',
  'networks.d/8056c2e21c000001.local.conf': 'allowDNS=1\n',
  'local.conf': '{"settings":{"primaryPort":9993}}\n',
  'authtoken.secret': 'k3yf0rth3l0c4l4p1',
  'planet': 'PLANET',
  'peers.d/89e92ceee5.peer': 'PEER',
  'zerotier-one.port': '9993',
};

function layOut(root: string): void {
  put(root, `${ZT}/identity.secret`, '3a46f1bf30:0:aabbccdd:eeff0011', 0o600);
  put(root, `${ZT}/identity.public`, '3a46f1bf30:0:aabbccdd', 0o644);
  for (const [p, content] of Object.entries(KEEP)) put(root, `${ZT}/${p}`, content, p.endsWith('.secret') ? 0o600 : 0o644);
}

providerTreeTest('zerotier', [
  {
    name: 'identity.secret and identity.public go; joined networks, local.conf, caches and the API token stay',
    prepare: layOut,
    expect: { removed: [`${ZT}/identity.secret`, `${ZT}/identity.public`] },
    check(root) {
      for (const [p, content] of Object.entries(KEEP)) assert.equal(read(root, `${ZT}/${p}`), content, `${p} stays`);
    },
  },
  {
    name: 'identity.secret a link to a host file: only the link goes',
    prepare(root) {
      layOut(root);
      fs.mkdirSync(HOST, { recursive: true });
      fs.writeFileSync(path.join(HOST, 'identity.secret'), 'HOST IDENTITY');
      fs.rmSync(at(root, `${ZT}/identity.secret`));
      fs.symlinkSync(path.join(HOST, 'identity.secret'), at(root, `${ZT}/identity.secret`));
    },
    expect: { removed: [`${ZT}/identity.secret`, `${ZT}/identity.public`] },
    check() {
      assert.equal(fs.readFileSync(path.join(HOST, 'identity.secret'), 'utf8'), 'HOST IDENTITY');
    },
  },
  {
    name: 'no ZeroTier: nothing to do',
    expect: {},
  },
]);
